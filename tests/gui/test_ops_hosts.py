"""The window's command handlers use only their small roles, and the window fills them.

The bucket and transfer handlers, the connection manager, the embedded-server watch and the
window's Navigation never see the window (tests/gui/test_narrow_ops.py builds them without
one); the smaller handlers read it through one small Protocol each. The Navigation is the
Session and Navigator the bucket and transfer handlers get.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from typing import Protocol

import pytest
from PySide6.QtWidgets import QApplication

import natsobj_gui.views as views
from natsobj_gui.views import ops_host
from natsobj_gui.views.main_window import MainWindow

from .window_support import close_window, settings_fixture  # noqa: F401 - fixtures

# Modules that take separate small objects: no window, no host.
WINDOWLESS = (
    "bucket_ops",
    "transfer_ops",
    "transfer_outcomes",
    "connection_manager",
    "embedded_watch",
    "navigation",
)
HOSTS = {
    "object_ops": ops_host.ObjectHost,
    "open_ops": ops_host.Host,
    "clipboard_ops": ops_host.Host,
    "inline_rename": ops_host.RenameHost,
    "drag_out": ops_host.ListingHost,
    "preview_pane": ops_host.PreviewHost,
}


def members(proto: type) -> set[str]:
    """The names a Protocol declares, its bases' included."""
    names: set[str] = set()
    for cls in proto.__mro__:
        if cls in (object, Protocol) or not getattr(cls, "_is_protocol", False):
            continue
        names |= set(inspect.get_annotations(cls))
        names |= {n for n in cls.__dict__ if not n.startswith("_")}
    return names


def used_of_window(module: str) -> set[str]:
    """The attributes a module reads of `self.w`, `self.window` or the `window` passed in."""
    tree = ast.parse((Path(views.__file__).parent / f"{module}.py").read_text())
    used: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        owner = node.value
        of_window = isinstance(owner, ast.Name) and owner.id == "window"
        of_self_w = (
            isinstance(owner, ast.Attribute)
            and owner.attr in ("w", "window")
            and isinstance(owner.value, ast.Name)
            and owner.value.id == "self"
        )
        if of_window or of_self_w:
            used.add(node.attr)
    return used


@pytest.mark.parametrize("module", sorted(HOSTS))
def test_each_handler_uses_only_its_host(module: str) -> None:
    source = (Path(views.__file__).parent / f"{module}.py").read_text()
    assert "MainWindow" not in source
    extra = used_of_window(module) - members(HOSTS[module])
    assert not extra, f"{module} uses {sorted(extra)} of the window beyond its Protocol"


@pytest.mark.parametrize("module", WINDOWLESS)
def test_narrow_handlers_never_see_the_window(module: str) -> None:
    source = (Path(views.__file__).parent / f"{module}.py").read_text()
    assert "MainWindow" not in source
    assert not used_of_window(module), f"{module} still reads the window"


def assert_fills(obj: object, proto: type) -> None:
    """`obj` has every name `proto` declares, and its methods are callable."""
    missing = {n for n in members(proto) if not hasattr(obj, n)}
    assert not missing, f"{type(obj).__name__} lacks {sorted(missing)} of {proto.__name__}"
    for name in members(proto):
        if inspect.isfunction(inspect.getattr_static(proto, name, None)):
            assert callable(getattr(obj, name)), name


def test_the_main_window_is_every_host(qloop, settings) -> None:
    QApplication.instance().setQuitOnLastWindowClosed(False)
    w = MainWindow(settings)
    try:
        assert all(callable(getattr(w.objects, n)) for n in members(ops_host.Selection))
        for proto in {*HOSTS.values(), ops_host.ConnectionHost}:
            assert_fills(w, proto)
        assert_fills(w.nav, ops_host.Session)
        assert_fills(w.nav, ops_host.Navigator)
        # The bucket and transfer handlers get the Navigation, not the window.
        buckets = w.window_actions.buckets
        assert buckets.session is w.nav and buckets.nav is w.nav
        assert w.transfers.session is w.nav
    finally:
        close_window(qloop, w)
