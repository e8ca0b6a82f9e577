"""Check the files a connection profile names before connecting: each problem a sentence.

nats-py reads credentials, seeds and certificates itself and reports a bad one as
"object of type 'NoneType' has no len()", "[SSL] PEM lib" or a bare errno (and loops for
ever on a creds file with no JWT line); these checks read them the way it does first.
"""

from __future__ import annotations

import base64
import json
import ssl
from datetime import UTC, datetime
from pathlib import Path

import nkeys

from . import errors as E
from .types import ConnectProfile

JWT_MARK = b"BEGIN NATS USER JWT"
SEED_MARK = b"BEGIN USER NKEY SEED"


def read_local_file(path: str, what: str) -> bytes:
    """The bytes of a file the user named, or ConnectionFailedError saying what is wrong."""
    p = Path(path)
    try:
        if p.is_dir():
            raise E.ConnectionFailedError(f"the {what} {path} is a folder, not a file")
        return p.read_bytes()
    except FileNotFoundError:
        raise E.ConnectionFailedError(f"the {what} {path} does not exist") from None
    except PermissionError:
        raise E.ConnectionFailedError(
            f"the {what} {path} cannot be read (permission denied)"
        ) from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise E.ConnectionFailedError(f"the {what} {path} cannot be read: {reason}") from None


def _line_after(data: bytes, mark: bytes) -> bytes | None:
    """The line following the first line that holds `mark` (as nats-py reads creds)."""
    lines = data.splitlines()
    for i, line in enumerate(lines):
        if mark in line:
            return lines[i + 1].strip() if i + 1 < len(lines) else b""
    return None


def _jwt_claims(token: bytes) -> dict | None:
    parts = token.split(b".")
    if len(parts) != 3:
        return None
    try:
        payload = base64.urlsafe_b64decode(parts[1] + b"=" * (-len(parts[1]) % 4))
        claims = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return None
    return claims if isinstance(claims, dict) else None


def _valid_seed(seed: bytes) -> bool:
    try:
        nkeys.from_seed(bytearray(seed)).wipe()
    except Exception:  # nkeys raises its own errors, and binascii/Value errors on garbage
        return False
    return True


def check_creds(path: str) -> None:
    """A NATS credentials file: a user JWT, then a user NKEY seed."""
    data = read_local_file(path, "credentials file")
    token = _line_after(data, JWT_MARK)
    if token is None:
        raise E.ConnectionFailedError(
            f"{path} is not a NATS credentials file: it has no user JWT "
            "(expected the '-----BEGIN NATS USER JWT-----' block nsc writes)"
        )
    if _jwt_claims(token) is None:
        raise E.ConnectionFailedError(f"the user JWT in the credentials file {path} is damaged")
    seed = _line_after(data, SEED_MARK)
    if not seed or not seed.startswith(b"SU") or not _valid_seed(seed):
        raise E.ConnectionFailedError(
            f"the credentials file {path} holds no valid user NKEY seed "
            "(expected the '-----BEGIN USER NKEY SEED-----' block)"
        )


def creds_expiry(path: str) -> datetime | None:
    """When the user JWT in a credentials file expires (None: never, or unreadable)."""
    try:
        token = _line_after(Path(path).read_bytes(), JWT_MARK)
    except OSError:
        return None
    claims = _jwt_claims(token) if token else None
    exp = claims.get("exp") if claims else None
    if not isinstance(exp, (int, float)) or isinstance(exp, bool) or exp <= 0:
        return None
    try:
        return datetime.fromtimestamp(exp, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def check_seed_file(path: str) -> None:
    """A file holding one NKEY seed (`S...`), as `nk -gen user` writes."""
    data = read_local_file(path, "NKEY seed file")
    if not _valid_seed(data.strip()):
        raise E.ConnectionFailedError(
            f"the NKEY seed file {path} does not hold a valid NKEY seed "
            "(one line starting with 'SU')"
        )


def check_tls_files(profile: ConnectProfile) -> None:
    """CA, client certificate and key: present, readable, PEM, and a matching pair."""
    if profile.tls_key and not profile.tls_cert:
        raise E.ConnectionFailedError(
            "a client key was given without its client certificate (--tlscert)"
        )
    if profile.tls_ca:
        read_local_file(profile.tls_ca, "CA certificate file")
        try:
            ssl.create_default_context().load_verify_locations(cafile=profile.tls_ca)
        except (ssl.SSLError, ValueError):
            raise E.ConnectionFailedError(
                f"the CA certificate file {profile.tls_ca} holds no PEM certificate"
            ) from None
    if profile.tls_cert:
        read_local_file(profile.tls_cert, "client certificate file")
        if profile.tls_key:
            read_local_file(profile.tls_key, "client key file")
        try:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.load_cert_chain(profile.tls_cert, profile.tls_key or None)
        except ssl.SSLError:
            key = f" and key {profile.tls_key}" if profile.tls_key else " (key included)"
            raise E.ConnectionFailedError(
                f"the client certificate {profile.tls_cert}{key} are not a PEM certificate "
                "and its private key, or they do not belong together"
            ) from None


def check_profile_files(profile: ConnectProfile) -> None:
    """Every local file and inline seed a profile names, before any connection attempt."""
    if profile.creds_file:
        check_creds(profile.creds_file)
    if profile.nkey_seed_file:
        check_seed_file(profile.nkey_seed_file)
    if profile.nkey_seed and not _valid_seed(profile.nkey_seed.strip().encode()):
        raise E.ConnectionFailedError("the NKEY seed is not valid (a user seed starts with 'SU')")
    check_tls_files(profile)


def describe_expired(path: str, now: datetime | None = None) -> str | None:
    """'the user JWT in X expired on ...' when it has, else None."""
    expires = creds_expiry(path)
    if expires is None or expires > (now or datetime.now(UTC)):
        return None
    return f"the user JWT in {path} expired on {expires:%Y-%m-%d %H:%M:%S} UTC"
