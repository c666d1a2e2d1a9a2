# quorumlab: one image for the store node and the harness (`docker compose up`).
# Stage 1 installs the production dependencies; stage 2 is the slim runtime, non-root.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY bin ./bin
COPY common ./common
COPY store ./store
COPY harness ./harness
COPY workloads ./workloads
COPY reports ./reports
RUN mkdir -p /data /runs /secret && chown node:node /data /runs /secret
USER node
EXPOSE 7000
ENTRYPOINT ["node", "bin/quorumlab.js"]
CMD ["--help"]
