#!/usr/bin/env bash
# SegFuse set-up and entry points. Each command first installs what is missing (idempotent):
#   ./build.sh demo               run the whole workflow on a synthetic sample (segfuse demo --out demo-out)
#   ./build.sh test               run every test
#   ./build.sh bench [NAME]       run the benchmarks (tests/SegFuse.Benchmarks)
#   ./build.sh deps               only install system packages and restore NuGet packages
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

# System packages: ffmpeg (H.264 encoding, ffprobe), libgtk-3-0 (the native OpenCV runtime links it),
# python3-opencv (tests check .flo files against OpenCV's readOpticalFlow/writeOpticalFlow, which OpenCvSharp4 does not wrap),
# chromium (the server's browser test drives Debian's headless Chromium through Microsoft.Playwright; no browser download).
APT_PACKAGES=(ffmpeg libgtk-3-0 python3-opencv chromium)

log() { printf '[build] %s\n' "$*" >&2; }

ensure_apt() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing system packages: ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { log "need root or sudo to install: ${missing[*]}"; exit 2; }
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_dotnet() {
  command -v dotnet >/dev/null || { log "the .NET SDK 10 is required (dotnet not on PATH)"; exit 2; }
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
}

build_release() {
  log "restoring and building (Release)"
  dotnet build SegFuse.sln -c Release -nologo -v quiet -clp:ErrorsOnly
}

segfuse() { dotnet "src/SegFuse.Cli/bin/Release/net10.0/segfuse.dll" "$@"; }

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
  deps)
    ensure_apt; ensure_dotnet; dotnet restore SegFuse.sln -v quiet ;;
  test)
    ensure_apt; ensure_dotnet; build_release
    log "running the tests"
    dotnet test SegFuse.sln -c Release --no-build -nologo -v quiet "$@" ;;
  demo)
    ensure_apt; ensure_dotnet; build_release
    out=demo-out
    log "running the demo into $out/ (a synthetic 1280x720 driving sample, made on the first run and reused after)"
    segfuse demo --out "$out" "$@"
    log "report: $out/report.md (charts $out/per-class-iou.png, $out/miou-over-time.png; figures $out/summary.json)"
    log "videos: $out/side-by-side.mp4 (footage | per-frame | fused), $out/submission.mp4 (palette submission)" ;;
  bench)
    ensure_apt; ensure_dotnet
    dotnet run -c Release --project tests/SegFuse.Benchmarks -- "$@" ;;
  *)
    sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
    exit 2 ;;
esac
