"""'Test connection': connect once, read the server's INFO and the account's JetStream info."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

from . import errors as E
from .connection import Connection, connect
from .formatting import human_size
from .sentences import describe_error
from .types import ConnectProfile


@dataclass(frozen=True)
class AccountLimits:
    """JetStream limits and usage of the account, from `$JS.API.INFO` (-1 = unlimited)."""

    memory: int = 0
    storage: int = 0
    streams: int = 0
    consumers: int = 0
    max_memory: int = -1
    max_storage: int = -1
    max_streams: int = -1
    max_consumers: int = -1

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> AccountLimits:
        limits = data.get("limits") or {}
        return cls(
            memory=int(data.get("memory") or 0),
            storage=int(data.get("storage") or 0),
            streams=int(data.get("streams") or 0),
            consumers=int(data.get("consumers") or 0),
            max_memory=int(limits.get("max_memory", -1)),
            max_storage=int(limits.get("max_storage", -1)),
            max_streams=int(limits.get("max_streams", -1)),
            max_consumers=int(limits.get("max_consumers", -1)),
        )


@dataclass(frozen=True)
class ProbeResult:
    """What a test connection found; `error` is a sentence when it failed."""

    ok: bool
    error: str = ""
    server_name: str = ""
    server_id: str = ""
    version: str = ""
    connected_url: str = ""
    tls: bool = False
    max_payload: int = 0
    jetstream: bool = False
    domain: str = ""
    limits: AccountLimits | None = None
    notes: tuple[str, ...] = field(default=())

    def summary(self) -> str:
        """Several lines a person reads in the connection dialog."""
        if not self.ok:
            return self.error
        lines = [
            f"Connected to {self.server_name or self.server_id} (nats-server {self.version})",
            f"URL: {self.connected_url}" + (" — TLS" if self.tls else ""),
            f"Max payload: {human_size(self.max_payload)}",
        ]
        if not self.jetstream:
            lines.append("JetStream: not enabled for this account — object stores are unavailable")
        else:
            lines.append("JetStream: enabled" + (f" (domain {self.domain})" if self.domain else ""))
            if self.limits is not None:
                lines.append(_usage_line("Storage", self.limits.storage, self.limits.max_storage))
                lines.append(_usage_line("Memory", self.limits.memory, self.limits.max_memory))
                lines.append(_count_line("Streams", self.limits.streams, self.limits.max_streams))
        lines.extend(self.notes)
        return "\n".join(lines)


def _usage_line(label: str, used: int, limit: int) -> str:
    if limit < 0:
        return f"{label}: {human_size(used)} used, no account limit"
    return f"{label}: {human_size(used)} of {human_size(limit)} used"


def _count_line(label: str, used: int, limit: int) -> str:
    return f"{label}: {used}" + (f" of {limit}" if limit >= 0 else " (no limit)")


async def _jetstream_info(conn: Connection) -> tuple[bool, dict[str, Any], str]:
    try:
        return True, await conn.api("INFO"), ""
    except E.JetStreamNotEnabledError:
        return False, {}, ""
    except E.ObjectStoreError as exc:
        # e.g. permission denied on $JS.API.INFO: the connection works, JetStream is unknown.
        return False, {}, f"JetStream account info unavailable: {describe_error(exc)}"


async def probe(profile: ConnectProfile) -> ProbeResult:
    """Connect with the profile, report the server and JetStream, and disconnect."""
    try:
        conn = await connect(profile)
    except E.ObjectStoreError as exc:
        return ProbeResult(ok=False, error=describe_error(exc))
    try:
        info = conn.server_info
        enabled, js, note = await _jetstream_info(conn)
        return ProbeResult(
            ok=True,
            server_name=str(info.get("server_name") or ""),
            server_id=str(info.get("server_id") or ""),
            version=str(info.get("version") or ""),
            connected_url=conn.connected_url,
            tls=bool(info.get("tls_required") or profile.tls_handshake_first or profile.tls_ca),
            max_payload=conn.max_payload,
            jetstream=enabled,
            domain=str(js.get("domain") or info.get("domain") or ""),
            limits=AccountLimits.from_api(js) if enabled else None,
            notes=(note,) if note else (),
        )
    finally:
        with contextlib.suppress(Exception):
            await conn.close()
