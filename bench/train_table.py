#!/usr/bin/env python3
"""The paper's results table on the stand-in data, for the three backbones, in one command.

For every row it runs `facecli train` (seed 1) and then `facecli eval --json` on the model's held-out
test split, and prints one markdown table: backbone, settings, per task accuracy and macro
precision / recall / F1, epochs (best), training time and wall time of the whole run. Features are
cached in one folder shared by all rows (--cache), so a backbone's features at one input size are
computed once: rerunning after a change of the defaults only retrains the heads.

    python3 bench/train_table.py                    # every row (InceptionV3 rows need Weights/inceptionv3.fcw)
    python3 bench/train_table.py --quick            # paper + default per backbone, UTKFace default for MobileNet
    python3 bench/train_table.py --backbone mobilenet --only default,unfreeze1
    python3 bench/train_table.py --list             # the rows and their commands, without running them

Rows on `faces9` use `--aligned` (already face crops); the UTKFace rows take the raw photos of
`utkface2000` through MTCNN and train age group and ethnicity (Keras baseline on that split: about
78 % age group and 58 % ethnicity). Runs are strictly one after another (the machine is shared).
Plain Python 3 (standard library only).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FACES9 = "faces9"
UTK = "utkface2000"

# (key, settings label, extra train arguments, dataset, in --quick)
SETTINGS = [
    ("paper", "`--preset paper`", ["--preset", "paper"], FACES9, True),
    ("default", "default", [], FACES9, True),
    ("notta", "default, `--no-tta`", ["--no-tta"], FACES9, False),
    ("augment1", "default, `--augment 1`", ["--augment", "1"], FACES9, False),
    ("augment4", "default, `--augment 4`", ["--augment", "4"], FACES9, False),
    ("size192", "default, `--input-size 192`", ["--input-size", "192"], FACES9, False),
    ("unfreeze1", "default, `--unfreeze 1`", ["--unfreeze", "1"], FACES9, False),
    ("unfreeze2", "default, `--unfreeze 2`", ["--unfreeze", "2"], FACES9, False),
    ("unfreeze3", "default, `--unfreeze 3`", ["--unfreeze", "3"], FACES9, False),
    ("size192unfreeze1", "default, `--input-size 192 --unfreeze 1`", ["--input-size", "192", "--unfreeze", "1"], FACES9, False),
    ("utk-paper", "UTKFace, `--preset paper`", ["--preset", "paper"], UTK, False),
    ("utk-default", "UTKFace, default", [], UTK, True),
]
# Rows each backbone runs (InceptionV3 is ~10× the MobileNets' cost: fewer rows).
PLAN = {
    "mobilenet": [k for k, *_ in SETTINGS],
    "mobilenetv2": ["paper", "default", "notta", "augment1", "augment4", "size192", "unfreeze1", "unfreeze2", "unfreeze3", "utk-paper",
                    "utk-default"],
    "inceptionv3": ["paper", "default", "notta", "unfreeze1", "unfreeze2", "utk-default"],
}
TASKS = {FACES9: ["person", "age_group", "ethnicity"], UTK: ["age_group", "ethnicity"]}


def default_data():
    candidates = [os.path.join(os.environ["FACECLI_SHARED"], "data")] if "FACECLI_SHARED" in os.environ else []
    candidates += [os.path.join(ROOT, "../shared/data"), os.path.join(ROOT, "../../shared/data")]
    return next((os.path.normpath(c) for c in candidates if os.path.isdir(c)), os.path.normpath(candidates[0]))


def rows(args):
    by_key = {s[0]: s for s in SETTINGS}
    for backbone in args.backbone:
        for key in PLAN[backbone]:
            key_, label, extra, data, quick = by_key[key]
            if args.quick and not (quick and (data == FACES9 or backbone == "mobilenet")):
                continue
            if args.only and key not in args.only:
                continue
            yield backbone, key, label, extra, data


def commands(args, backbone, key, extra, data):
    model = os.path.join(args.models, f"{backbone}-{key}.fcw")
    root = os.path.join(args.data, data)
    face = ["--aligned"] if data == FACES9 else []
    tasks = ["--tasks", ",".join(TASKS[UTK])] if data == UTK else []
    common = ["--cache", args.cache] + (["--threads", str(args.threads)] if args.threads else [])
    train = [args.facecli, "train", "--data", root, *face, "--backbone", backbone, "--seed", "1", *tasks, *extra,
             "--out", model, "--json", "--cache", args.cache]
    # --closed-set: the head's answers, as train reports them (eval otherwise answers "unknown"
    # through the person gallery).
    evaluate = [args.facecli, "eval", "--model", model, "--data", root, *face, "--split", "test", "--closed-set", "--json", *common]
    return train, evaluate


def run(cmd, log):
    log.write("$ " + " ".join(cmd) + "\n")
    log.flush()
    start = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    log.write(p.stderr + p.stdout + "\n")
    log.flush()
    if p.returncode != 0:
        raise RuntimeError(f"exit {p.returncode}: {' '.join(cmd)}\n{p.stderr.strip()[-2000:]}")
    return p.stdout, p.stderr, time.monotonic() - start


def measure(args, backbone, key, extra, data, log):
    train, evaluate = commands(args, backbone, key, extra, data)
    out, err, wall = run(train, log)
    trained = json.loads(out[out.index("{"):])
    m = re.search(r"\(features ([\d.]+) s, training ([\d.]+) s\)", err)
    e = re.search(r"best epoch (\d+) of (\d+)", err)
    out, _, eval_wall = run(evaluate, log)
    evaluated = json.loads(out[out.index("{"):])["tasks"]
    metrics = trained["tasks"]
    # eval finds the held-out images again from the model file alone (by content): it must agree with
    # train's report, unless the data holds copies of a test image under other names (utkface2000 does).
    for task, t in metrics.items():
        if abs(t["accuracy"] - evaluated[task]["accuracy"]) > 1e-6:
            log.write(f"NOTE {backbone}-{key}: {task} eval {evaluated[task]['accuracy']} vs train {t['accuracy']}\n")
            t["eval_accuracy"] = evaluated[task]["accuracy"]
    return {"backbone": backbone, "key": key, "data": data, "metrics": metrics,
            "features_s": float(m.group(1)) if m else None, "training_s": float(m.group(2)) if m else None,
            "best_epoch": int(e.group(1)) if e else None, "epochs": int(e.group(2)) if e else None,
            "train_wall_s": wall, "eval_wall_s": eval_wall, "command": " ".join(train[1:])}


def pct(x):
    return f"{100 * x:.1f}"


def table(results, labels, full):
    lines = []
    for data in (FACES9, UTK):
        part = [r for r in results if r["data"] == data]
        if not part:
            continue
        tasks = TASKS[data]
        names = {"person": "person", "age_group": "age group", "ethnicity": "ethnicity"}
        if full:
            head = "| backbone | settings | " + " | ".join(f"{names[t]} acc / P / R / F1 (%)" for t in tasks) \
                + " | epochs (best) | training (s) | features (s) | run (s) |"
        else:
            head = "| backbone | settings | " + " | ".join(names[t] for t in tasks) + " | epochs | training |"
        lines += [f"`{data}` test split:", "", head, "|" + "---|" * (head.count("|") - 1)]
        for r in part:
            cells = []
            for t in tasks:
                m = r["metrics"].get(t)
                if m is None:
                    cells.append("–")
                elif full:
                    cells.append(" / ".join(pct(m[k]) for k in ("accuracy", "precision", "recall", "f1"))
                                 + (f" (eval {pct(m['eval_accuracy'])})" if "eval_accuracy" in m else ""))
                else:
                    cells.append(pct(m["accuracy"]) + " %")
            epochs = f"{r['epochs']} ({r['best_epoch']})" if r["epochs"] else "?"
            train_s = f"{r['training_s']:.1f}" if r["training_s"] is not None else "?"
            if full:
                feats = f"{r['features_s']:.1f}" if r["features_s"] is not None else "?"
                row = cells + [epochs, train_s, feats, f"{r['train_wall_s']:.0f}"]
            else:
                row = cells + [epochs, train_s + " s"]
            lines.append(f"| {r['backbone']} | {r.get('label', labels.get(r['key'], r['key']))} | " + " | ".join(row) + " |")
        lines.append("")
        if full and any("eval_accuracy" in m for r in part for m in r["metrics"].values()):
            lines += ["(eval x): what `facecli eval --split test` reports; it finds the held-out images by content, and "
                      "this data holds copies of some images under other names, so it evaluates a few more.", ""]
    return "\n".join(lines)


def pivot(results, labels):
    """One compact table: a row per setting, a column per backbone; cells are the test accuracies
    (faces9: person / age group / ethnicity; UTKFace: age group / ethnicity) and the training time."""
    backbones = [b for b in PLAN if any(r["backbone"] == b for r in results)]
    cell = {(r["backbone"], r["key"]): r for r in results}
    names = {"mobilenet": "MobileNet", "mobilenetv2": "MobileNetV2", "inceptionv3": "InceptionV3"}
    head = "| settings | " + " | ".join(names[b] for b in backbones) + " |"
    lines = [head, "|" + "---|" * (len(backbones) + 1)]
    keys = list(dict.fromkeys(r["key"] for r in results))
    for key in keys:
        first = next(r for r in results if r["key"] == key)
        label, data = first.get("label", labels.get(key, key)), first["data"]
        cells = []
        for b in backbones:
            r = cell.get((b, key))
            if r is None:
                cells.append("")
                continue
            accs = " / ".join(pct(r["metrics"][t]["accuracy"]) for t in TASKS[data] if t in r["metrics"])
            cells.append(f"{accs} % · {r['training_s']:.0f} s" if r["training_s"] is not None else accs + " %")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--facecli", default=os.path.join(ROOT, ".build/release/facecli"))
    ap.add_argument("--data", default=default_data(), help="folder holding faces9/ and utkface2000/ "
                    "(default $FACECLI_SHARED/data, else ../shared/data beside the repo or its worktree folder)")
    ap.add_argument("--cache", default=os.path.join(ROOT, ".build/train-table-cache"), help="feature cache shared by all rows")
    ap.add_argument("--models", default=os.path.join(ROOT, ".build/train-table-models"))
    ap.add_argument("--backbone", action="append", choices=list(PLAN), help="repeatable; default all three")
    ap.add_argument("--only", help="comma-separated row keys: " + ", ".join(k for k, *_ in SETTINGS))
    ap.add_argument("--quick", action="store_true", help="paper + default per backbone, UTKFace default for MobileNet")
    ap.add_argument("--threads", type=int, help="--threads for eval (train uses the default)")
    ap.add_argument("--full", action="store_true", help="also print the full table (P/R/F1, feature time, run time)")
    ap.add_argument("--json", help="also write every result (metrics with per-class values) to this file")
    ap.add_argument("--list", action="store_true", help="print the rows' commands and exit")
    ap.add_argument("--from-json", nargs="+", metavar="FILE",
                    help="print the tables of results saved by --json (later files win), run nothing")
    args = ap.parse_args()
    args.backbone = args.backbone or list(PLAN)
    args.only = set(args.only.split(",")) if args.only else None
    labels = {k: label for k, label, *_ in SETTINGS}

    if args.from_json:
        latest = {}  # a row measured again in a later file replaces the earlier one
        for path in args.from_json:
            for r in json.load(open(path)):
                latest[(r["backbone"], r["key"])] = r
        results = list(latest.values())
        # Rows in the script's order; a row may carry its own "label" and a key with a prefix
        # ("old-default": measured under earlier defaults), placed after the row of that setting.
        index = {k: i for i, (k, *_) in enumerate(SETTINGS)}
        backbones = list(PLAN)

        def place(r):
            base = r["key"].split("-", 1)[1] if r["key"].startswith("old-") else r["key"]
            return index.get(base, len(index)), r["key"] != base, backbones.index(r["backbone"])
        results.sort(key=place)
        print(pivot(results, labels))
        print(table(results, labels, full=False))
        print(table(results, labels, full=True))
        return 0
    todo = list(rows(args))
    if args.list:
        for backbone, key, label, extra, data in todo:
            print(" ".join(commands(args, backbone, key, extra, data)[0]))
        return 0
    if not os.path.exists(args.facecli):
        sys.exit(f"{args.facecli}: not found (swift build -c release)")
    if "inceptionv3" in args.backbone and not os.path.exists(os.path.join(ROOT, "Weights/inceptionv3.fcw")):
        sys.exit("Weights/inceptionv3.fcw is missing: /work/venv/ref/bin/python tools/convert_inceptionv3.py (or drop --backbone inceptionv3)")
    os.makedirs(args.models, exist_ok=True)
    os.makedirs(args.cache, exist_ok=True)
    load = open("/proc/loadavg").read().split()[:3] if os.path.exists("/proc/loadavg") else ["?"]
    results = []
    log_path = os.path.join(args.models, "train_table.log")
    with open(log_path, "a") as log:
        for i, (backbone, key, label, extra, data) in enumerate(todo):
            print(f"[{i + 1}/{len(todo)}] {backbone} {key}", file=sys.stderr, flush=True)
            try:
                results.append(measure(args, backbone, key, extra, data, log))
            except (RuntimeError, ValueError) as error:
                print(f"  failed: {error}", file=sys.stderr)
            if args.json:
                with open(args.json, "w") as f:
                    json.dump(results, f, indent=1)
    end_load = open("/proc/loadavg").read().split()[:3] if os.path.exists("/proc/loadavg") else ["?"]
    print(f"Load average at start {' '.join(load)}, at end {' '.join(end_load)}; log: {log_path}\n")
    print(pivot(results, labels))
    print(table(results, labels, full=False))
    if args.full:
        print(table(results, labels, full=True))
    return 0 if len(results) == len(todo) else 1


if __name__ == "__main__":
    sys.exit(main())
