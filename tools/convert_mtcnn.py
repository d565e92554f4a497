#!/usr/bin/env python3
"""Convert the MTCNN weights of PyPI `mtcnn==0.1.1` (MIT) into Weights/mtcnn.fcw.

    python3 tools/convert_mtcnn.py [--wheel-dir DIR] [--out Weights/mtcnn.fcw]

Fetches the wheel with `pip download --no-deps mtcnn==0.1.1` (or takes it from --wheel-dir),
checks the sha256 of `mtcnn/data/mtcnn_weights.npy`, and writes P-Net, R-Net and O-Net into one
facecli weight file (tools/fcw.py) plus the sidecar Weights/mtcnn.json. Needs only numpy.

Layout changes, so that the Swift detector runs on the image as it is (rows = y) in NHWC:
- The Keras kernels were made for the image transposed (W×H×C), as the original caffe models
  (trained from MATLAB, column-major). Convolving the untransposed image with spatially transposed
  kernels gives the same numbers transposed back, so every conv kernel `[kH, kW, Cin, Cout]` is
  stored as `kernel.transpose(1, 0, 2, 3)` (HWIO for the upright image).
- The first dense layer of R-Net/O-Net flattens the last feature map. In the transposed frame
  its rows are in (w, h, c) order of the upright map; we permute them to (h, w, c) so that the
  NHWC buffer can be used as is.
These are exactly the tensors facenet-pytorch 2.6.0 ships (checked by tools/gen_mtcnn_goldens.py,
and numerically by Tests/MTCNNTests against its outputs).
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import zipfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fcw  # noqa: E402

PACKAGE, VERSION = "mtcnn", "0.1.1"
MEMBER = "mtcnn/data/mtcnn_weights.npy"
SOURCE_SHA256 = "9e04e975abf93c7173e956df4b496d6da269e08b9e87f2daec963ee1176576b0"
SOURCE_SIZE = 2990137

# Layer lists in the order of the Keras weight arrays: (name, kind, flatten-map size (h, w) or None).
LAYOUT = {
    "pnet": [("conv1", "conv"), ("prelu1", "prelu"), ("conv2", "conv"), ("prelu2", "prelu"),
             ("conv3", "conv"), ("prelu3", "prelu"), ("conv4_1", "conv"), ("conv4_2", "conv")],
    "rnet": [("conv1", "conv"), ("prelu1", "prelu"), ("conv2", "conv"), ("prelu2", "prelu"),
             ("conv3", "conv"), ("prelu3", "prelu"), ("dense4", "dense_flat", (3, 3)), ("prelu4", "prelu"),
             ("dense5_1", "dense"), ("dense5_2", "dense")],
    "onet": [("conv1", "conv"), ("prelu1", "prelu"), ("conv2", "conv"), ("prelu2", "prelu"),
             ("conv3", "conv"), ("prelu3", "prelu"), ("conv4", "conv"), ("prelu4", "prelu"),
             ("dense5", "dense_flat", (3, 3)), ("prelu5", "prelu"),
             ("dense6_1", "dense"), ("dense6_2", "dense"), ("dense6_3", "dense")],
}


def fetch_npy(wheel_dir):
    """Return the bytes of mtcnn_weights.npy from the wheel, downloading it if needed."""
    wheels = glob.glob(os.path.join(wheel_dir, f"{PACKAGE}-{VERSION}-*.whl")) if wheel_dir else []
    tmp = None
    if not wheels:
        tmp = tempfile.mkdtemp(prefix="mtcnn-wheel-")
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                        f"{PACKAGE}=={VERSION}", "-d", tmp], check=True)
        wheels = glob.glob(os.path.join(tmp, f"{PACKAGE}-{VERSION}-*.whl"))
    if not wheels:
        sys.exit(f"convert_mtcnn: no {PACKAGE}-{VERSION} wheel found")
    with zipfile.ZipFile(wheels[0]) as z:
        data = z.read(MEMBER)
    return os.path.basename(wheels[0]), data


def convert(arrays, net):
    """Keras arrays of one network -> ordered dict of facecli tensors."""
    out = {}
    it = iter(arrays)
    for entry in LAYOUT[net]:
        name, kind = entry[0], entry[1]
        if kind == "conv":
            kernel, bias = next(it), next(it)
            out[f"{net}.{name}.weight"] = kernel.transpose(1, 0, 2, 3)  # [kH, kW, Cin, Cout], upright image
            out[f"{net}.{name}.bias"] = bias
        elif kind == "prelu":
            out[f"{net}.{name}.alpha"] = next(it).reshape(-1)  # [C]
        elif kind == "dense_flat":
            kernel, bias = next(it), next(it)
            h, w = entry[2]
            c = kernel.shape[0] // (h * w)
            # Keras row index (w·H + h)·C + c  ->  our row index (h·W + w)·C + c.
            kernel = kernel.reshape(w, h, c, -1).transpose(1, 0, 2, 3).reshape(h * w * c, -1)
            out[f"{net}.{name}.weight"] = kernel  # [In, Out]
            out[f"{net}.{name}.bias"] = bias
        elif kind == "dense":
            out[f"{net}.{name}.weight"], out[f"{net}.{name}.bias"] = next(it), next(it)
    rest = list(it)
    if rest:
        sys.exit(f"convert_mtcnn: {len(rest)} unexpected arrays left in {net}")
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--wheel-dir", help="folder that already holds the mtcnn-0.1.1 wheel")
    ap.add_argument("--out", default=os.path.join(here, "..", "Weights", "mtcnn.fcw"))
    args = ap.parse_args()

    wheel, data = fetch_npy(args.wheel_dir)
    import hashlib
    digest = hashlib.sha256(data).hexdigest()
    if digest != SOURCE_SHA256 or len(data) != SOURCE_SIZE:
        sys.exit(f"convert_mtcnn: {MEMBER} has sha256 {digest} ({len(data)} B), expected {SOURCE_SHA256}")
    with tempfile.NamedTemporaryFile(suffix=".npy") as f:
        f.write(data)
        f.flush()
        weights = np.load(f.name, allow_pickle=True).item()

    tensors = {}
    for net in ("pnet", "rnet", "onet"):
        tensors.update(convert([np.asarray(a, dtype=np.float32) for a in weights[net]], net))
    metadata = {
        "model": "mtcnn",
        "description": "MTCNN P-Net, R-Net, O-Net (Zhang et al. 2016); conv kernels HWIO for the upright "
                       "image, dense [in, out] taking NHWC-flattened input",
        "source_package": f"{PACKAGE}=={VERSION} (PyPI)",
        "source_wheel": wheel,
        "source_file": MEMBER,
        "source_sha256": SOURCE_SHA256,
        "source_size": SOURCE_SIZE,
        "licence": "MIT (Copyright (c) 2019 Iván de Paz Centeno)",
        "converter": "tools/convert_mtcnn.py",
    }
    out = os.path.abspath(args.out)
    fcw.write(out, tensors, metadata)
    os.chmod(out, 0o644)  # mkstemp creates 0600
    sidecar = dict(metadata, file=os.path.basename(out), sha256=fcw.sha256_file(out),
                   tensors={k: list(v.shape) for k, v in tensors.items()})
    with open(os.path.splitext(out)[0] + ".json", "w") as f:
        json.dump(sidecar, f, indent=2, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {out} ({os.path.getsize(out)} B, {len(tensors)} tensors)")


if __name__ == "__main__":
    main()
