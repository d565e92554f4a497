"""Reader and writer of the facecli weight file (.fcw); see docs/weight-format.md.

Used by the converters in tools/. Needs only numpy.
"""
import hashlib
import json
import os
import struct
import tempfile

import numpy as np

MAGIC = b"FACECLIW"
VERSION = 1
ALIGN = 64


def write(path, tensors, metadata=None, dtype="f32"):
    """Write `tensors` (dict name -> numpy array, kept in insertion order) atomically to `path`."""
    np_dtype = {"f32": "<f4", "f16": "<f2"}[dtype]
    entries, blobs, offset = {}, [], 0
    for name, array in tensors.items():
        data = np.ascontiguousarray(np.asarray(array, dtype=np.float32).astype(np_dtype)).tobytes()
        pad = (-offset) % ALIGN
        if pad:
            blobs.append(b"\0" * pad)
            offset += pad
        entries[name] = {"dtype": dtype, "shape": list(np.shape(array)), "offset": offset, "length": len(data)}
        blobs.append(data)
        offset += len(data)
    header = json.dumps({"metadata": metadata or {}, "tensors": entries, "data_length": offset},
                        separators=(",", ":")).encode()
    header += b" " * ((-(16 + len(header))) % ALIGN)
    body = MAGIC + struct.pack("<II", VERSION, len(header)) + header + b"".join(blobs)
    body += hashlib.sha256(body).digest()
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(body)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read(path):
    """Return (tensors as float32 numpy arrays, metadata), checking magic, version and checksum."""
    with open(path, "rb") as f:
        body = f.read()
    if len(body) < 16 + 32 or body[:8] != MAGIC:
        raise ValueError(f"{path}: not a facecli weight file")
    if hashlib.sha256(body[:-32]).digest() != body[-32:]:
        raise ValueError(f"{path}: checksum mismatch")
    version, hlen = struct.unpack("<II", body[8:16])
    if version != VERSION:
        raise ValueError(f"{path}: unsupported version {version}")
    header = json.loads(body[16:16 + hlen])
    data = body[16 + hlen:-32]
    out = {}
    for name, e in header["tensors"].items():
        dt = {"f32": "<f4", "f16": "<f2"}[e["dtype"]]
        raw = data[e["offset"]:e["offset"] + e["length"]]
        out[name] = np.frombuffer(raw, dtype=dt).astype(np.float32).reshape(e["shape"])
    return out, header["metadata"]


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
