#!/usr/bin/env bash
# The 10B-text model checked against the largest run this machine allows (issue 17 item 4; bench/RESULTS.md, "A model
# of 10B alt-texts on N silos" and "The model against a 20M-text run"). Every figure there comes from:
#   bench/run-scale-check.sh SHARED_DIR [MILLIONS_OF_TEXTS=20]
# SHARD_SIZE=1M (say) submits with --shard-size 1M instead of the cluster's default (8 MiB); PARTS=per-shard submits
# with --parts per-shard (each shard's worker writes its own decisions and curated parts; the publish only moves them);
# FORMAT=parquet curates to Parquet instead of JSON Lines (the publisher then encodes every kept row with --parts one).
# Makes MILLIONS × 5 JSON Lines files of 200,000 English texts each (the 200k synthetic set with new uuids, about
# 22 MB a file, so 3 shards a file at the default --shard-size), starts a 2-silo process cluster on loopback with
# Azurite (silo/run-local-cluster.sh, its own ports and folder), submits one job with --lang-column (LID off) and
# watches it. Prints: wall time of the job; CPU seconds of each silo and of Azurite during the job (/proc), so the rate
# per core; each silo's peak RSS (VmHWM); the language partitions' writes (metaclip_partition_write_* on /metrics);
# the coordinator's phase times (report.json; "plan" is the planning phase, run by the workers file by file since
# the submit stopped reading files), how long the submit took to answer. Needs about 2.5 GB of disk per 20M texts in the temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."
source ./scripts-common.sh
shared=${1:?usage: bench/run-scale-check.sh SHARED_DIR [MILLIONS_OF_TEXTS]}
millions=${2:-20}
require_dotnet
work=$(mktemp -d)
cluster_pid=
cleanup() {
  if [ -n "$cluster_pid" ]; then kill "$cluster_pid" 2>/dev/null || true; wait "$cluster_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

quiet_build silo/MetaClip.Silo/MetaClip.Silo.csproj -c Release
quiet_build client/MetaClip.Client/MetaClip.Client.csproj -c Release
metaclip=(dotnet client/MetaClip.Client/bin/Release/net10.0/metaclip.dll)

mkdir -p "$work/meta" "$work/snap"
gunzip -c "$shared/bench/standin-metadata/en.json.gz" >"$work/meta/en.json"
python3 - "$shared/bench/synth-en-200k.jsonl.gz" "$work/snap" "$((millions * 5))" <<'PY'
import gzip, sys
src = list(gzip.open(sys.argv[1], "rt"))
for k in range(int(sys.argv[3])):
    with open(f"{sys.argv[2]}/part-{k:05d}.jsonl", "w") as f:
        for line in src:
            f.write(line.replace('"uuid": "', f'"uuid": "{k}-', 1))
PY
texts=$(cat "$work"/snap/*.jsonl | wc -l)
echo "input: $(ls "$work/snap" | wc -l) files, $texts texts, $(du -sh "$work/snap" | cut -f1)"

export METACLIP_LOCAL_CLUSTER_DIR="$work/cluster" METACLIP_SILO_PORT=21311 METACLIP_GATEWAY_PORT=32300 \
  METACLIP_HEALTH_PORT=18380 AZURITE_PORTS="20300 20301 20302" METACLIP_ALLOWED_LOCATIONS="$work"
silo/run-local-cluster.sh 2 >"$work/cluster.log" 2>&1 &
cluster_pid=$!
until grep -q "cluster ready" "$work/cluster.log"; do
  kill -0 "$cluster_pid" 2>/dev/null || { cat "$work/cluster.log"; exit 1; }
  sleep 0.5
done
gateways=127.0.0.1:32300,127.0.0.1:32301
silo_pids=("$(cat "$work/cluster/silo-0.pid")" "$(cat "$work/cluster/silo-1.pid")")
azurite_pid=$(pgrep -f "azurite.*--blobPort 20300" | head -1 || true)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
before=(); for p in "${silo_pids[@]}" ${azurite_pid:+$azurite_pid}; do before+=("$(cpu_ticks "$p")"); done

start=$(date +%s.%N)
id=$("${metaclip[@]}" submit --snapshot "$work/snap" --metadata "$work/meta" --out "$work/out" --lang-column lang \
  --format "${FORMAT:-jsonl}" ${SHARD_SIZE:+--shard-size "$SHARD_SIZE"} ${PARTS:+--parts "$PARTS"} --cluster "$gateways" | awk 'NR==1 {print $3}')
submitted=$(date +%s.%N)
echo "submitted $id (submit answered in $(echo "$submitted - $start" | bc) s)"
"${metaclip[@]}" watch "$id" --cluster "$gateways" | tail -3
end=$(date +%s.%N)

i=0
for p in "${silo_pids[@]}" ${azurite_pid:+$azurite_pid}; do
  after=$(cpu_ticks "$p")
  name=$([ "$i" -lt 2 ] && echo "silo $i" || echo "azurite")
  peak=$(awk '/VmHWM/ {print $2}' "/proc/$p/status")
  echo "$name: CPU $(echo "scale=1; ($after - ${before[$i]}) / $hz" | bc) s during the job, peak RSS $((peak / 1024)) MB"
  i=$((i + 1))
done
silo_cpu=0
for j in 0 1; do silo_cpu=$((silo_cpu + $(cpu_ticks "${silo_pids[$j]}") - ${before[$j]})); done
wall=$(echo "$end - $start" | bc)
echo "job: wall ${wall} s, $texts texts: $(echo "$texts / $wall" | bc) texts/s; silos' CPU $(echo "scale=1; $silo_cpu / $hz" | bc) s:" \
  "$(echo "$texts * $hz / $silo_cpu" | bc) texts per CPU-second"
for j in 0 1; do
  curl -sf "http://127.0.0.1:$((18380 + j))/metrics" | grep -E '^metaclip_(partition_write_(seconds|partials)_(sum|count)|texts_total|shards_total)' |
    sed "s/^/silo $j: /"
done
python3 -c "
import json, sys
r = json.load(open(sys.argv[1]))
print('phases (report.json timings_seconds):', ', '.join(f'{k} {v:.1f} s' for k, v in r['timings_seconds'].items()))
print('units:', r['totals']['units'], 'texts:', r['totals']['texts'], 'images kept:', r['totals']['images_kept'])
" "$work/out/report.json"
