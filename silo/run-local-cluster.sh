#!/usr/bin/env bash
# A local multi-process cluster in one command: Azurite (storage emulator, from npm) plus N silo processes
# (default 2) on loopback, with membership in an Azure Table and grain state (jobs, shard states, global
# counts) in Azure Blob Storage on Azurite, so that silos can be killed and restarted. Ctrl+C stops it all.
#   silo/run-local-cluster.sh [N]
# Silo i listens on SILO_PORT+i (silo), GATEWAY_PORT+i (gateway), http://127.0.0.1:HEALTH_PORT+i/health, with the
# bases from the environment: METACLIP_SILO_PORT (default 11111), METACLIP_GATEWAY_PORT (30000), METACLIP_HEALTH_PORT
# (8080); Azurite on AZURITE_PORTS="BLOB QUEUE TABLE" (default "10000 10001 10002"). METACLIP_PORTS=free picks free
# ports for all of them instead. The gateways are written to out/local-cluster/gateways, which `./metaclip` and the
# client read when no --cluster is given (so two users on one machine each reach their own cluster). Its process id
# is in out/local-cluster/silo-i.pid (kill -9 it to see the job carry on); restart a silo with
#   silo/run-local-cluster.sh --restart i
# Storage state lives in out/local-cluster/azurite, so a whole-cluster restart resumes running jobs. Ctrl+C or a TERM
# stops the silos, then Azurite, and leaves no process behind.
# METACLIP_TRAINING_SILOS=K makes the last K silos accept training jobs on their CPU (silo metadata
# training=accept; they load the training plugin, grains/MetaClip.Training.Grains); the others never load it.
# Jobs may read and write only under METACLIP_ALLOWED_LOCATIONS (MetaClip:AllowedLocations; default: this
# repository, the temporary folder and every container of Azurite's account), separated by ';'.
# Every port listens on 127.0.0.1 only; /metrics needs no key here (no HTTP keys: the HTTP port stays on loopback).
# METACLIP_SILO_DLL=PATH starts the silos (or, with --restart, that silo) from another build of MetaClip.Silo.dll
# (bench/rolling-upgrade.sh: a cluster of the previous build upgraded silo by silo to this one).
set -euo pipefail
cd "$(dirname "$0")/.."
source ./scripts-common.sh
require_dotnet
# Jobs without --lang-column identify languages with lid.176: the client names .models/lid.176.ftz (downloaded
# here once), and every silo of this machine reads it from there.
ensure_lid_model
# METACLIP_LOCAL_CLUSTER_DIR: where the cluster keeps its pids, logs, settings and storage (default out/local-cluster).
state=${METACLIP_LOCAL_CLUSTER_DIR:-out/local-cluster}
mkdir -p "$state"

start_silo() {
  local i=$1
  local training=()
  if [ -e "$state/silo-$i.training" ]; then
    training=(env Orleans__Metadata__training=accept
      "MetaClip__TrainingPlugin=$PWD/grains/MetaClip.Training.Grains/bin/Release/net10.0/MetaClip.Training.Grains.dll")
  fi
  # On one machine a killed silo is declared dead within seconds, not the production minute or two, so a
  # silo restarted on its old ports (or a whole restarted cluster, which must see the old silos dead before it
  # joins: they stopped refreshing their I-am-alive time in the table) is up quickly.
  Orleans__Membership__ProbeTimeout=00:00:02 Orleans__Membership__NumMissedProbesLimit=2 \
    Orleans__Membership__NumVotesForDeathDeclaration=1 Orleans__Membership__IAmAliveTablePublishTimeout=00:00:03 \
    Orleans__Membership__NumMissedTableIAmAliveLimit=2 \
  MetaClip__Clustering=AzureTable MetaClip__SiloPort=$((silo_port + i)) MetaClip__GatewayPort=$((gateway_port + i)) \
    MetaClip__MaxConcurrentShards=${METACLIP_MAX_CONCURRENT_SHARDS:-2} METACLIP_STORAGE_CONNECTION_STRING="$connection" \
    MetaClip__AllowedLocations="${METACLIP_ALLOWED_LOCATIONS:-$PWD;${TMPDIR:-/tmp};az://}" \
    nohup "${training[@]}" dotnet "${METACLIP_SILO_DLL:-silo/MetaClip.Silo/bin/Release/net10.0/MetaClip.Silo.dll}" --urls "http://127.0.0.1:$((health_port + i))" \
    >>"$state/silo-$i.log" 2>&1 &
  echo $! >"$state/silo-$i.pid"
  for _ in $(seq 1 240); do
    if curl -sf "http://127.0.0.1:$((health_port + i))/health" >/dev/null 2>&1; then
      echo "silo $i up: pid $(cat "$state/silo-$i.pid"), gateway 127.0.0.1:$((gateway_port + i)), health http://127.0.0.1:$((health_port + i))/health, log $state/silo-$i.log"
      return 0
    fi
    sleep 0.5
  done
  echo "error: silo $i did not come up; see $state/silo-$i.log" >&2
  return 1
}

if [ "${1:-}" = "--restart" ]; then
  i=${2:?usage: silo/run-local-cluster.sh --restart INDEX}
  # The ports and storage of the running cluster.
  [ -f "$state/settings" ] || { echo "error: no local cluster runs from this checkout ($state/settings is missing)" >&2; exit 1; }
  source "$state/settings"
  kill -9 "$(cat "$state/silo-$i.pid" 2>/dev/null)" 2>/dev/null || true
  start_silo "$i"
  exit 0
fi

silos=${1:-2}
if [ "${METACLIP_PORTS:-}" = free ]; then
  read -r silo_port gateway_port health_port <<<"$(free_ports)"
  # Consecutive ports from each base: take bases far enough apart that silos do not share one.
  gateway_port=$((silo_port + silos)) health_port=$((silo_port + 2 * silos))
  AZURITE_PORTS=$(free_ports)
else
  silo_port=${METACLIP_SILO_PORT:-11111} gateway_port=${METACLIP_GATEWAY_PORT:-30000} health_port=${METACLIP_HEALTH_PORT:-8080}
  AZURITE_PORTS=${AZURITE_PORTS:-10000 10001 10002}
fi
for ((i = 0; i < silos; i++)); do
  for port in $((silo_port + i)) $((gateway_port + i)) $((health_port + i)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "error: port $port is in use (another cluster?): choose other ports with METACLIP_SILO_PORT, METACLIP_GATEWAY_PORT, METACLIP_HEALTH_PORT or METACLIP_PORTS=free" >&2
      exit 1
    fi
  done
done
trainers=${METACLIP_TRAINING_SILOS:-0}
quiet_build silo/MetaClip.Silo/MetaClip.Silo.csproj -c Release
quiet_build client/MetaClip.Client/MetaClip.Client.csproj -c Release
rm -f "$state"/silo-*.training
if [ "$trainers" -gt 0 ]; then
  quiet_build grains/MetaClip.Training.Grains/MetaClip.Training.Grains.csproj -c Release
  for ((i = silos - trainers; i < silos; i++)); do touch "$state/silo-$i.training"; done
fi
sleeper=
stop_all() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$sleeper" ]; then kill "$sleeper" 2>/dev/null || true; fi
  rm -f "$state/gateways" "$state/settings"
  for ((i = 0; i < silos; i++)); do
    kill "$(cat "$state/silo-$i.pid" 2>/dev/null)" 2>/dev/null || true
  done
  # Silos first, then Azurite: a silo whose table storage is gone hangs in its shutdown.
  for ((i = 0; i < silos; i++)); do
    while kill -0 "$(cat "$state/silo-$i.pid" 2>/dev/null)" 2>/dev/null; do sleep 0.2; done
    rm -f "$state/silo-$i.pid"
  done
  stop_azurite
  exit "$status"
}
trap stop_all EXIT INT TERM
start_azurite "$state/azurite"
connection=$AZURITE_CONNECTION_STRING
printf 'silo_port=%q gateway_port=%q health_port=%q connection=%q\n' "$silo_port" "$gateway_port" "$health_port" "$connection" >"$state/settings"
echo "azurite up: ports $AZURITE_PORTS (blob queue table), data in $state/azurite"
gateways=()
for ((i = 0; i < silos; i++)); do
  start_silo "$i"
  gateways+=("127.0.0.1:$((gateway_port + i))")
done
cluster=$(IFS=,; echo "${gateways[*]}")
echo "$cluster" >"$state/gateways"
echo "cluster ready: --cluster $cluster (written to $state/gateways: ./metaclip uses it when no --cluster is given)"
echo "for az:// locations (Azurite's blob service) and --cluster azure-table: export METACLIP_STORAGE_CONNECTION_STRING='$connection'"
echo "client: ./metaclip submit ... (or: ./metaclip watch ID)"
# Wait in the background, so that Ctrl+C or a TERM runs the trap at once; the trap ends the sleep too.
while true; do
  sleep 3600 &
  sleeper=$!
  wait "$sleeper" || true
done
