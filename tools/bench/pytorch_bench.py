#!/usr/bin/python3
"""Time PyTorch on LeNet-5 on one core: forward batch 1, forward batch 64, SGD training step batch 32.

Usage:
    /usr/bin/python3 tools/bench/pytorch_bench.py            # full run (about a minute)
    /usr/bin/python3 tools/bench/pytorch_bench.py --quick    # fewer repeats (a few seconds)
    /usr/bin/python3 tools/bench/pytorch_bench.py --json     # also print one JSON line (read by the C# benchmark)

The network and its parameters are those of tests/CnnGen.Benchmarks/Models/lenet5.safetensors
(written by tools/bench/export_lenet5.py), the same the C# benchmark gives CnnGen and ONNX Runtime.
Inputs are uniform [0, 1) (never zeros), labels uniform over the 10 classes.
torch.set_num_threads(1) and set_num_interop_threads(1): one core, like the C# side.

Forward runs under torch.inference_mode() on the eval-mode module (softmax output, as the ONNX
model). Training: logits -> F.cross_entropy (softmax + NLL fused, as CnnGen's trainer), backward,
torch.optim.SGD(lr=0.01).step(), zero_grad(set_to_none=True).

Each figure is the median over R rounds of the mean of an inner loop of n calls (after warm-up),
as BenchmarkDotNet does; printed: median microseconds per call, images per second.
"""

import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO_ROOT, "tools", "fixtures"))
import safetensors_io as st  # noqa: E402
from export_lenet5 import LeNet5  # noqa: E402

WEIGHTS = os.path.join(REPO_ROOT, "tests", "CnnGen.Benchmarks", "Models", "lenet5.safetensors")
MACS = 416_520


def timed(fn, rounds, inner, warmup):
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        for _ in range(inner):
            fn()
        samples.append((time.perf_counter_ns() - start) / inner / 1000.0)
    return statistics.median(samples)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    torch.manual_seed(0)

    net = LeNet5()
    _, tensors, _ = st.load_file(WEIGHTS)
    net.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in tensors.items()})
    rounds = 7 if args.quick else 25

    results = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    net.eval()
    x1 = torch.rand(1, 1, 32, 32)
    x64 = torch.rand(64, 1, 32, 32)
    with torch.inference_mode():
        results["forward1_us"] = timed(lambda: net(x1), rounds, 200, 500)
        results["forward64_us"] = timed(lambda: net(x64), rounds, 10, 20)

    net.train()
    x32 = torch.rand(32, 1, 32, 32)
    labels = torch.randint(0, 10, (32,))
    optimizer = torch.optim.SGD(net.parameters(), lr=0.01)

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(net.head_logits(net.stage2(net.stage1(x32))), labels)
        loss.backward()
        optimizer.step()

    results["train32_us"] = timed(step, rounds, 10, 20)

    rows = [("forward, batch 1", results["forward1_us"], 1),
            ("forward, batch 64", results["forward64_us"], 64),
            ("training step (SGD), batch 32", results["train32_us"], 32)]
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s), LeNet-5 ({MACS:,} multiply-adds per image)")
    for name, us, images in rows:
        per_second = images / us * 1e6
        gflops = 2 * MACS * images / us / 1e3 * (3 if name.startswith("training") else 1)
        print(f"  {name:32s} median {us:10.1f} us   {per_second:10,.0f} images/s   {gflops:6.1f} GFLOP/s")
    if args.json:
        print("JSON " + json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
