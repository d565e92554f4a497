#!/usr/bin/env python3
"""Golden outputs from PyTorch for the tensor core's window ops, in every padding mode.

Writes Tests/TensorTests/Goldens/{conv,depthwise,pooling}.json: lists of small cases, each with NHWC input, the
weights in the project's layouts (conv HWIO [kH, kW, Cin, Cout], depthwise [kH, kW, C]), the op's
parameters and the NHWC output PyTorch computes. TF/Keras `same` is reproduced the way TF defines it:
total padding max((ceil(n/s) - 1)·s + k - n, 0), the smaller half on top/left, applied with an explicit
F.pad before a padding-free conv/pool (asymmetric at stride 2).

Run: /work/venv/ref/bin/python tools/gen_tensor_goldens.py
"""
import json
import math
import os

import torch
import torch.nn.functional as F

OUT_DIR = os.path.join(os.path.dirname(__file__), "..", "Tests", "TensorTests", "Goldens")


def tf_same(n, k, s):
    out = math.ceil(n / s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def nhwc(t):  # NCHW -> NHWC, flattened
    return t.permute(0, 2, 3, 1).contiguous()


def pack(t):
    return {"shape": list(t.shape), "data": [float(f"{v:.7g}") for v in t.flatten().tolist()]}


def padding_spec(kind, h, w, k, s, p=0):
    """Returns (json spec, (left, right, top, bottom) for F.pad)."""
    if kind == "valid":
        return {"kind": "valid"}, (0, 0, 0, 0)
    if kind == "same":
        top, bottom = tf_same(h, k, s)
        left, right = tf_same(w, k, s)
        return {"kind": "same"}, (left, right, top, bottom)
    return {"kind": "explicit", "top": p, "left": p, "bottom": p, "right": p}, (p, p, p, p)


def main():
    g = torch.Generator().manual_seed(20261204)
    cases = []

    def rand(*shape):
        return torch.rand(*shape, generator=g) * 2 - 1

    # Convolution and depthwise convolution: (name, H, W, C, Cout, k, stride, padding kind, explicit p)
    conv_cases = [
        ("valid_k3_s1", 6, 5, 3, 4, 3, 1, "valid", 0),
        ("same_k3_s1", 6, 5, 3, 4, 3, 1, "same", 0),
        ("same_k3_s2_even", 8, 8, 3, 4, 3, 2, "same", 0),  # pads bottom/right only
        ("same_k3_s2_odd", 7, 9, 2, 3, 3, 2, "same", 0),
        ("same_k5_s2", 8, 7, 2, 3, 5, 2, "same", 0),
        ("symmetric_p1_k3_s2", 7, 8, 3, 4, 3, 2, "explicit", 1),  # torchvision padding=1
        ("symmetric_p2_k5_s1", 5, 6, 2, 2, 5, 1, "explicit", 2),
        ("pointwise", 4, 5, 6, 7, 1, 1, "valid", 0),
    ]
    for name, h, w, c, cout, k, s, kind, p in conv_cases:
        spec, pads = padding_spec(kind, h, w, k, s, p)
        x = rand(1, c, h, w)
        xp = F.pad(x, pads)
        weight = rand(cout, c, k, k)
        bias = rand(cout)
        y = F.conv2d(xp, weight, bias, stride=s)
        cases.append({"name": "conv_" + name, "op": "conv2d", "stride": s, "padding": spec, "kernel": k,
                      "input": pack(nhwc(x)), "weights": pack(weight.permute(2, 3, 1, 0).contiguous()),
                      "bias": pack(bias), "output": pack(nhwc(y))})
        if k == 1:
            continue
        dc = max(c, 5) if "k3" in name else c  # include a channel count that is not a multiple of 8
        x = rand(1, dc, h, w)
        xp = F.pad(x, pads)
        weight = rand(dc, 1, k, k)
        bias = rand(dc)
        y = F.conv2d(xp, weight, bias, stride=s, groups=dc)
        cases.append({"name": "depthwise_" + name, "op": "depthwise", "stride": s, "padding": spec, "kernel": k,
                      "input": pack(nhwc(x)), "weights": pack(weight[:, 0].permute(1, 2, 0).contiguous()),
                      "bias": pack(bias), "output": pack(nhwc(y))})

    # Depthwise with 19 channels (two SIMD blocks + tail), stride 1 and 2, TF same.
    for s in (1, 2):
        spec, pads = padding_spec("same", 6, 6, 3, s)
        x = rand(1, 19, 6, 6)
        weight = rand(19, 1, 3, 3)
        bias = rand(19)
        y = F.conv2d(F.pad(x, pads), weight, bias, stride=s, groups=19)
        cases.append({"name": f"depthwise_same_c19_s{s}", "op": "depthwise", "stride": s, "padding": spec, "kernel": 3,
                      "input": pack(nhwc(x)), "weights": pack(weight[:, 0].permute(1, 2, 0).contiguous()),
                      "bias": pack(bias), "output": pack(nhwc(y))})

    # Pooling: (name, H, W, C, k, stride, explicit p, ceil_mode)
    pool_cases = [
        ("k2_s2_floor", 7, 7, 3, 2, 2, 0, False),
        ("k2_s2_ceil", 7, 7, 3, 2, 2, 0, True),      # MTCNN P-Net
        ("k3_s2_ceil", 10, 9, 2, 3, 2, 0, True),     # MTCNN R/O-Net, caffe
        ("k3_s2_p1_ceil", 8, 8, 2, 3, 2, 1, True),
        ("k3_s2_p1_floor", 7, 8, 2, 3, 2, 1, False),
        ("k3_s1_p1", 5, 5, 2, 3, 1, 1, False),
    ]
    for name, h, w, c, k, s, p, ceil in pool_cases:
        x = rand(1, c, h, w)
        spec = {"kind": "explicit", "top": p, "left": p, "bottom": p, "right": p} if p else {"kind": "valid"}
        y = F.max_pool2d(x, k, s, padding=p, ceil_mode=ceil)
        cases.append({"name": "maxpool_" + name, "op": "maxpool", "stride": s, "padding": spec, "kernel": k,
                      "ceil_mode": ceil, "input": pack(nhwc(x)), "output": pack(nhwc(y))})
        for include in (True, False):
            y = F.avg_pool2d(x, k, s, padding=p, ceil_mode=ceil, count_include_pad=include)
            cases.append({"name": f"avgpool_{name}_include{include}", "op": "avgpool", "stride": s, "padding": spec,
                          "kernel": k, "ceil_mode": ceil, "count_include_pad": include,
                          "input": pack(nhwc(x)), "output": pack(nhwc(y))})
    # TF/Keras `same` pooling, stride 2: padding never counted (Keras AveragePooling2D), max ignores it.
    x = rand(1, 3, 6, 7)
    top, bottom = tf_same(6, 3, 2)
    left, right = tf_same(7, 3, 2)
    xp = F.pad(x, (left, right, top, bottom), value=float("-inf"))
    y = F.max_pool2d(xp, 3, 2)
    cases.append({"name": "maxpool_same_k3_s2", "op": "maxpool", "stride": 2, "padding": {"kind": "same"}, "kernel": 3,
                  "ceil_mode": False, "input": pack(nhwc(x)), "output": pack(nhwc(y))})
    ones = F.pad(torch.ones_like(x), (left, right, top, bottom))
    y = F.avg_pool2d(F.pad(x, (left, right, top, bottom)), 3, 2, divisor_override=1) / F.avg_pool2d(ones, 3, 2, divisor_override=1)
    cases.append({"name": "avgpool_same_k3_s2", "op": "avgpool", "stride": 2, "padding": {"kind": "same"}, "kernel": 3,
                  "ceil_mode": False, "count_include_pad": False, "input": pack(nhwc(x)), "output": pack(nhwc(y))})

    os.makedirs(OUT_DIR, exist_ok=True)
    groups = {"conv": ["conv2d"], "depthwise": ["depthwise"], "pooling": ["maxpool", "avgpool"]}
    for file, ops in groups.items():
        chosen = [c for c in cases if c["op"] in ops]
        path = os.path.join(OUT_DIR, file + ".json")
        with open(path, "w") as f:
            json.dump({"generator": "tools/gen_tensor_goldens.py", "torch": torch.__version__, "cases": chosen}, f,
                      separators=(",", ":"))
            f.write("\n")
        print(f"wrote {len(chosen)} cases to {os.path.normpath(path)} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
