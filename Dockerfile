# syntax=docker/dockerfile:1
# The server with everything it needs, set up by the same script as a
# developer machine (scripts/setup.sh): Chromium, ffmpeg, node_modules, and
# the mediasoup worker built from source against Debian 12's libraries.
FROM node:20-bookworm

# build.sh caches the worker here and the server looks for it here, whatever
# the user's home directory is.
ENV CLASSROOM_RECORDER_CACHE=/opt/classroom-recorder/cache
WORKDIR /app

# Setup first, from only the files it reads, so that code changes reuse this
# layer (the worker build takes about 5 minutes on 2 cores).
COPY package.json package-lock.json ./
COPY scripts/setup.sh scripts/setup.sh
COPY scripts/mediasoup-worker/ scripts/mediasoup-worker/
RUN CI=true bash scripts/setup.sh && rm -rf /var/lib/apt/lists/*

COPY . .
RUN npm run build:web

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/var/lib/classroom \
    RECORDING_STORAGE_DIR=/var/lib/classroom-recordings
# Created here, owned by the runtime user, so named volumes start with that owner.
RUN mkdir -p /var/lib/classroom /var/lib/classroom-recordings \
  && chown node:node /var/lib/classroom /var/lib/classroom-recordings
USER node

EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
  CMD node -e "fetch('http://127.0.0.1:3000/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# What `npm start` runs after setup and the web build (both done above).
# Node is PID 1's child under `init: true` (docker-compose.yml), which reaps
# the recorder's Chromium processes; SIGTERM shuts the server down gracefully.
CMD ["node", "--import", "tsx", "server/src/main.ts"]
