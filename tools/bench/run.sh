#!/bin/sh
# Runs every speed measurement of docs/benchmarks.md and rewrites its tables (between the results markers):
#   tools/bench/run.sh [--quick]
# Setup (Debian 12): apt-get install python3-torch libopenblas0-openmp. Without an optimised BLAS Debian's torch
# calls the reference libblas3 and trains LeNet-5 at about half speed (3,700 instead of 6,900 images/s), a peer
# made slow; pytorch_bench.py prints the BLAS library torch loaded, and run.sh stops if it is the reference one.
# 1. the models, if missing (Debian's PyTorch: apt-get install python3-torch);
# 2. PyTorch on one core               -> artifacts/bench/pytorch.json
# 3. CnnGen in the Stopwatch harness, JIT -> artifacts/bench/cnngen-jit.json
# 4. the same harness as Native AOT     -> artifacts/bench/cnngen-aot.json
# 5. BenchmarkDotNet: CnnGen and ONNX Runtime in one process; reads 2-4 and writes the tables into
#    docs/benchmarks.md and artifacts/bench/tables.md.
# --quick: fewer rounds everywhere (about 10 minutes on 2 cores, most of it ResNet-18).
set -eu
cd "$(dirname "$0")/../.."
quick=""
[ "${1:-}" = "--quick" ] && quick="--quick"
out=artifacts/bench
mkdir -p "$out"

for m in lenet5 cifarnet resnet18 vgg16; do
  [ -f "tests/CnnGen.Benchmarks/Models/$m.onnx" ] && [ -f "tests/CnnGen.Benchmarks/Models/$m.safetensors" ] \
    || /usr/bin/python3 tools/bench/export_models.py "$m"
done

/usr/bin/python3 tools/bench/pytorch_bench.py $quick --json "$out/pytorch.json" > "$out/pytorch.log"
cat "$out/pytorch.log"
if grep -q '^BLAS: reference' "$out/pytorch.log"; then
  echo "PyTorch loaded the reference BLAS: apt-get install libopenblas0-openmp, then run again" >&2
  exit 1
fi

dotnet build tests/CnnGen.Benchmarks.Aot -c Release -v q -nologo
dotnet tests/CnnGen.Benchmarks.Aot/bin/Release/net10.0/CnnGen.Benchmarks.Aot.dll $quick --json "$out/cnngen-jit.json"
# docs/benchmarks.md "Time to full speed": a fresh process's first calls (not part of the tables below).
dotnet tests/CnnGen.Benchmarks.Aot/bin/Release/net10.0/CnnGen.Benchmarks.Aot.dll --time-to-speed LeNet5 | tee "$out/time-to-speed.txt"
dotnet publish tests/CnnGen.Benchmarks.Aot -c Release -r linux-x64 -o "$out/aot" -v q -nologo
"$out/aot/CnnGen.Benchmarks.Aot" $quick --json "$out/cnngen-aot.json"

dotnet run -c Release --project tests/CnnGen.Benchmarks -- $quick --doc docs/benchmarks.md
