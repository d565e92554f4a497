#!/bin/sh
# Frames/s of `facecli watch -` on a 640x480 MJPEG stream with one face (issue 7 target: >= 100
# on this 2-core machine, about 30 on a Pi 4).
#
#   bench/watch.sh [FRAMES] [-- extra facecli watch options]
#
# Makes the stream once (Pillow, from demo/astronaut.png or $WATCH_IMAGE) under $TMPDIR, pipes it
# into the release build and prints the summary line of watch (frames, frames/s, dropped).
set -eu
cd "$(dirname "$0")/.."
frames=${1:-600}
[ $# -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift
image=${WATCH_IMAGE:-demo/astronaut.png}
python=${PYTHON:-python3}
stream=${TMPDIR:-/tmp}/facecli-watch-$(basename "$image" .png)-$frames.mjpeg
if [ ! -s "$stream" ]; then
    "$python" bench/watch_stream.py "$image" "$frames" "$stream"
fi
bin=$(swift build -c release --show-bin-path)/facecli
[ -x "$bin" ] || swift build -c release --product facecli
echo "stream: $stream ($(wc -c < "$stream") bytes, $frames frames of 640x480)" >&2
"$bin" watch - "$@" < "$stream" > "${WATCH_JSON:-/dev/null}"
