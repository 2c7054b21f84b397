#!/usr/bin/env bash
# The main job: curate the bundled sample snapshot on an embedded single-machine cluster (an Orleans silo
# inside the metaclip process) and print where the results and the
# report are. Idempotent: it restores and builds what is missing, and replaces out/sample each time.
#   ./run.sh                 # curate samples/snapshot into out/sample
#   ./run.sh --threads 1     # extra options go to `metaclip curate`
set -euo pipefail
cd "$(dirname "$0")"
source ./scripts-common.sh

require_dotnet
ensure_lid_model
quiet_build client/MetaClip.Client/MetaClip.Client.csproj -c Release
metaclip=$(ready_to_run_client)
# Every text's language is identified by fastText lid.176 (downloaded once into .models/ by ensure_lid_model).
# The sample is tiny (4,650 texts), so it uses t_en = 20 instead of the worldwide default of 170,000,
# which would keep every image of a sample this small.
exec dotnet "$metaclip" curate \
  --snapshot samples/snapshot --metadata samples/metadata --out out/sample \
  --t-en 20 "$@"
