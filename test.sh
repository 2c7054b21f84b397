#!/usr/bin/env bash
# Runs every test: restore, build, start Azurite (storage emulator, installed from npm once), then
# `dotnet test` over the solution. Idempotent. Test results (TRX) are written to .artifacts/test-results/.
# Extra arguments go to `dotnet test`.
#   ./test.sh
#   ./test.sh --filter "FullyQualifiedName~Golden"
set -euo pipefail
cd "$(dirname "$0")"
source ./scripts-common.sh

require_dotnet
ensure_lid_model
ensure_hyparquet
results=.artifacts/test-results
rm -rf "$results"
mkdir -p "$results"
quiet_build MetaClip.Cluster.sln -c Release

# The cluster tests keep grain state and membership in Azure Blob/Table storage on Azurite.
start_azurite .artifacts/azurite in-memory
trap stop_azurite EXIT
export METACLIP_TEST_STORAGE_CONNECTION_STRING="$AZURITE_CONNECTION_STRING"
# Compiled metadata lists built by the tests stay in the checkout, not in the user's cache folder.
export METACLIP_MATCHER_CACHE="$PWD/.artifacts/matcher-cache"

dotnet test MetaClip.Cluster.sln -c Release --no-build --nologo \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" "$@"
