"""Read the `nats` CLI's saved contexts (natscli `natscontext` files) as ConnectProfiles.

Files live in `$XDG_CONFIG_HOME/nats/context/<name>.json` (default `~/.config/nats/...`) and
the selected context's name in `$XDG_CONFIG_HOME/nats/context.txt`. No Qt here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

from .errors import ObjectStoreError
from .types import ConnectProfile

DEFAULT_URL = "nats://127.0.0.1:4222"
# natscli settings we cannot honour: connecting without them would silently differ.
_UNSUPPORTED = {
    "socks_proxy": "a SOCKS proxy",
    "user_jwt": "a bare user JWT (use a creds file instead)",
    "windows_cert_store": "the Windows certificate store",
}
NSC_TIMEOUT = 20.0


class ContextError(ObjectStoreError):
    """A nats context that cannot be found, read or used."""


def _config_home() -> Path:
    xdg = os.environ.get("XDG_CONFIG_HOME")
    return Path(xdg) if xdg else Path.home() / ".config"


def context_dir() -> Path:
    """The folder holding the nats CLI's context files."""
    return _config_home() / "nats" / "context"


def _valid_name(name: str) -> bool:
    return bool(name) and ".." not in name and "/" not in name and os.sep not in name


def list_contexts() -> list[str]:
    """Names of the saved contexts, sorted; empty when there are none."""
    folder = context_dir()
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    names = [
        p.stem for p in entries if p.suffix == ".json" and p.is_file() and p.stat().st_size > 0
    ]
    return sorted(names)


def selected_context() -> str | None:
    """The context chosen with `nats context select`, or None."""
    try:
        text = (_config_home() / "nats" / "context.txt").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return text or None


def expand_path(value: str) -> str:
    """Expand `$VAR`/`${VAR}` and a leading `~` as natscli does for file settings."""
    return os.path.expanduser(os.path.expandvars(value.strip()))


def _context_file(name: str) -> Path:
    # natscli accepts an absolute path to a context file in place of a name.
    if os.path.isabs(name) and name.endswith(".json"):
        return Path(name)
    if not _valid_name(name):
        raise ContextError(f"invalid context name {name!r}")
    return context_dir() / f"{name}.json"


def context_settings(name: str | None = None) -> dict[str, Any]:
    """The raw JSON settings of a context (None = the selected one), e.g. for a description."""
    name = _resolve_name(name)
    path = _context_file(name)
    if not path.is_file():
        known = ", ".join(list_contexts()) or "none"
        raise ContextError(f"unknown nats context {name!r} (known: {known}) in {context_dir()}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ContextError(f"cannot read nats context {name!r}: {exc.strerror or exc}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise ContextError(f"nats context {name!r} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ContextError(f"nats context {name!r} is not a JSON object")
    return data


def _resolve_name(name: str | None) -> str:
    if name:
        return name
    chosen = selected_context()
    if not chosen:
        raise ContextError("no nats context is selected (see `nats context select`)")
    return chosen


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    return value.strip() if isinstance(value, str) else ""


def _nsc_lookup(url: str) -> tuple[str, str]:
    """(creds file, server URLs) from `nsc generate profile`, as natscli resolves `nsc://`."""
    nsc = shutil.which("nsc")
    if not nsc:
        raise ContextError(f"the context uses nsc ({url}) but the 'nsc' tool is not in PATH")
    try:
        proc = subprocess.run(
            [nsc, "generate", "profile", url],
            capture_output=True,
            timeout=NSC_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ContextError(f"running nsc failed: {exc}") from exc
    if proc.returncode != 0:
        detail = proc.stderr.decode(errors="replace").strip().splitlines()
        raise ContextError(f"nsc failed: {detail[-1] if detail else proc.returncode}")
    try:
        result = json.loads(proc.stdout)
    except ValueError as exc:
        raise ContextError(f"cannot parse nsc output: {exc}") from exc
    creds = result.get("user_creds") or ""
    service = (result.get("operator") or {}).get("service") or []
    return str(creds), ",".join(str(s) for s in service)


def profile_from_settings(name: str, data: dict[str, Any]) -> ConnectProfile:
    """Map natscli's JSON fields onto a ConnectProfile."""
    for key, what in _UNSUPPORTED.items():
        if _text(data, key):
            raise ContextError(f"nats context {name!r} uses {what}, which is not supported")
    url = _text(data, "url")
    creds = expand_path(_text(data, "creds")) if _text(data, "creds") else ""
    nsc = _text(data, "nsc")
    if nsc:
        nsc_creds, nsc_url = _nsc_lookup(nsc)
        creds = creds or nsc_creds
        url = url or nsc_url
    servers = tuple(s.strip() for s in (url or DEFAULT_URL).split(",") if s.strip())
    user, nkey = _text(data, "user"), _text(data, "nkey")
    profile = ConnectProfile(
        servers=servers or (DEFAULT_URL,),
        name=name,
        token=_text(data, "token") or None,
        tls_ca=expand_path(_text(data, "ca")) or None,
        tls_cert=expand_path(_text(data, "cert")) or None,
        tls_key=expand_path(_text(data, "key")) or None,
        tls_handshake_first=data.get("tls_first") is True,
        js_domain=_text(data, "jetstream_domain") or None,
        js_api_prefix=_text(data, "jetstream_api_prefix") or None,
        inbox_prefix=_text(data, "inbox_prefix") or None,
    )
    # natscli picks one identity: user/password, else creds, else an nkey seed file.
    if user:
        password = data.get("password")
        return replace(profile, user=user, password=password if isinstance(password, str) else "")
    if creds:
        return replace(profile, creds_file=creds)
    if nkey:
        return replace(profile, nkey_seed_file=expand_path(nkey))
    return profile


def load_context(name: str | None = None) -> ConnectProfile:
    """The ConnectProfile of a saved context; None loads the selected one."""
    name = _resolve_name(name)
    data = context_settings(name)
    label = Path(name).stem if os.path.isabs(name) else name
    return profile_from_settings(label, data)


__all__ = [
    "ContextError",
    "context_dir",
    "context_settings",
    "expand_path",
    "list_contexts",
    "load_context",
    "profile_from_settings",
    "selected_context",
]
