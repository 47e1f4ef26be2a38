#!/usr/bin/env bash
# Build the Teams app package and check it twice, offline:
#   1. `uptake manifest build`: official JSON schemas (manifest + localisation), icon sizes,
#      outline transparency; writes the zip.
#   2. Microsoft 365 Agents Toolkit `atk validate --manifest-file`: Microsoft's own validator,
#      on the unzipped package (manifest.json + localisation files + icons).
# `--package-file` is NOT used: with a zip, atk validates through the Teams Developer Portal
# and opens a browser sign-in (verified); `--manifest-file` runs entirely offline (verified
# with the network namespace removed: `unshare -n`).
#
# Needs: `npm ci` at the repo root (with --ignore-scripts when libsecret-1-dev is absent), for
# atk only: the schemas of step 1 ship with uptake. Runs the project's virtualenv
# ($repo/.venv, see README), not whatever `python` is first on PATH; PYTHON=... overrides.
# Placeholder ids are fine for a check; a real deployment passes its own (see docs/deploy.md).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-$repo/.venv/bin/python}"
command -v "$python" >/dev/null || {
  echo "no Python at $python: create the venv in $repo (python3 -m venv .venv && .venv/bin/pip install -e '.[dev]') or set PYTHON" >&2
  exit 1
}
out="${1:-$repo/dist/uptake-teams-app.zip}"
app_id="${CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID:-00000000-0000-4000-8000-000000000001}"
domain="${UPTAKE_PUBLIC_DOMAIN:-uptake.example.com}"
atk="$repo/node_modules/.bin/atk"
[ -x "$atk" ] || { echo "atk not installed: run 'npm ci' in $repo" >&2; exit 1; }

# Through the manifest command group directly, so this check does not depend on the rest of
# the CLI importing; `uptake manifest build` is the same command.
"$python" -c 'from uptake.cli.manifest import manifest; manifest(prog_name="uptake manifest")' \
  build --app-id "$app_id" --domain "$domain" --output "$out" --lang en

unpacked="$(mktemp -d)"
trap 'rm -rf "$unpacked"' EXIT
"$python" -m zipfile -e "$out" "$unpacked"
# atk writes logs and a state folder under $HOME; keep them out of the real home in CI.
HOME="$unpacked/.home" timeout 300 "$atk" validate \
  --manifest-file "$unpacked/manifest.json" --folder "$unpacked" --telemetry false -i false
