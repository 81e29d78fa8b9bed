# Two small images from Debian's busybox-static, for machines that reach no container registry:
#   --target app    a busybox userland (sh, wget, nc, httpd…) for sample workloads
#   --target pause  a pod sandbox ("pause") image: PID 1 sleeps until SIGTERM/SIGINT and then
#                   exits 0 (a shell waiting on a child also reaps orphans re-parented to it)
ARG DEBIAN_IMAGE
FROM ${DEBIAN_IMAGE} AS busybox
RUN apt-get update \
 && apt-get install -y --no-install-recommends busybox-static \
 && rm -rf /var/lib/apt/lists/*

FROM scratch AS app
COPY --from=busybox /bin/busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN mkdir -p /tmp /etc && chmod 1777 /tmp \
 && echo 'root:x:0:0:root:/root:/bin/sh' > /etc/passwd \
 && echo 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >> /etc/passwd \
 && printf 'root:x:0:\nnogroup:x:65534:\n' > /etc/group
CMD ["sh"]

FROM app AS pause
RUN printf '%s\n' '#!/bin/sh' "trap 'exit 0' TERM INT" 'while :; do sleep 2147483647 & wait $!; done' > /pause \
 && chmod 755 /pause
USER 65535:65535
ENTRYPOINT ["/pause"]
