#!/usr/bin/env bash
# The compose smoke test, for real: builds the images, starts docker-compose.yml with deploy/compose.smoke.yml on
# top (host networking: every container listens on 127.0.0.1 only, so no connection leaves this machine's
# loopback), submits the sample job through the client container, kills one silo container mid-job, and checks
#   - the job (the sample snapshot's files copied 20 times: 40 shards) ends, with outputs byte-identical to
#     `metaclip curate --engine-only` run on this machine
#     (thresholds.json, entry_counts/, decisions.jsonl sorted, curated/ content),
#   - Prometheus (its HTTP API on loopback) scraped both silos,
#   - the training silo image starts and loads its plugin (`/health`: training true),
# then `compose down -v`. A trap stops everything it started, also when it fails: the stack, and dockerd if this
# script started it.
#   deploy/smoke.sh               # exit 0: passed; 1: failed; 3: cannot run here (no docker daemon and not root)
# As root on Debian it installs what is missing (docker.io, debootstrap, docker-compose), starts dockerd when none
# runs (and stops it at the end), and makes the base image once: `debootstrap --variant=minbase bookworm` imported
# as metaclip-local/debian:bookworm (no registry is needed: the .NET runtime comes with the self-contained
# publish; the build stage runs this machine's .NET SDK in metaclip-local/dotnet-sdk:VERSION). Images are built
# with `docker build --network host` and the builder's cache, so a second run rebuilds only what changed.
# Docker Compose: the v2 plugin (`docker compose`) when present, else Debian's docker-compose 1.29
# (METACLIP_COMPOSE="docker-compose" picks one). Timings and image sizes are printed at the end and written to
# out/smoke/summary.txt. METACLIP_SMOKE_PORT_BASE (default 24100) moves every port of the stack.
set -euo pipefail
cd "$(dirname "$0")/.."
source ./scripts-common.sh

start_time=$(date +%s)
state=out/smoke
mkdir -p "$state"
log() { printf '[smoke %3ss] %s\n' "$(($(date +%s) - start_time))" "$*" >&2; }
fail() { log "FAILED: $*"; exit 1; }
phase_start=$start_time
timings=()
phase_done() { local now; now=$(date +%s); timings+=("$1: $((now - phase_start)) s"); phase_start=$now; }

BASE_IMAGE=metaclip-local/debian:bookworm
TAG=${METACLIP_SMOKE_TAG:-smoke}
AZURITE_IMAGE=metaclip-local/azurite:$AZURITE_VERSION
PROJECT=${METACLIP_SMOKE_PROJECT:-metaclip-smoke}

# ---- ports: everything on 127.0.0.1, distinct per service ----
port_base=${METACLIP_SMOKE_PORT_BASE:-24100}
export METACLIP_SMOKE_TAG=$TAG METACLIP_SMOKE_AZURITE_VERSION=$AZURITE_VERSION
export METACLIP_SMOKE_BLOB_PORT=$((port_base)) METACLIP_SMOKE_QUEUE_PORT=$((port_base + 1)) METACLIP_SMOKE_TABLE_PORT=$((port_base + 2))
export METACLIP_SMOKE_SILO1_PORT=$((port_base + 11)) METACLIP_SMOKE_SILO2_PORT=$((port_base + 12)) METACLIP_SMOKE_SILO3_PORT=$((port_base + 13))
export METACLIP_SMOKE_GATEWAY1_PORT=$((port_base + 21)) METACLIP_SMOKE_GATEWAY2_PORT=$((port_base + 22)) METACLIP_SMOKE_GATEWAY3_PORT=$((port_base + 23))
export METACLIP_SMOKE_HTTP1_PORT=$((port_base + 81)) METACLIP_SMOKE_HTTP2_PORT=$((port_base + 82)) METACLIP_SMOKE_HTTP3_PORT=$((port_base + 83))
export METACLIP_SMOKE_PROMETHEUS_PORT=$((port_base + 90))
export METACLIP_SMOKE_PROMETHEUS_CONFIG=./$state/prometheus.yml

# ---- the stack's secrets: docker-compose.yml has no defaults for them, so this run makes its own (random, never
# written to a file: the environment takes precedence over any .env) ----
random_secret() { head -c 24 /dev/urandom | base64 | tr -d '/+=\n'; }
GRAFANA_ADMIN_PASSWORD=$(random_secret)
METACLIP_HTTP_VIEWER_KEYS=$(random_secret)
METACLIP_HTTP_OPERATOR_KEYS=$(random_secret)
export GRAFANA_ADMIN_PASSWORD METACLIP_HTTP_VIEWER_KEYS METACLIP_HTTP_OPERATOR_KEYS

# ---- cleanup: whatever this run started, in reverse order ----
dockerd_pid=""
stack_up=""
cleanup() {
  local rc=$?
  set +e
  if [ -n "$stack_up" ]; then
    log "stopping the stack (compose down -v)"
    "${compose[@]}" logs --no-color >"$state/compose.log" 2>&1
    "${compose[@]}" down -v --remove-orphans >>"$state/compose-down.log" 2>&1
  fi
  if [ -n "$dockerd_pid" ]; then
    log "stopping the dockerd this run started (pid $dockerd_pid)"
    kill "$dockerd_pid" 2>/dev/null
    for _ in $(seq 1 60); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.5; done
  fi
  if [ "$rc" -eq 0 ]; then log "PASSED"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- what is needed: docker daemon, compose, debootstrap ----
is_root() { [ "$(id -u)" = 0 ]; }
apt_install() {
  command -v apt-get >/dev/null 2>&1 && is_root || return 1
  log "installing $* (Debian)"
  apt-get install -y -qq --no-install-recommends "$@" >"$state/apt.log" 2>&1 ||
    { apt-get update -qq >>"$state/apt.log" 2>&1 && apt-get install -y -qq --no-install-recommends "$@" >>"$state/apt.log" 2>&1; }
}
cannot_run() { log "SKIPPED: cannot run here: $*"; exit 3; }

if ! docker info >/dev/null 2>&1; then
  missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v docker >/dev/null 2>&1 || missing+=(docker.io)
  if [ ${#missing[@]} -gt 0 ]; then
    apt_install docker.io || cannot_run "no docker daemon, and docker.io cannot be installed (needs root and apt-get)"
  fi
  is_root || cannot_run "no docker daemon answers, and only root may start one"
  log "starting dockerd (log $state/dockerd.log)"
  setsid dockerd >"$state/dockerd.log" 2>&1 </dev/null &
  dockerd_pid=$!
  for _ in $(seq 1 120); do
    docker info >/dev/null 2>&1 && break
    kill -0 "$dockerd_pid" 2>/dev/null || { dockerd_pid=""; cannot_run "dockerd exited at once (see $state/dockerd.log)"; }
    sleep 0.5
  done
  docker info >/dev/null 2>&1 || fail "dockerd did not answer within 60 s (see $state/dockerd.log)"
fi
if [ -n "${METACLIP_COMPOSE:-}" ]; then
  read -r -a compose_cmd <<<"$METACLIP_COMPOSE"
elif docker compose version >/dev/null 2>&1; then
  compose_cmd=(docker compose)
else
  command -v docker-compose >/dev/null 2>&1 || apt_install docker-compose || cannot_run "neither 'docker compose' nor docker-compose, and it cannot be installed"
  compose_cmd=(docker-compose)
fi
# Every profile is active, so that `down` removes the training silo and client containers too.
export COMPOSE_PROFILES=training,client
compose=("${compose_cmd[@]}" -p "$PROJECT" -f docker-compose.yml -f deploy/compose.smoke.yml)
log "docker $(docker version --format '{{.Server.Version}}'), compose: ${compose_cmd[*]} ($("${compose_cmd[@]}" version --short 2>/dev/null || echo '?'))"

# Every port of the stack must be free (other programs on this machine use loopback too).
ports_in_use=$(ss -Hltn 2>/dev/null | awk '{print $4}' | sed 's/.*://' | sort -u)
for p in $METACLIP_SMOKE_BLOB_PORT $METACLIP_SMOKE_QUEUE_PORT $METACLIP_SMOKE_TABLE_PORT $METACLIP_SMOKE_SILO1_PORT $METACLIP_SMOKE_SILO2_PORT \
  $METACLIP_SMOKE_SILO3_PORT $METACLIP_SMOKE_GATEWAY1_PORT $METACLIP_SMOKE_GATEWAY2_PORT $METACLIP_SMOKE_GATEWAY3_PORT \
  $METACLIP_SMOKE_HTTP1_PORT $METACLIP_SMOKE_HTTP2_PORT $METACLIP_SMOKE_HTTP3_PORT $METACLIP_SMOKE_PROMETHEUS_PORT; do
  if grep -qx "$p" <<<"$ports_in_use"; then
    fail "port $p (127.0.0.1) is in use: set METACLIP_SMOKE_PORT_BASE to a free range"
  fi
done
# A stack left over by an interrupted run of this script.
"${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
phase_done "docker ready"

# ---- base images, made once on this machine ----
image_exists() { docker image inspect "$1" >/dev/null 2>&1; }
if ! image_exists "$BASE_IMAGE"; then
  command -v debootstrap >/dev/null 2>&1 || apt_install debootstrap || cannot_run "no debootstrap to make the base image, and it cannot be installed"
  rootfs=$(mktemp -d)
  log "making $BASE_IMAGE: debootstrap --variant=minbase bookworm (a few minutes, once)"
  debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >"$state/debootstrap.log" 2>&1 ||
    { rm -rf "$rootfs"; fail "debootstrap failed (see $state/debootstrap.log)"; }
  cat >"$rootfs/etc/apt/sources.list" <<'EOF'
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
  # This machine's trusted CAs (a TLS-inspecting proxy's included), so that builds on this base reach the package
  # registries the way the host does. Only this locally made base carries them.
  mkdir -p "$rootfs/usr/local/share/ca-certificates" "$rootfs/etc/ssl/certs"
  cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/" 2>/dev/null || true
  [ -f /etc/ssl/certs/ca-certificates.crt ] && cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | docker import --change 'CMD ["/bin/bash"]' - "$BASE_IMAGE" >/dev/null
  rm -rf "$rootfs"
fi
phase_done "base image"

# The build stage's SDK: this machine's .NET SDK on the local base (its version in the tag).
dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
sdk_version=$(dotnet --version)
SDK_IMAGE=metaclip-local/dotnet-sdk:$sdk_version
if ! image_exists "$SDK_IMAGE"; then
  log "making $SDK_IMAGE from $dotnet_root (once)"
  context=$(mktemp -d)
  cp -al "$dotnet_root" "$context/dotnet" 2>/dev/null || cp -a "$dotnet_root" "$context/dotnet"
  cat >"$context/Dockerfile" <<EOF
FROM $BASE_IMAGE
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates libssl3 && rm -rf /var/lib/apt/lists/*
COPY dotnet/ /usr/share/dotnet/
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 DOTNET_CLI_USE_MSBUILD_SERVER=0 \
    NUGET_CERT_REVOCATION_MODE=${NUGET_CERT_REVOCATION_MODE:-online}
EOF
  docker build --network host -t "$SDK_IMAGE" "$context" >"$state/build-sdk.log" 2>&1 || { rm -rf "$context"; fail "building $SDK_IMAGE failed (see $state/build-sdk.log)"; }
  rm -rf "$context"
fi
phase_done "SDK image"

# ---- the images (the builder's cache: only what changed is built again) ----
version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
build() {
  local name=$1 image=$2
  shift 2
  local t0=$SECONDS
  if ! docker build --network host --build-arg "VERSION=$version" --build-arg "REVISION=$revision" -t "$image" "$@" . >"$state/build-$name.log" 2>&1; then
    tail -n 30 "$state/build-$name.log" >&2
    fail "building $image failed (see $state/build-$name.log)"
  fi
  log "built $image in $((SECONDS - t0)) s"
}
dotnet_args=(--build-arg "SDK_IMAGE=$SDK_IMAGE" --build-arg "RUNTIME_BASE=$BASE_IMAGE")
build silo "metaclip/silo:$TAG" -f deploy/docker/silo.Dockerfile --target silo "${dotnet_args[@]}"
build client "metaclip/client:$TAG" -f deploy/docker/client.Dockerfile "${dotnet_args[@]}"
build silo-training "metaclip/silo-training:$TAG" -f deploy/docker/silo.Dockerfile --target silo-training "${dotnet_args[@]}"
build azurite "$AZURITE_IMAGE" -f deploy/docker/azurite.Dockerfile --build-arg "BASE=$BASE_IMAGE" --build-arg "AZURITE_VERSION=$AZURITE_VERSION"
build prometheus "metaclip-local/prometheus:$TAG" -f deploy/docker/prometheus.Dockerfile --build-arg "BASE=$BASE_IMAGE"
phase_done "images built"

# ---- the images older builds left ----
# Each build of a changed tree leaves untagged images: the build stages' last images (the legacy builder keeps them as
# its cache) and the images whose tags this build moved on, about 5 GB a run. Untagged images with the stages' label
# (io.metaclip.stage) that none of this run's builds made or reused are removed; docker keeps any a container still
# uses. METACLIP_SMOKE_KEEP_IMAGES=1 keeps them all.
if [ "${METACLIP_SMOKE_KEEP_IMAGES:-0}" != 1 ]; then
  # The legacy builder prints every step's image (" ---> 0123456789ab", also when it came from the cache).
  this_run=$(sed -n -e 's/^ ---> \([0-9a-f]\{12\}\)$/\1/p' -e 's/^Successfully built \([0-9a-f]\{12\}\)$/\1/p' "$state"/build-*.log | sort -u)
  removed=0 freed_before=$(docker system df --format '{{.Type}} {{.Size}}' | sed -n 's/^Images //p')
  : >"$state/prune.log"
  for id in $(docker images -q --filter dangling=true --filter label=io.metaclip.stage | sort -u); do
    grep -qx "$id" <<<"$this_run" && continue
    if docker rmi "$id" >>"$state/prune.log" 2>&1; then removed=$((removed + 1)); fi
  done
  log "removed $removed untagged images of older builds (images: $freed_before before, $(docker system df --format '{{.Type}} {{.Size}}' | sed -n 's/^Images //p') now; $state/prune.log)"
  phase_done "older images removed"
fi

# ---- the job: the sample snapshot's files, copied METACLIP_SMOKE_COPIES times (default 20: 40 files, 40 shards), so
# that it is still running when a silo is killed; and the reference, the same job on this machine, engine only ----
ensure_lid_model
quiet_build client/MetaClip.Client/MetaClip.Client.csproj -c Release
metaclip=$(ready_to_run_client)
rm -rf "$state/engine" "$state/compose" "$state/snapshot"
mkdir -p "$state/snapshot"
for copy in $(seq -w 1 "${METACLIP_SMOKE_COPIES:-20}"); do
  for file in samples/snapshot/*.parquet; do cp "$file" "$state/snapshot/copy$copy-$(basename "$file")"; done
done
dotnet "$metaclip" curate --snapshot "$state/snapshot" --metadata samples/metadata --out "$state/engine" --t-en 20 --engine-only \
  >"$state/engine.log" 2>&1 || fail "metaclip curate --engine-only failed (see $state/engine.log)"
phase_done "reference (engine only, on the host)"

# ---- the stack ----
cat >"$state/prometheus.yml" <<EOF
# Written by deploy/smoke.sh: the silos' loopback ports.
global:
  scrape_interval: 2s
  evaluation_interval: 10s
scrape_configs:
  - job_name: metaclip-silo
    metrics_path: /metrics
    static_configs:
      - targets: ["127.0.0.1:$METACLIP_SMOKE_HTTP1_PORT", "127.0.0.1:$METACLIP_SMOKE_HTTP2_PORT"]
EOF
# The containers run as user 1654: the job's output folder is theirs.
install -d -m 0777 "$state/compose"
stack_up=1
log "starting azurite, silo-1, silo-2, prometheus"
"${compose[@]}" up -d --no-build azurite silo-1 silo-2 prometheus >"$state/compose-up.log" 2>&1 || { cat "$state/compose-up.log" >&2; fail "compose up failed"; }
# Waits until SERVICE answers URL; fails at once (with the end of its log) when its container has exited.
wait_http() {
  local url=$1 service=$2 i id
  for i in $(seq 1 240); do
    curl -sf "$url" >/dev/null 2>&1 && return 0
    if [ $((i % 10)) = 0 ]; then
      id=$("${compose[@]}" ps -q "$service" 2>/dev/null)
      if [ -n "$id" ] && [ "$(docker inspect -f '{{.State.Running}}' "$id")" = false ]; then
        docker logs --tail 5 "$id" >&2
        fail "$service exited (code $(docker inspect -f '{{.State.ExitCode}}' "$id")) before answering at $url"
      fi
    fi
    sleep 0.5
  done
  fail "$service did not answer at $url within 120 s"
}
wait_http "http://127.0.0.1:$METACLIP_SMOKE_HTTP1_PORT/health" silo-1
wait_http "http://127.0.0.1:$METACLIP_SMOKE_HTTP2_PORT/health" silo-2
wait_http "http://127.0.0.1:$METACLIP_SMOKE_PROMETHEUS_PORT/-/ready" prometheus
query() { curl -sfG "http://127.0.0.1:$METACLIP_SMOKE_PROMETHEUS_PORT/api/v1/query" --data-urlencode "query=$1"; }
# Prometheus has scraped both silos before silo-2 is killed: the checks after the job look for silo-2's scrape, and a
# silo's first scrape can fail or come late on a loaded machine (a CI run killed silo-2 before any scrape of it).
for _ in $(seq 1 60); do
  up=$(query 'count(up{job="metaclip-silo"} == 1)' | sed -n 's/.*"value":\[[^,]*,"\([0-9]*\)"\].*/\1/p' || true)
  [ "${up:-0}" -ge 2 ] && break
  sleep 1
done
[ "${up:-0}" -ge 2 ] || fail "Prometheus did not scrape both silos within 60 s of the stack's start (up==1 for ${up:-0})"
phase_done "stack up"

# Nothing listens outside loopback: every socket of the stack's ports is bound to 127.0.0.1.
for p in $METACLIP_SMOKE_BLOB_PORT $METACLIP_SMOKE_TABLE_PORT $METACLIP_SMOKE_SILO1_PORT $METACLIP_SMOKE_SILO2_PORT $METACLIP_SMOKE_GATEWAY1_PORT \
  $METACLIP_SMOKE_GATEWAY2_PORT $METACLIP_SMOKE_HTTP1_PORT $METACLIP_SMOKE_HTTP2_PORT $METACLIP_SMOKE_PROMETHEUS_PORT; do
  bound=$(ss -Hltn "sport = :$p" | awk '{print $4}')
  [ -n "$bound" ] || fail "nothing listens on port $p"
  if grep -qv '^127\.' <<<"$bound"; then fail "port $p is bound beyond loopback: $bound"; fi
done

# The silos' HTTP keys are in force: a page without a key is refused, with the viewer key it is not.
http_status() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
[ "$(http_status "http://127.0.0.1:$METACLIP_SMOKE_HTTP1_PORT/jobs")" = 401 ] || fail "silo-1 answered a page without a key"
[ "$(http_status -H "Authorization: Bearer $METACLIP_HTTP_VIEWER_KEYS" "http://127.0.0.1:$METACLIP_SMOKE_HTTP1_PORT/metrics")" = 200 ] ||
  fail "silo-1 refused the viewer key"

run_client() { "${compose[@]}" run --rm --no-deps -T client "$@"; }
log "submitting the sample job through the client container"
submitted=$(run_client submit --snapshot "$state/snapshot" --metadata samples/metadata --out "$state/compose" --t-en 20 2>>"$state/client.log") ||
  { printf '%s\n' "$submitted" >&2; tail -n 5 "$state/client.log" >&2; fail "submit failed"; }
printf '%s\n' "$submitted" >"$state/submit.log"
job=$(sed -n 's/^Submitted job \([0-9a-f]*\) .*/\1/p' <<<"$submitted")
[ -n "$job" ] || fail "no job id in: $submitted"
victim=$("${compose[@]}" ps -q silo-2)
log "job $job submitted; docker kill silo-2 ($victim)"
docker kill "$victim" >/dev/null
run_client status "$job" >"$state/status-after-kill.log" 2>>"$state/client.log" || true
log "after the kill: $(cat "$state/status-after-kill.log")"
# The status call takes seconds (a container starts): a job still running then was running at the kill.
if grep -q "^$job: Done;" "$state/status-after-kill.log"; then
  fail "the job had ended before silo-2 was killed: raise METACLIP_SMOKE_COPIES"
fi
timeout 300 "${compose[@]}" run --rm --no-deps -T client watch "$job" >"$state/watch.log" 2>&1 ||
  { tail -n 20 "$state/watch.log" >&2; fail "the job did not end well (see $state/watch.log)"; }
run_client status "$job" >"$state/status.log" 2>>"$state/client.log" || true
grep -q "^$job: Done;" "$state/status.log" || fail "job status: $(cat "$state/status.log")"
log "job: $(cat "$state/status.log")"
phase_done "job (one silo killed)"

# ---- outputs byte-identical to the engine's ----
compare() {
  local a=$state/engine/$1 b=$state/compose/$1
  [ -e "$a" ] || fail "the engine wrote no $1"
  [ -e "$b" ] || fail "the cluster in containers wrote no $1"
  diff -r -q "$a" "$b" >/dev/null || fail "$1 differs between the engine and the compose cluster"
}
compare thresholds.json
compare entry_counts
compare curated
cmp -s <(LC_ALL=C sort "$state/engine/decisions.jsonl") <(LC_ALL=C sort "$state/compose/decisions.jsonl") ||
  fail "decisions.jsonl (sorted) differs between the engine and the compose cluster"
log "outputs identical to --engine-only: thresholds.json, entry_counts/, curated/, decisions.jsonl (sorted)"

# ---- Prometheus scraped both silos ----
scraped=""
for _ in $(seq 1 30); do
  # Both silos answered at least one scrape (silo-2 before its kill), and the project's meter is among the series.
  scraped=$(query 'count(max_over_time(up{job="metaclip-silo"}[5m]) == 1)' | sed -n 's/.*"value":\[[^,]*,"\([0-9]*\)"\].*/\1/p')
  shards=$(query 'count(metaclip_shards_total)' | sed -n 's/.*"value":\[[^,]*,"\([0-9]*\)"\].*/\1/p')
  [ "${scraped:-0}" -ge 2 ] && [ "${shards:-0}" -ge 1 ] && break
  sleep 2
done
[ "${scraped:-0}" -ge 2 ] || fail "Prometheus did not scrape both silos (up==1 for ${scraped:-0} targets)"
[ "${shards:-0}" -ge 1 ] || fail "Prometheus has no metaclip_shards_total series"
retries=$(query 'sum(metaclip_shard_retries_total)' | sed -n 's/.*"value":\[[^,]*,"\([0-9.]*\)"\].*/\1/p')
log "Prometheus scraped both silos; metaclip_shards_total series: $shards; shard re-runs counted: ${retries:-none}"
phase_done "checks"

# ---- the training silo image: starts, joins, loads the plugin ----
if [ "${METACLIP_SMOKE_TRAINING:-1}" = 1 ]; then
  "${compose[@]}" up -d --no-build silo-training >>"$state/compose-up.log" 2>&1 || fail "starting silo-training failed"
  wait_http "http://127.0.0.1:$METACLIP_SMOKE_HTTP3_PORT/health" silo-training
  health=$(curl -sf "http://127.0.0.1:$METACLIP_SMOKE_HTTP3_PORT/health")
  grep -q '"training":true' <<<"$health" || fail "silo-training did not load the training plugin: $health"
  log "silo-training up with its plugin: $health"
  phase_done "training silo"
fi

"${compose[@]}" logs --no-color >"$state/compose.log" 2>&1 || true
"${compose[@]}" down -v --remove-orphans >"$state/compose-down.log" 2>&1 || fail "compose down -v failed"
stack_up=""
phase_done "compose down -v"

{
  echo "deploy/smoke.sh passed in $(($(date +%s) - start_time)) s ($(date -u +%FT%TZ); docker $(docker version --format '{{.Server.Version}}'); ${compose_cmd[*]})"
  printf '  %s\n' "${timings[@]}"
  echo "image sizes:"
  for image in "metaclip/silo:$TAG" "metaclip/silo-training:$TAG" "metaclip/client:$TAG" "$AZURITE_IMAGE" "metaclip-local/prometheus:$TAG" "$BASE_IMAGE"; do
    printf '  %-40s %s\n' "$image" "$(docker image inspect --format '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1 / 1e6}')"
  done
} | tee "$state/summary.txt" >&2
