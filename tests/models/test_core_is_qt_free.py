"""The core (and the modules the GUI builds on) import with Qt made unimportable."""

from __future__ import annotations

import pkgutil

from qt_blocked import run_without_qt

import natsobj_gui.core


def test_core_imports_without_qt() -> None:
    modules = [
        m.name for m in pkgutil.walk_packages(natsobj_gui.core.__path__, "natsobj_gui.core.")
    ]
    assert {"natsobj_gui.core.index", "natsobj_gui.core.jsraw.consumer"} <= set(modules)
    code = (
        f"for m in {modules!r}:\n"
        "    __import__(m)\n"
        "import natsobj_gui.formatting\n"
        "assert not any(k.startswith('PySide6') for k in sys.modules if sys.modules[k])\n"
    )
    proc = run_without_qt(code)
    assert proc.returncode == 0, proc.stderr
