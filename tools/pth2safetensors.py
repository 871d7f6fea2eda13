#!/usr/bin/python3
"""A PyTorch state_dict (.pth) to safetensors with torch alone (float tensors as F32, num_batches_tracked left out).

Usage: python3 tools/pth2safetensors.py resnet18.pth resnet18.safetensors   (README.md, "Weights from PyTorch")
"""
import json, struct, sys, torch
sd = {k: v.float().contiguous() for k, v in torch.load(sys.argv[1], map_location="cpu").items() if v.is_floating_point()}
header, blobs, off = {}, [], 0
for k, v in sd.items():
    b = v.numpy().tobytes(); header[k] = {"dtype": "F32", "shape": list(v.shape), "data_offsets": [off, off + len(b)]}; blobs.append(b); off += len(b)
h = json.dumps(header).encode(); h += b" " * (-len(h) % 8)
open(sys.argv[2], "wb").write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
