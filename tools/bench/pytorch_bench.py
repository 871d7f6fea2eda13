#!/usr/bin/python3
"""Time PyTorch on one core on the benchmark networks: LeNet-5 forward batch 1 and 64, LeNet-5 SGD training
step batch 32, CifarNet and ResNet-18 forward batch 1 and 8, CifarNet SGD training step batch 32.

Usage (Debian's PyTorch 1.13: apt-get install python3-torch):
    /usr/bin/python3 tools/bench/pytorch_bench.py                          # full run (a few minutes)
    /usr/bin/python3 tools/bench/pytorch_bench.py --quick                  # fewer rounds
    /usr/bin/python3 tools/bench/pytorch_bench.py --json artifacts/bench/pytorch.json   # also save the medians
    /usr/bin/python3 tools/bench/pytorch_bench.py lenet5                   # only some networks
    /usr/bin/python3 tools/bench/pytorch_bench.py --train-only cifarnet    # only the training step

The modules are tools/bench/models.py's with the parameters of tests/CnnGen.Benchmarks/Models/<name>.safetensors
(written by tools/bench/export_models.py), the same that CnnGen and ONNX Runtime get in the C# benchmark.
Inputs are uniform [0, 1) (never zeros), labels uniform over the classes. torch.set_num_threads(1) and
set_num_interop_threads(1): one core, like the C# side.

Forward runs under torch.inference_mode() on the eval-mode module (softmax output, as the ONNX model).
Training: logits -> F.cross_entropy (softmax + NLL fused, as CnnGen's trainer), backward,
torch.optim.SGD(lr=0.01).step(), zero_grad(set_to_none=True) -- the step CnnGen's Trainer.TrainBatch takes.

Each figure is the median over R rounds of the mean of an inner loop lasting >= 0.1 s (at least one call),
after >= 1 s of warm-up; printed: median microseconds per call, images per second, GFLOP/s. The JSON keys
are the C# benchmark's case labels ("LeNet5 b64", "LeNet5 b32 train"), values median microseconds.
"""

import argparse
import datetime
import json
import os
import statistics
import sys
import time

# glibc's malloc serves blocks of 128 KiB and more with mmap and unmaps them on free, raising that threshold as it
# goes, so how many of a training step's large tensors fault in fresh zeroed pages on every step depends on the order
# of the first frees: CifarNet's step ran at 54-57 ms in some processes and 104-174 ms in others (2026-12-04, same
# minutes, one core). Fixed thresholds keep every process on the fast path; a peer made slow would flatter CnnGen.
# --default-malloc measures without them.
MALLOC = {"MALLOC_MMAP_THRESHOLD_": str(256 << 20), "MALLOC_TRIM_THRESHOLD_": str(256 << 20)}
if "--default-malloc" not in sys.argv and any(os.environ.get(k) != v for k, v in MALLOC.items()):
    os.execve(sys.executable, [sys.executable] + sys.argv, {**os.environ, **MALLOC})

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO_ROOT, "tools", "fixtures"))
import safetensors_io as st  # noqa: E402
from models import MODELS  # noqa: E402

MODELS_DIR = os.path.join(REPO_ROOT, "tests", "CnnGen.Benchmarks", "Models")
# Multiply-adds of one forward pass of one image: the generated classes' MultiplyAddsPerImage (what
# `dotnet run -c Release --project tests/CnnGen.Benchmarks -- --check` prints), so GFLOP/s compare with the C#
# columns; checked below against a count over the module's layers (CnnGen counts one per BatchNorm output
# element too: 2,483,712 of ResNet-18's, 0.14 %, folded into the convolutions at inference).
MACS = {"lenet5": 416_520, "cifarnet": 39_815_680, "resnet18": 1_816_557_056}
CASES = [("lenet5", "LeNet5", 1, False), ("lenet5", "LeNet5", 64, False), ("lenet5", "LeNet5", 32, True),
         ("cifarnet", "CifarNet", 1, False), ("cifarnet", "CifarNet", 8, False), ("cifarnet", "CifarNet", 32, True),
         ("resnet18", "ResNet18", 1, False), ("resnet18", "ResNet18", 8, False)]


def timed(fn, rounds):
    start = time.perf_counter()
    calls = 0
    while time.perf_counter() - start < 1.0 or calls < 3:
        fn()
        calls += 1
    inner = max(1, int(0.1 / ((time.perf_counter() - start) / calls)))
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter_ns()
        for _ in range(inner):
            fn()
        samples.append((time.perf_counter_ns() - t0) / inner / 1000.0)
    return statistics.median(samples)


def count_macs(net):
    """Multiply-adds of one image through every Conv2d and Linear, plus one per BatchNorm output element
    (hooks on a batch-1 forward)."""
    total = [0]

    def hook(module, inputs, output):
        if isinstance(module, torch.nn.Conv2d):
            k = module.kernel_size[0] * module.kernel_size[1] * module.in_channels // module.groups
            total[0] += output.numel() * k
        elif isinstance(module, torch.nn.Linear):
            total[0] += module.in_features * module.out_features
        elif isinstance(module, torch.nn.BatchNorm2d):
            total[0] += output.numel()

    handles = [m.register_forward_hook(hook) for m in net.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear, torch.nn.BatchNorm2d))]
    with torch.inference_mode():
        net(torch.rand(1, *type(net).input_shape))
    for h in handles:
        h.remove()
    return total[0]


def blas_loaded():
    """Which BLAS library this process loaded: Debian's torch is built with BLAS_INFO=generic and calls whatever
    libblas.so.3 the alternatives system points at -- the slow reference BLAS (libblas3) unless an optimised one is
    installed (the benchmark setup installs libopenblas0-openmp: LeNet-5 training 3,700 -> 6,900 images/s).
    torch.__config__.show() only names the build-time setting, so read /proc/self/maps after a matrix product."""
    torch.rand(64, 64) @ torch.rand(64, 64)
    libraries = set()
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1]
                name = os.path.basename(path).lower()
                if path.startswith("/") and ("blas" in name or "mkl" in name):
                    libraries.add(os.path.realpath(path))
    except OSError:
        return "unknown (no /proc/self/maps)"
    if not libraries:
        return "none loaded"
    kind = ("OpenBLAS" if any("openblas" in p for p in libraries)
            else "MKL" if any("mkl" in p for p in libraries)
            else "reference BLAS (slow: apt-get install libopenblas0-openmp)")
    return f"{kind}: {', '.join(sorted(libraries))}"


def load(name):
    cls = MODELS[name][0]
    net = cls()
    path = os.path.join(MODELS_DIR, name + ".safetensors")
    if not os.path.exists(path):
        return None
    _, tensors, _ = st.load_file(path)
    state = {k: torch.from_numpy(v.copy()) for k, v in tensors.items()}
    missing, unexpected = net.load_state_dict(state, strict=False)
    assert not unexpected and all(k.endswith("num_batches_tracked") for k in missing), (missing, unexpected)
    return net


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="7 rounds instead of 21")
    parser.add_argument("--json", metavar="FILE", help="save the medians (read by tests/CnnGen.Benchmarks)")
    parser.add_argument("--default-malloc", action="store_true",
                        help="glibc's default mmap and trim thresholds (slow in some processes; see MALLOC)")
    parser.add_argument("--train-only", action="store_true", help="only the training steps")
    parser.add_argument("names", nargs="*", help="networks: lenet5, cifarnet, resnet18 (default: all)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    torch.manual_seed(0)
    rounds = 7 if args.quick else 21
    blas = blas_loaded()
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s), {rounds} rounds")
    print(f"BLAS: {blas}")
    malloc = "glibc default" if args.default_malloc else "mmap and trim thresholds 256 MiB"
    print(f"malloc: {malloc}")

    results = {}
    nets = {}
    for name, label, batch, train in CASES:
        if (args.names and name not in args.names) or (args.train_only and not train):
            continue
        if name not in nets:
            nets[name] = load(name)
            if nets[name] is None:
                print(f"skipping {label}: {name}.safetensors is missing; create it with "
                      f"/usr/bin/python3 tools/bench/export_models.py {name}")
            else:
                assert count_macs(nets[name]) == MACS[name], (name, count_macs(nets[name]))
        net = nets[name]
        if net is None:
            continue
        x = torch.rand(batch, *type(net).input_shape)
        if train:
            net.train()
            labels = torch.randint(0, 10, (batch,))
            optimizer = torch.optim.SGD(net.parameters(), lr=0.01)

            def step():
                optimizer.zero_grad(set_to_none=True)
                F.cross_entropy(net.logits(x), labels).backward()
                optimizer.step()

            us = timed(step, rounds)
            key = f"{label} b{batch} train"
        else:
            net.eval()
            with torch.inference_mode():
                us = timed(lambda: net(x), rounds)
            key = f"{label} b{batch}"
        results[key] = us
        gflops = 2 * MACS[name] * batch * (3 if train else 1) / us / 1e3
        print(f"  {key:22s} median {us:12.1f} us   {batch / us * 1e6:10,.1f} images/s   {gflops:6.1f} GFLOP/s", flush=True)

    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        stamp = datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC")
        with open(args.json, "w") as f:
            json.dump({"runtime": f"PyTorch {torch.__version__}",
                       "details": f"torch.set_num_threads(1), {rounds} rounds, BLAS {blas.split(':')[0]}, malloc {malloc}, {stamp}",
                       "results": results}, f, indent=2)
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
