#!/usr/bin/python3
"""Time from process start to first prediction, hyperfine-style: each command runs --warmup times unmeasured, then
--runs times, alternating between the commands so that all of them see the same machine load; prints the median and
the 10th/90th percentiles of (a) the time until the first line arrives on the command's standard output (the first
prediction: the apps print one line per image), (b) the time until the process has exited, and (c) the CPU time the
process used (user + system, from wait4): on a loaded machine (a) and (b) include waiting for a core, (c) does not.

Usage: /usr/bin/python3 tools/deployment/startup.py [--runs 51] [--warmup 5] 'LABEL=COMMAND ARGS' ...
Commands are split with shlex, run without a shell; standard error is discarded, standard input is closed.
"""

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import time


def once(argv):
    start = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    first = p.stdout.readline()
    t_first = time.perf_counter() - start
    p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    t_exit = time.perf_counter() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0 or not first:
        raise SystemExit(f"{argv}: exit code {p.returncode}, first line {first!r}")
    return t_first, t_exit, usage.ru_utime + usage.ru_stime, first.decode().strip()


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * (len(values) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=51)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("commands", nargs="+", metavar="LABEL=COMMAND")
    args = parser.parse_args()
    commands = []
    for c in args.commands:
        label, _, command = c.partition("=")
        commands.append((label, shlex.split(command)))

    for label, argv in commands:
        for _ in range(args.warmup):
            once(argv)
    times = {label: ([], [], []) for label, _ in commands}
    lines = {}
    for _ in range(args.runs):
        for label, argv in commands:
            t_first, t_exit, cpu, line = once(argv)
            times[label][0].append(t_first * 1000)
            times[label][1].append(t_exit * 1000)
            times[label][2].append(cpu * 1000)
            lines[label] = line

    print(f"{args.runs} runs each after {args.warmup} warm-up runs, interleaved; milliseconds")
    print(f"{'':26} {'first prediction: median':>24} {'p10':>6} {'p90':>6} {'exit: median':>13} {'p10':>6} {'p90':>6}"
          f" {'CPU: median':>12} {'p10':>6} {'p90':>6}")
    for label, _ in commands:
        row = f"{label:26}"
        for values, width in zip(times[label], (24, 13, 12)):
            row += f" {statistics.median(values):{width}.1f} {percentile(values, .1):6.1f} {percentile(values, .9):6.1f}"
        print(row)
    for label, _ in commands:
        print(f"{label}: {lines[label]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
