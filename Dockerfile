# uptake: the bot service. Build: docker build -t uptake .
# Runs `uptake serve` on 0.0.0.0:3978 as a non-root user. Binding a non-loopback address needs
# the bot credentials (CONNECTIONS__SERVICE_CONNECTION__SETTINGS__*): without them the bot
# refuses to start rather than accept unauthenticated traffic. See docs/deploy.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UPTAKE_DATA_DIR=/var/lib/uptake

RUN groupadd --system --gid 10001 uptake \
 && useradd --system --uid 10001 --gid uptake --home-dir /var/lib/uptake --shell /usr/sbin/nologin uptake \
 && install -d -o uptake -g uptake -m 0750 /var/lib/uptake

WORKDIR /app
# Project metadata first, so the dependency layer is reused when only the code changes.
COPY pyproject.toml README.md ./
COPY adoption ./adoption
COPY bot ./bot
COPY cards ./cards
COPY graph ./graph
COPY manifest ./manifest
COPY scheduler ./scheduler
COPY store ./store
COPY uptake ./uptake
RUN pip install . && rm -rf /app/build

USER uptake
WORKDIR /var/lib/uptake
EXPOSE 3978
CMD ["uptake", "serve", "--host", "0.0.0.0", "--port", "3978"]
