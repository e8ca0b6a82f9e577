"""Passwords, tokens and inline NKey seeds in the OS keyring, never in a file of ours.

Without a usable keyring backend a secret can only be kept in memory for this run, and only
after the user said yes (`allow_session_only(True)`); otherwise `set()` raises NoKeyringError
so the UI can ask. No Qt here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

import keyring
import keyring.backend
import keyring.backends.chainer
import keyring.backends.fail
import keyring.backends.null
import keyring.errors

from .errors import ObjectStoreError

log = logging.getLogger(__name__)

SERVICE = "natsobj-gui"
KINDS = ("password", "token", "nkey_seed")


class SecretStoreError(ObjectStoreError):
    """The keyring refused or failed; the message names no secret."""


class NoKeyringError(SecretStoreError):
    """No keyring backend: the user must agree to keep the secret for this session only."""

    def __init__(self, backend: str) -> None:
        # The backend's class name means nothing to a user: it goes to the log only.
        log.info("no usable keyring backend: %s", backend)
        super().__init__(
            "no system keyring is available: the secret can only be kept "
            "in memory until the app quits"
        )


def backend_usable(backend: keyring.backend.KeyringBackend) -> bool:
    """False for keyring's fail/null backends (and a chainer holding no real backend)."""
    if isinstance(backend, (keyring.backends.fail.Keyring, keyring.backends.null.Keyring)):
        return False
    if isinstance(backend, keyring.backends.chainer.ChainerBackend):
        return any(backend_usable(b) for b in backend.backends)
    return True


def _key(profile_id: str, kind: str) -> str:
    return f"{profile_id}:{kind}"


class SecretStore:
    """Secrets by (profile id, kind) in the keyring, or in memory with the user's consent."""

    def __init__(
        self, backend: keyring.backend.KeyringBackend | None = None, service: str = SERVICE
    ) -> None:
        self._backend = backend
        self.service = service
        self._session: dict[str, str] = {}
        self._session_ok = False
        # What `available` said last (None: not asked yet), for a GUI thread that must not ask.
        self.last_available: bool | None = None

    @property
    def backend(self) -> keyring.backend.KeyringBackend:
        # Resolved late so keyring.set_keyring() (tests, user config) is honoured.
        return self._backend if self._backend is not None else keyring.get_keyring()

    @property
    def backend_name(self) -> str:
        b = self.backend
        return f"{type(b).__module__}.{type(b).__name__}"

    @property
    def available(self) -> bool:
        """True when secrets go to a real keyring (finding the backend may block: a thread)."""
        self.last_available = backend_usable(self.backend)
        return self.last_available

    def allow_session_only(self, consent: bool) -> None:
        """Record the user's answer to 'keep secrets only while the app runs?'."""
        self._session_ok = consent
        if not consent:
            self._session.clear()

    def set(self, profile_id: str, kind: str, value: str) -> str:
        """Store a secret; returns 'keyring' or 'session'. An empty value deletes it."""
        if not value:
            self.delete(profile_id, kind)
            return "keyring" if self.available else "session"
        if self.available:
            try:
                self.backend.set_password(self.service, _key(profile_id, kind), value)
                return "keyring"
            except keyring.errors.KeyringError as exc:
                # The exception text comes from the backend; it never contains the value.
                raise SecretStoreError(f"the keyring refused to store the {kind}: {exc}") from None
        self.keep_for_session(profile_id, kind, value)
        return "session"

    def keep_for_session(self, profile_id: str, kind: str, value: str) -> None:
        """Keep a secret in memory only, after the user agreed; no keyring call at all."""
        if not self._session_ok:
            raise NoKeyringError(self.backend_name)
        self._session[_key(profile_id, kind)] = value

    def get(self, profile_id: str, kind: str) -> str | None:
        """The stored secret or None; a keyring failure is logged (without the secret)."""
        key = _key(profile_id, kind)
        if key in self._session:
            return self._session[key]
        if not self.available:
            return None
        try:
            return self.backend.get_password(self.service, key)
        except keyring.errors.KeyringError as exc:
            log.warning("cannot read the %s of a profile from the keyring: %s", kind, exc)
            return None

    def delete(self, profile_id: str, kind: str) -> None:
        """Forget a secret (both places); missing is fine."""
        key = _key(profile_id, kind)
        self._session.pop(key, None)
        if self.available:
            try:
                self.backend.delete_password(self.service, key)
            except keyring.errors.PasswordDeleteError:
                pass
            except keyring.errors.KeyringError as exc:
                log.warning("cannot delete the %s of a profile from the keyring: %s", kind, exc)

    def secrets_for(self, profile_id: str, kinds: Iterable[str] = KINDS) -> dict[str, str]:
        """Every stored secret of a profile, by kind."""
        out: dict[str, str] = {}
        for kind in kinds:
            value = self.get(profile_id, kind)
            if value:
                out[kind] = value
        return out

    def replace_all(self, profile_id: str, secrets: Mapping[str, str]) -> str:
        """Make the profile's secrets exactly `secrets`; returns 'keyring' or 'session'."""
        where = "keyring" if self.available else "session"
        for kind in KINDS:
            value = secrets.get(kind, "")
            if value:
                where = self.set(profile_id, kind, value)
            else:
                self.delete(profile_id, kind)
        return where

    def forget_profile(self, profile_id: str) -> None:
        """Delete every secret of a removed profile."""
        for kind in KINDS:
            self.delete(profile_id, kind)
