# The metaclip command line in an image. Build from the repository root:
#   docker build -f deploy/docker/client.Dockerfile -t metaclip/client:dev .
# Runs `metaclip ARGS`, e.g. `docker run --rm metaclip/client:dev jobs --cluster silo-1:30000`. Self-contained and
# ReadyToRun on Microsoft's runtime-deps base (SDK_IMAGE, RUNTIME_BASE: see silo.Dockerfile). The image is for the
# cluster commands (submit, watch, status, jobs, copy, curate): it carries no libtorch (`train` and `eval` run on
# a machine with the training build, or as training jobs on training silos).
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_BASE=mcr.microsoft.com/dotnet/runtime-deps:10.0

FROM ${SDK_IMAGE} AS build
# Every stage carries io.metaclip.stage (deploy/smoke.sh removes the images of older builds by it).
LABEL io.metaclip.stage=build-client
WORKDIR /src
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY grains/MetaClip.Training/WeakenLibTorchSharpGlibcxx.targets grains/MetaClip.Training/
COPY grain-interfaces/MetaClip.GrainInterfaces/MetaClip.GrainInterfaces.csproj grain-interfaces/MetaClip.GrainInterfaces/
COPY grains/MetaClip.Engine/MetaClip.Engine.csproj grains/MetaClip.Engine/
COPY grains/MetaClip.Grains/MetaClip.Grains.csproj grains/MetaClip.Grains/
COPY grains/MetaClip.Training/MetaClip.Training.csproj grains/MetaClip.Training/
COPY silo/MetaClip.Dashboard/MetaClip.Dashboard.csproj silo/MetaClip.Dashboard/
COPY client/MetaClip.Client/MetaClip.Client.csproj client/MetaClip.Client/
RUN dotnet restore client/MetaClip.Client/MetaClip.Client.csproj -r linux-x64 -p:SelfContained=true -p:PublishReadyToRun=true \
      -p:TorchBackend=none
COPY grain-interfaces/ grain-interfaces/
COPY grains/ grains/
COPY silo/MetaClip.Dashboard/ silo/MetaClip.Dashboard/
COPY client/ client/
RUN dotnet publish client/MetaClip.Client/MetaClip.Client.csproj -c Release -r linux-x64 --self-contained true --no-restore \
      -p:PublishReadyToRun=true -p:TorchBackend=none -o /out/client

FROM ${RUNTIME_BASE} AS client
RUN set -eu; \
    need=""; \
    dpkg -s ca-certificates >/dev/null 2>&1 || need="$need ca-certificates"; \
    ldconfig -p | grep -q 'libssl\.so\.3' || need="$need libssl3"; \
    if [ -n "$need" ]; then \
      apt-get update; apt-get install -y --no-install-recommends $need; rm -rf /var/lib/apt/lists/*; \
    fi; \
    getent passwd 1654 >/dev/null || useradd --uid 1654 --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin app; \
    mkdir -p /cache/matchers /work; chown 1654:1654 /cache/matchers
COPY --from=build /out/client/ /app/
ENV METACLIP_MATCHER_CACHE=/cache/matchers
WORKDIR /work
USER 1654:1654
# A command, not a service: nothing to check while it runs.
HEALTHCHECK NONE
ENTRYPOINT ["/app/metaclip"]
ARG VERSION=dev
ARG REVISION=unknown
ARG RUNTIME_BASE
LABEL io.metaclip.stage=client \
      org.opencontainers.image.title="MetaClip client" \
      org.opencontainers.image.description="The metaclip command line: submit, watch, status, jobs, copy, curate" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="${RUNTIME_BASE}"
