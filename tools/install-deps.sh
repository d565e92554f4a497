#!/usr/bin/env bash
# Installs the three C libraries facecli links (OpenBLAS, TurboJPEG/libjpeg, libpng) and
# pkg-config on Debian / Raspberry Pi OS / Ubuntu. Swift itself must already be installed.
# Runs apt-get directly as root, through sudo otherwise.
set -euo pipefail

packages=(libopenblas-dev libturbojpeg0-dev libjpeg-dev libpng-dev pkg-config)

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "install-deps: need root or sudo to install: ${packages[*]}" >&2
    exit 77
fi

export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update
"${as_root[@]}" apt-get install -y --no-install-recommends "${packages[@]}"
