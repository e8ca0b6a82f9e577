"""The core (and the modules the GUI builds on) import with Qt made unimportable."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import natsobj_gui.core


def test_core_imports_without_qt() -> None:
    modules = [
        f"natsobj_gui.core.{m.name}" for m in pkgutil.iter_modules(natsobj_gui.core.__path__)
    ]
    assert "natsobj_gui.core.index" in modules and "natsobj_gui.core.transfers" in modules
    code = (
        "import sys\n"
        "for name in ('PySide6', 'shiboken6', 'qasync', 'PyQt5', 'PyQt6'):\n"
        "    sys.modules[name] = None  # any import of them raises ImportError\n"
        f"for m in {modules!r}:\n"
        "    __import__(m)\n"
        "import natsobj_gui.formatting\n"
        "assert not any(k.startswith('PySide6') for k in sys.modules if sys.modules[k])\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
