"""Run Python code in a child process where Qt and qasync cannot be imported at all."""

from __future__ import annotations

import subprocess
import sys

BLOCKED = ("PySide6", "shiboken6", "qasync", "PyQt5", "PyQt6")


def run_without_qt(code: str) -> subprocess.CompletedProcess[str]:
    """Run `code` with every Qt binding made unimportable (an import raises ImportError)."""
    prelude = f"import sys\nfor _name in {BLOCKED!r}:\n    sys.modules[_name] = None\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + code], capture_output=True, text=True, timeout=60
    )
