"""Reading and writing one object's info (its meta message), and purging its chunks."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import replace

import nats.errors
from nats.nuid import NUID

from . import errors as E
from . import wire
from .connection import ERR_NO_MESSAGE, Connection
from .types import ObjectInfo

TIMESTAMP_HEADER = "Nats-Time-Stamp"
SEQUENCE_HEADER = "Nats-Sequence"
_nuid = NUID()


def new_nuid() -> str:
    return _nuid.next().decode()


async def read_meta(
    conn: Connection, bucket: str, subject: str, *, direct: bool = True
) -> ObjectInfo | None:
    """The last message on a meta subject, or None; direct get with an API fallback.

    `direct=False` asks the stream leader (a direct get may be answered by a replica
    that lags behind): what a rewrite that must know the very last version needs.
    """
    stream = wire.stream_name(bucket)
    msg = None
    if direct:
        try:
            msg = await conn.nc.request(
                f"{conn.api_prefix}.DIRECT.GET.{stream}.{subject}",
                b"",
                timeout=conn.profile.request_timeout,
            )
        except nats.errors.NoRespondersError:
            msg = None  # no direct get (old bucket or missing stream): ask the API
        except Exception as exc:
            raise conn.translate(exc, bucket=bucket, subject=subject) from exc
    if msg is not None:
        hdrs = msg.headers or {}
        status = hdrs.get("Status")
        if status == "404":
            return None
        if status:
            raise E.ObjectStoreError(f"server error {status}: {hdrs.get('Description', '')}")
        stamp = wire.parse_timestamp(hdrs.get(TIMESTAMP_HEADER))
        seq = hdrs.get(SEQUENCE_HEADER, "")
        return wire.decode_entry(msg.data, stamp, subject, bucket, int(seq) if seq.isdigit() else 0)
    try:
        resp = await conn.api(f"STREAM.MSG.GET.{stream}", {"last_by_subj": subject}, bucket=bucket)
    except E.ObjectStoreError as exc:
        cause = exc.__cause__
        if getattr(cause, "err_code", None) == ERR_NO_MESSAGE or "no message" in str(exc):
            return None
        raise
    message = resp.get("message") or {}
    data = base64.b64decode(message.get("data") or "")
    seq = message.get("seq")
    stamp = wire.parse_timestamp(message.get("time"))
    return wire.decode_entry(data, stamp, subject, bucket, seq if isinstance(seq, int) else 0)


async def purge_chunks(conn: Connection, bucket: str, nuid: str) -> None:
    """Remove one object's chunks; used to roll back and to drop replaced versions."""
    # chunk_subject refuses a nuid that is not a plain token: never a filter like `>`.
    await conn.api(
        f"STREAM.PURGE.{wire.stream_name(bucket)}",
        {"filter": wire.chunk_subject(bucket, nuid)},
        bucket=bucket,
    )


# Room in a meta message for the rollup header and the protocol's own header lines.
META_HEADER_ROOM = 128


def encode_meta(conn: Connection, info: ObjectInfo) -> bytes:
    """The info's bytes, or InvalidMetaError if they cannot be stored on this server."""
    data = wire.encode_info(info)
    if len(data) + META_HEADER_ROOM > conn.max_payload:
        raise E.InvalidMetaError(
            f"the info of {info.name!r} is {len(data):,} bytes, more than the server accepts "
            f"in one message ({conn.max_payload:,}): shorten its description, headers or "
            "metadata"
        )
    return data


# The server refuses a publish whose expected last subject sequence is not the last.
ERR_WRONG_LAST_SEQUENCE = 10071
EXPECTED_SEQ_HEADER = "Nats-Expected-Last-Subject-Sequence"
# Each refusal means another writer got in first; a name written this often is contested.
META_ATTEMPTS = 20


def meta_subject_of(info: ObjectInfo) -> str:
    """Where an info goes: the subject it was read from, else its name's own subject."""
    return info.subject or wire.meta_subject(info.bucket, info.name)


def meta_headers(expected: int | None) -> dict[str, str]:
    """A meta publish's headers: the rollup, and with `expected` the sequence it requires."""
    headers = dict(wire.ROLLUP_HEADERS)
    if expected is not None:
        headers[EXPECTED_SEQ_HEADER] = str(expected)
    return headers


async def publish_meta(conn: Connection, info: ObjectInfo, *, expected: int | None = None) -> int:
    """Publish an object's info with a subject rollup, so only the newest stays.

    With `expected` (a stream sequence, 0 for none), the server stores it only if that is
    still the subject's last message; otherwise ConcurrentUpdateError. Returns its sequence.
    """
    subject = meta_subject_of(info)
    data = encode_meta(conn, info)
    headers = meta_headers(expected)
    try:
        ack = await conn.guarded(conn.js.publish(subject, data, headers=headers), subject)
    except Exception as exc:
        if getattr(exc, "err_code", None) == ERR_WRONG_LAST_SEQUENCE:
            raise E.ConcurrentUpdateError(
                f"object {info.name!r} was changed by another client meanwhile"
            ) from exc
        raise conn.translate(exc, bucket=info.bucket, subject=subject) from exc
    return ack.seq


async def replace_meta(
    conn: Connection,
    bucket: str,
    subject: str,
    current: ObjectInfo | None,
    make: Callable[[ObjectInfo | None], ObjectInfo],
) -> tuple[ObjectInfo, ObjectInfo | None]:
    """Publish `make(current)` over the subject's last message, `current` as the caller read it.

    When another writer published since, the newest is read again and `make` asked again,
    so the caller learns exactly which version (and chunks) it superseded, even in a race.
    Returns what was published (with its sequence as revision) and what it replaced (None:
    nothing).
    """
    for _ in range(META_ATTEMPTS):
        info = make(current)
        try:
            seq = await publish_meta(conn, info, expected=current.revision if current else 0)
            return replace(info, revision=seq), current
        except E.ConcurrentUpdateError:
            # From the stream leader, not a direct get that a lagging replica may answer.
            current = await read_meta(conn, bucket, subject, direct=False)
    raise E.ConcurrentUpdateError(
        f"object {info.name!r} is being rewritten by other clients continuously; try again"
    )


def replaced_chunks(replaced: ObjectInfo | None, keep: str = "") -> str | None:
    """The nuid whose chunks a new meta makes unreachable, when it is safe to purge."""
    if replaced is None or replaced.deleted or replaced.link is not None or replaced.damaged:
        return None  # nothing to purge, or not ours to judge (a damaged info lies)
    nuid = replaced.nuid
    return nuid if wire.is_token(nuid) and nuid != keep else None
