"""Checks that the private code we replace or lean on in a dependency is what we tested."""

from __future__ import annotations

import hashlib
import inspect
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


def source_digest(obj: Callable[..., Any]) -> str | None:
    """A short SHA-256 of `obj`'s source; None where the source is not shipped (a bundle)."""
    try:
        source = inspect.getsource(obj)
    except (OSError, TypeError):
        return None
    return hashlib.sha256(source.encode()).hexdigest()[:16]


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


def check(
    package: str,
    pin: str,
    where: str,
    replaced: tuple[Replaced, ...],
    constants: tuple[tuple[Any, str], ...] = (),
) -> None:
    """Raise ImportError naming the pin when anything we replace or read is not as tested.

    `constants` are (module, name) pairs that must still be module-level ints.
    NATSOBJ_IGNORE_PINS=1 (set by scripts/try-newest.sh only) turns the error into a
    warning, so the suite can show what else a new release breaks.
    """
    problems = [p for p in (r.problem() for r in replaced) if p]
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
