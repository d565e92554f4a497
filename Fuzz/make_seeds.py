"""Writes the small seed corpora in Fuzz/Corpus/<target>/ and the regression inputs that are derived
from them in Fuzz/Regressions/ (committed; rerun when the model schema changes).

    /work/venv/ref/bin/python Fuzz/make_seeds.py      # needs numpy and Pillow

Every seed is made here from synthetic pixels and values: nothing comes from a data set.
"""
import hashlib
import io
import json
import os
import struct
import sys

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(ROOT, "..", "tools"))
import fcw  # noqa: E402


def out(target, name, data):
    d = os.path.join(ROOT, "Corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def regression(target, name, data):
    d = os.path.join(ROOT, "Regressions", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def pattern(w, h, channels):
    y, x = np.mgrid[0:h, 0:w]
    planes = [(x * 37 + y * 11 + 50 * c) % 256 for c in range(channels)]
    return np.stack(planes, axis=-1).astype(np.uint8)


def jpeg_seeds():
    def save(name, image, **kw):
        b = io.BytesIO()
        image.save(b, "JPEG", **kw)
        out("jpeg", name, b.getvalue())
    rgb = Image.fromarray(pattern(16, 8, 3), "RGB")
    save("rgb420.jpg", rgb, quality=50, subsampling=2)
    save("rgb444.jpg", rgb, quality=50, subsampling=0)
    save("grey.jpg", Image.fromarray(pattern(8, 8, 1)[..., 0], "L"), quality=50)
    save("progressive.jpg", rgb, quality=50, progressive=True)
    save("cmyk.jpg", Image.fromarray(pattern(8, 8, 4), "CMYK"), quality=50)
    exif = Image.Exif()
    exif[0x0112] = 6                           # rotate 90° to view
    save("exif6.jpg", Image.fromarray(pattern(8, 16, 3), "RGB"), quality=50, exif=exif.tobytes())
    exif[0x0112] = 3
    save("exif3.jpg", Image.fromarray(pattern(8, 8, 3), "RGB"), quality=30, exif=exif.tobytes())
    # Big-endian ("MM") EXIF, orientation 8, written by hand: Pillow writes little-endian only.
    b = io.BytesIO()
    Image.fromarray(pattern(8, 8, 3), "RGB").save(b, "JPEG", quality=30)
    tiff = b"MM\x00\x2a" + struct.pack(">I", 8) + struct.pack(">H", 1) \
        + struct.pack(">HHIHH", 0x0112, 3, 1, 8, 0) + struct.pack(">I", 0)
    app1 = b"Exif\x00\x00" + tiff
    jpg = b.getvalue()
    out("jpeg", "exif8-bigendian.jpg", jpg[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + jpg[2:])


def png_seeds():
    def save(name, image, **kw):
        b = io.BytesIO()
        image.save(b, "PNG", **kw)
        out("png", name, b.getvalue())
    save("rgb.png", Image.fromarray(pattern(4, 4, 3), "RGB"))
    save("grey.png", Image.fromarray(pattern(4, 4, 1)[..., 0], "L"))
    save("rgba.png", Image.fromarray(pattern(4, 4, 4), "RGBA"))
    save("greyalpha.png", Image.fromarray(pattern(4, 4, 2), "LA"))
    save("palette.png", Image.fromarray(pattern(4, 4, 3), "RGB").convert("P", palette=Image.Palette.ADAPTIVE, colors=4))
    save("palette-trns.png", Image.fromarray(pattern(4, 4, 3), "RGB").convert("P", palette=Image.Palette.ADAPTIVE, colors=4),
         transparency=1)
    save("bilevel.png", Image.fromarray(pattern(8, 2, 1)[..., 0] > 128))
    save("grey16.png", Image.fromarray((pattern(4, 4, 1)[..., 0].astype(np.uint16) * 257)))


def fcw_body(tensors, metadata, dtype="f32"):
    """A .fcw file without its 32-byte SHA-256 trailer (the fuzz harness appends it)."""
    path = os.path.join(ROOT, ".seed.fcw")
    fcw.write(path, tensors, metadata, dtype)
    with open(path, "rb") as f:
        body = f.read()
    os.unlink(path)
    assert hashlib.sha256(body[:-32]).digest() == body[-32:]
    return body[:-32]


def weightfile_seeds():
    rng = np.random.default_rng(1)
    out("weightfile", "weights-f32.fcw", fcw_body(
        {"conv1.weight": rng.standard_normal((3, 3, 1, 2)), "conv1.bias": rng.standard_normal(2)},
        {"kind": "fuzz-seed", "source": "synthetic"}))
    out("weightfile", "weights-f16.fcw", fcw_body({"a": rng.standard_normal((2, 3)), "b": np.zeros(0)}, {}, "f16"))
    out("weightfile", "empty.fcw", fcw_body({}, {}))
    # A multi-task model as MultiTaskModel.save writes it (ModelInfo, snake_case keys).
    features, hidden, classes = 4, 3, [2, 3]
    settings = {"preset": "paper", "epochs": 1, "batch_size": 2, "learning_rate": 1e-4, "patience": 3,
                "monitor": "accuracy", "lr_factor": 0.5, "lr_patience": 2, "min_learning_rate": 1e-6,
                "hidden": hidden, "dropout": 0.5, "augment_views": 1, "seed": 1, "test_fraction": 0.3,
                "validation_fraction": 0.15, "unfreeze": 0,
                "tail_learning_rate_factor": 0.1, "test_time_flip": False}
    info = {"kind": "facecli-multitask-model", "format_version": 1,
            "backbone": {"name": "mobilenet", "weights_sha256": "00" * 32, "feature_count": features},
            "input_size": 128, "normalization": "tf", "preprocessing": "aligned",
            "tasks": [{"name": "person", "labels": ["a", "b"]}, {"name": "age", "labels": ["x", "y", "z"]}],
            "hidden": hidden, "dropout": 0.5, "settings": settings,
            "test_split": [{"path": "a/1.jpg", "sha256": "11" * 32}],
            "history": [{"epoch": 1, "train_loss": [1.0, 2.0], "train_accuracy": [0.5, 0.3],
                         "validation_loss": [1.0, 2.0], "validation_accuracy": [0.5, 0.3],
                         "learning_rate": 1e-4, "elapsed": 1.5}]}
    tensors = {"shared.weight": rng.standard_normal((features, hidden)), "shared.bias": np.zeros(hidden)}
    for k, c in enumerate(classes):
        tensors[f"task{k}.weight"] = rng.standard_normal((hidden, c))
        tensors[f"task{k}.bias"] = np.zeros(c)
    out("weightfile", "model.fcw", fcw_body(tensors, info))
    # Regression inputs derived from the model seed (rewritten here so they follow schema changes):
    # fuzz-weightfile's dropout crash, and a description claiming 40 billion features.
    regression("weightfile", "model-dropout-8.5.fcw", fcw_body(tensors, dict(info, dropout=8.5)))
    regression("weightfile", "model-40-billion-features.fcw", fcw_body(
        tensors, dict(info, backbone=dict(info["backbone"], feature_count=40_000_000_000))))


def csv_seeds():
    out("csv", "labels.csv", b"path,person,age_group,ethnicity\na/1.jpg,alice,adult,\"x, y\"\nb/2.png,bob,,z\n")
    out("csv", "attributes-crlf-bom.csv", "\ufeffidentity,age_group\r\nalice,child\r\n\r\nbob,\"a \"\"quoted\"\" one\"\r\n".encode())
    out("csv", "multiline.csv", b"a,b\n\"line\nbreak\",  spaced  \n")
    out("csv", "header-only.csv", b"path\n")


if __name__ == "__main__":
    jpeg_seeds()
    png_seeds()
    weightfile_seeds()
    csv_seeds()
