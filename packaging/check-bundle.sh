#!/bin/sh
# Build the PyInstaller bundle and start it once in a bare environment (no venv on PATH,
# a throwaway HOME): it must start its own bundled nats-server, connect, and stop it.
# Run from the repo root with the project's venv: sh packaging/check-bundle.sh
set -eu
PY=${PYTHON:-.venv/bin/python}
"$PY" -m pip install -q pyinstaller
"$PY" -m PyInstaller --noconfirm --distpath build/dist --workpath build/work packaging/natsobj-gui.spec
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
out=$(env -i PATH=/usr/bin:/bin HOME="$home" XDG_DATA_HOME="$home/data" \
    XDG_CONFIG_HOME="$home/config" QT_QPA_PLATFORM=offscreen \
    timeout 120 build/dist/natsobj-gui/natsobj-gui --quit-after-start 2>&1)
echo "$out" | grep '^natsobj-gui '
pid=$(echo "$out" | sed -n 's/.*server_pid=\([0-9]*\).*/\1/p')
echo "$out" | grep -q 'ready connected=True' || { echo "FAIL: the bundle did not connect"; exit 1; }
if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    echo "FAIL: the bundled nats-server (pid $pid) outlived the app"; exit 1
fi
echo "OK: bundle in build/dist/natsobj-gui ($(du -sh build/dist/natsobj-gui | cut -f1))"
