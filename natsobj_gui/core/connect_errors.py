"""Why connecting failed, as a sentence with no secret in it."""

from __future__ import annotations

import asyncio
import socket
import ssl

import nats.errors

from .auth_files import describe_expired
from .sentences import describe_error
from .types import ConnectProfile, redact_server

SECURE_REQUIRED = "secure connection required"


def describe_connect_error(exc: BaseException, profile: ConnectProfile) -> str:
    """A sentence for why connecting failed, with no secret in it."""
    servers = ", ".join(redact_server(s) for s in profile.servers)
    text = str(exc) or type(exc).__name__
    low = text.lower()
    if isinstance(exc, ssl.SSLCertVerificationError) or "certificate verify failed" in low:
        if "hostname" in low or "ip address mismatch" in low:
            return f"TLS: the server certificate does not match the host ({servers})"
        return f"TLS: the server certificate is not trusted (unknown CA) ({servers})"
    if "certificate required" in low:
        return f"TLS: the server requires a client certificate ({servers})"
    if any(a in low for a in ("alert unknown ca", "alert bad certificate", "certificate unknown")):
        return f"TLS: the server did not accept the client certificate ({servers})"
    if isinstance(exc, ssl.SSLError):
        return f"TLS handshake with {servers} failed: {exc.reason or text}"
    if wants_tls(profile) and (
        isinstance(exc, (BrokenPipeError, ConnectionResetError)) or "broken pipe" in low
    ):
        # With TLS 1.3 the server checks the client certificate after the client's side of
        # the handshake is done: its alert can lose the race with our first write.
        if not profile.tls_cert:
            return (
                "TLS: the server closed the connection after the handshake; it probably "
                f"requires a client certificate ({servers})"
            )
        return (
            "TLS: the server closed the connection after the handshake; it probably "
            "did not accept the client certificate: check that a CA the server trusts "
            f"signed it ({servers})"
        )
    if SECURE_REQUIRED in low:
        return (
            f"TLS: {servers} does not offer TLS, but the connection requires it "
            "(tls:// URL or certificate settings); no credentials were sent"
        )
    if (
        "authorization violation" in low
        or "authentication expired" in low
        or isinstance(exc, nats.errors.AuthorizationError)
    ):
        expired = profile.creds_file and describe_expired(profile.creds_file)
        if expired:
            return f"authentication failed at {servers}: {expired}"
        return f"authentication failed at {servers}: check the user, password, token or keys"
    if "invalid connect url" in low:
        return f"{servers}: not a valid server URL (expected nats://host:port)"
    if isinstance(exc, socket.gaierror) or "name or service not known" in low:
        hosts = ", ".join(_host_of(s) for s in profile.servers)
        return f"no host named {hosts} was found: check the server address"
    if isinstance(exc, (nats.errors.NoServersError, ConnectionRefusedError)) or (
        "connect call failed" in low
    ):
        return f"cannot reach a NATS server at {servers}"
    if isinstance(exc, (asyncio.TimeoutError, nats.errors.TimeoutError)):
        return f"timed out connecting to {servers}"
    return f"cannot connect to {servers}: {describe_error(exc)}"


def _host_of(url: str) -> str:
    """The host of a server URL (no scheme, user or port)."""
    rest = url.split("://", 1)[-1].rsplit("@", 1)[-1]
    return rest.rsplit(":", 1)[0] if rest.count(":") == 1 else rest


def wants_tls(profile: ConnectProfile) -> bool:
    """A tls:// URL, a CA or a client certificate ask for TLS, as they do in nats.go."""
    schemes = {s.split("://", 1)[0].lower() if "://" in s else "nats" for s in profile.servers}
    if schemes & {"ws", "wss"}:
        return False  # websockets: wss is TLS below the NATS protocol already
    return "tls" in schemes or bool(profile.tls_ca or profile.tls_cert)


def main_cause(errors: list[BaseException], fallback: BaseException) -> BaseException:
    """The most telling of the errors seen while connecting (a TLS alert can follow a reset)."""
    for kind in (ssl.SSLError, nats.errors.AuthorizationError):
        found = next((e for e in errors if isinstance(e, kind)), None)
        if found is not None:
            return found
    return errors[0] if errors else fallback
