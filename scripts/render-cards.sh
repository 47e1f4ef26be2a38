#!/usr/bin/env bash
# Pictures of every gallery card in every language: docs/cards/<card>.<lang>.png.
# Needs: npm ci (adaptivecards, playwright-core) and Debian chromium (apt-get install chromium).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-python}"
out="${1:-$repo/docs/cards}"
samples="$(mktemp --suffix=.json)"
trap 'rm -f "$samples"' EXIT
cd "$repo"
"$python" scripts/dump_card_samples.py > "$samples"
node scripts/render-cards.mjs "$samples" "$out"
