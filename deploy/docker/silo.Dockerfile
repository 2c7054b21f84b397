# The MetaClip silo images. Build from the repository root:
#   docker build -f deploy/docker/silo.Dockerfile --target silo -t metaclip/silo:dev .
#   docker build -f deploy/docker/silo.Dockerfile --target silo-training -t metaclip/silo-training:dev .
#   docker build -f deploy/docker/silo.Dockerfile --target silo-training --build-arg TORCH_BACKEND=cuda -t metaclip/silo-gpu:dev .
# `silo` is a CPU curation silo: it never loads the training plugin nor TorchSharp. `silo-training` adds the training
# plugin in training/ beside the silo (MetaClip:TrainingPlugin's default); it loads only on silos whose metadata says
# accelerator=gpu or training=accept. TORCH_BACKEND=cuda builds the plugin against CUDA libtorch (nuget.org).
#
# The silo is published self-contained and ReadyToRun, so the runtime image needs no .NET: the default base is
# Microsoft's runtime-deps image. SDK_IMAGE and RUNTIME_BASE may name other images, e.g. ones made on a machine
# without a registry (deploy/smoke.sh: a debootstrapped Debian 12 and the host's SDK on it). A plain Debian or
# Ubuntu base works: what the runtime needs and the user are added when missing. VERSION and REVISION go into the
# OCI labels; every stage carries io.metaclip.stage (deploy/smoke.sh removes the images of older builds by it). The stages are in build order, so that the legacy builder (no BuildKit) builds only what a target needs.
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_BASE=mcr.microsoft.com/dotnet/runtime-deps:10.0

FROM ${SDK_IMAGE} AS build-silo
LABEL io.metaclip.stage=build-silo
WORKDIR /src
# Restore from the project files only, so that a source change does not download the packages again.
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY grains/MetaClip.Training/WeakenLibTorchSharpGlibcxx.targets grains/MetaClip.Training/
COPY grain-interfaces/MetaClip.GrainInterfaces/MetaClip.GrainInterfaces.csproj grain-interfaces/MetaClip.GrainInterfaces/
COPY grains/MetaClip.Engine/MetaClip.Engine.csproj grains/MetaClip.Engine/
COPY grains/MetaClip.Grains/MetaClip.Grains.csproj grains/MetaClip.Grains/
COPY silo/MetaClip.Dashboard/MetaClip.Dashboard.csproj silo/MetaClip.Dashboard/
COPY silo/MetaClip.Silo/MetaClip.Silo.csproj silo/MetaClip.Silo/
RUN dotnet restore silo/MetaClip.Silo/MetaClip.Silo.csproj -r linux-x64 -p:SelfContained=true -p:PublishReadyToRun=true
COPY grain-interfaces/ grain-interfaces/
COPY grains/MetaClip.Engine/ grains/MetaClip.Engine/
COPY grains/MetaClip.Grains/ grains/MetaClip.Grains/
COPY silo/ silo/
RUN dotnet publish silo/MetaClip.Silo/MetaClip.Silo.csproj -c Release -r linux-x64 --self-contained true --no-restore \
      -p:PublishReadyToRun=true -o /out/silo

FROM ${RUNTIME_BASE} AS silo
# A Debian/Ubuntu base without them gets OpenSSL (HTTPS to a real storage account) and CA certificates; and the
# non-root user 1654 (the runtime-deps images' `app`). The compiled-list cache is a folder that user may write (a
# volume in compose and Kubernetes). The same step as client.Dockerfile's, so the two images share the layer.
RUN set -eu; \
    need=""; \
    dpkg -s ca-certificates >/dev/null 2>&1 || need="$need ca-certificates"; \
    ldconfig -p | grep -q 'libssl\.so\.3' || need="$need libssl3"; \
    if [ -n "$need" ]; then \
      apt-get update; apt-get install -y --no-install-recommends $need; rm -rf /var/lib/apt/lists/*; \
    fi; \
    getent passwd 1654 >/dev/null || useradd --uid 1654 --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin app; \
    mkdir -p /cache/matchers /work; chown 1654:1654 /cache/matchers
WORKDIR /app
COPY --from=build-silo /out/silo/ ./
# Silo-to-silo, client gateway, and HTTP (/health, /metrics).
EXPOSE 11111 30000 8080
ENV ASPNETCORE_HTTP_PORTS=8080 \
    MetaClip__SiloPort=11111 \
    MetaClip__GatewayPort=30000 \
    MetaClip__MatcherCache=/cache/matchers
USER 1654:1654
# The runtime images have no curl: the silo asks its own /health (exit 0 when "ok"). A silo listening elsewhere
# (compose with host networking) overrides the test.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/app/MetaClip.Silo", "--health-check", "http://127.0.0.1:8080/health"]
ENTRYPOINT ["/app/MetaClip.Silo"]
ARG VERSION=dev
ARG REVISION=unknown
ARG RUNTIME_BASE
LABEL io.metaclip.stage=silo \
      org.opencontainers.image.title="MetaClip silo" \
      org.opencontainers.image.description="A MetaClip curation silo (Orleans): matching, counts, thresholds, sampling" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="${RUNTIME_BASE}"

FROM ${SDK_IMAGE} AS build-training
LABEL io.metaclip.stage=build-training
ARG TORCH_BACKEND=cpu
WORKDIR /src
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY grains/MetaClip.Training/WeakenLibTorchSharpGlibcxx.targets grains/MetaClip.Training/
COPY grain-interfaces/MetaClip.GrainInterfaces/MetaClip.GrainInterfaces.csproj grain-interfaces/MetaClip.GrainInterfaces/
COPY grains/MetaClip.Engine/MetaClip.Engine.csproj grains/MetaClip.Engine/
COPY grains/MetaClip.Grains/MetaClip.Grains.csproj grains/MetaClip.Grains/
COPY grains/MetaClip.Training/MetaClip.Training.csproj grains/MetaClip.Training/
COPY grains/MetaClip.Training.Grains/MetaClip.Training.Grains.csproj grains/MetaClip.Training.Grains/
RUN dotnet restore grains/MetaClip.Training.Grains/MetaClip.Training.Grains.csproj -p:TorchBackend=${TORCH_BACKEND}
COPY grain-interfaces/ grain-interfaces/
COPY grains/ grains/
# The plugin is loaded into the silo's runtime: framework-dependent, with TorchSharp's natives for linux-x64.
RUN dotnet publish grains/MetaClip.Training.Grains/MetaClip.Training.Grains.csproj -c Release --no-restore -o /out/training \
      -p:TorchBackend=${TORCH_BACKEND}

FROM silo AS silo-training
COPY --from=build-training /out/training/ ./training/
ARG VERSION=dev
ARG REVISION=unknown
ARG TORCH_BACKEND=cpu
LABEL io.metaclip.stage=silo-training \
      org.opencontainers.image.title="MetaClip training silo" \
      org.opencontainers.image.description="A MetaClip silo with the TorchSharp training plugin (${TORCH_BACKEND})" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
