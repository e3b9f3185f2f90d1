# Build stage: compile native modules (better-sqlite3) and TypeScript.
FROM node:20-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
# tsc compiles the tests too (tsconfig's include), and they import from bench/ and scripts/.
COPY test ./test
COPY bench ./bench
COPY scripts ./scripts
RUN npm run build && npm prune --omit=dev

# Runtime stage: only production dependencies and compiled output, as a non-root user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
CMD ["node", "--max-old-space-size=160", "dist/apps/api/src/main.js"]
