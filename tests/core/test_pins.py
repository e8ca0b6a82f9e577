"""The pin checks: what core/jsraw replaces is the tested code, and a change fails loudly."""

from __future__ import annotations

import re

import pytest

from natsobj_gui.core.jsraw import pins as jsraw_pins
from natsobj_gui.core.pins import Replaced, check, source_digest


class Host:
    """Stands in for a dependency's class."""

    def hook(self, msg: bytes) -> None:
        """The tested version."""


TESTED = source_digest(Host.hook) or ""


@pytest.fixture(autouse=True)
def _pins_enforced(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests check the error, also under scripts/try-newest.sh (which relaxes it)."""
    monkeypatch.delenv("NATSOBJ_IGNORE_PINS", raising=False)


def test_the_installed_nats_py_passes_and_its_source_is_checked() -> None:
    jsraw_pins.check_nats_py()
    for replaced in jsraw_pins.REPLACED:  # digests compared, not skipped for lack of source
        assert source_digest(getattr(replaced.owner, replaced.name)) == replaced.digest


def test_the_tested_function_passes() -> None:
    assert Replaced(Host, "hook", ("self", "msg"), TESTED).problem() == ""


@pytest.mark.parametrize(
    ("replaced", "said"),
    [
        (Replaced(Host, "gone", ("self", "msg"), TESTED), "Host.gone is gone"),
        (Replaced(Host, "hook", ("self", "data"), TESTED), "takes ('self', 'msg')"),
        (Replaced(Host, "hook", ("self", "msg"), "0" * 16), "Host.hook changed"),
    ],
)
def test_a_moved_function_fails_the_import_naming_the_pin(replaced: Replaced, said: str) -> None:
    with pytest.raises(ImportError, match=re.escape("tested with (dep>=1.2,<1.3)")) as err:
        check("dep", "dep>=1.2,<1.3", "natsobj_gui/somewhere", (replaced,))
    assert said in str(err.value)


def test_a_missing_constant_fails_the_import() -> None:
    with pytest.raises(ImportError, match="AWAITING_CONTROL_LINE is gone"):
        check("dep", "dep>=1", "here", (), ((pytest, "AWAITING_CONTROL_LINE"),))
