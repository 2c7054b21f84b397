# The MetaClip silo image. Build from the repository root:
#   docker build -f deploy/docker/silo.Dockerfile --target silo -t metaclip/silo:dev .
#   docker build -f deploy/docker/silo.Dockerfile --target silo-training -t metaclip/silo-training:dev .
#   docker build -f deploy/docker/silo.Dockerfile --target silo-training --build-arg TORCH_BACKEND=cuda -t metaclip/silo-gpu:dev .
# `silo` is a CPU curation silo: it never loads the training plugin nor TorchSharp. `silo-training` adds the training
# plugin in training/ beside the silo (MetaClip:TrainingPlugin's default); it loads only on silos whose metadata says
# accelerator=gpu or training=accept. TORCH_BACKEND=cuda builds the plugin against CUDA libtorch (nuget.org).
ARG DOTNET_VERSION=10.0

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
ARG TORCH_BACKEND=cpu
WORKDIR /src
COPY . .
RUN dotnet publish silo/MetaClip.Silo/MetaClip.Silo.csproj -c Release -o /out/silo \
      --use-current-runtime --self-contained false -p:PublishReadyToRun=true \
 && dotnet publish grains/MetaClip.Training.Grains/MetaClip.Training.Grains.csproj -c Release -o /out/training \
      -p:TorchBackend=${TORCH_BACKEND}

FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS silo
WORKDIR /app
COPY --from=build /out/silo/ ./
# Silo-to-silo, client gateway, and HTTP (/health, /metrics).
EXPOSE 11111 30000 8080
# HTTP on 8080 (the base image's ASPNETCORE_HTTP_PORTS).
ENV MetaClip__SiloPort=11111 \
    MetaClip__GatewayPort=30000 \
    MetaClip__MatcherCache=/cache/matchers
# The compiled-list cache (a volume in compose and Kubernetes; without one, a folder the silo's user may write).
RUN mkdir -p /cache/matchers && chown "$APP_UID" /cache/matchers
USER $APP_UID
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s CMD ["dotnet", "/app/MetaClip.Silo.dll", "--health-check", "http://127.0.0.1:8080/health"]
ENTRYPOINT ["dotnet", "/app/MetaClip.Silo.dll"]

FROM silo AS silo-training
COPY --from=build /out/training/ ./training/
