#!/usr/bin/env bash
# Starts a local cluster of N silo processes (default 2) on loopback and waits; Ctrl+C stops them.
#   silo/run-local-cluster.sh 2
# Silo i listens on 11111+i (silo), 30000+i (gateway), http://127.0.0.1:8080+i/health.
# Then, from another terminal:
#   metaclip submit --snapshot samples/snapshot --metadata samples/metadata --out out/cluster \
#     --lang-column lang --t-en 20 --cluster 127.0.0.1:30000,127.0.0.1:30001
#   metaclip watch JOB_ID --cluster 127.0.0.1:30000,127.0.0.1:30001
set -euo pipefail
cd "$(dirname "$0")/.."
source ./scripts-common.sh
require_dotnet
silos=${1:-2}
quiet_build silo/MetaClip.Silo/MetaClip.Silo.csproj -c Release
quiet_build client/MetaClip.Client/MetaClip.Client.csproj -c Release
mkdir -p out/cluster-logs
pids=()
stop() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop EXIT INT TERM
gateways=()
for ((i = 0; i < silos; i++)); do
  MetaClip__SiloPort=$((11111 + i)) MetaClip__GatewayPort=$((30000 + i)) MetaClip__PrimarySiloPort=11111 \
    dotnet silo/MetaClip.Silo/bin/Release/net10.0/MetaClip.Silo.dll --urls "http://127.0.0.1:$((8080 + i))" \
    > "out/cluster-logs/silo-$i.log" 2>&1 &
  pids+=($!)
  gateways+=("127.0.0.1:$((30000 + i))")
  for _ in $(seq 1 60); do
    curl -sf "http://127.0.0.1:$((8080 + i))/health" >/dev/null 2>&1 && break
    sleep 0.5
  done
  echo "silo $i up (logs: out/cluster-logs/silo-$i.log)"
done
cluster=$(IFS=,; echo "${gateways[*]}")
echo "cluster ready: --cluster $cluster"
echo "client: dotnet client/MetaClip.Client/bin/Release/net10.0/metaclip.dll submit ... --cluster $cluster"
wait
