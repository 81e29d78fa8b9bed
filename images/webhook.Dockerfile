# syntax=docker/dockerfile:1
# The admission webhook: `sidecar-kit webhook`. Build from the repository root:
#   docker build -f images/webhook.Dockerfile -t sidecar-kit/webhook:0.1.0 .
# The Node.js 24 LTS base of both stages; machines without a registry pass a locally made one
# (e2e/support/images.ts builds a Debian bookworm rootfs with the pinned Node 24 release).
ARG NODE_IMAGE=node:24-bookworm-slim
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
# One self-contained bundle per subcommand: the runtime image needs no node_modules.
RUN SK_OUTDIR=/out node scripts/build.mjs && find /out -name '*.map' -delete

FROM ${NODE_IMAGE}
COPY --from=build /out /opt/sidecar-kit
ENV NODE_ENV=production
# Non-root; the chart also sets runAsNonRoot and a read-only root filesystem.
USER 65532:65532
EXPOSE 15017 15014
ENTRYPOINT ["node", "/opt/sidecar-kit/sidecar-kit.js"]
CMD ["webhook", "--help"]
