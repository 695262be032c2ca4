# syntax=docker/dockerfile:1
# Xtream's service image: Node 24 runs the TypeScript sources directly (type
# stripping), one image for every service; the `transcoder` target adds ffmpeg.
# The browser app is built in its own stage (`web`: Vite, dev dependencies) and
# only its output, web/dist, goes into the `service` image, where the gateway
# serves it (k8s/xtream sets GATEWAY_WEB_DIR=/app/web/dist, also the gateway's default).
#   docker build -t ghcr.io/xtream/xtream:0.1.0 .                                  (default target: service)
#   docker build --target transcoder -t ghcr.io/xtream/xtream-transcoder:0.1.0 .
# k8s/xtream runs `node --enable-source-maps --import ./lib/telemetry/register.ts <main>`
# as uid 10001 with a read-only root filesystem and /tmp as an emptyDir.
# (Not built in this repository's CI: its machines have no container runtime.)

FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# patches/: fixes to dependencies, applied by the postinstall script (patch-package).
COPY patches ./patches
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# The browser app: `npm run build:web` (vite build) writes web/dist from web/ and
# the generated code in gen/. Vite is a dev dependency, so this stage installs them all.
FROM node:24-bookworm-slim AS web
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --no-audit --no-fund && npm cache clean --force
COPY gen ./gen
COPY web ./web
RUN npm run build:web

FROM node:24-bookworm-slim AS base
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY gen ./gen
COPY lib ./lib
COPY gateway ./gateway
COPY services ./services

FROM base AS transcoder
RUN apt-get update \
  && apt-get install -y --no-install-recommends ffmpeg \
  && rm -rf /var/lib/apt/lists/*
USER 10001:10001

# Last, so it is the default target. The gateway serves the browser app from it.
FROM base AS service
COPY --from=web /app/web/dist ./web/dist
USER 10001:10001
