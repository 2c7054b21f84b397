# Prometheus for the local stack, where no registry serves prom/prometheus: Debian's `prometheus` package.
# deploy/smoke.sh builds it on the locally made Debian base:
#   docker build -f deploy/docker/prometheus.Dockerfile --build-arg BASE=metaclip-local/debian:bookworm -t metaclip-local/prometheus .
# Entry point and data folder as in prom/prometheus, so the compose file's `command` works with either.
ARG BASE=debian:bookworm-slim
FROM ${BASE}
RUN set -eu; \
    apt-get update; \
    apt-get install -y --no-install-recommends prometheus; \
    rm -rf /var/lib/apt/lists/*; \
    mkdir -p /prometheus; chown prometheus:prometheus /prometheus
WORKDIR /prometheus
EXPOSE 9090
USER prometheus
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/usr/bin/promtool", "check", "healthy", "--url=http://127.0.0.1:9090"]
ENTRYPOINT ["/usr/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
ARG VERSION=dev
ARG REVISION=unknown
LABEL io.metaclip.stage=prometheus \
      org.opencontainers.image.title="Prometheus (Debian package)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
