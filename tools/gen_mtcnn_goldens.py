#!/usr/bin/env python3
"""Golden outputs of facenet-pytorch 2.6.0's MTCNN (MIT; same weights as Weights/mtcnn.fcw) for
Tests/MTCNNTests.

    /work/venv/mtcnn/bin/python tools/gen_mtcnn_goldens.py [--data ../shared/data]

Needs torch, torchvision, Pillow and `pip install --no-deps facenet-pytorch==2.6.0` (+ requests, tqdm,
which its package __init__ imports). For each image it writes `Tests/MTCNNTests/Goldens/<name>.json`:

- `pixels_sha256`: sha256 of the RGB bytes Pillow decoded, so the Swift test can tell whether its
  decoder saw the same pixels;
- `pnet`: the raw P-Net maps (face probability, 4 regressions) at one pyramid scale (the first whose
  map has at most 600 cells), with the resized input size;
- `rnet` / `onet`: the crops (0-based, end-exclusive pixel rectangles) the pipeline fed to R-Net and
  O-Net (at most 24 each) and the network outputs for them;
- `faces`: the final detections (x1, y1, x2, y2, probability, 5 landmarks), in facenet-pytorch's order.
No image data is stored: the tests read the images from the shared data folder.
"""
import argparse
import hashlib
import json
import os

import numpy as np
import torch
from PIL import Image

import facenet_pytorch
from facenet_pytorch.models.utils import detect_face as df

IMAGES = [
    "detection/ivan.jpg",
    "detection/astronaut.png",
    "detection/groundtruth/2007_007763.jpg",
    "detection/groundtruth/2008_002470.jpg",
    "detection/groups/selfie-many-people.jpg",
    "detection/noface/fruits.jpg",
    "bench/mtcnn_group_640x480.png",
]
# Golden file names that must not repeat a data-set file name (the repo's checks flag those as
# committed data, though a golden holds only network outputs and a pixel hash).
GOLDEN_NAMES = {"detection/groups/selfie-many-people.jpg": "group-selfie"}
MAX_CROPS = 24
MAX_PNET_CELLS = 600


def r(x, digits=7):
    """Round for compact JSON (float32 has ~7 significant digits)."""
    return [r(v, digits) for v in x] if isinstance(x, (list, tuple)) else float(f"{float(x):.{digits}g}")


class Recorder(torch.nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net, self.calls = net, []

    def forward(self, x):
        out = self.net(x)
        self.calls.append((x.shape, [o.detach().clone() for o in out]))
        return out


def golden(path, name, mtcnn):
    img = Image.open(path)
    img = img.convert("RGB")
    pixels = np.asarray(img, dtype=np.uint8)
    h, w = pixels.shape[:2]

    pnet, rnet, onet = Recorder(mtcnn.pnet), Recorder(mtcnn.rnet), Recorder(mtcnn.onet)
    pads = []
    original_pad = df.pad

    def recording_pad(boxes, w_, h_):
        out = original_pad(boxes, w_, h_)
        pads.append([a.copy() for a in out])
        return out

    df.pad = recording_pad
    try:
        with torch.no_grad():
            boxes, points = df.detect_face(pixels, mtcnn.min_face_size, pnet, rnet, onet,
                                           mtcnn.thresholds, mtcnn.factor, "cpu")
    finally:
        df.pad = original_pad

    result = {"image": name, "width": w, "height": h,
              "pixels_sha256": hashlib.sha256(pixels.tobytes()).hexdigest(),
              "min_face": mtcnn.min_face_size, "factor": mtcnn.factor, "thresholds": list(mtcnn.thresholds)}

    # P-Net: the scales in the order facenet-pytorch visits them.
    m = 12.0 / mtcnn.min_face_size
    scales, minl, s = [], min(h, w) * m, m
    while minl >= 12:
        scales.append(s)
        s *= mtcnn.factor
        minl *= mtcnn.factor
    assert len(scales) == len(pnet.calls)
    for i, (shape, (reg, prob)) in enumerate(pnet.calls):
        if reg.shape[2] * reg.shape[3] <= MAX_PNET_CELLS:
            result["pnet"] = {"scale_index": i, "scale": scales[i], "in_height": shape[2], "in_width": shape[3],
                              "out_height": reg.shape[2], "out_width": reg.shape[3],
                              "prob": r(prob[0, 1].flatten().tolist()),                 # [outH·outW]
                              "reg": r(reg[0].permute(1, 2, 0).flatten().tolist())}     # [outH, outW, 4]
            break

    def crops(pad_out, n):
        y, ey, x, ex = pad_out
        return [[int(x[k]) - 1, int(y[k]) - 1, int(ex[k]), int(ey[k])] for k in range(n)]

    if rnet.calls:
        reg, prob = rnet.calls[0][1]
        n = min(MAX_CROPS, reg.shape[0])
        result["rnet"] = {"count": int(reg.shape[0]), "crops": crops(pads[0], n),
                          "prob": r(prob[:n, 1].tolist()), "reg": r(reg[:n].tolist())}
    if onet.calls:
        reg, landmarks, prob = onet.calls[0][1]
        n = min(MAX_CROPS, reg.shape[0])
        result["onet"] = {"count": int(reg.shape[0]), "crops": crops(pads[1], n),
                          "prob": r(prob[:n, 1].tolist()), "reg": r(reg[:n].tolist()),
                          "landmarks": r(landmarks[:n].tolist())}
    faces = []
    for b, p in zip(boxes[0], points[0]):
        faces.append({"box": r(b[:4].tolist()), "prob": r(b[4]), "landmarks": r(p.tolist())})
    result["faces"] = faces
    return result


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(here)
    default = os.environ.get("FACECLI_SHARED") or next(
        (p for p in (os.path.join(repo, "..", "shared"), "/work/shared") if os.path.isdir(p)), "/work/shared")
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=os.path.join(default, "data"))
    ap.add_argument("--out", default=os.path.join(repo, "Tests", "MTCNNTests", "Goldens"))
    args = ap.parse_args()

    torch.set_num_threads(1)
    mtcnn = facenet_pytorch.MTCNN(device="cpu")
    os.makedirs(args.out, exist_ok=True)
    for name in IMAGES:
        g = golden(os.path.join(args.data, name), name, mtcnn)
        stem = GOLDEN_NAMES.get(name, os.path.splitext(os.path.basename(name))[0])
        out = os.path.join(args.out, stem + ".json")
        with open(out, "w") as f:
            json.dump(g, f, separators=(",", ":"))
            f.write("\n")
        print(f"{out}: {len(g['faces'])} faces, {g.get('rnet', {}).get('count', 0)} R-Net / "
              f"{g.get('onet', {}).get('count', 0)} O-Net crops, {os.path.getsize(out)} B")


if __name__ == "__main__":
    main()
