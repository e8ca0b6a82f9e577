#!/usr/bin/env bash
# Run the test suite against the newest nats-py, qasync and PySide6-Essentials (<6.12, see
# pyproject.toml), ignoring our pins, in a throw-away virtual environment. Not run by CI:
# an upgrade is a decision. The pin checks (core/pins.py) report what moved as warnings
# first (NATSOBJ_IGNORE_PINS=1), then the tests show what that breaks.
#
# Usage: scripts/try-newest.sh [pytest arguments...]   (default: the whole suite)
set -euo pipefail
cd "$(dirname "$0")/.."
venv="$(mktemp -d "${TMPDIR:-/tmp}/natsobj-newest.XXXXXX")"
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
"$venv/bin/pip" install -q -e '.[test]'
# Over the pins on purpose: pip warns about the conflict and installs anyway.
"$venv/bin/pip" install -q --upgrade nats-py qasync 'PySide6-Essentials<6.12'
"$venv/bin/pip" list 2>/dev/null | grep -iE '^(nats-py|qasync|pyside6-essentials) '
NATSOBJ_IGNORE_PINS=1 QT_QPA_PLATFORM=offscreen \
    "$venv/bin/python" -m pytest -q -p no:cacheprovider "${@:-tests}"
