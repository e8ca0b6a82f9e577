"""Checks that the private code we replace or lean on in a dependency is what we tested."""

from __future__ import annotations

import hashlib
import inspect
import os
import sys
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any


def source_digest(obj: Callable[..., Any]) -> str | None:
    """A short SHA-256 of `obj`'s source; None where the source is not shipped (a bundle)."""
    try:
        source = inspect.getsource(obj)
    except (OSError, TypeError):
        return None
    return hashlib.sha256(source.encode()).hexdigest()[:16]


def file_digest(path: str) -> str | None:
    """A short SHA-256 of a file's bytes; None where it cannot be read."""
    try:
        with open(path, "rb") as file:
            return hashlib.sha256(file.read()).hexdigest()[:16]
    except OSError:
        return None


@dataclass(frozen=True)
class Replaced:
    """One private function we wrap or replace: its owner, name, parameters and source."""

    owner: Any
    name: str
    params: tuple[str, ...]
    digest: str

    @property
    def label(self) -> str:
        return f"{getattr(self.owner, '__name__', self.owner)}.{self.name}"

    def home(self) -> ModuleType | None:
        """The module whose file holds this function's def; None if it is not plainly that."""
        # Sound only for the class's own def, compiled from that module's file: anything
        # else (gone, a wrapper, a function put there at run time) gets the per-function check.
        func = getattr(self.owner, self.name, None)
        code = getattr(func, "__code__", None)
        if code is None or code.co_name != self.name:
            return None
        where = next(
            (c for c in getattr(self.owner, "__mro__", ()) if self.name in c.__dict__), None
        )
        if where is None or where.__dict__[self.name] is not func:
            return None
        if func.__qualname__ != f"{where.__qualname__}.{self.name}":
            return None
        module = sys.modules.get(func.__module__)
        if module is None or func.__module__ != where.__module__:
            return None
        return module if getattr(module, "__file__", None) == code.co_filename else None

    def problem(self) -> str:
        """'' when the function is the one we tested; else what changed."""
        func = getattr(self.owner, self.name, None)
        if func is None:
            return f"{self.label} is gone"
        try:
            params = tuple(inspect.signature(func).parameters)
        except (TypeError, ValueError):
            return f"{self.label} has no readable signature"
        if params != self.params:
            return f"{self.label} takes {params}, not {self.params}"
        digest = source_digest(func)
        if digest is not None and digest != self.digest:
            return f"{self.label} changed (source {digest}, tested {self.digest})"
        return ""


def unvouched(replaced: tuple[Replaced, ...], files: Mapping[str, str]) -> list[Replaced]:
    """Those of `replaced` not defined, as is, in a file whose digest is the one in `files`."""
    tested: dict[str, bool] = {}
    left = []
    for pin in replaced:
        module = pin.home()
        if module is not None and module.__name__ in files and module.__name__ not in tested:
            digest = file_digest(module.__file__ or "")
            tested[module.__name__] = digest == files[module.__name__]
        if module is None or not tested.get(module.__name__):
            left.append(pin)
    return left


def check(
    package: str,
    pin: str,
    where: str,
    replaced: tuple[Replaced, ...],
    constants: tuple[tuple[Any, str], ...] = (),
    files: Mapping[str, str] | None = None,
) -> None:
    """Raise ImportError naming the pin when anything we replace or read is not as tested.

    `constants` are (module, name) pairs that must still be module-level ints. `files` maps
    a module name to its tested file's digest: a function defined in a file with those very
    bytes is the tested one, so one hash of the file replaces reading and hashing each
    function's source (~80M instructions in every CLI process). Any other file, or a
    function that is not plainly its class's def there, takes the per-function check.
    NATSOBJ_IGNORE_PINS=1 (set by scripts/try-newest.sh only) turns the error into a
    warning, so the suite can show what else a new release breaks.
    """
    problems = [p for p in (r.problem() for r in unvouched(replaced, files or {})) if p]
    problems += [
        f"{module.__name__}.{name} is gone"
        for module, name in constants
        if not isinstance(getattr(module, name, None), int)
    ]
    if not problems:
        return
    message = (
        f"this {package} is not the release natsobj-gui was tested with ({pin}): "
        + "; ".join(problems)
        + f". Install the pinned release, or review {where} against the new one "
        "(scripts/try-newest.sh runs the tests on the newest releases)."
    )
    if os.environ.get("NATSOBJ_IGNORE_PINS") == "1":
        warnings.warn(message, RuntimeWarning, stacklevel=2)
        return
    raise ImportError(message)
