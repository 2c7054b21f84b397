#!/usr/bin/env bash
# A local multi-process cluster in one command: Azurite (storage emulator, from npm) plus N silo processes
# (default 2) on loopback, with membership in an Azure Table and grain state (jobs, shard states, global
# counts) in Azure Blob Storage on Azurite, so that silos can be killed and restarted. Ctrl+C stops it all.
#   silo/run-local-cluster.sh [N]
# Silo i listens on 11111+i (silo), 30000+i (gateway), http://127.0.0.1:8080+i/health. Its process id is in
# out/local-cluster/silo-i.pid (kill -9 it to see the job carry on); restart a silo with
#   silo/run-local-cluster.sh --restart i
# Storage state lives in out/local-cluster/azurite, so a whole-cluster restart resumes running jobs.
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
state=out/local-cluster
mkdir -p "$state"
AZURITE_PORTS="10000 10001 10002"
connection="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$AZURITE_ACCOUNT_KEY;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;"

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
  MetaClip__Clustering=AzureTable MetaClip__SiloPort=$((11111 + i)) MetaClip__GatewayPort=$((30000 + i)) \
    MetaClip__MaxConcurrentShards=${METACLIP_MAX_CONCURRENT_SHARDS:-2} METACLIP_STORAGE_CONNECTION_STRING="$connection" \
    MetaClip__AllowedLocations="${METACLIP_ALLOWED_LOCATIONS:-$PWD;${TMPDIR:-/tmp};az://}" \
    nohup "${training[@]}" dotnet "${METACLIP_SILO_DLL:-silo/MetaClip.Silo/bin/Release/net10.0/MetaClip.Silo.dll}" --urls "http://127.0.0.1:$((8080 + i))" \
    >>"$state/silo-$i.log" 2>&1 &
  echo $! >"$state/silo-$i.pid"
  for _ in $(seq 1 240); do
    if curl -sf "http://127.0.0.1:$((8080 + i))/health" >/dev/null 2>&1; then
      echo "silo $i up: pid $(cat "$state/silo-$i.pid"), gateway 127.0.0.1:$((30000 + i)), log $state/silo-$i.log"
      return 0
    fi
    sleep 0.5
  done
  echo "error: silo $i did not come up; see $state/silo-$i.log" >&2
  return 1
}

if [ "${1:-}" = "--restart" ]; then
  i=${2:?usage: silo/run-local-cluster.sh --restart INDEX}
  kill -9 "$(cat "$state/silo-$i.pid" 2>/dev/null)" 2>/dev/null || true
  start_silo "$i"
  exit 0
fi

silos=${1:-2}
trainers=${METACLIP_TRAINING_SILOS:-0}
quiet_build silo/MetaClip.Silo/MetaClip.Silo.csproj -c Release
quiet_build client/MetaClip.Client/MetaClip.Client.csproj -c Release
rm -f "$state"/silo-*.training
if [ "$trainers" -gt 0 ]; then
  quiet_build grains/MetaClip.Training.Grains/MetaClip.Training.Grains.csproj -c Release
  for ((i = silos - trainers; i < silos; i++)); do touch "$state/silo-$i.training"; done
fi
start_azurite "$state/azurite"
stop_all() {
  for ((i = 0; i < silos; i++)); do
    kill "$(cat "$state/silo-$i.pid" 2>/dev/null)" 2>/dev/null || true
  done
  # Silos first, then Azurite: a silo whose table storage is gone hangs in its shutdown.
  for ((i = 0; i < silos; i++)); do
    while kill -0 "$(cat "$state/silo-$i.pid" 2>/dev/null)" 2>/dev/null; do sleep 0.2; done
  done
  stop_azurite
}
trap stop_all EXIT INT TERM
echo "azurite up: blob 127.0.0.1:10000, table 127.0.0.1:10002, data in $state/azurite"
gateways=()
for ((i = 0; i < silos; i++)); do
  start_silo "$i"
  gateways+=("127.0.0.1:$((30000 + i))")
done
cluster=$(IFS=,; echo "${gateways[*]}")
echo "cluster ready: --cluster $cluster"
echo "for az:// locations (Azurite's blob service) and --cluster azure-table: export METACLIP_STORAGE_CONNECTION_STRING='$connection'"
echo "client: dotnet client/MetaClip.Client/bin/Release/net10.0/metaclip.dll submit ... --cluster $cluster"
# Wait in the background, so that Ctrl+C or a TERM runs the trap at once.
while true; do sleep 3600 & wait $!; done
