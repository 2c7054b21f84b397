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
