"""Before Qt starts on Linux/X11: name the Debian packages its xcb plugin is missing.

Qt's own message ("could not load the Qt platform plugin xcb … libxcb-cursor0 is needed")
names one library, sometimes the wrong one. Here `ldd` on the plugin lists every missing
library, mapped to the package that ships it. No Qt import: it runs before Qt is loaded.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

# Library soname -> Debian/Ubuntu package, for what Qt's xcb plugin links (README lists them).
PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libGLX.so.0": "libglx0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
}


def xcb_plugin() -> Path | None:
    """The xcb platform plugin of the installed PySide6 (None when there is none)."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations)))
    plugin = root / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    return plugin if plugin.is_file() else None


def missing_libraries(plugin: Path) -> list[str]:
    """Sonames `ldd` reports as "not found" for the plugin (empty when ldd is absent)."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return []
    try:
        out = subprocess.run(
            [ldd, str(plugin)], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    found = [line.split("=>")[0].strip() for line in out.splitlines() if "not found" in line]
    return list(dict.fromkeys(found))


def install_hint(missing: list[str]) -> str:
    """One line: the exact packages to install for these missing libraries."""
    packages = [PACKAGES.get(lib, lib) for lib in missing]
    return (
        "natsobj-gui: Qt's X11 plugin is missing system libraries; install them with: "
        f"sudo apt-get install {' '.join(dict.fromkeys(packages))}"
    )


def uses_xcb(env: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    """Whether Qt will try its xcb plugin: Linux, and no other platform asked for."""
    if not sys.platform.startswith("linux"):
        return False
    platform = env.get("QT_QPA_PLATFORM", "")
    return not platform or platform.split(";")[0].startswith("xcb")


def check_xcb() -> str | None:
    """The install hint when Qt will use xcb and its plugin lacks libraries; else None."""
    if not uses_xcb():
        return None
    plugin = xcb_plugin()
    missing = missing_libraries(plugin) if plugin is not None else []
    return install_hint(missing) if missing else None
