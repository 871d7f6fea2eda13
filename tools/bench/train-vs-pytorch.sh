#!/bin/sh
# CnnGen's training step against PyTorch's, back to back (issue 14: "training step ≥ 4× PyTorch"):
#   tools/bench/train-vs-pytorch.sh [ROUNDS] [network…]          (5 rounds, lenet5 and cifarnet by default)
# PyTorch runs in its own process (Python), so run.sh times it minutes before the .NET run, and this VM's speed drifts
# by 20-50 % between such minutes. Here each round runs PyTorch's step (tools/bench/pytorch_bench.py --quick
# --train-only, one core, OpenBLAS, fixed malloc thresholds) and CnnGen's (the JIT build of the Stopwatch harness,
# tests/CnnGen.Benchmarks.Aot, --quick) in turn, the order swapped every round, and each network's figure is the
# median over the rounds of PyTorch µs ÷ CnnGen µs (above 1, CnnGen is faster). Writes artifacts/bench/train-vs-pytorch.txt.
set -eu
cd "$(dirname "$0")/../.."
rounds=${1:-5}
[ $# -gt 0 ] && shift
networks=${*:-lenet5 cifarnet}
out=artifacts/bench
mkdir -p "$out/train-vs-pytorch"

dotnet build tests/CnnGen.Benchmarks.Aot -c Release -v q -nologo
jit="dotnet tests/CnnGen.Benchmarks.Aot/bin/Release/net10.0/CnnGen.Benchmarks.Aot.dll"
if /usr/bin/python3 tools/bench/pytorch_bench.py --quick --train-only lenet5 | grep -q '^BLAS: reference'; then
  echo "PyTorch loaded the reference BLAS: apt-get install libopenblas0-openmp, then run again" >&2
  exit 1
fi

: > "$out/train-vs-pytorch/times.txt"
r=1
while [ "$r" -le "$rounds" ]; do
  for network in $networks; do
    case $network in
      lenet5) row="LeNet5 b32 train" ;;
      cifarnet) row="CifarNet b32 train" ;;
      *) echo "unknown network $network (lenet5, cifarnet)" >&2; exit 1 ;;
    esac
    if [ $((r % 2)) -eq 1 ]; then order="pytorch cnngen"; else order="cnngen pytorch"; fi
    for who in $order; do
      if [ "$who" = pytorch ]; then
        us=$(/usr/bin/python3 tools/bench/pytorch_bench.py --quick --train-only "$network" | awk '/ median /{ for (i = 1; i <= NF; i++) if ($i == "median") print $(i + 1) }')
      else
        us=$($jit --quick "$row" | awk '/ median /{ for (i = 1; i <= NF; i++) if ($i == "median") print $(i + 1) }')
      fi
      printf '%s\t%s\t%s\t%s\n' "$r" "$who" "$row" "$us" >> "$out/train-vs-pytorch/times.txt"
    done
  done
  r=$((r + 1))
done

# Per row: each round's PyTorch µs ÷ CnnGen µs, then their median.
awk -v num=pytorch -v den=cnngen -v title='CnnGen ÷ PyTorch speed (PyTorch µs / CnnGen µs)' -f tools/bench/ratios.awk "$out/train-vs-pytorch/times.txt" | tee "$out/train-vs-pytorch.txt"
