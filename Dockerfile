# The controller's image: built JavaScript, production dependencies only, non-root.
# Node 24 is the current LTS; the tag is pinned to a patch release so rebuilds are repeatable.

FROM node:24.11.1-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm runs no install scripts in this project (package.json "allowScripts").
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY controller ./controller
COPY common ./common
# configure, preflight and drain too, so the VM needs only Docker (docs/deployment.md, 4 and 8).
COPY deploy ./deploy
RUN npm run build

FROM node:24.11.1-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:24.11.1-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# Recordings are mounted here; compose runs the container as the egress uid (docker-compose.yml).
# Owned by egress's uid and group root, 0770, as recordings-init leaves the volume: Docker copies
# this directory's owner and mode into an empty named volume when this container is the first
# to mount it, and egress (uid 1001, gid 0) must be able to write there.
RUN mkdir -p /recordings && chown 1001:0 /recordings && chmod 0770 /recordings
USER node
EXPOSE 8789
# Liveness, not readiness: a Firebase or LiveKit outage must not get the controller restarted.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.CONTROL_PORT || 8789}/health/live`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
# The same command as `npm start`: V8's young generation capped at 2 MiB a semi-space, see
# bench/README.md (idle RSS): the default grows it to 16 MiB during start-up and keeps it.
CMD ["node", "--max-semi-space-size=2", "dist/controller/main.js"]
