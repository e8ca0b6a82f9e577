"""Test helpers shared by auth and GUI tests: an in-memory keyring and a secret-leak check."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import keyring
import keyring.backend
import keyring.errors


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
