#!/usr/bin/env python3
"""Peer comparison: `facecli bench --backbone …` against TFLite (XNNPACK), ONNX Runtime and ncnn.

One run measures, on this machine and at the same settings (batch 1, square RGB input, random
weights, no top, global average pooling), the median (or, with --stat min, the minimum) latency of:

  facecli      `facecli bench --backbone B --threads T --input S --runs N --warmup W --json`
  TFLite       `ai-edge-litert` Interpreter, default XNNPACK delegate, num_threads=T
  ONNX Runtime CPU execution provider, intra_op_num_threads=T, all graph optimisations
  ncnn         `ncnn` Python package, num_threads=T, default options (CPU)

Every peer runs the same network: the Keras application (`MobileNet`, `MobileNetV2`, `InceptionV3`
with include_top=False, pooling='avg', weights=None, seed 0), converted once and cached:
  Keras -> TFLite            tf.lite.TFLiteConverter (float32, no quantisation)
  Keras -> ONNX (NCHW input) tf2onnx, opset 17, then ONNX Runtime's basic (standard-op) graph
                             rewrites (pad/batch-norm folding) saved back to ONNX
  ONNX  -> ncnn              pnnx (fp32 weights)
Batch norms get data-dependent statistics so that activations stay O(1) (see calibrate_batch_norms).
Each converted model's output is checked against Keras on one random input before it is timed.

The script bootstraps itself: run with any python3 >= 3.10 and it creates the virtualenv
(`bench/.venv`, or $FACECLI_PEERS_VENV), installs bench/requirements-peers.txt into it, and re-runs
itself there. Each timing runs in its own subprocess so that one runtime's idle worker threads never
compete with the next one's.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
VENV = Path(os.environ.get("FACECLI_PEERS_VENV", BENCH / ".venv")).resolve()
CACHE = Path(os.environ.get("FACECLI_PEERS_CACHE", BENCH / ".models")).resolve()
REQUIREMENTS = BENCH / "requirements-peers.txt"
PNNX_REQUIREMENT = "pnnx==20261020"
STAMP = VENV / ".facecli-peers-stamp"
RECIPE = 3  # bump when convert() changes: it is part of the model cache key

# backbone name (facecli's spelling) -> Keras application class name
KERAS_CLASS = {"mobilenet": "MobileNet", "mobilenetv2": "MobileNetV2", "inceptionv3": "InceptionV3"}
TITLE = {"mobilenet": "MobileNet v1", "mobilenetv2": "MobileNetV2", "inceptionv3": "InceptionV3"}
PEERS = ["tflite", "onnxruntime", "ncnn"]
PEER_TITLE = {"tflite": "TFLite (XNNPACK)", "onnxruntime": "ONNX Runtime", "ncnn": "ncnn"}
# Above this relative error the converted model is not the Keras network: its time is not reported.
MAX_REL_ERR = 1e-2
FACECLI_MISSING = "n/a (facecli bench --backbone not available)"


def log(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------------
# Virtualenv bootstrap (runs under the system python)

def requirements_digest() -> str:
    return hashlib.sha256(REQUIREMENTS.read_bytes() + PNNX_REQUIREMENT.encode()).hexdigest()


def in_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV


def ensure_venv(skip_install: bool) -> None:
    python = VENV / "bin" / "python"
    if skip_install:
        if not python.exists():
            sys.exit(f"peers: --skip-install but no virtualenv at {VENV} (run once without it)")
        return
    if STAMP.exists() and STAMP.read_text().strip() == requirements_digest():
        return
    if not python.exists():
        log(f"peers: creating virtualenv {VENV}")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    log(f"peers: installing {REQUIREMENTS.name} into {VENV} (first time: 1-2 minutes, ~1.8 GB)")
    subprocess.run(pip + ["-r", str(REQUIREMENTS)], check=True)
    subprocess.run(pip + ["--no-deps", PNNX_REQUIREMENT], check=True)
    STAMP.write_text(requirements_digest() + "\n")


def reexec_in_venv(argv: list[str]) -> None:
    python = str(VENV / "bin" / "python")
    os.execv(python, [python, str(Path(__file__).resolve())] + argv)


# --------------------------------------------------------------------------------------------------
# Versions (read from package metadata: importing TensorFlow here would cost seconds and threads)

def versions() -> dict[str, str]:
    from importlib import metadata
    out = {"python": platform.python_version()}
    for dist in ["numpy", "tensorflow-cpu", "keras", "tf2onnx", "onnx", "onnxruntime",
                 "ai-edge-litert", "ncnn", "pnnx"]:
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def machine() -> dict[str, object]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "loadavg_1min": round(os.getloadavg()[0], 2)}


# --------------------------------------------------------------------------------------------------
# Model building and conversion (runs in a subprocess: TensorFlow stays out of the timing processes)

def model_dir(model: str, size: int) -> Path:
    v = versions()
    key = f"{model}-{size}-r{RECIPE}-tf{v['tensorflow-cpu']}-tf2onnx{v['tf2onnx']}-ort{v['onnxruntime']}-pnnx{v['pnnx']}"
    return CACHE / key


def calibrate_batch_norms(net, size: int) -> None:
    """Sets each batch norm's moving statistics to those of its input on random images.

    With weights=None (Glorot kernels, identity batch norms) activations shrink layer after layer:
    MobileNetV2's output is ~1e-11, which fp16 storage (ncnn's default) flushes to zero and which can
    reach the denormal range, where CPUs slow down. Normalised activations keep every runtime on its
    ordinary fast path and make the output check against Keras meaningful. Timing is unaffected.
    """
    import numpy as np
    import tensorflow as tf
    import keras
    bns = [layer for layer in net.layers if isinstance(layer, keras.layers.BatchNormalization)]
    probe = keras.Model(net.inputs, [bn.input for bn in bns])
    run = tf.function(lambda images: probe(images, training=False))
    images = np.random.default_rng(2).uniform(-1, 1, (4, size, size, 3)).astype(np.float32)
    for i, bn in enumerate(bns):                      # in graph order: each sees the fixed ones before it
        feature = np.asarray(run(images)[i], dtype=np.float64)
        weights = bn.get_weights()                    # [gamma?, beta?, moving_mean, moving_variance]
        weights[-2] = feature.mean(axis=(0, 1, 2)).astype(np.float32)
        weights[-1] = feature.var(axis=(0, 1, 2)).astype(np.float32)
        bn.set_weights(weights)


def pnnx_binary() -> Path:
    """The self-contained pnnx executable. The wheel's `bin/pnnx` is a Python entry point that imports
    torch (not installed: see --no-deps); the binary itself ships inside the package folder."""
    for candidate in sorted(VENV.glob("lib/python*/site-packages/pnnx/pnnx")):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return VENV / "bin" / "pnnx"

def convert(model: str, size: int) -> None:
    """Writes model.tflite, model.onnx, model.ncnn.{param,bin}, input.npy, keras.npy into model_dir."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import numpy as np
    import tensorflow as tf
    import keras
    import tf2onnx
    import onnxruntime as ort

    out = model_dir(model, size)
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)

    keras.utils.set_random_seed(0)
    app = getattr(keras.applications, KERAS_CLASS[model])
    net = app(input_shape=(size, size, 3), include_top=False, pooling="avg", weights=None)
    calibrate_batch_norms(net, size)
    x = np.random.default_rng(1).uniform(-1, 1, (1, size, size, 3)).astype(np.float32)
    np.save(tmp / "input.npy", x)
    np.save(tmp / "keras.npy", np.asarray(net(x, training=False)))

    (tmp / "model.tflite").write_bytes(tf.lite.TFLiteConverter.from_keras_model(net).convert())

    spec = (tf.TensorSpec((1, size, size, 3), tf.float32, name="input"),)
    tf2onnx.convert.from_keras(net, input_signature=spec, opset=17, inputs_as_nchw=["input"],
                               output_path=str(tmp / "tf2onnx.onnx"))
    # Basic level = standard ONNX ops only: folds the explicit Pad ops and the batch-norm Mul/Add
    # that tf2onnx leaves after depthwise convolutions, which pnnx would otherwise keep (or drop).
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    so.optimized_model_filepath = str(tmp / "model.onnx")
    ort.InferenceSession(str(tmp / "tf2onnx.onnx"), so, providers=["CPUExecutionProvider"])

    pnnx = pnnx_binary()
    # fp16=0: pnnx stores ncnn weights as fp16 by default, which alone puts ncnn ~2% off Keras;
    # ncnn converts weights to its own layout at load either way, so timing is the same.
    r = subprocess.run([str(pnnx), "model.onnx", f"inputshape=[1,3,{size},{size}]",
                        "fp16=0"], cwd=tmp,
                       capture_output=True, text=True)
    if r.returncode != 0 or not (tmp / "model.ncnn.param").exists():
        (tmp / "ncnn-failed.txt").write_text(f"pnnx exit {r.returncode}\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    for junk in ["model.pnnx.param", "model.pnnx.bin", "model.pnnx.onnx", "model.pnnxsim.onnx",
                 "model_pnnx.py", "model_ncnn.py", "tf2onnx.onnx"]:
        (tmp / junk).unlink(missing_ok=True)
    (tmp / "versions.json").write_text(json.dumps(versions(), indent=1) + "\n")
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)


def ensure_models(models: list[str], size: int) -> dict[str, Path]:
    dirs = {}
    for model in models:
        d = model_dir(model, size)
        if not (d / "versions.json").exists():
            log(f"peers: building {KERAS_CLASS[model]} {size}x{size} and converting (TFLite, ONNX, ncnn)…")
            t = time.time()
            subprocess.run([sys.executable, str(Path(__file__).resolve()), "--convert", model,
                            "--input", str(size)], check=True, stdout=sys.stderr)
            log(f"peers:   done in {time.time() - t:.0f} s -> {d}")
        dirs[model] = d
    return dirs


# --------------------------------------------------------------------------------------------------
# Timing one runtime (runs in its own subprocess; prints one JSON object)

def ncnn_blob_names(param: Path) -> tuple[str, str]:
    lines = param.read_text().splitlines()[2:]
    first, last = lines[0].split(), lines[-1].split()
    # layer line: type name n_bottom n_top bottoms… tops… params…
    return first[4 + int(first[2])], last[4 + int(last[2])]


def time_runtime(runtime: str, d: Path, threads: int, runs: int, warmup: int) -> dict[str, object]:
    import numpy as np
    x = np.load(d / "input.npy")                      # [1, S, S, 3] NHWC
    ref = np.load(d / "keras.npy").reshape(-1)        # [C]

    if runtime == "tflite":
        from ai_edge_litert.interpreter import Interpreter
        interp = Interpreter(model_path=str(d / "model.tflite"), num_threads=threads)
        interp.allocate_tensors()
        inp, outp = interp.get_input_details()[0]["index"], interp.get_output_details()[0]["index"]
        interp.set_tensor(inp, x)

        def run():
            interp.invoke()
            return interp.get_tensor(outp)
    elif runtime == "onnxruntime":
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        sess = ort.InferenceSession(str(d / "model.onnx"), so, providers=["CPUExecutionProvider"])
        name = sess.get_inputs()[0].name
        feed = {name: np.ascontiguousarray(x.transpose(0, 3, 1, 2))}

        def run():
            return sess.run(None, feed)[0]
    elif runtime == "ncnn":
        param = d / "model.ncnn.param"
        if not param.exists():
            reason = (d / "ncnn-failed.txt").read_text().splitlines()[0] if (d / "ncnn-failed.txt").exists() else "no model"
            return {"error": f"pnnx conversion failed ({reason})"}
        import ncnn
        net = ncnn.Net()
        net.opt.num_threads = threads
        net.opt.use_vulkan_compute = False
        net.load_param(str(param))
        net.load_model(str(d / "model.ncnn.bin"))
        in_name, out_name = ncnn_blob_names(param)
        chw = np.ascontiguousarray(x[0].transpose(2, 0, 1))     # [3, S, S]
        mat = ncnn.Mat(chw)                                      # wraps chw's memory: keep chw alive

        def run():
            with net.create_extractor() as ex:
                ex.input(in_name, mat)
                _, y = ex.extract(out_name)
                return np.array(y)
    else:
        raise ValueError(runtime)

    y = np.asarray(run()).reshape(-1)
    if y.shape != ref.shape:
        return {"error": f"output shape {y.shape} != Keras {ref.shape}"}
    rel_err = float(np.max(np.abs(y - ref)) / max(float(np.max(np.abs(ref))), 1e-30))
    if rel_err > MAX_REL_ERR:
        return {"error": f"output differs from Keras (max rel err {rel_err:.2g})", "rel_err": rel_err}
    for _ in range(warmup):
        run()
    times = []
    for _ in range(runs):
        t = time.perf_counter_ns()
        run()
        times.append((time.perf_counter_ns() - t) / 1e6)
    times.sort()
    return {"median_ms": statistics.median(times), "min_ms": times[0],
            "p90_ms": times[min(len(times) - 1, int(0.9 * len(times)))], "rel_err": rel_err}


def measure_peer(runtime: str, d: Path, threads: int, runs: int, warmup: int) -> dict[str, object]:
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--time", runtime, str(d),
           "--threads", str(threads), "--runs", str(runs), "--warmup", str(warmup)]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    try:
        result = json.loads(r.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        tail = (r.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"exit {r.returncode}: {tail[:200]}"}
    if runtime == "tflite":
        # LiteRT logs this line when it applies its default delegate; without it the time is
        # the reference kernels', not XNNPACK's.
        result["xnnpack"] = "XNNPACK delegate" in r.stderr
        if not result["xnnpack"] and "median_ms" in result:
            result["detail"] = "XNNPACK delegate not reported: reference kernels?"
    return result


# --------------------------------------------------------------------------------------------------
# facecli

def facecli_binary(explicit: str | None) -> Path:
    return Path(explicit).resolve() if explicit else REPO / ".build" / "release" / "facecli"


def measure_facecli(binary: Path, model: str, threads: int, size: int, runs: int,
                    warmup: int) -> dict[str, object]:
    if not binary.exists():
        return {"error": FACECLI_MISSING, "detail": f"{binary} does not exist (swift build -c release)"}
    cmd = [str(binary), "bench", "--backbone", model, "--threads", str(threads), "--input", str(size),
           "--runs", str(runs), "--warmup", str(warmup), "--json"]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=REPO)
    except subprocess.TimeoutExpired:
        return {"error": "n/a (facecli bench timed out)"}
    text = r.stdout.strip()
    try:
        obj = json.loads(text[text.index("{"):text.rindex("}") + 1]) if r.returncode == 0 else None
    except ValueError:
        obj = None
    if not isinstance(obj, dict) or not isinstance(obj.get("median_ms"), (int, float)):
        detail = (r.stderr.strip() or r.stdout.strip() or "no output").splitlines()[-1][:200]
        return {"error": FACECLI_MISSING, "detail": f"exit {r.returncode}: {detail}"}
    return obj


def facecli_version(binary: Path) -> str:
    try:
        rev = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty"],
                             capture_output=True, text=True).stdout.strip()
    except OSError:
        rev = "?"
    state = "built " + time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(binary.stat().st_mtime)) \
        if binary.exists() else "not built"
    return f"git {rev or '?'}, {binary} ({state})"


# --------------------------------------------------------------------------------------------------
# Report

def fmt_ms(m: dict[str, object], key: str = "median_ms") -> str:
    if key in m:
        return f"{m[key]:.2f}"
    error = str(m.get("error", f"no {key}"))
    return error if error.startswith("n/a") else f"n/a: {error}"


def markdown(report: dict[str, object]) -> str:
    key = report["settings"]["stat"] + "_ms"
    lines = []
    head = ["model", "threads", "facecli ms"] + [f"{PEER_TITLE[p]} ms (facecli/peer)" for p in PEERS] \
        + ["best peer", "facecli / best"]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "---|" * len(head))
    for row in report["results"]:
        ours = row["facecli"]
        cells = [TITLE[row["model"]], str(row["threads"]), fmt_ms(ours, key)]
        for p in PEERS:
            m = row[p]
            cell = fmt_ms(m, key)
            if key in m and key in ours:
                cell += f" ({ours[key] / m[key]:.2f}×)"
            cells.append(cell)
        timed = [p for p in PEERS if key in row[p]]
        best = min(timed, key=lambda p: row[p][key]) if timed else None
        cells.append(f"{PEER_TITLE[best]} {row[best][key]:.2f}" if best else "n/a")
        cells.append(f"{ours[key] / row[best][key]:.2f}×" if best and key in ours else "n/a")
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(f"facecli/peer < 1 means facecli is faster. {report['settings']['stat'].capitalize()} of "
                 f"{report['settings']['runs']} runs after {report['settings']['warmup']} warm-up runs"
                 + (f" (best of {report['settings']['rounds']} rounds)" if report['settings']['rounds'] > 1 else "")
                 + ", "
                 f"batch 1, {report['settings']['input']}×{report['settings']['input']}×3, random weights.")
    notes = []
    load = max(report["machine"]["loadavg_1min"], report["machine"]["loadavg_1min_end"])
    if load > 0.5 * report["machine"]["cores"]:
        notes.append(f"load average up to {load} on {report['machine']['cores']} cores during the run: "
                     "other processes competed for the CPU, times are inflated and noisy")
    for row in report["results"]:
        if "weights" in row["facecli"]:
            notes.append(f"facecli {row['model']}: weights {row['facecli']['weights']}, "
                         f"{row['facecli'].get('macs_per_image', '?')} MACs per image")
        for who in ["facecli"] + PEERS:
            if "detail" in row[who]:
                notes.append(f"{who} {row['model']} {row['threads']}T: {row[who]['detail']}")
    if notes:
        lines.append("")
        lines += [f"- {n}" for n in dict.fromkeys(notes)]
    return "\n".join(lines)


def keep_best_round(row: dict[str, object], who: str, m: dict[str, object], key: str) -> None:
    """Keeps the round with the lowest `key` (a busy machine only ever adds time); lists all rounds."""
    old = row.get(who)
    rounds = (old or {}).get(f"rounds_{key}", [])
    if key in m:
        rounds = rounds + [m[key]]
    if old is None or (key in m and (key not in old or m[key] < old[key])):
        row[who] = m
    row[who][f"rounds_{key}"] = rounds


def main_parent(args: argparse.Namespace) -> None:
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    for m in models:
        if m not in KERAS_CLASS:
            sys.exit(f"peers: unknown model {m!r} (choose from {', '.join(KERAS_CLASS)})")
    threads = [int(t) for t in args.threads.split(",")]
    binary = facecli_binary(args.facecli)
    vers = versions()
    vers["facecli"] = facecli_version(binary)
    mach = machine()
    log("peers: versions: " + ", ".join(f"{k} {v}" for k, v in vers.items()))
    log(f"peers: machine: {mach['cpu']}, {mach['cores']} cores, load average {mach['loadavg_1min']}")
    if mach["loadavg_1min"] > 0.5:
        log("peers: warning: the machine is busy; timings will be noisy (and slower)")
    dirs = ensure_models(models, args.input)
    key = args.stat + "_ms"

    results = [{"model": model, "threads": t} for model in models for t in threads]
    for rnd in range(args.rounds):
        for row in results:
            model, t = row["model"], row["threads"]
            where = f"{TITLE[model]} {t} thread(s)" + (f", round {rnd + 1}/{args.rounds}" if args.rounds > 1 else "")
            for who in ["facecli"] + PEERS:
                log(f"peers: {where}: {PEER_TITLE.get(who, who)}…")
                m = measure_facecli(binary, model, t, args.input, args.runs, args.warmup) if who == "facecli" \
                    else measure_peer(who, dirs[model], t, args.runs, args.warmup)
                keep_best_round(row, who, m, key)
            log("peers:   " + ", ".join(f"{w} {fmt_ms(row[w], key)}" for w in ["facecli"] + PEERS))
    for row in results:
        timed = [p for p in PEERS if key in row[p]]
        if timed:
            best = min(timed, key=lambda p: row[p][key])
            row["best_peer"] = best
            if key in row["facecli"]:
                row["facecli_over_best"] = row["facecli"][key] / row[best][key]

    report = {"settings": {"input": args.input, "batch": 1, "runs": args.runs, "warmup": args.warmup,
                           "stat": args.stat, "rounds": args.rounds,
                           "threads": threads, "models": models},
              "versions": vers, "machine": mach | {"loadavg_1min_end": round(os.getloadavg()[0], 2)},
              "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "results": results}
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        print("Versions: " + ", ".join(f"{k} {v}" for k, v in vers.items()))
        print(f"Machine: {mach['cpu']}, {mach['cores']} cores, load average "
              f"{mach['loadavg_1min']} -> {report['machine']['loadavg_1min_end']}, {report['date']}")
        print()
        print(markdown(report))


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="mobilenet,mobilenetv2,inceptionv3",
                    help="comma-separated: mobilenet, mobilenetv2, inceptionv3 (default: all)")
    ap.add_argument("--threads", default="1,2", help="comma-separated thread counts (default 1,2)")
    ap.add_argument("--runs", type=int, default=50, help="timed runs per measurement (default 50)")
    ap.add_argument("--warmup", type=int, default=10, help="untimed runs first, for every runtime (default 10)")
    ap.add_argument("--stat", choices=["median", "min"], default="median",
                    help="statistic compared in the table (default median; min is steadier on a busy machine)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="repeat every measurement R times, interleaved, and keep each one's best round "
                         "(default 1; more is steadier on a busy machine)")
    ap.add_argument("--input", type=int, default=128, help="input side in pixels (default 128)")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    ap.add_argument("--skip-install", action="store_true",
                    help="use the existing virtualenv as it is (no pip)")
    ap.add_argument("--facecli", help="facecli binary (default <repo>/.build/release/facecli)")
    # internal: subprocess roles
    ap.add_argument("--convert", help=argparse.SUPPRESS)
    ap.add_argument("--time", nargs=2, metavar=("RUNTIME", "MODEL_DIR"), help=argparse.SUPPRESS)
    return ap.parse_args(argv)


def main() -> None:
    argv = sys.argv[1:]
    args = parse_args(argv)
    if not in_venv():
        ensure_venv(args.skip_install)
        reexec_in_venv(argv)
    if args.convert:
        convert(args.convert, args.input)
    elif args.time:
        print(json.dumps(time_runtime(args.time[0], Path(args.time[1]), int(args.threads),
                                      args.runs, args.warmup)))
    else:
        main_parent(args)


if __name__ == "__main__":
    main()
