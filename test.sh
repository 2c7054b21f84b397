#!/usr/bin/env bash
# Runs every test: restore, build, then `dotnet test` over the solution. Idempotent.
# Test results (TRX) are written to .artifacts/test-results/. Extra arguments go to `dotnet test`.
#   ./test.sh
#   ./test.sh --filter "FullyQualifiedName~Golden"
set -euo pipefail
cd "$(dirname "$0")"
source ./scripts-common.sh

require_dotnet
results=.artifacts/test-results
rm -rf "$results"
mkdir -p "$results"
quiet_build MetaClip.Cluster.sln -c Release
dotnet test MetaClip.Cluster.sln -c Release --no-build --nologo \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" "$@"
