"""The start-up check names the exact packages Qt's xcb plugin is missing."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from natsobj_gui import xcb_check


def test_hint_maps_sonames_to_debian_packages() -> None:
    hint = xcb_check.install_hint(["libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libfoo.so.9"])
    assert hint.endswith("sudo apt-get install libxcb-icccm4 libxcb-keysyms1 libfoo.so.9")
    assert "\n" not in hint


def test_only_xcb_platforms_are_checked() -> None:
    assert not xcb_check.uses_xcb({"QT_QPA_PLATFORM": "offscreen"})
    assert xcb_check.uses_xcb({"QT_QPA_PLATFORM": "xcb"}) == sys.platform.startswith("linux")
    assert xcb_check.uses_xcb({}) == sys.platform.startswith("linux")


@pytest.mark.skipif(shutil.which("ldd") is None, reason="needs ldd")
def test_ldd_on_the_real_plugin_agrees_with_the_check() -> None:
    """Whatever this machine lacks, the check reports exactly ldd's "not found" lines."""
    import subprocess

    plugin = xcb_check.xcb_plugin()
    assert plugin is not None and plugin.name == "libqxcb.so"
    out = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True).stdout
    expected = {ln.split("=>")[0].strip() for ln in out.splitlines() if "not found" in ln}
    assert set(xcb_check.missing_libraries(plugin)) == expected
    for lib in expected:  # every library this machine lacks has a known package
        assert lib in xcb_check.PACKAGES, lib


def test_readme_lists_every_package() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    xcb = [p for p in xcb_check.PACKAGES.values() if p.startswith(("libxcb", "libx11-xcb"))]
    for package in xcb:
        assert package in readme, package
