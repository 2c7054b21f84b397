# Azurite (the Azure Storage emulator) for the local stack, where no registry serves mcr.microsoft.com's image:
# Debian's Node.js and npm, `npm install azurite`, then npm itself removed. deploy/smoke.sh builds it on the
# locally made Debian base:
#   docker build -f deploy/docker/azurite.Dockerfile --build-arg BASE=metaclip-local/debian:bookworm -t metaclip-local/azurite:3.37.0 .
# Elsewhere the compose file's mcr.microsoft.com/azure-storage/azurite is the same program.
ARG BASE=debian:bookworm-slim
FROM ${BASE}
ARG AZURITE_VERSION=3.37.0
# NODE_EXTRA_CA_CERTS: npm trusts the system's certificate store (a machine behind a TLS-inspecting proxy adds its
# CA there).
RUN set -eu; \
    apt-get update; \
    apt-get install -y --no-install-recommends nodejs npm ca-certificates; \
    mkdir -p /opt/azurite; cd /opt/azurite; \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt npm install --omit=dev --no-audit --no-fund --no-update-notifier \
      "azurite@${AZURITE_VERSION}"; \
    npm cache clean --force; rm -rf /root/.npm; \
    apt-get purge -y npm; apt-get autoremove -y; rm -rf /var/lib/apt/lists/*; \
    useradd --uid 1655 --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin azurite; \
    mkdir -p /data; chown azurite:azurite /data
ENV PATH=/opt/azurite/node_modules/.bin:$PATH \
    AZURITE_BLOB_PORT=10000
WORKDIR /data
EXPOSE 10000 10001 10002
USER azurite
# Blob service answering on its port (a compose file that moves it sets AZURITE_BLOB_PORT).
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=5 \
  CMD ["node", "-e", "require('net').connect(+process.env.AZURITE_BLOB_PORT, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(1))"]
# The same command as mcr.microsoft.com/azure-storage/azurite's (a compose file's `command` works with either).
CMD ["azurite", "--blobHost", "0.0.0.0", "--queueHost", "0.0.0.0", "--tableHost", "0.0.0.0", "--location", "/data"]
ARG VERSION=dev
ARG REVISION=unknown
LABEL io.metaclip.stage=azurite \
      org.opencontainers.image.title="Azurite ${AZURITE_VERSION} (npm) on Debian" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
