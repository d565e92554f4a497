#!/usr/bin/env python3
"""Writes a 640x480 MJPEG stream (concatenated JPEG frames) of one face moving a little, for
`bench/watch.sh`. The face image is shifted by a few pixels per frame on a slow Lissajous path
(as a head moves in front of a camera) and every frame is encoded anew.

Usage: watch_stream.py IMAGE FRAMES OUT [--quality Q]   (needs Pillow)
"""
import argparse
import io
import math

from PIL import Image


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("image")
    ap.add_argument("frames", type=int)
    ap.add_argument("out")
    ap.add_argument("--quality", type=int, default=85)
    a = ap.parse_args()
    src = Image.open(a.image).convert("RGB")
    # Fit into 640x480 with a 24-pixel border of room to move.
    scale = min((640 - 48) / src.width, (480 - 48) / src.height)
    face = src.resize((round(src.width * scale), round(src.height * scale)), Image.BILINEAR)
    with open(a.out, "wb") as f:
        for i in range(a.frames):
            dx = round(20 * math.sin(i / 15)), round(20 * math.sin(i / 23))
            frame = Image.new("RGB", (640, 480), (40, 40, 40))
            frame.paste(face, ((640 - face.width) // 2 + dx[0], (480 - face.height) // 2 + dx[1]))
            buf = io.BytesIO()
            frame.save(buf, format="JPEG", quality=a.quality)
            f.write(buf.getvalue())


if __name__ == "__main__":
    main()
