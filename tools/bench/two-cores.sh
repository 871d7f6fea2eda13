#!/bin/sh
# Both cores against one, row by row (issue 14: "every batch row on both cores ≥ 1.8× the one-core figure"):
#   tools/bench/two-cores.sh [ROUNDS] [network…]          (5 rounds and every two-core row by default)
# run.sh's tables take one-core and two-core figures from one run each, and this VM's speed drifts between minutes and
# between its two vCPUs (docs/benchmarks.md, "The targets not met"), so one pair is not a verdict. Here the JIT build of
# the Stopwatch harness (tests/CnnGen.Benchmarks.Aot, --quick) runs each two-core row and its one-core row back to back,
# each in a fresh process, the order swapped every round, and each row's figure is the median over the rounds of
# one-core µs ÷ two-core µs (the speed-up). Writes artifacts/bench/two-cores.txt.
set -eu
cd "$(dirname "$0")/../.."
rounds=${1:-5}
[ $# -gt 0 ] && shift
out=artifacts/bench
mkdir -p "$out/two-cores"

dotnet build tests/CnnGen.Benchmarks.Aot -c Release -v q -nologo
jit="dotnet tests/CnnGen.Benchmarks.Aot/bin/Release/net10.0/CnnGen.Benchmarks.Aot.dll"

$jit --list | grep ' 2 cores$' > "$out/two-cores/rows.txt"
if [ $# -gt 0 ]; then
  for network in "$@"; do grep "^$network " "$out/two-cores/rows.txt"; done > "$out/two-cores/selected.txt"
  mv "$out/two-cores/selected.txt" "$out/two-cores/rows.txt"
fi

: > "$out/two-cores/times.txt"
r=1
while [ "$r" -le "$rounds" ]; do
  while IFS= read -r row; do
    one=${row% 2 cores}
    if [ $((r % 2)) -eq 1 ]; then order="one two"; else order="two one"; fi
    for cores in $order; do
      if [ "$cores" = one ]; then label=$one; else label=$row; fi
      us=$($jit --quick "$label" | awk '/ median /{ for (i = 1; i <= NF; i++) if ($i == "median") print $(i + 1) }')
      printf '%s\t%s\t%s\t%s\n' "$r" "$cores" "$row" "$us" >> "$out/two-cores/times.txt"
    done
  done < "$out/two-cores/rows.txt"
  r=$((r + 1))
done

# Per row: each round's speed-up (one-core µs ÷ two-core µs), then their median.
awk -v num=one -v den=two -v title='two cores ÷ one core speed' -f tools/bench/ratios.awk "$out/two-cores/times.txt" | tee "$out/two-cores.txt"
