# syntax=docker/dockerfile:1
# The CNI installer (`sidecar-kit cni-install`, the DaemonSet) carrying the plugin executable
# `istio-cni`: a Node single-executable application the installer copies onto the host (which
# has no Node). Built on Debian (glibc) so it runs on the node's host.
#   docker build -f images/cni.Dockerfile -t sidecar-kit/cni:0.1.0 .
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
RUN SK_OUTDIR=/out node scripts/build.mjs \
 && node scripts/build-cni-plugin.mjs /out \
 && find /out -name '*.map' -delete

FROM ${NODE_IMAGE}
COPY --from=build /out /opt/sidecar-kit
ENV NODE_ENV=production CNI_PLUGIN_BINARY=/opt/sidecar-kit/istio-cni
# Root: it writes the host's CNI directories (the chart drops every capability).
USER 0:0
ENTRYPOINT ["node", "/opt/sidecar-kit/sidecar-kit.js"]
CMD ["cni-install"]
