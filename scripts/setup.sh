#!/usr/bin/env bash
# Set up nmf-annotator on a Debian/Ubuntu machine: system libraries, then a virtual environment
# in .venv with the CPU build of torch and the package itself (editable).
#   bash scripts/setup.sh          # what the application needs
#   bash scripts/setup.sh --test   # plus what the test suite needs (praat, Xvfb, pytest, ...)
set -euo pipefail
cd "$(dirname "$0")/.."

with_tests=0
[ "${1:-}" = "--test" ] && with_tests=1

apt_packages=(python3-venv libsndfile1 libportaudio2 ffmpeg libgsm1
              libegl1 libgl1 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1
              libxcb-shape0 libxcb-randr0 libxcb-render-util0 libxcb-image0 libxcb-xinerama0
              libfontconfig1 libdbus-1-3)
[ "$with_tests" = 1 ] && apt_packages+=(praat xvfb)

if command -v apt-get >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
else
    echo "setup.sh: no apt-get here; install these yourself: ${apt_packages[*]}" >&2
fi

python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
# torch first and pinned: a bare `torch` requirement would pull a multi-GB CUDA build.
.venv/bin/pip install -q torch==2.13.0
if [ "$with_tests" = 1 ]; then
    .venv/bin/pip install -q -e ".[test]"
else
    .venv/bin/pip install -q -e .
fi
echo "setup.sh: ready (.venv)"
