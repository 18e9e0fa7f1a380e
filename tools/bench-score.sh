#!/usr/bin/env bash
# Scoring throughput: `segfuse score` (Release) on FRAMES Cityscapes-layout frames, with and without
# instance scores: Mpx/s of wall time (both cores) and per CPU-second, and peak memory. Where python3 can import cityscapesScripts
# (pip install cityscapesscripts, with its Cython extension), its evalPixelLevelSemanticLabeling runs
# on the same files in the same run and the ratios are printed.
#   tools/bench-score.sh [FRAMES=120] [SIZE=mixed|WxH]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
frames=${1:-120}
size=${2:-mixed}
dir=${BENCH_DIR:-/tmp/segfuse-bench-score-$frames-$size}
dotnet build SegFuse.sln -c Release -nologo -v quiet -clp:ErrorsOnly
if [ ! -d "$dir/gt" ]; then
  if [ "$size" = mixed ]; then
    dotnet tests/SegFuse.Benchmarks/bin/Release/net10.0/SegFuse.Benchmarks.dll make-score-data "$dir" "$frames"
  else
    dotnet tests/SegFuse.Benchmarks/bin/Release/net10.0/SegFuse.Benchmarks.dll make-score-data "$dir" "$frames" "$size"
  fi
fi
pixels=$(python3 - "$dir" <<'PY'
import struct, sys, glob
total = 0
for f in glob.glob(sys.argv[1] + "/gt/*/*_gtFine_labelIds.png"):
    with open(f, "rb") as fh:
        head = fh.read(24)
    w, h = struct.unpack(">II", head[16:24])
    total += w * h
print(total)
PY
)
echo "data: $dir, $frames frames, $pixels pixels, $(nproc) cores"
segfuse=(dotnet src/SegFuse.Cli/bin/Release/net10.0/segfuse.dll)
run() { # label, command...: wall time, CPU time (user + sys) and peak memory
  local label=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o /tmp/segfuse-bench-time "$@" > /dev/null 2>&1
  read -r wall user sys rss < /tmp/segfuse-bench-time
  python3 -c "import sys; w, c = $wall, $user + $sys; print(f'{sys.argv[1]:<24} wall {w:6.2f} s {$pixels / w / 1e6:7.1f} Mpx/s | cpu {c:6.2f} s {$pixels / c / 1e6:7.1f} Mpx/s per cpu-second | peak {$rss / 1024:5.0f} MB')" "$label"
  echo "$wall $user $sys" > "/tmp/segfuse-bench-$label.s"
}
run segfuse-instances "${segfuse[@]}" score --gt "$dir/gt" --pred "$dir/pred"
run segfuse-no-instances "${segfuse[@]}" score --gt "$dir/gt" --pred "$dir/pred" --no-instances
if python3 -c "import cityscapesscripts.evaluation.evalPixelLevelSemanticLabeling" 2>/dev/null; then
  driver=$(mktemp --suffix=.py)
  cat > "$driver" <<'PY'
import glob, os, sys
from cityscapesscripts.evaluation import evalPixelLevelSemanticLabeling as ev
d, inst = sys.argv[1], sys.argv[2] == "1"
gts = sorted(glob.glob(d + "/gt/*/*_gtFine_labelIds.png"))
preds = []
for g in gts:
    key = "_".join(os.path.basename(g).split("_")[:3])
    preds.append(glob.glob(f"{d}/pred/*/{key}*.png")[0])
ev.args.evalInstLevelScore = inst
ev.args.JSONOutput = False
ev.args.quiet = True
ev.evaluateImgLists(preds, gts, ev.args)
PY
  run reference-instances python3 "$driver" "$dir" 1
  run reference-no-instances python3 "$driver" "$dir" 0
  for m in instances no-instances; do
    python3 -c "
r = [float(x) for x in open('/tmp/segfuse-bench-reference-$m.s').read().split()]
s = [float(x) for x in open('/tmp/segfuse-bench-segfuse-$m.s').read().split()]
print(f'segfuse vs reference ($m): {r[0] / s[0]:.2f}x faster (wall), {(r[1] + r[2]) / (s[1] + s[2]):.2f}x less cpu')"
  done
else
  echo "cityscapesScripts not importable by python3: reference not run (the figures to compare with are in README.md)"
fi
