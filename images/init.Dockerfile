# syntax=docker/dockerfile:1
# The init image: what the injected `istio-init` (root, NET_ADMIN/NET_RAW) and, in CNI mode,
# `istio-validation` (uid 1337) run when the chart sets `global.proxy_init.image` to it. Their
# injected args start with `istio-iptables`, so the entrypoint is the CLI, like pilot-agent's.
#   docker build -f images/init.Dockerfile -t sidecar-kit/init:0.1.0 .
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
RUN SK_OUTDIR=/out node scripts/build.mjs && find /out -name '*.map' -delete

FROM ${NODE_IMAGE}
# iptables (nft and legacy variants: the CLI uses the one the pod's netns already uses),
# nftables (--native-nftables) and iproute2 (TPROXY routes).
RUN apt-get update \
 && apt-get install -y --no-install-recommends iptables nftables iproute2 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out /opt/sidecar-kit
ENV NODE_ENV=production
# The injected security context chooses the user (0 for istio-init, 1337 for istio-validation).
USER 1337:1337
ENTRYPOINT ["node", "/opt/sidecar-kit/sidecar-kit.js"]
CMD ["istio-iptables", "--help"]
