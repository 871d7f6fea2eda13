#!/usr/bin/python3
"""Write the LeNet-5 models the speed benchmarks load (tests/CnnGen.Benchmarks/Models/).

Usage (from anywhere):
    /usr/bin/python3 tools/bench/export_lenet5.py            # (re)write the files
    /usr/bin/python3 tools/bench/export_lenet5.py --check    # recompute, compare, write nothing

Writes, from one seeded LeNet-5 (PyTorch 1.13, float32; torch's default init, so
weights AND biases are random and non-zero):
  lenet5.safetensors    the parameters, PyTorch state_dict names (conv1.weight, ...,
                        fc3.bias), loaded by CnnGen (SafeTensors.Load) and by
                        tools/bench/pytorch_bench.py
  lenet5.onnx           the whole network, input [N,1,32,32] -> softmax [N,10], batch axis dynamic
  lenet5_stage1.onnx    conv1 + ReLU + maxpool 2: [N,1,32,32] -> [N,6,14,14]
  lenet5_stage2.onnx    conv2 + ReLU + maxpool 2: [N,6,14,14] -> [N,16,5,5]
  lenet5_head.onnx      flatten + fc1 + ReLU + fc2 + ReLU + fc3 + softmax: [N,16,5,5] -> [N,10]
The stage files let the benchmark time ONNX Runtime layer group by layer group
next to the prototype kernels. Opset 13, constant folding on; the ONNX files hold
the weights as initializers (what ONNX Runtime optimises best).

No `onnx` Python package is needed: torch.onnx.export serialises by itself.
"""

import argparse
import io
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO_ROOT, "tools", "fixtures"))
import safetensors_io as st  # noqa: E402

OUT_DIR = os.path.join(REPO_ROOT, "tests", "CnnGen.Benchmarks", "Models")
SEED = 5
OPSET = 13


class LeNet5(nn.Module):
    """1x32x32 -> conv1 5x5 (6) -> ReLU -> max 2 -> conv2 5x5 (16) -> ReLU -> max 2
    -> flatten 400 -> fc1 120 -> ReLU -> fc2 84 -> ReLU -> fc3 10 -> softmax."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def stage1(self, x):
        return F.max_pool2d(F.relu(self.conv1(x)), 2)

    def stage2(self, x):
        return F.max_pool2d(F.relu(self.conv2(x)), 2)

    def head_logits(self, x):
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)

    def head(self, x):
        return F.softmax(self.head_logits(x), dim=1)

    def forward(self, x):
        return self.head(self.stage2(self.stage1(x)))


class Part(nn.Module):
    def __init__(self, net, name):
        super().__init__()
        self.net = net
        self.name = name

    def forward(self, x):
        return getattr(self.net, self.name)(x)


def build():
    torch.manual_seed(SEED)
    return LeNet5().eval()


def onnx_bytes(module, shape):
    buffer = io.BytesIO()
    torch.onnx.export(module, torch.zeros(*shape), buffer, opset_version=OPSET,
                      input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
                      do_constant_folding=True)
    return buffer.getvalue()


def outputs(net):
    files = {}
    tensors = {k: v.detach().numpy().copy() for k, v in net.state_dict().items()}
    files["lenet5.safetensors"] = st.serialize(tensors, {"format": "pt", "seed": str(SEED)})
    files["lenet5.onnx"] = onnx_bytes(net, (1, 1, 32, 32))
    files["lenet5_stage1.onnx"] = onnx_bytes(Part(net, "stage1"), (1, 1, 32, 32))
    files["lenet5_stage2.onnx"] = onnx_bytes(Part(net, "stage2"), (1, 6, 14, 14))
    files["lenet5_head.onnx"] = onnx_bytes(Part(net, "head"), (1, 16, 5, 5))
    return files


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="recompute and compare with the files; write nothing")
    args = parser.parse_args()
    torch.set_num_threads(1)
    net = build()
    files = outputs(net)
    # Sanity: the parameters are random, not zeros.
    for name, tensor in net.state_dict().items():
        assert float(tensor.abs().min()) >= 0 and float(tensor.abs().max()) > 0, name
    if args.check:
        bad = [n for n, b in files.items() if not os.path.exists(os.path.join(OUT_DIR, n))
               or open(os.path.join(OUT_DIR, n), "rb").read() != b]
        print("differ: " + ", ".join(bad) if bad else "all files identical")
        return 1 if bad else 0
    os.makedirs(OUT_DIR, exist_ok=True)
    for name, blob in files.items():
        with open(os.path.join(OUT_DIR, name), "wb") as f:
            f.write(blob)
        print(f"wrote {os.path.relpath(os.path.join(OUT_DIR, name), REPO_ROOT)} ({len(blob):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
