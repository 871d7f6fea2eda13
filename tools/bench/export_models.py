#!/usr/bin/python3
"""Write the models the speed benchmarks load: for each network, ONE seeded PyTorch module saved twice,
as safetensors (CnnGen loads it with SafeTensors.Load; pytorch_bench.py loads it too) and as ONNX
(ONNX Runtime loads it). Same weights for every peer.

Usage (Debian's PyTorch 1.13: apt-get install python3-torch; no `onnx` package needed, torch.onnx.export
serialises by itself):
    /usr/bin/python3 tools/bench/export_models.py                  # all three networks
    /usr/bin/python3 tools/bench/export_models.py lenet5           # only some
    /usr/bin/python3 tools/bench/export_models.py --check lenet5   # recompute, compare byte for byte, write nothing

Writes tests/CnnGen.Benchmarks/Models/<name>.safetensors and <name>.onnx for lenet5 (committed, 0.5 MB),
cifarnet (12 MB) and resnet18 (94 MB); the last two are gitignored, the benchmark tells how to create them.

Weights: PyTorch's default initialisation (uniform, so weights AND biases are random and non-zero). For
ResNet-18, BatchNorm's running mean and variance are measured on 8 random images (cumulative average, in
training mode) and its scale and shift drawn at random, so the folded convolutions see realistic statistics
and the softmax is not saturated. ONNX: opset 13, eval mode, constant folding, batch axis dynamic,
input "input" [N, C, H, W], output "output" [N, classes] (softmax probabilities).
"""

import argparse
import io
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO_ROOT, "tools", "fixtures"))
import safetensors_io as st  # noqa: E402
from models import MODELS  # noqa: E402

OUT_DIR = os.path.join(REPO_ROOT, "tests", "CnnGen.Benchmarks", "Models")
OPSET = 13


def build(name):
    cls, seed, _ = MODELS[name]
    torch.manual_seed(seed)
    net = cls()
    batchnorms = [m for m in net.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    if batchnorms:
        for bn in batchnorms:
            bn.momentum = None  # cumulative average over the calibration batches
            bn.reset_running_stats()
        net.train()
        with torch.no_grad():
            for _ in range(2):
                net(torch.rand(4, *cls.input_shape))
            for bn in batchnorms:
                bn.weight.uniform_(0.5, 1.5)
                bn.bias.uniform_(-0.2, 0.2)
                bn.momentum = 0.1
    return net.eval()


def onnx_bytes(net):
    buffer = io.BytesIO()
    torch.onnx.export(net, torch.zeros(1, *type(net).input_shape), buffer, opset_version=OPSET,
                      input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
                      do_constant_folding=True, training=torch.onnx.TrainingMode.EVAL)
    return buffer.getvalue()


def outputs(name):
    net = build(name)
    tensors = {k: v.detach().numpy().copy() for k, v in net.state_dict().items()
               if not k.endswith("num_batches_tracked")}
    for key, value in tensors.items():
        assert abs(value).max() > 0, key + " is all zeros"
    seed = MODELS[name][1]
    return {
        name + ".safetensors": st.serialize(tensors, {"format": "pt", "seed": str(seed)}),
        name + ".onnx": onnx_bytes(net),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="recompute and compare with the files; write nothing")
    parser.add_argument("names", nargs="*", help="networks: " + ", ".join(MODELS) + " (default: all)")
    args = parser.parse_args()
    unknown = [n for n in args.names if n not in MODELS]
    if unknown:
        parser.error("unknown network(s): " + ", ".join(unknown))
    torch.set_num_threads(1)
    bad = []
    for name in args.names or list(MODELS):
        for file, blob in outputs(name).items():
            path = os.path.join(OUT_DIR, file)
            if args.check:
                same = os.path.exists(path) and open(path, "rb").read() == blob
                print(f"{'identical' if same else 'DIFFERS  '} {os.path.relpath(path, REPO_ROOT)}")
                bad += [] if same else [file]
                continue
            os.makedirs(OUT_DIR, exist_ok=True)
            with open(path, "wb") as f:
                f.write(blob)
            print(f"wrote {os.path.relpath(path, REPO_ROOT)} ({len(blob):,} bytes)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
