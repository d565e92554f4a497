#!/usr/bin/env python3
"""Detection quality of `facecli detect` on <shared>/data/detection, optionally beside facenet-pytorch.

    python3 bench/mtcnn_quality.py [--facecli .build/release/facecli] [--reference]

- groundtruth/: annotated faces (faces.csv) found by a detection with IoU ≥ 0.5 (one-to-one, greedy by IoU);
- noface/: number of detections on the images without faces (all of them are false positives).
--reference also runs facenet-pytorch 2.6.0's MTCNN (Pillow decode, .convert("RGB")) for the same figures
(needs torch and facenet-pytorch, e.g. /work/venv/mtcnn/bin/python).
"""
import argparse
import csv
import glob
import json
import os
import subprocess
import sys


def shared_data(repo):
    for p in (os.environ.get("FACECLI_SHARED"), os.path.join(repo, "..", "shared"), "/work/shared"):
        if p and os.path.isdir(os.path.join(p, "data")):
            return os.path.join(p, "data")
    sys.exit("shared data folder not found (set FACECLI_SHARED)")


def iou(a, b):
    """Boxes as x, y, w, h."""
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    return w * h / (a[2] * a[3] + b[2] * b[3] - w * h)


def matched(truth, found):
    pairs = sorted(((iou(t, f), i, j) for i, t in enumerate(truth) for j, f in enumerate(found)), reverse=True)
    used_t, used_f, n = set(), set(), 0
    for v, i, j in pairs:
        if v >= 0.5 and i not in used_t and j not in used_f:
            used_t.add(i); used_f.add(j); n += 1
    return n


def facecli_boxes(binary, paths):
    r = subprocess.run([binary, "detect", "--threads", "1", *paths], capture_output=True, text=True)
    if r.stderr:
        sys.stderr.write(r.stderr)
    out = {}
    for line in r.stdout.splitlines():
        o = json.loads(line)
        out[o["image"]] = [f["box"] for f in o["faces"]]
    return out


def facenet_boxes(paths):
    import torch
    from PIL import Image
    import facenet_pytorch
    torch.set_num_threads(1)
    m = facenet_pytorch.MTCNN(device="cpu")
    out = {}
    for p in paths:
        boxes, _ = m.detect(Image.open(p).convert("RGB"))
        out[p] = [] if boxes is None else [[b[0], b[1], b[2] - b[0], b[3] - b[1]] for b in boxes]
    return out


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--facecli", default=os.path.join(repo, ".build", "release", "facecli"))
    ap.add_argument("--reference", action="store_true", help="also run facenet-pytorch")
    args = ap.parse_args()

    data = os.path.join(shared_data(repo), "detection")
    truth = {}
    with open(os.path.join(data, "groundtruth", "faces.csv")) as f:
        for row in csv.DictReader(f):
            truth.setdefault(os.path.join(data, "groundtruth", row["image"]), []).append(
                [float(row["left"]), float(row["top"]), float(row["width"]), float(row["height"])])
    gt_images = sorted(truth)
    noface = sorted(p for p in glob.glob(os.path.join(data, "noface", "*")) if p.lower().endswith((".jpg", ".jpeg", ".png")))
    total = sum(len(v) for v in truth.values())

    runs = [("facecli", lambda paths: facecli_boxes(args.facecli, paths))]
    if args.reference:
        runs.append(("facenet-pytorch", facenet_boxes))
    for name, run in runs:
        found = run(gt_images + noface)
        hits = sum(matched(truth[p], found.get(p, [])) for p in gt_images)
        false = sum(len(found.get(p, [])) for p in noface)
        hit_images = sum(1 for p in noface if found.get(p))
        print(f"{name:<16} annotated faces found (IoU ≥ 0.5): {hits}/{total}   "
              f"detections on {len(noface)} no-face images: {false} (in {hit_images} images)")


if __name__ == "__main__":
    main()
