# Set-up shared by the bench scripts (sourced from the repository root).
# bench_setup [CLIENT_DLL]: a temporary work folder in $work, removed on exit; the bench built ($bench, its dll); and
# the client to measure in $client: CLIENT_DLL, or the client built here.
bench_setup() {
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  dotnet build bench/MetaClip.Bench -c Release --nologo -v quiet -clp:ErrorsOnly
  bench=bench/MetaClip.Bench/bin/Release/net10.0/MetaClip.Bench.dll
  client=${1:-}
  if [ -z "$client" ]; then
    dotnet build client/MetaClip.Client -c Release --nologo -v quiet -clp:ErrorsOnly
    client=client/MetaClip.Client/bin/Release/net10.0/metaclip.dll
  fi
}
