#!/usr/bin/env bash
# docs/deployment.md's numbers: publishes samples/LeNet.Aot (CnnGen), tools/deployment/OnnxLeNet (ONNX Runtime) and
# tools/deployment/EmptyAot (the floor) with Native AOT, prints what each deployment weighs, then times process start
# to first prediction with startup.py. Needs the .NET 10 SDK, clang or gcc, and Debian's python3-torch (for the ONNX
# export). A measurement, not a test: CI does not run it.
#   bash tools/deployment/measure.sh [RUNS]        (default 51 timed runs per app)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-51}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

/usr/bin/python3 tools/deployment/export_onnx.py > "$out/export.txt"
for app in samples/LeNet.Aot tools/deployment/OnnxLeNet tools/deployment/EmptyAot; do
  name=$(basename "$app")
  dotnet publish "$app" -c Release -r linux-x64 -p:PublishAot=true -o "$out/$name" > "$out/$name.log" 2>&1 \
    || { cat "$out/$name.log"; exit 1; }
  if grep -Eq 'warning IL[23][0-9]{3}' "$out/$name.log"; then echo "$name: trim/AOT warnings:"; grep -E 'warning IL' "$out/$name.log"; fi
done

size() { /usr/bin/python3 -c 'import os, sys; print(f"{sum(os.path.getsize(p) for p in sys.argv[1:]):,}", end="")' "$@"; }
echo "deployment sizes (bytes; what has to be copied to run the app):"
echo "  CnnGen, LeNet.Aot (weights compiled in):  $(size "$out/LeNet.Aot/LeNet.Aot")"
echo "  ONNX Runtime, OnnxLeNet (exe + libonnxruntime.so + libonnxruntime_providers_shared.so + lenet5.onnx): $(size "$out/OnnxLeNet/OnnxLeNet" "$out/OnnxLeNet/libonnxruntime.so" "$out/OnnxLeNet/libonnxruntime_providers_shared.so" "$out/OnnxLeNet/lenet5.onnx")"
echo "    of which libonnxruntime.so: $(size "$out/OnnxLeNet/libonnxruntime.so"), OnnxLeNet: $(size "$out/OnnxLeNet/OnnxLeNet")"
echo "  empty Native AOT app:  $(size "$out/EmptyAot/EmptyAot")"
echo

digit=samples/LeNet.Aot/digits/test0-label1.pgm
/usr/bin/python3 tools/deployment/startup.py --runs "$runs" --warmup 5 \
  "empty Native AOT app=$out/EmptyAot/EmptyAot" \
  "CnnGen (LeNet.Aot)=$out/LeNet.Aot/LeNet.Aot $digit" \
  "ONNX Runtime (OnnxLeNet)=$out/OnnxLeNet/OnnxLeNet $digit"

# The same at real-time priority (SCHED_FIFO; root only), so that the other processes of a shared machine do not
# delay the apps: the wall times here are close to what an idle core gives.
if command -v chrt > /dev/null && [ "$(id -u)" = 0 ]; then
  echo
  echo "at real-time priority (chrt -f 50):"
  chrt -f 50 /usr/bin/python3 tools/deployment/startup.py --runs "$runs" --warmup 5 \
    "empty Native AOT app=$out/EmptyAot/EmptyAot" \
    "CnnGen (LeNet.Aot)=$out/LeNet.Aot/LeNet.Aot $digit" \
    "ONNX Runtime (OnnxLeNet)=$out/OnnxLeNet/OnnxLeNet $digit"
fi
