"""Auth test helpers: an in-memory keyring for every test, and a leak check over files and logs."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

import keyring
import keyring.backend
import pytest


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring backend that keeps passwords in a dict (tests never touch the real keyring)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.items.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError(username)


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Every auth test runs against an in-memory keyring; the previous backend comes back after."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """XDG_CONFIG_HOME in tmp, so profiles, nats contexts and QSettings stay inside the test."""
    home = tmp_path / "config"
    home.mkdir()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    return home


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Capture every logger (ours and nats-py's) down to DEBUG."""
    caplog.set_level(logging.DEBUG)
    return caplog


def assert_no_secret(secrets: Iterable[str], *, texts: Iterable[str] = (), folders=()) -> None:
    """No secret occurs in the given texts or in any file under the folders."""
    secrets = [s for s in secrets if s]
    assert secrets, "the test must name at least one secret"
    for text in texts:
        for secret in secrets:
            assert secret not in text, "a secret leaked into a message or log"
    for folder in folders:
        for path in Path(folder).rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                for secret in secrets:
                    assert secret.encode() not in data, f"a secret leaked into {path}"
