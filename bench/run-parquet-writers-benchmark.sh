#!/usr/bin/env bash
# Parquet as other writers write it (issue 17; bench/RESULTS.md, "Parquet as other writers write it"): the same 2M
# English texts as Parquet.Net, DuckDB and arrow-rs (pyarrow's page layout) write them, one row group or their
# writers' default row groups, each curated --engine-only with --shard-rows 100000 and 10000.
#   bench/run-parquet-writers-benchmark.sh SHARED_DIR [CLIENT_DLL]
# The writers (npm: @duckdb/node-api, parquet-wasm, apache-arrow; versions in bench/parquet-writers/package.json) are
# installed into the temporary work folder, never into the project. Each run prints wall time, user/system CPU seconds
# and peak RSS (/usr/bin/time); every output is compared with the first run's.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${1:?usage: bench/run-parquet-writers-benchmark.sh SHARED_DIR [CLIENT_DLL]}
source bench/common.sh
bench_setup "${2:-}"

cp bench/parquet-writers/*.mjs bench/parquet-writers/package.json "$work/"
(cd "$work" && npm install --no-audit --no-fund --silent)

mkdir -p "$work/meta"
gunzip -c "$shared/bench/standin-metadata/en.json.gz" > "$work/meta/en.json"
# The memory benchmark's texts: the 200k English set ten times over, each copy's uuids new (2M rows).
python3 - "$shared/bench/synth-en-200k.jsonl.gz" "$work/2m.jsonl" <<'PY'
import gzip, sys
src = list(gzip.open(sys.argv[1], "rt"))
with open(sys.argv[2], "w") as f:
    for k in range(10):
        for line in src:
            f.write(line.replace('"uuid": "', f'"uuid": "{chr(97 + k)}-', 1))
PY
dotnet "$bench" one-row-group-parquet "$work/2m.jsonl" "$work/parquet-net.parquet" 2000000
node "$work/duckdb.mjs" "$work/2m.jsonl" "$work/duckdb.parquet" 2000000 2000000
node "$work/duckdb.mjs" "$work/2m.jsonl" "$work/duckdb-groups.parquet" 2000000 122880
node "$work/arrow-rs.mjs" "$work/2m.jsonl" "$work/arrow-rs.parquet" 2000000 2000000
node "$work/arrow-rs.mjs" "$work/2m.jsonl" "$work/arrow-rs-groups.parquet" 2000000 1048576
for f in parquet-net duckdb duckdb-groups arrow-rs arrow-rs-groups; do
  echo "== $f"
  dotnet "$bench" parquet-pages "$work/$f.parquet" | head -4
done

first=
for f in parquet-net duckdb duckdb-groups arrow-rs arrow-rs-groups; do
  for rows in 100000 10000; do
    out="$work/out-$f-$rows"
    /usr/bin/time -f "$f --shard-rows $rows: wall %e s, user %U s, sys %S s, peak RSS %M KB" dotnet "$client" curate \
      --snapshot "$work/$f.parquet" --metadata "$work/meta" --out "$out" --lang-column lang --format jsonl --engine-only \
      --shard-rows "$rows" 2>&1 | grep -E "shard-rows|error" || true
    if [ -z "$first" ]; then first=$out; continue; fi
    for o in decisions.jsonl curated/part-00000.jsonl thresholds.json; do
      cmp -s "$first/$o" "$out/$o" || { echo "$out/$o differs from $first/$o" >&2; exit 1; }
    done
    rm -rf "$out"
  done
done
echo "every output identical to the first run's"
