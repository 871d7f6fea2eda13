#!/usr/bin/python3
"""Runs the ONNX checker (full check, strict shape inference) on every .onnx file of a folder.

The models come from the ONNX export tests:
    CNNGEN_ONNX_OUT=/tmp/cnngen-onnx dotnet test tests/CnnGen.Onnx.Tests -c Release
    /usr/bin/python3 tools/onnx/check_models.py /tmp/cnngen-onnx
Needs Debian's python3-onnx (1.12). Prints each model's inferred output shape; exits 1 if any model fails.
"""
import glob
import os
import sys

import onnx
from onnx import checker, shape_inference


def main(folder):
    failed = 0
    files = sorted(glob.glob(os.path.join(folder, "*.onnx")))
    if not files:
        print("no .onnx files in " + folder)
        return 1
    for path in files:
        name = os.path.basename(path)
        try:
            model = onnx.load(path)
            checker.check_model(model, full_check=True)
            inferred = shape_inference.infer_shapes(model, strict_mode=True)
            dims = [d.dim_param or d.dim_value for d in inferred.graph.output[0].type.tensor_type.shape.dim]
            print("%s: ok, opset %d, output %s" % (name, model.opset_import[0].version, dims))
        except Exception as error:  # the checker raises several exception types
            failed += 1
            print("%s: FAILED: %s" % (name, error))
    print("%d models, %d failed (onnx %s)" % (len(files), failed, onnx.__version__))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
