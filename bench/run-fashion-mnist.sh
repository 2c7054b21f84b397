#!/usr/bin/env bash
# The small-scale experiment of bench/RESULTS.md ("Online curation helps the tail: Fashion-MNIST"), one command:
#   bench/run-fashion-mnist.sh SHARED_DIR [SEEDS] [STEPS]
# From Fashion-MNIST (shared/data/fashion-mnist-debian) and real CLDR class names in 12 languages
# (shared/data/derived-class-labels) it makes a long-tailed, language-skewed pool of 12,000 captioned images,
# curates it with this project (t_en = 300), and trains the tiny CLIP for the same number of seen pairs on the
# raw pool, the balanced curation (online: a fresh draw each epoch) and the English rows only, SEEDS times
# each (default 3, STEPS steps of 64 pairs, default 400); then zero-shot on 1,600 held-out images in every
# language. Writes bench/results/fashion-mnist/ (results.json, results.md, accuracy.png,
# accuracy-per-language.png). About 5 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
source ./scripts-common.sh
require_dotnet
shared=${1:?usage: bench/run-fashion-mnist.sh SHARED_DIR [SEEDS] [STEPS]}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
quiet_build bench/MetaClip.Bench.Training/MetaClip.Bench.Training.csproj -c Release
dotnet bench/MetaClip.Bench.Training/bin/Release/net10.0/MetaClip.Bench.Training.dll fashion-experiment "$shared" "$work" "${2:-3}" "${3:-400}"
mkdir -p bench/results/fashion-mnist
cp "$work"/results.json "$work"/results.md "$work"/accuracy.png "$work"/accuracy-per-language.png bench/results/fashion-mnist/
echo "Results: bench/results/fashion-mnist/"
