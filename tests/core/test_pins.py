"""The pin checks: what core/jsraw replaces is the tested code, and a change fails loudly."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from natsobj_gui.core.jsraw import pins as jsraw_pins
from natsobj_gui.core.pins import Replaced, check, file_digest, source_digest, unvouched


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


def test_ignore_pins_turns_the_failure_into_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NATSOBJ_IGNORE_PINS", "1")
    with pytest.warns(RuntimeWarning, match="Host.hook changed"):
        check("dep", "dep>=1", "here", (Replaced(Host, "hook", ("self", "msg"), "0" * 16),))


def test_a_missing_constant_fails_the_import() -> None:
    with pytest.raises(ImportError, match="AWAITING_CONTROL_LINE is gone"):
        check("dep", "dep>=1", "here", (), ((pytest, "AWAITING_CONTROL_LINE"),))


# A dependency's module as a file: the fast path hashes files, so its tests need real ones.
DEP = '''
class Host:
    """Stands in for a dependency's class."""

    def hook(self, msg):
        return msg
'''


def load_dep(path: Path, source: str, monkeypatch: pytest.MonkeyPatch) -> type:
    """Write `source` as the module `pinned_dep` at `path`, import it and return its Host."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("pinned_dep", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "pinned_dep", module)
    spec.loader.exec_module(module)
    return module.Host


@pytest.fixture
def tested(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Replaced, dict[str, str]]:
    """The tested release of pinned_dep: its Host.hook pin and its file's digest."""
    host = load_dep(tmp_path / "tested" / "pinned_dep.py", DEP, monkeypatch)
    digest = file_digest(str(tmp_path / "tested" / "pinned_dep.py")) or ""
    return Replaced(host, "hook", ("self", "msg"), source_digest(host.hook) or ""), {
        "pinned_dep": digest
    }


def check_dep(pin: Replaced, files: dict[str, str]) -> None:
    check("dep", "dep>=1.2,<1.3", "natsobj_gui/somewhere", (pin,), files=files)


def test_the_tested_file_passes_without_reading_any_function(
    tested: tuple[Replaced, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    pin, files = tested

    def slow(self: Replaced) -> str:
        raise AssertionError(f"the per-function check ran for {self.label}")

    monkeypatch.setattr(Replaced, "problem", slow)
    check_dep(pin, files)


def test_an_edited_function_in_the_tested_files_place_fails_the_import(
    tested: tuple[Replaced, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pin, files = tested
    host = load_dep(
        tmp_path / "new" / "pinned_dep.py", DEP.replace("msg\n", "msg[:1]\n"), monkeypatch
    )
    with pytest.raises(ImportError, match=re.escape("Host.hook changed")):
        check_dep(Replaced(host, pin.name, pin.params, pin.digest), files)


def test_a_file_changed_elsewhere_passes_by_the_per_function_check(
    tested: tuple[Replaced, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pin, files = tested
    host = load_dep(tmp_path / "new" / "pinned_dep.py", DEP + "\nADDED = 1\n", monkeypatch)
    check_dep(Replaced(host, pin.name, pin.params, pin.digest), files)


def test_a_function_put_over_the_tested_one_fails_though_the_file_is_unchanged(
    tested: tuple[Replaced, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    pin, files = tested

    def hook(self: object, msg: bytes) -> bytes:  # same name and parameters, other code
        return msg[:1]

    monkeypatch.setattr(pin.owner, "hook", hook)
    with pytest.raises(ImportError, match=re.escape("Host.hook changed")):
        check_dep(pin, files)


def test_the_installed_nats_py_takes_the_fast_path() -> None:
    """Else every CLI start reads ten functions' source (~80M instructions)."""
    slow = [pin.label for pin in unvouched(jsraw_pins.REPLACED, jsraw_pins.FILES)]
    assert slow == [], "record the installed files' file_digest in jsraw/pins.FILES"
