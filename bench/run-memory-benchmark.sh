#!/usr/bin/env bash
# Peak memory of curation on big inputs (issue 17; bench/RESULTS.md, "Bounded memory"). Every figure there comes from:
#   bench/run-memory-benchmark.sh SHARED_DIR [CLIENT_DLL]
# PARTS=parquet (or any of "3m 2g parquet", the default all three) runs only those inputs' measurements.
# Inputs are generated into a temporary folder (about 2.5 GB): the 200k English set 15 times with new uuids (3M texts,
# 334 MB), that file 6 times (18M texts, 2.0 GB), and its first 2M rows as a Parquet file with one row group.
# Each run prints wall time, user/system CPU seconds and peak RSS (/usr/bin/time), and the outputs are compared.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${1:?usage: bench/run-memory-benchmark.sh SHARED_DIR [CLIENT_DLL]}
parts=${PARTS:-3m 2g parquet}
has() { [[ " $parts " == *" $1 "* ]]; }
source bench/common.sh
bench_setup "${2:-}"

mkdir -p "$work/meta"
gunzip -c "$shared/bench/standin-metadata/en.json.gz" > "$work/meta/en.json"
python3 - "$shared/bench/synth-en-200k.jsonl.gz" "$work" "$(has 2g && echo 2g)" <<'PY'
import gzip, sys
src = list(gzip.open(sys.argv[1], "rt"))
work = sys.argv[2]
with open(f"{work}/3m.jsonl", "w") as f:
    for k in range(15):
        for line in src:
            f.write(line.replace('"uuid": "', f'"uuid": "{chr(97 + k)}-', 1))
if sys.argv[3]:
  with open(f"{work}/2g.jsonl", "w") as out:
    for k in range(6):
        with open(f"{work}/3m.jsonl") as f:
            for line in f:
                out.write(line.replace('"uuid": "', '"uuid": "' + "uvwxyz"[k], 1))
PY
dotnet "$bench" one-row-group-parquet "$work/3m.jsonl" "$work/2m.parquet" 2000000
ls -l "$work"/*.jsonl "$work"/2m.parquet

run() { # name, snapshot, output, extra options
  local name=$1 snapshot=$2 out=$3; shift 3
  /usr/bin/time -f "$name: wall %e s, user %U s, sys %S s, peak RSS %M KB" dotnet "$client" curate --snapshot "$snapshot" \
    --metadata "$work/meta" --out "$out" --lang-column lang --format jsonl "$@" 2>&1 | grep -E "^$name:|^Curated|error" || true
}

if has 3m; then
echo "== 3M texts, one 334 MB JSONL file"
run "3M --engine-only" "$work/3m.jsonl" "$work/out-3m-engine" --engine-only
run "3M embedded" "$work/3m.jsonl" "$work/out-3m-embedded"
run "3M --engine-only, one shard (--shard-size 1G)" "$work/3m.jsonl" "$work/out-3m-one" --engine-only --shard-size 1G
for f in thresholds.json decisions.jsonl curated/part-00000.jsonl entry_counts/en.jsonl; do
  cmp "$work/out-3m-one/$f" "$work/out-3m-engine/$f" && cmp "$work/out-3m-one/$f" "$work/out-3m-embedded/$f" && echo "identical: $f"
done
rm -rf "$work"/out-3m-*
fi

if has 2g; then
echo "== 18M texts, one 2.0 GB JSONL file"
run "2G --engine-only" "$work/2g.jsonl" "$work/out-2g-engine" --engine-only
rm -rf "$work"/out-2g-*
run "2G embedded" "$work/2g.jsonl" "$work/out-2g-embedded"
rm -rf "$work"/out-2g-*
fi

if has parquet; then
echo "== 2M texts in one Parquet row group"
run "Parquet 2M rows --engine-only" "$work/2m.parquet" "$work/out-pq" --engine-only
run "Parquet 2M rows --engine-only, one shard, --shard-rows 3000000" "$work/2m.parquet" "$work/out-pq-one" --engine-only --shard-rows 3000000
for f in thresholds.json decisions.jsonl curated/part-00000.jsonl entry_counts/en.jsonl; do
  cmp "$work/out-pq-one/$f" "$work/out-pq/$f" && echo "identical: $f"
done
fi
