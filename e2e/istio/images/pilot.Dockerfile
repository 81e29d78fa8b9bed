# istiod for the e2e/istio suite, for machines that reach no container registry: Istio's
# pilot-discovery built from the pinned istio.io/istio module (e2e/istio/binaries.ts) on the
# Debian bookworm rootfs (DEBIAN_IMAGE), laid out as Istio's pilot image: the program at
# /usr/local/bin/pilot-discovery, user 1337, the program as entrypoint.
ARG DEBIAN_IMAGE
FROM ${DEBIAN_IMAGE}
COPY pilot-discovery /usr/local/bin/pilot-discovery
USER 1337:1337
ENTRYPOINT ["/usr/local/bin/pilot-discovery"]
