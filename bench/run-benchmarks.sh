#!/usr/bin/env bash
# Reproduces bench/RESULTS.md: every figure there comes from one of these commands, on this machine.
#   bench/run-benchmarks.sh SHARED_DIR [quick]
# Needs Debian's python3-ahocorasick and python3-numpy for the side-by-side reference
# (apt-get install python3-ahocorasick python3-numpy).
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${1:?usage: bench/run-benchmarks.sh SHARED_DIR [quick]}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/meta"
gunzip -c "$shared/bench/standin-metadata/en.json.gz" > "$work/meta/en.json"
texts="$shared/bench/synth-en-200k.jsonl.gz"

dotnet build bench/MetaClip.Bench -c Release --nologo -v quiet -clp:ErrorsOnly
dotnet build client/MetaClip.Client -c Release --nologo -v quiet -clp:ErrorsOnly

echo "== reference: pyahocorasick + NumPy, one core"
taskset -c 0 /usr/bin/python3 bench/reference/reference_pipeline.py "$work/meta/en.json" "$texts" "$work/ref" 170000

echo "== matcher: build, size, one core and all cores"
dotnet bench/MetaClip.Bench/bin/Release/net10.0/MetaClip.Bench.dll matching "$work/meta/en.json" "$texts" 5

echo "== metaclip curate --engine-only end to end (2 cores, JSONL output), three runs"
for i in 1 2 3; do
  /usr/bin/time -f "wall %e s, max RSS %M KB" dotnet client/MetaClip.Client/bin/Release/net10.0/metaclip.dll curate \
    --snapshot "$texts" --metadata "$work/meta" --out "$work/out" --lang-column lang --format jsonl --engine-only | grep -E "Curated" || true
done
cp "$work/out/report.json" "$work/engine-report.json"

echo "== metaclip curate on the embedded single-machine cluster (the default), two runs"
for i in 1 2; do
  /usr/bin/time -f "wall %e s, max RSS %M KB" dotnet client/MetaClip.Client/bin/Release/net10.0/metaclip.dll curate \
    --snapshot "$texts" --metadata "$work/meta" --out "$work/cluster-out" --lang-column lang --format jsonl 2>&1 | grep -E "Curated|wall" || true
done
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
ours = json.load(open(f"{w}/out/thresholds.json")); ref = json.load(open(f"{w}/ref/thresholds.json"))
a = [(json.loads(l)["id"], json.loads(l)["count"]) for l in open(f"{w}/out/entry_counts/en.jsonl")]
b = [(json.loads(l)["id"], json.loads(l)["count"]) for l in open(f"{w}/ref/entry_counts/en.jsonl")]
print("engine-only timings", json.load(open(f"{w}/engine-report.json"))["timings_seconds"])
print("cluster timings", json.load(open(f"{w}/cluster-out/report.json"))["timings_seconds"])
print("p equal:", ours["p"] == ref["p"], "| matches equal:", ours["languages"]["en"]["matches"] == ref["matches"], "| counts identical:", a == b)
import filecmp
print("cluster outputs identical to engine-only:", all(filecmp.cmp(f"{w}/out/{f}", f"{w}/cluster-out/{f}", shallow=False) for f in ["thresholds.json", "decisions.jsonl", "curated/part-00000.jsonl", "entry_counts/en.jsonl"]))
PY

if [ "${2:-}" != quick ]; then
  echo "== BenchmarkDotNet"
  METACLIP_BENCH_METADATA="$work/meta/en.json" METACLIP_BENCH_TEXTS="$texts" \
    dotnet bench/MetaClip.Bench/bin/Release/net10.0/MetaClip.Bench.dll bdn --filter '*MatcherBenchmarks*' --job short
fi
