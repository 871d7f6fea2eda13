#!/usr/bin/python3
"""Export the LeNet-5 weights that samples/LeNet.Aot ships to an ONNX file, for the ONNX Runtime comparison app.

Usage: /usr/bin/python3 tools/deployment/export_onnx.py [WEIGHTS] [OUT]
  WEIGHTS  default samples/LeNet.Aot/lenet5.safetensors (what `dotnet run -c Release --project samples/LeNet` saves)
  OUT      default tools/deployment/OnnxLeNet/lenet5.onnx (not committed: rerun this script)

Needs Debian's PyTorch (apt-get install python3-torch; 1.13 here); torch.onnx.export serialises by itself, no
`onnx` package. The module has PyTorch's state_dict names (conv1.weight, ..., fc3.bias), so the file loads as is.
Input [1, 1, 32, 32] float32 named "input", output [1, 10] softmax probabilities named "output"; opset 13.
Prints the classes of the first ten test digits so they can be compared with CnnGen's.
"""

import gzip
import io
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO_ROOT, "tools", "fixtures"))
sys.path.insert(0, os.path.join(REPO_ROOT, "tools", "bench"))
import safetensors_io as st  # noqa: E402
from models import LeNet5  # noqa: E402  (the benchmarks' module: same layers, same state_dict names)


def main():
    weights = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO_ROOT, "samples", "LeNet.Aot", "lenet5.safetensors")
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "OnnxLeNet", "lenet5.onnx")
    _, tensors, _ = st.load_file(weights)
    net = LeNet5().eval()
    net.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in tensors.items()})

    buffer = io.BytesIO()
    torch.onnx.export(net, torch.zeros(1, 1, 32, 32), buffer, opset_version=13,
                      input_names=["input"], output_names=["output"], do_constant_folding=True)
    with open(out, "wb") as f:
        f.write(buffer.getvalue())
    print(f"wrote {out} ({len(buffer.getvalue()):,} bytes)")

    raw = gzip.open(os.path.join(REPO_ROOT, "samples", "LeNet", "data", "test-images-idx3-ubyte.gz")).read()
    images = np.frombuffer(raw, np.uint8, offset=16).reshape(-1, 28, 28)[:10].astype(np.float32) / 255
    x = torch.zeros(10, 1, 32, 32)
    x[:, 0, 2:30, 2:30] = torch.from_numpy(images)
    with torch.no_grad():
        p = net(x)
    print("first ten test digits:", " ".join(f"{int(k)} ({float(q):.4f})" for q, k in zip(*p.max(dim=1))))


if __name__ == "__main__":
    main()
