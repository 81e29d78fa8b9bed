# A local stand-in for a `python:3-slim` image (the proxy stand-in's base), for machines that
# reach no container registry: the Debian bookworm rootfs (DEBIAN_IMAGE) with Debian's python3.
ARG DEBIAN_IMAGE
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 \
 && rm -rf /var/lib/apt/lists/*
CMD ["python3"]
