#!/usr/bin/env bash
# Cost per billion texts (issue 17, item 3): CPU-seconds (user + sys) per million texts end to end, ours vs an
# upstream-style Python pipeline on one core, on the same inputs; every figure of bench/RESULTS.md's section
# "Cost per billion texts (issue 17)" comes from one run of this script.
#   bench/run-cost-benchmark.sh SHARED_DIR [ROUNDS]        (ROUNDS interleaved rounds, default 3)
#   REPEAT=4 bench/run-cost-benchmark.sh SHARED_DIR 1      (the caption corpus 4 times over, each copy's uuids new:
#                                                           a longer run, so the per-text cost is less its warm-up)
# Inputs (under SHARED_DIR): data/caption-corpus/captions.tsv.gz (508,857 real multilingual captions; LID on),
# bench/synth-en-200k.jsonl.gz with bench/standin-metadata/en.json.gz (--lang-column lang); the metadata of the
# multilingual run is built here with `metaclip metadata build` from data/ (OMW + CLDR + FrequencyWords top10k,
# as bench/RESULTS.md "Metadata by the reference's rules", run 1).
# Needs Debian's python3-fasttext, python3-ahocorasick, python3-numpy (apt-get install -y python3-fasttext
# python3-ahocorasick python3-numpy), GNU time (/usr/bin/time) and .models/lid.176.ftz (./run.sh fetches it).
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${1:?usage: bench/run-cost-benchmark.sh SHARED_DIR [ROUNDS]}
rounds=${2:-3}
py=/usr/bin/python3
ref=bench/reference/reference_lid_pipeline.py
model=.models/lid.176.ftz
[ -f "$model" ] || { echo "no $model: run ./run.sh (or ./test.sh) once to fetch it" >&2; exit 1; }
$py -c 'import fasttext, ahocorasick, numpy' || { echo "apt-get install -y python3-fasttext python3-ahocorasick python3-numpy" >&2; exit 1; }
work=$(mktemp -d)
trap '[ -n "${KEEP_WORK:-}" ] || rm -rf "$work"' EXIT   # KEEP_WORK=1 keeps the folder (printed below)
echo "work folder: $work"

echo "== build: client (JIT), client ReadyToRun (what ./metaclip and ./run.sh run), bench"
dotnet build client/MetaClip.Client -c Release --nologo -v quiet -clp:ErrorsOnly -m:1 >/dev/null
dotnet build bench/MetaClip.Bench -c Release --nologo -v quiet -clp:ErrorsOnly -m:1 >/dev/null
jit=client/MetaClip.Client/bin/Release/net10.0/metaclip.dll
r2r=$(source ./scripts-common.sh && ready_to_run_client)
bench=bench/MetaClip.Bench/bin/Release/net10.0/MetaClip.Bench.dll
echo "JIT client: $jit; ReadyToRun client: $r2r"
nproc; lscpu | grep -E '^Model name' || true

echo "== inputs"
dotnet "$jit" metadata build --wordnet "$shared/data" --cldr --unigram-counts "$shared/data/frequencywords/top10k" \
  --out "$work/meta" | grep -E "^Built"
$py $ref snapshot "$shared/data/caption-corpus/captions.tsv.gz" "$work/ml.jsonl"
repeat=${REPEAT:-1}
case $repeat in ''|*[!0-9]*|0) echo "REPEAT=$repeat: a whole number of at least 1, please" >&2; exit 2 ;; esac
echo "$repeat" > "$work/repeat"
if [ "$repeat" -gt 1 ]; then
  # Copy k's uuids start with k in two hex digits (the corpus' uuids are row numbers: their first digits are 0).
  mv "$work/ml.jsonl" "$work/ml-once.jsonl"
  for k in $(seq 0 $((repeat - 1))); do
    sed "s/^{\"uuid\": \"00/{\"uuid\": \"$(printf %02x "$k")/" "$work/ml-once.jsonl"
  done > "$work/ml.jsonl"
  rm "$work/ml-once.jsonl"
  rows=$(wc -l < "$work/ml.jsonl")
  uuids=$(sed -n 's/^{"uuid": "\([0-9a-f]*\)".*/\1/p' "$work/ml.jsonl" | sort -u | wc -l)
  [ "$rows" = "$uuids" ] || { echo "the copies' uuids are not all new ($uuids distinct of $rows rows)" >&2; exit 1; }
  echo "caption corpus $repeat times over: $rows rows, each its own uuid"
fi
$py $ref snapshot "$shared/data/caption-corpus/captions.tsv.gz" "$work/ml-1k.jsonl" 1000
mkdir -p "$work/en"
gunzip -c "$shared/bench/standin-metadata/en.json.gz" > "$work/en/en.json"
gunzip -c "$shared/bench/synth-en-200k.jsonl.gz" > "$work/en.jsonl"
head -n 1000 "$work/en.jsonl" > "$work/en-1k.jsonl"

# dataset → metadata folder and the option that gives each text its language
meta_of() { case $1 in ml*) echo "$work/meta";; en*) echo "$work/en";; esac; }
lang_of() { case $1 in ml*) echo "--lid-model $model";; en*) echo "--lang-column lang";; esac; }

# run VARIANT DATASET ROUND: one timed run; appends "variant dataset round wall user sys maxrss_kb load1" to runs.tsv
run() {
  local v=$1 d=$2 r=$3 out="$work/out/$1-$2" load
  load=$(cut -d' ' -f1 /proc/loadavg)
  rm -rf "$out"
  case $v in
    python) /usr/bin/time -f "%e %U %S %M" -o "$work/t" taskset -c 0 $py $ref "$(meta_of "$d")" "$work/$d.jsonl" "$out" \
              $(lang_of "$d") >"$work/log" 2>&1 ;;
    *) local dll=$jit extra=
       case $v in *r2r*) dll=$r2r;; esac
       case $v in engine*) extra=--engine-only;; esac
       local pin=
       case $v in *-1core) pin="taskset -c 0";; esac   # on one core, as the Python run is
       /usr/bin/time -f "%e %U %S %M" -o "$work/t" $pin dotnet "$dll" curate --snapshot "$work/$d.jsonl" --metadata "$(meta_of "$d")" \
         --out "$out" $(lang_of "$d") --format jsonl --matcher-cache "$work/cache" $extra >"$work/log" 2>&1 ;;
  esac || { cat "$work/log"; exit 1; }
  echo "$v $d $r $(cat "$work/t") $load" | tee -a "$work/runs.tsv"
  mkdir -p "$work/profiles"
  if [ "$v" = python ]; then cp "$out/stages.json" "$work/profiles/$v-$d-$r.json"
  else $py -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["timings_seconds"]))' "$out/report.json" > "$work/profiles/$v-$d-$r.json"; fi
}

echo "== warm-up (compiled lists into the matcher cache; not measured)"
for d in ml en; do
  dotnet "$jit" curate --snapshot "$work/$d-1k.jsonl" --metadata "$(meta_of $d)" --out "$work/warm" $(lang_of $d) \
    --format jsonl --matcher-cache "$work/cache" --engine-only >/dev/null
done

echo "== interleaved runs: variant dataset round wall_s user_s sys_s maxrss_KB load1"
variants="python engine engine-1core embedded engine-r2r embedded-r2r"
for r in $(seq "$rounds"); do
  for d in ml en ml-1k en-1k; do
    for v in $variants; do run "$v" "$d" "$r"; done
  done
done

echo "== checks"
for d in ml en; do
  echo "-- $d: ours (engine-only) vs the Python pipeline"
  $py $ref compare "$work/out/engine-$d" "$work/out/python-$d" || true
  for v in engine-1core embedded engine-r2r embedded-r2r; do
    same=yes
    for f in thresholds.json decisions.jsonl curated/part-00000.jsonl; do
      cmp -s "$work/out/engine-$d/$f" "$work/out/$v-$d/$f" || same=no
    done
    echo "$v outputs identical to engine-only: $same"
  done
done
echo "-- LID labels, every text of the caption corpus: fastText's Python module vs metaclip lid"
$py $ref "$work/meta" "$work/ml.jsonl" "$work/out/labels" --lid-model "$model" --labels "$work/py-labels.txt" >/dev/null
$py -c '
import json, sys
with open(sys.argv[1], encoding="utf-8") as f, open(sys.argv[2], "w", encoding="utf-8") as o:
    for line in f:
        t = json.loads(line)["text"]
        if t.strip():
            o.write(t.replace("\n", " ").replace("\r", " ").strip() + "\n")
' "$work/ml.jsonl" "$work/lid-input.txt"
dotnet "$jit" lid --model "$model" --input "$work/lid-input.txt" | cut -d' ' -f1 | sed 's/^__label__//' > "$work/our-labels.txt"
paste -d' ' "$work/our-labels.txt" "$work/py-labels.txt" | awk '$1 != $2 { d++ } END { print NR " texts, " d+0 " labels differ" }'

echo "== matching alone, 500k English list, 200k texts (MetaClip.Bench matching)"
dotnet "$bench" matching "$work/en/en.json" "$shared/bench/synth-en-200k.jsonl.gz" 5
echo "== LID alone, the caption corpus, one thread (MetaClip.Bench lid)"
dotnet "$bench" lid "$model" "$work/lid-input.txt" 3

if command -v perf >/dev/null; then
  echo "== profile: perf record of one --engine-only run (JIT client) on the caption corpus, shares of CPU samples"
  DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 perf record -F 999 -o "$work/perf.data" dotnet "$jit" curate \
    --snapshot "$work/ml.jsonl" --metadata "$work/meta" --out "$work/out/perf" --lid-model "$model" --format jsonl \
    --matcher-cache "$work/cache" --engine-only >/dev/null 2>"$work/perf.log" || cat "$work/perf.log"
  perf report -i "$work/perf.data" --no-children --sort dso,sym --stdio 2>/dev/null | grep -E '^ +[0-9.]+%' > "$work/perf.txt"
  $py bench/reference/perf_categories.py "$work/perf.txt"
  echo "top 15 symbols:"; head -n 15 "$work/perf.txt" | cut -c1-200
fi

echo "== summary"
$py bench/reference/cost_summary.py "$work"
