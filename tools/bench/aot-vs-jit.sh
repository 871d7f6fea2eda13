#!/bin/sh
# Native AOT against the JIT, row by row (issue 14: "Native AOT within 5 % of the JIT on every row"):
#   tools/bench/aot-vs-jit.sh [ROUNDS] [case label…]          (3 rounds and every case by default)
# run.sh times the JIT harness and the AOT harness minutes apart, so each row's ratio also carries the machine's drift
# between those minutes. Here the two builds of the same Stopwatch harness (tests/CnnGen.Benchmarks.Aot, --quick) take
# turns on each row, the order swapped every round, and each row's figure is the median over the rounds of AOT ÷ JIT
# speed (JIT µs ÷ AOT µs, as docs/benchmarks.md's tables give it: above 1, AOT is faster) measured back to back.
# Writes artifacts/bench/aot-vs-jit.txt.
set -eu
cd "$(dirname "$0")/../.."
rounds=${1:-3}
[ $# -gt 0 ] && shift
out=artifacts/bench
mkdir -p "$out/aot-vs-jit"

dotnet build tests/CnnGen.Benchmarks.Aot -c Release -v q -nologo
dotnet publish tests/CnnGen.Benchmarks.Aot -c Release -r linux-x64 -o "$out/aot" -v q -nologo
jit="dotnet tests/CnnGen.Benchmarks.Aot/bin/Release/net10.0/CnnGen.Benchmarks.Aot.dll"
aot="$out/aot/CnnGen.Benchmarks.Aot"

if [ $# -eq 0 ]; then
  $jit --list > "$out/aot-vs-jit/rows.txt"
else
  printf '%s\n' "$@" > "$out/aot-vs-jit/rows.txt"
fi

: > "$out/aot-vs-jit/times.txt"
r=1
while [ "$r" -le "$rounds" ]; do
  while IFS= read -r row; do
    if [ $((r % 2)) -eq 1 ]; then order="jit aot"; else order="aot jit"; fi
    for build in $order; do
      if [ "$build" = jit ]; then cmd=$jit; else cmd=$aot; fi
      us=$($cmd --quick "$row" | awk '/ median /{ for (i = 1; i <= NF; i++) if ($i == "median") print $(i + 1) }')
      printf '%s\t%s\t%s\t%s\n' "$r" "$build" "$row" "$us" >> "$out/aot-vs-jit/times.txt"
    done
  done < "$out/aot-vs-jit/rows.txt"
  r=$((r + 1))
done

# Per row: each round's AOT ÷ JIT speed, then their median.
awk -v num=jit -v den=aot -v title='AOT ÷ JIT speed' -f tools/bench/ratios.awk "$out/aot-vs-jit/times.txt" | tee "$out/aot-vs-jit.txt"
