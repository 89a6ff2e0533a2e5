# syntax=docker/dockerfile:1
# Strata image: the CLI runs TypeScript through tsx (a production dependency), so there is no
# build output to copy; the stages only keep dev tooling out of the runtime image.
#   docker build -t strata .                      the runtime image (CMD: strata start)
#   docker build --target check -t strata-check . type-check with the full dev install

# The current Node LTS (24): Node 20 reached end of life in April 2026, and some production
# dependencies (cookie, content-disposition) declare Node >= 22.
ARG NODE_IMAGE=node:24-bookworm-slim

# Full install (dev dependencies included), for the type-check stage.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM deps AS check
COPY tsconfig.json vitest.config.ts ./
COPY bin/ bin/
COPY src/ src/
COPY sql/ sql/
COPY tests/ tests/
COPY bench/ bench/
RUN npm run typecheck

# Production dependencies only: no vitest, typescript, duckdb or the Parquet candidates.
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    STRATA_DATA_DIR=/app/data \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY bin/ bin/
COPY src/ src/
COPY sql/ sql/
# The recorded CoinGecko responses (about 0.5 MB) back `strata fake-coingecko`, so the stack
# runs offline (docker compose --profile offline). Nothing else from tests/ is copied.
COPY tests/fixtures/coingecko/ tests/fixtures/coingecko/
# The bronze store (and, without DATABASE_URL, the embedded database) lives in /app/data;
# created here so a fresh named volume inherits the non-root owner.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME ["/app/data"]
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--import", "tsx", "src/cli.ts", "start"]
