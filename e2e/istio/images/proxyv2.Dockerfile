# Istio's proxy image for the e2e/istio suite, for machines that reach no container registry and
# have no Envoy build: Istio's real pilot-agent (built from the pinned istio.io/istio module) and
# Envoy's bootstrap template from that module, laid out as Istio's proxyv2 image, with the Envoy
# stand-in (oracle/cmd/envoy-standin: NOT Envoy, carries no traffic) where Envoy would be.
# iptables (Debian's, legacy and nft) for `pilot-agent istio-iptables` in istio-init; the
# istio-proxy user (1337) as Istio's base image has it.
ARG DEBIAN_IMAGE
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends iptables iproute2 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 1337 --user-group --home-dir /home/istio-proxy --create-home --shell /bin/sh istio-proxy
COPY envoy_bootstrap.json /var/lib/istio/envoy/envoy_bootstrap_tmpl.json
COPY envoy /usr/local/bin/envoy
COPY pilot-agent /usr/local/bin/pilot-agent
ENTRYPOINT ["/usr/local/bin/pilot-agent"]
