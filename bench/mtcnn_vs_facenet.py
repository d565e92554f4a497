#!/usr/bin/env python3
"""facecli's MTCNN against facenet-pytorch 2.6.0's MTCNN (same weights), one thread each, in one run.

    /work/venv/mtcnn/bin/python bench/mtcnn_vs_facenet.py [--runs 20] [--rounds 2] [--facecli .build/release/facecli]

Images: <shared>/data/bench/mtcnn_*_640x480.png. facenet-pytorch runs with torch.set_num_threads(1) on the
decoded image (numpy, decoding not timed); facecli runs `facecli bench --detect IMAGE --threads 1 --json`
(decoding not timed either). The two alternate for --rounds rounds so that a busy machine hurts both
alike; per image the median over all rounds is reported, with the speed-up (facenet ms / facecli ms),
for wall time and for process CPU time (the fair figure when the machine is shared: it excludes the
time spent waiting for a core).
Needs torch, Pillow and facenet-pytorch (`pip install --no-deps facenet-pytorch==2.6.0`, plus requests, tqdm).
"""
import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np
import torch
from PIL import Image


def shared_data(repo):
    for p in (os.environ.get("FACECLI_SHARED"), os.path.join(repo, "..", "shared"), "/work/shared"):
        if p and os.path.isdir(os.path.join(p, "data")):
            return os.path.join(p, "data")
    sys.exit("shared data folder not found (set FACECLI_SHARED)")


def time_facenet(mtcnn, pixels, runs):
    for _ in range(3):
        mtcnn.detect(pixels)
    times, cpu = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        boxes, _ = mtcnn.detect(pixels)
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return statistics.median(times), statistics.median(cpu), 0 if boxes is None else len(boxes)


def time_facecli(binary, path, runs):
    out = subprocess.run([binary, "bench", "--detect", path, "--threads", "1", "--runs", str(runs), "--json"],
                         check=True, capture_output=True, text=True).stdout
    r = json.loads(out)
    return r["median_ms"], r["cpu_median_ms"], r["faces"]


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--facecli", default=os.path.join(repo, ".build", "release", "facecli"))
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--json", action="store_true", help="print one JSON object per image")
    args = ap.parse_args()

    torch.set_num_threads(1)
    import facenet_pytorch
    mtcnn = facenet_pytorch.MTCNN(device="cpu", select_largest=False)
    images = sorted(glob.glob(os.path.join(shared_data(repo), "bench", "mtcnn_*_640x480.png")))
    if not images:
        sys.exit("no bench/mtcnn_*_640x480.png images")
    rows = []
    for path in images:
        pixels = np.asarray(Image.open(path).convert("RGB"))
        ref, ref_cpu, ours, our_cpu = [], [], [], []
        for _ in range(args.rounds):
            ms, cpu, ref_faces = time_facenet(mtcnn, pixels, args.runs)
            ref.append(ms); ref_cpu.append(cpu)
            ms, cpu, our_faces = time_facecli(args.facecli, path, args.runs)
            ours.append(ms); our_cpu.append(cpu)
        m = statistics.median
        rows.append({"image": os.path.basename(path), "facenet_ms": round(m(ref), 2), "facecli_ms": round(m(ours), 2),
                     "speedup": round(m(ref) / m(ours), 2),
                     "facenet_cpu_ms": round(m(ref_cpu), 2), "facecli_cpu_ms": round(m(our_cpu), 2),
                     "cpu_speedup": round(m(ref_cpu) / m(our_cpu), 2),
                     "facenet_faces": ref_faces, "facecli_faces": our_faces})
    if args.json:
        for r in rows:
            print(json.dumps(r))
        return
    print(f"{'image':<26} {'facenet-pytorch 1T':>18} {'facecli 1T':>11} {'speed-up':>9}   "
          f"{'CPU: facenet':>12} {'facecli':>9} {'speed-up':>9}  faces (ref/ours)")
    for r in rows:
        print(f"{r['image']:<26} {r['facenet_ms']:>15.1f} ms {r['facecli_ms']:>8.1f} ms {r['speedup']:>8.2f}×   "
              f"{r['facenet_cpu_ms']:>9.1f} ms {r['facecli_cpu_ms']:>6.1f} ms {r['cpu_speedup']:>8.2f}×  "
              f"{r['facenet_faces']}/{r['facecli_faces']}")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
