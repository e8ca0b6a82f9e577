"""The core (and the modules the GUI builds on) import with Qt made unimportable."""

from __future__ import annotations

import ast
import pkgutil
from pathlib import Path

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


def _imports(path: Path, package: str) -> list[str]:
    """The absolute names of the modules a file imports (relative imports resolved)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                names.append(".".join([*base, node.module] if node.module else base))
            elif node.module:
                names.append(node.module)
    return names


def test_core_imports_nothing_above_it() -> None:
    """The core is the bottom layer: no natsobj_gui module outside natsobj_gui.core."""
    root = Path(natsobj_gui.core.__file__).parent
    outside = []
    for path in root.rglob("*.py"):
        rel = path.relative_to(root.parent.parent).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        package = ".".join(parts if rel.name == "__init__" else parts[:-1])
        for name in _imports(path, package):
            if name.split(".")[0] == "natsobj_gui" and not name.startswith("natsobj_gui.core"):
                outside.append(f"{rel}: {name}")
    assert outside == []
