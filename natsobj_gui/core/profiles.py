"""Saved connection profiles (no secrets in them) and the embedded local server's entry.

Profiles persist as JSON in the app's config folder (`core/dirs.py`; on Linux
`$XDG_CONFIG_HOME/natsobj-gui/profiles.json`); passwords, tokens and inline NKey seeds live
in the SecretStore (OS keyring) under the profile's id. No Qt here.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from .dirs import app_config_dir, legacy_config_dir
from .errors import ObjectStoreError
from .types import ConnectProfile, redact_server

PROFILES_FILE = "profiles.json"
EMBEDDED_ID = "embedded"
EMBEDDED_NAME = "Local server (embedded)"
FILE_VERSION = 1


class AuthKind(StrEnum):
    NONE = "none"
    USER = "user"  # user + password (secret)
    TOKEN = "token"  # token (secret)
    NKEY = "nkey"  # seed file, or an inline seed (secret)
    CREDS = "creds"  # creds (JWT + seed) file


class SecretKind(StrEnum):
    PASSWORD = "password"
    TOKEN = "token"
    NKEY_SEED = "nkey_seed"


# Which secret each auth kind needs (an NKey needs it only without a seed file).
SECRET_OF_AUTH: dict[AuthKind, SecretKind] = {
    AuthKind.USER: SecretKind.PASSWORD,
    AuthKind.TOKEN: SecretKind.TOKEN,
    AuthKind.NKEY: SecretKind.NKEY_SEED,
}


class ProfileError(ObjectStoreError):
    """A profile that cannot be saved, loaded or used."""


def new_id() -> str:
    """A fresh profile id (the key of its secrets in the keyring)."""
    return uuid.uuid4().hex[:12]


@dataclass(frozen=True)
class Profile:
    """A named way to connect; secrets are referenced by `id` in the SecretStore, never stored."""

    name: str
    servers: tuple[str, ...] = ("nats://127.0.0.1:4222",)
    auth: AuthKind = AuthKind.NONE
    user: str = ""
    nkey_seed_file: str = ""
    creds_file: str = ""
    tls_ca: str = ""
    tls_cert: str = ""
    tls_key: str = ""
    tls_handshake_first: bool = False
    js_domain: str = ""
    js_api_prefix: str = ""
    inbox_prefix: str = ""
    context: str = ""  # the nats CLI context it was imported from, if any
    id: str = field(default_factory=new_id)

    @property
    def embedded(self) -> bool:
        return self.id == EMBEDDED_ID

    @property
    def secret_kind(self) -> SecretKind | None:
        """The secret this profile needs from the SecretStore, or None."""
        if self.auth is AuthKind.NKEY and self.nkey_seed_file:
            return None
        return SECRET_OF_AUTH.get(self.auth)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["servers"] = list(self.servers)
        data["auth"] = str(self.auth)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Profile:
        """A profile from its JSON form; unknown keys (from newer versions) are ignored."""
        known = {f.name for f in fields(cls)}
        kw = {k: v for k, v in data.items() if k in known}
        servers = kw.get("servers") or ()
        if isinstance(servers, str):
            servers = servers.split(",")
        kw["servers"] = tuple(str(s).strip() for s in servers if str(s).strip())
        try:
            kw["auth"] = AuthKind(kw.get("auth") or "none")
        except ValueError as exc:
            name = data.get("name")
            raise ProfileError(f"profile {name!r}: unknown auth {kw['auth']!r}") from exc
        if not kw.get("name"):
            raise ProfileError("a saved profile has no name")
        if not kw.get("id"):
            kw["id"] = new_id()
        return cls(**kw)


def split_userinfo(url: str) -> tuple[str, str, str]:
    """(url without `user:pass@`, user, password); a lone `token@` comes back as the user."""
    if "://" not in url or "@" not in url.split("://", 1)[1].split("/", 1)[0]:
        return url, "", ""
    scheme, rest = url.split("://", 1)
    userinfo, host = rest.split("@", 1)
    user, _, password = userinfo.partition(":")
    return f"{scheme}://{host}", unquote(user), unquote(password)


def redact_url(text: str) -> str:
    """Server URL(s) with any `user:password@` replaced by `***@` (for titles, logs, errors)."""
    return ",".join(redact_server(part) for part in text.split(","))


def embedded_profile() -> Profile:
    """The entry for the app's own server; its URL is only known once it runs."""
    return Profile(name=EMBEDDED_NAME, servers=(), id=EMBEDDED_ID)


def parse_servers(text: str) -> tuple[str, ...]:
    """Server URLs from a comma, space or newline separated text; `host:port` gets nats://."""
    out: list[str] = []
    for part in text.replace(",", " ").split():
        out.append(part if "://" in part else f"nats://{part}")
    return tuple(out)


def to_connect_profile(
    profile: Profile, secrets: Mapping[str, str] | None = None, *, embedded_url: str = ""
) -> ConnectProfile:
    """The core's ConnectProfile: the profile plus its secrets (from the SecretStore)."""
    secrets = secrets or {}
    servers = (embedded_url,) if profile.embedded else profile.servers
    if not servers or not all(servers):
        raise ProfileError(f"profile {profile.name!r} has no server URL")
    kw: dict[str, Any] = {}
    if profile.auth is AuthKind.USER:
        kw["user"] = profile.user
        kw["password"] = secrets.get(SecretKind.PASSWORD, "")
    elif profile.auth is AuthKind.TOKEN:
        token = secrets.get(SecretKind.TOKEN, "")
        if not token:
            raise ProfileError(f"profile {profile.name!r} has no token")
        kw["token"] = token
    elif profile.auth is AuthKind.NKEY:
        if profile.nkey_seed_file:
            kw["nkey_seed_file"] = os.path.expanduser(profile.nkey_seed_file)
        elif secrets.get(SecretKind.NKEY_SEED):
            kw["nkey_seed"] = secrets[SecretKind.NKEY_SEED]
        else:
            raise ProfileError(f"profile {profile.name!r} has neither an NKey seed file nor a seed")
    elif profile.auth is AuthKind.CREDS:
        if not profile.creds_file:
            raise ProfileError(f"profile {profile.name!r} has no credentials file")
        kw["creds_file"] = os.path.expanduser(profile.creds_file)
    return ConnectProfile(
        servers=tuple(servers),
        name=profile.name,
        tls_ca=os.path.expanduser(profile.tls_ca) or None,
        tls_cert=os.path.expanduser(profile.tls_cert) or None,
        tls_key=os.path.expanduser(profile.tls_key) or None,
        tls_handshake_first=profile.tls_handshake_first,
        js_domain=profile.js_domain or None,
        js_api_prefix=profile.js_api_prefix or None,
        inbox_prefix=profile.inbox_prefix or None,
        **kw,
    )


def from_connect_profile(
    cp: ConnectProfile, *, context: str = ""
) -> tuple[Profile, dict[str, str]]:
    """A Profile and its secrets from a ConnectProfile (e.g. a nats CLI context)."""
    secrets: dict[str, str] = {}
    auth, user = AuthKind.NONE, ""
    # Credentials inside a URL would end up in profiles.json: move them to the secrets.
    servers, url_user, url_password = [], "", ""
    for url in cp.servers:
        bare, u, pw = split_userinfo(url)
        servers.append(bare)
        url_user, url_password = url_user or u, url_password or pw
    if url_user and not (cp.user or cp.token or cp.creds_file or cp.nkey_seed_file):
        if url_password:
            cp = replace(cp, user=url_user, password=url_password)
        else:
            cp = replace(cp, token=url_user)
    if cp.user:
        auth, user = AuthKind.USER, cp.user
        if cp.password:
            secrets[SecretKind.PASSWORD] = cp.password
    elif cp.creds_file:
        auth = AuthKind.CREDS
    elif cp.nkey_seed_file or cp.nkey_seed:
        auth = AuthKind.NKEY
        if cp.nkey_seed:
            secrets[SecretKind.NKEY_SEED] = cp.nkey_seed
    elif cp.token:
        auth = AuthKind.TOKEN
        secrets[SecretKind.TOKEN] = cp.token
    profile = Profile(
        name=cp.name or context or "imported",
        servers=tuple(servers),
        auth=auth,
        user=user,
        nkey_seed_file=cp.nkey_seed_file or "",
        creds_file=cp.creds_file or "",
        tls_ca=cp.tls_ca or "",
        tls_cert=cp.tls_cert or "",
        tls_key=cp.tls_key or "",
        tls_handshake_first=cp.tls_handshake_first,
        js_domain=cp.js_domain or "",
        js_api_prefix=cp.js_api_prefix or "",
        inbox_prefix=cp.inbox_prefix or "",
        context=context,
    )
    return profile, secrets


def import_context(name: str | None = None) -> tuple[Profile, dict[str, str]]:
    """A Profile and its secrets from a saved nats CLI context (None = the selected one)."""
    from .contexts import load_context, selected_context

    label = name or selected_context() or ""
    return from_connect_profile(load_context(name), context=label)


def _is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(
        ".localhost"
    ):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def plaintext_warning(profile: Profile) -> str | None:
    """A warning when a password or token would cross the network unencrypted, else None."""
    if profile.auth not in (AuthKind.USER, AuthKind.TOKEN) or profile.embedded:
        return None
    # A CA or client certificate makes the core refuse a server without TLS before sending
    # anything (connection._refuse_plaintext), as does a tls:// URL (checked per URL below).
    if profile.tls_handshake_first or profile.tls_ca or profile.tls_cert:
        return None
    exposed: list[str] = []
    for url in profile.servers:
        parts = urlsplit(url if "://" in url else f"nats://{url}")
        if parts.scheme in ("nats", "ws", "") and not _is_loopback(parts.hostname or ""):
            exposed.append(parts.hostname or url)
    if not exposed:
        return None
    what = "password" if profile.auth is AuthKind.USER else "token"
    hosts = ", ".join(dict.fromkeys(exposed))
    return (
        f"The {what} is sent without encryption to {hosts} unless that server requires "
        "TLS: use a tls:// URL or set a CA file."
    )


def default_path() -> Path:
    """`profiles.json` in the app's config folder (`$XDG_CONFIG_HOME/natsobj-gui` on Linux).

    On Windows and macOS, profiles an earlier release saved in ~/.config are copied there
    on first use (the old file stays, for that release).
    """
    path = app_config_dir() / PROFILES_FILE
    legacy = legacy_config_dir()
    if not path.exists() and legacy is not None and (legacy / PROFILES_FILE).is_file():
        with contextlib.suppress(OSError):  # unreadable: start without them, as before
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(legacy / PROFILES_FILE, path)
    return path


class ProfileStore:
    """The saved profiles plus the last one used; the embedded server is always listed first."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *, load: bool = True) -> None:
        self.path = Path(path) if path else default_path()
        self._profiles: list[Profile] = []
        self.last_used: str = EMBEDDED_ID
        if load:
            self.load()

    def load(self) -> None:
        """Read the file; a missing file means no saved profile."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            self._profiles = []
            return
        except (OSError, ValueError) as exc:
            raise ProfileError(f"cannot read {self.path}: {exc}") from exc
        items = data.get("profiles", []) if isinstance(data, dict) else []
        self._profiles = [Profile.from_json(p) for p in items if isinstance(p, dict)]
        self.last_used = str(data.get("last_used") or EMBEDDED_ID)

    def save(self) -> None:
        """Write atomically, readable by the user only (the file names servers and users)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "version": FILE_VERSION,
            "last_used": self.last_used,
            "profiles": [p.to_json() for p in self._profiles],
        }
        fd, tmp = tempfile.mkstemp(prefix=".profiles-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, indent=2)
                f.write("\n")
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def saved(self) -> list[Profile]:
        """The user's profiles, in their order."""
        return list(self._profiles)

    def all(self) -> list[Profile]:
        """The embedded server first, then the saved profiles."""
        return [embedded_profile(), *self._profiles]

    def get(self, profile_id: str) -> Profile | None:
        return next((p for p in self.all() if p.id == profile_id), None)

    def by_name(self, name: str) -> Profile | None:
        return next((p for p in self.all() if p.name == name), None)

    def put(self, profile: Profile) -> Profile:
        """Add or replace (by id) a profile and save; names must be unique."""
        if profile.embedded:
            raise ProfileError("the embedded local server cannot be edited")
        name = profile.name.strip()
        if not name:
            raise ProfileError("a profile needs a name")
        if any(split_userinfo(url)[1] for url in profile.servers):
            raise ProfileError("put the user and password or token in Authentication, not the URL")
        clash = self.by_name(name)
        if clash is not None and clash.id != profile.id:
            raise ProfileError(f"a profile named {name!r} already exists")
        profile = replace(profile, name=name)
        for i, old in enumerate(self._profiles):
            if old.id == profile.id:
                self._profiles[i] = profile
                break
        else:
            self._profiles.append(profile)
        self.save()
        return profile

    def remove(self, profile_id: str) -> None:
        """Delete a saved profile (its secrets are the caller's to delete) and save."""
        self._profiles = [p for p in self._profiles if p.id != profile_id]
        if self.last_used == profile_id:
            self.last_used = EMBEDDED_ID
        self.save()

    def set_last_used(self, profile_id: str) -> None:
        self.last_used = profile_id
        self.save()

    def unique_name(self, base: str) -> str:
        """`base`, or `base (2)`, `base (3)`… whichever is free."""
        names = {p.name for p in self.all()}
        if base not in names:
            return base
        n = 2
        while f"{base} ({n})" in names:
            n += 1
        return f"{base} ({n})"

    def import_contexts(self, names: Iterable[str]) -> list[tuple[Profile, dict[str, str]]]:
        """Import nats CLI contexts as new profiles (renamed on clashes); returns their secrets."""
        out: list[tuple[Profile, dict[str, str]]] = []
        for name in names:
            profile, secrets = import_context(name)
            profile = self.put(replace(profile, name=self.unique_name(profile.name)))
            out.append((profile, secrets))
        return out
