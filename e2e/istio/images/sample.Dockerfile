# Local stand-ins for the images of Istio's samples (bookinfo, httpbin, helloworld, tcp-echo,
# curl) that no registry here can serve: the busybox app image (APP_IMAGE) with an entrypoint
# that listens where the sample's image does (SAMPLE_PORTS, or a port list given as the first
# argument, as tcp-echo-server takes it) with busybox httpd, and `sleep infinity` for curl's
# command. The pod specs stay Istio's; only what runs inside is not the sample's program.
ARG APP_IMAGE
FROM ${APP_IMAGE}
ARG SAMPLE_PORTS=""
ENV SAMPLE_PORTS=${SAMPLE_PORTS}
COPY sample-app /usr/local/bin/sample-app
ENTRYPOINT ["/usr/local/bin/sample-app"]
