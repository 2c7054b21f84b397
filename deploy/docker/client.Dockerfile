# The metaclip command line in an image. Build from the repository root:
#   docker build -f deploy/docker/client.Dockerfile -t metaclip/client:dev .
# Runs `metaclip ARGS`, e.g. `docker run --rm metaclip/client:dev jobs --cluster silo-1:30000`.
ARG DOTNET_VERSION=10.0

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
WORKDIR /src
COPY . .
RUN dotnet publish client/MetaClip.Client/MetaClip.Client.csproj -c Release -o /out/client \
      --use-current-runtime --self-contained false -p:PublishReadyToRun=true

FROM mcr.microsoft.com/dotnet/runtime:${DOTNET_VERSION} AS client
WORKDIR /work
COPY --from=build /out/client/ /app/
ENTRYPOINT ["dotnet", "/app/metaclip.dll"]
