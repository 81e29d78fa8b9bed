# A local stand-in for `node:24-bookworm-slim`, for machines that reach no container registry:
# the Debian bookworm rootfs made by mmdebstrap (DEBIAN_IMAGE) plus the pinned Node.js 24 LTS
# binary (scripts/node-lts.mjs, npm's node-linux-<arch> package) and the npm release that Node
# version ships (npm's own package). Laid out like the official image: /usr/local/bin/node,
# npm under /usr/local/lib/node_modules, a `node` user with uid 1000. Built by
# e2e/support/images.ts from a context holding `node` and `npm/`.
ARG DEBIAN_IMAGE
FROM ${DEBIAN_IMAGE}
ARG NODE_VERSION
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && test "$(node --version)" = "v${NODE_VERSION}" \
 && npm --version
ENV NODE_VERSION=${NODE_VERSION}
CMD ["node"]
