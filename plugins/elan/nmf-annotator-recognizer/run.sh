#!/bin/sh
# ELAN runs this in the recognizer's folder (runLinux/runMac in nmf-annotator.cmdi) and writes
# the parameters to its standard input. ELAN started from a desktop menu has a short PATH, so
# `annotator plugins install elan` records the Python that has nmf-annotator in python-path.txt.
cd "$(dirname "$0")" || exit 1
PYTHON=""
if [ -f python-path.txt ]; then
    PYTHON=$(head -n 1 python-path.txt)
fi
if [ -z "$PYTHON" ] || [ ! -x "$PYTHON" ]; then
    PYTHON=$(command -v python3 || command -v python)
fi
if [ -z "$PYTHON" ]; then
    echo "ERROR: no Python found; reinstall with: annotator plugins install elan"
    echo "RESULT: FAILED."
    exit 1
fi
export PYTHONIOENCODING=utf-8
exec "$PYTHON" -m annotator.integrations.elan
