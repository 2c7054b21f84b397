#!/usr/bin/env bash
# A rolling upgrade, live: a 2-silo local cluster (Azurite, Azure Table membership, blob grain state) of an
# older build runs a curation job; each silo in turn is stopped gracefully (SIGTERM, as Kubernetes does) and
# started again from this checkout's build, while the job runs. The job must end Done with the outputs of the
# single-process engine (cmp). The client is this checkout's throughout.
#   bench/rolling-upgrade.sh OLD_COMMIT SNAPSHOT METADATA [curate options...]
# e.g. bench/rolling-upgrade.sh 9f8a7d4 /tmp/perf/snap100 /tmp/perf/meta --lang-column lang --format jsonl
# The old build goes to .artifacts/upgrade/OLD_COMMIT (git archive + dotnet build, once); outputs to out/upgrade/.
set -euo pipefail
cd "$(dirname "$0")/.."
source ./scripts-common.sh
old=${1:?usage: bench/rolling-upgrade.sh OLD_COMMIT SNAPSHOT METADATA [curate options...]}
snapshot=${2:?snapshot}
metadata=${3:?metadata}
shift 3
require_dotnet
oldtree=.artifacts/upgrade/$old
if [ ! -f "$oldtree/silo/MetaClip.Silo/bin/Release/net10.0/MetaClip.Silo.dll" ]; then
  rm -rf "$oldtree" && mkdir -p "$oldtree"
  git archive "$old" | tar -x -C "$oldtree"
  (cd "$oldtree" && dotnet build silo/MetaClip.Silo/MetaClip.Silo.csproj -c Release -nologo -v q)
fi
quiet_build silo/MetaClip.Silo/MetaClip.Silo.csproj -c Release
quiet_build client/MetaClip.Client/MetaClip.Client.csproj -c Release
metaclip=(dotnet client/MetaClip.Client/bin/Release/net10.0/metaclip.dll)
out=out/upgrade
rm -rf "$out" out/local-cluster/azurite && mkdir -p "$out"
cluster=127.0.0.1:30000,127.0.0.1:30001

"${metaclip[@]}" curate --snapshot "$snapshot" --metadata "$metadata" --out "$out/engine" --engine-only "$@" >/dev/null
echo "engine-only run done"

METACLIP_MAX_CONCURRENT_SHARDS=1 METACLIP_SILO_DLL="$PWD/$oldtree/silo/MetaClip.Silo/bin/Release/net10.0/MetaClip.Silo.dll" \
  silo/run-local-cluster.sh 2 >"$out/cluster.log" 2>&1 &
cluster_pid=$!
trap 'kill $cluster_pid 2>/dev/null; wait $cluster_pid 2>/dev/null || true' EXIT
until grep -q "cluster ready" "$out/cluster.log"; do
  kill -0 $cluster_pid 2>/dev/null || { cat "$out/cluster.log"; exit 1; }
  sleep 0.5
done
echo "cluster of $old up"
id=$("${metaclip[@]}" submit --snapshot "$snapshot" --metadata "$metadata" --out "$out/cluster" --cluster $cluster "$@" | awk 'NR==1 {print $3}')
echo "submitted $id"
for i in 0 1; do
  sleep 3
  "${metaclip[@]}" status "$id" --cluster $cluster | head -1
  pid=$(cat out/local-cluster/silo-$i.pid)
  kill -TERM "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  echo "silo $i ($old) stopped gracefully; starting it from this build"
  METACLIP_MAX_CONCURRENT_SHARDS=1 silo/run-local-cluster.sh --restart $i
  curl -sf "http://127.0.0.1:$((8080 + i))/metrics" >/dev/null && echo "silo $i now serves /metrics (this build)"
done
"${metaclip[@]}" watch "$id" --cluster $cluster | tail -4
"${metaclip[@]}" status "$id" --cluster $cluster | head -1
# Shards the upgraded silo 0 ran while silo 1 was still the old build, and after.
curl -sf http://127.0.0.1:8080/metrics | grep '^metaclip_shards_total' | sed 's/^/silo 0 (this build): /' || true
for f in thresholds.json decisions.jsonl; do cmp "$out/engine/$f" "$out/cluster/$f"; done
diff -r "$out/engine/entry_counts" "$out/cluster/entry_counts"
diff -r "$out/engine/curated" "$out/cluster/curated"
echo "rolling upgrade $old -> $(git rev-parse --short HEAD): outputs identical to the engine's"
