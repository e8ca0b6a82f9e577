"""Connect with a profile, and turn nats-py's exceptions into the core's typed errors."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client as NATS

from . import errors as E
from . import jsraw
from .auth_files import check_profile_files
from .connect_errors import SECURE_REQUIRED, describe_connect_error, main_cause, wants_tls
from .types import ConnectProfile, redact_server

log = logging.getLogger(__name__)

ERR_STREAM_NOT_FOUND = 10059
ERR_STREAM_EXISTS = 10058
ERR_SEALED = 10109
ERR_MAX_BYTES = 10077
ERR_INSUFFICIENT_STORAGE = 10047
ERR_INSUFFICIENT_RESOURCES = 10023
ERR_INSUFFICIENT_MEMORY = 10028
ERR_ACCOUNT_RESOURCES = 10002
ERR_JS_NOT_ENABLED_ACCOUNT = 10039
ERR_JS_NOT_ENABLED = 10076
ERR_NO_MESSAGE = 10037
# How long a permissions violation on the error callback explains a later timeout.
PERMISSION_WINDOW = 30.0
# How often a pending request looks for a permissions violation on its subject.
DENIAL_POLL = 0.1
T = TypeVar("T")


@dataclass
class ConnectionEvents:
    """Plain callbacks a UI or CLI may set to follow the connection's state."""

    on_disconnected: Callable[[], None] | None = None
    on_reconnected: Callable[[], None] | None = None
    on_closed: Callable[[], None] | None = None
    on_error: Callable[[str], None] | None = None
    # While reconnecting: each failed attempt's number and why it failed (a sentence).
    on_reconnect_failed: Callable[[int, str], None] | None = None


class Connection:
    """A NATS connection with JetStream, the server's limits and recent permission errors."""

    def __init__(self, nc: NATS, profile: ConnectProfile, events: ConnectionEvents) -> None:
        self.nc = nc
        self.profile = profile
        self.events = events
        prefix = profile.js_api_prefix or (
            f"$JS.{profile.js_domain}.API" if profile.js_domain else "$JS.API"
        )
        self.api_prefix = prefix
        self.js = nc.jetstream(prefix=prefix, timeout=profile.request_timeout)
        self.jsm = nc.jsm(prefix=prefix, timeout=profile.request_timeout)
        jsraw.fix_publish_async_errors(self.js)
        self._denied: list[tuple[float, str]] = []
        self._lost_at: float | None = None
        self._back = asyncio.Event()
        self._back.set()
        self._gone = asyncio.Event()  # set while the connection is lost

    def mark_lost(self) -> None:
        """The connection dropped (nats-py is reconnecting)."""
        if self._lost_at is None:
            self._lost_at = time.monotonic()
        self._back.clear()
        self._gone.set()

    def mark_back(self) -> None:
        """The connection is up again."""
        self._lost_at = None
        self._back.set()
        self._gone.clear()

    def lost_for(self) -> float | None:
        """Seconds since the connection was lost, or None while it is up."""
        if self._lost_at is None and not self.nc.is_connected:
            self.mark_lost()  # closed, or dropped before the callback ran
        return None if self._lost_at is None else time.monotonic() - self._lost_at

    async def wait_back(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for a lost connection to return; True once it is up."""
        if self.lost_for() is None:
            return True
        if self.nc.is_closed:
            return False
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._back.wait(), max(0.0, timeout))
        return self.lost_for() is None

    async def while_connected(self, items: AsyncIterator[T]) -> AsyncIterator[T]:
        """The items, raising ConnectionLostError if the connection drops while one is
        awaited (a source idle for minutes would otherwise hide an outage that long)."""
        gone = asyncio.ensure_future(self._gone.wait())
        step: asyncio.Future[T] | None = None
        try:
            while True:
                if self.lost_for() is not None:
                    raise E.ConnectionLostError()
                step = asyncio.ensure_future(anext(items))
                await asyncio.wait((step, gone), return_when=asyncio.FIRST_COMPLETED)
                if not step.done():
                    step.cancel()  # the source is abandoned with the transfer
                    await asyncio.gather(step, return_exceptions=True)
                    raise E.ConnectionLostError()
                try:
                    item = step.result()
                except StopAsyncIteration:
                    return
                yield item
        finally:
            gone.cancel()
            if step is not None and not step.done():
                step.cancel()  # our caller was cancelled while the source was awaited

    def outage_left(self) -> float:
        """What is left of the outage bound since the connection was lost (all while up)."""
        lost = self.lost_for()
        return self.profile.outage_timeout - (lost or 0.0)

    @property
    def max_payload(self) -> int:
        return self.nc.max_payload

    @property
    def server_info(self) -> dict[str, Any]:
        return jsraw.server_info(self.nc)

    @property
    def connected_url(self) -> str:
        url = self.nc.connected_url
        return redact_server(url.geturl()) if url else ""

    def note_error(self, message: str) -> None:
        if "permissions violation" in message.lower():
            self._denied.append((time.monotonic(), message))
            del self._denied[:-20]

    def recent_denial(self, subject_prefix: str = "") -> str | None:
        """A permissions violation seen lately (on a subject starting with the prefix)."""
        cutoff = time.monotonic() - PERMISSION_WINDOW
        # nats-py lower-cases the whole -ERR line, subject included.
        wanted = subject_prefix.lower()
        for when, message in reversed(self._denied):
            if when >= cutoff and wanted in message.lower():
                text = message.removeprefix("nats: ")
                # Give the subject back its real spelling (bucket names are case-sensitive).
                return text.replace(wanted, subject_prefix) if wanted else text
        return None

    async def guarded(self, request: Awaitable[T], subject: str) -> T:
        """Await a request, failing at once when the server denies publishing to `subject`.

        A denied publish is never answered, so without this it would wait for its timeout.
        """
        task = asyncio.ensure_future(request)
        try:
            while True:
                done, _ = await asyncio.wait((task,), timeout=DENIAL_POLL)
                if done:
                    return task.result()
                denial = self.recent_denial(subject)
                if denial:
                    raise E.PermissionDeniedError(denial)
        finally:
            if not task.done():
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task

    async def api(
        self, op: str, payload: dict[str, Any] | None = None, *, bucket: str = ""
    ) -> dict[str, Any]:
        """One JetStream API request (`op` after the prefix); typed errors on failure."""
        subject = f"{self.api_prefix}.{op}"
        data = json.dumps(payload).encode() if payload is not None else b""
        try:
            msg = await self.guarded(
                self.nc.request(subject, data, timeout=self.profile.request_timeout), subject
            )
        except Exception as exc:
            raise self.translate(exc, bucket=bucket, subject=subject) from exc
        resp = json.loads(msg.data or b"{}")
        err = resp.get("error")
        if err:
            api_exc = nats.js.errors.APIError(
                code=err.get("code"),
                description=err.get("description"),
                err_code=err.get("err_code"),
            )
            raise self.translate(api_exc, bucket=bucket, subject=subject)
        return resp

    async def close(self) -> None:
        """Flush what was published, then close; never raises.

        Not nats-py's drain: it waits for every subscription's queue to empty (forever if
        a callback is stuck) and, once interrupted, leaves a cancelled gather behind. Our
        operations have all finished or been cancelled by the time we close.
        """
        nc = self.nc
        if nc.is_closed:
            return
        if nc.is_connected:  # reconnecting: nothing can be flushed
            with contextlib.suppress(Exception):
                await nc.flush(timeout=FLUSH_TIMEOUT)
        with contextlib.suppress(Exception):
            await nc.close()

    def translate(self, exc: BaseException, *, bucket: str = "", subject: str = "") -> Exception:
        """The core's typed error for a nats-py exception."""
        if isinstance(exc, E.ObjectStoreError):
            return exc
        if isinstance(exc, nats.js.errors.APIError):
            code = exc.err_code or 0
            desc = exc.description or str(exc)
            if code == ERR_STREAM_NOT_FOUND or isinstance(exc, nats.js.errors.NotFoundError):
                return E.BucketNotFoundError(bucket) if bucket else E.ObjectStoreError(desc)
            if code == ERR_STREAM_EXISTS:
                return E.BucketExistsError(bucket)
            if code == ERR_SEALED or "sealed" in desc.lower():
                return E.BucketSealedError(bucket)
            if code == ERR_MAX_BYTES or "maximum bytes" in desc.lower():
                return E.BucketFullError(bucket)
            if code in (
                ERR_INSUFFICIENT_STORAGE,
                ERR_INSUFFICIENT_RESOURCES,
                ERR_INSUFFICIENT_MEMORY,
            ):
                return E.InsufficientStorageError(desc)
            if code == ERR_ACCOUNT_RESOURCES or "resources exceeded" in desc.lower():
                return E.AccountLimitError(desc)
            if code in (ERR_JS_NOT_ENABLED, ERR_JS_NOT_ENABLED_ACCOUNT):
                return E.JetStreamNotEnabledError()
            if isinstance(exc, nats.js.errors.ServiceUnavailableError) and not code:
                return E.JetStreamNotEnabledError()  # nats-py's word for "no responders"
            return E.ObjectStoreError(f"server error: {desc}")
        if isinstance(exc, (nats.errors.NoRespondersError, nats.js.errors.NoStreamResponseError)):
            # Nobody behind the JetStream API: no JetStream. Nobody storing a publish on a
            # bucket's subjects: no such bucket.
            if subject and not subject.startswith(self.api_prefix + "."):
                return E.BucketNotFoundError(bucket) if bucket else E.JetStreamNotEnabledError()
            return E.JetStreamNotEnabledError()
        if isinstance(exc, nats.errors.OutboundBufferLimitError) or (
            not self.nc.is_closed  # closed on purpose: "not connected", below
            and self.lost_for() is not None
            and isinstance(exc, (nats.errors.ConnectionClosedError, TimeoutError))
        ):
            return E.ConnectionLostError()
        if isinstance(exc, (nats.errors.TimeoutError, asyncio.TimeoutError)):
            denial = self.recent_denial()
            if denial:
                return E.PermissionDeniedError(denial)
            return E.ServerTimeoutError(subject or "request")
        if isinstance(
            exc, (nats.errors.ConnectionClosedError, nats.errors.ConnectionDrainingError)
        ):
            return E.NotConnectedError()
        if isinstance(exc, nats.errors.Error):
            text = str(exc).removeprefix("nats: ")
            if "permissions violation" in text.lower():
                return E.PermissionDeniedError(text)
            return E.ObjectStoreError(text)
        return exc if isinstance(exc, Exception) else E.ObjectStoreError(str(exc))


def _tls_context(profile: ConnectProfile) -> ssl.SSLContext | None:
    if not (profile.tls_ca or profile.tls_cert):
        if any(s.startswith("tls://") for s in profile.servers):
            return ssl.create_default_context()
        return None
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=profile.tls_ca or None)
    if profile.tls_cert:
        ctx.load_cert_chain(profile.tls_cert, profile.tls_key or None)
    return ctx


def connect_kwargs(profile: ConnectProfile) -> dict[str, Any]:
    """nats.connect() keyword arguments for a profile (no callbacks)."""
    kw: dict[str, Any] = {
        "servers": list(profile.servers),
        "connect_timeout": profile.connect_timeout,
        "name": profile.name or "natsobj-gui",
        # nats-py retries a failing *initial* connect forever when this is -1: give up after
        # one retry per server, then reconnect forever once connected (see connect()).
        "max_reconnect_attempts": 1,
        "reconnect_time_wait": 1,
        # nats-py waits for a forced flush (its outgoing buffer full) forever by default,
        # and swallows a cancel meanwhile: a publish to a dead server would never end.
        "flush_timeout": profile.request_timeout,
    }
    if profile.user:
        kw["user"] = profile.user
        kw["password"] = profile.password or ""
    if profile.token:
        kw["token"] = profile.token
    if profile.nkey_seed_file:
        kw["nkeys_seed"] = profile.nkey_seed_file
    if profile.nkey_seed:
        kw["nkeys_seed_str"] = profile.nkey_seed
    if profile.creds_file:
        kw["user_credentials"] = profile.creds_file
    tls = _tls_context(profile)
    if tls is not None:
        kw["tls"] = tls
        kw["tls_handshake_first"] = profile.tls_handshake_first
    if profile.inbox_prefix:
        kw["inbox_prefix"] = profile.inbox_prefix
    return kw


FLUSH_TIMEOUT = 5

# After every server failed once: time for a clearer cause to arrive before giving up.
CONNECT_GRACE = 0.3
# Beyond one connect timeout per server: TLS and CONNECT/PONG after the socket opened.
CONNECT_SLACK = 1.0


async def connect(profile: ConnectProfile, events: ConnectionEvents | None = None) -> Connection:
    """Open a connection; raises ConnectionFailedError with a human reason."""
    events = events or ConnectionEvents()
    check_profile_files(profile)  # a sentence naming the bad file, before any attempt
    holder: list[Connection] = []
    first_error: list[BaseException] = []
    attempts = [0]  # failed reconnect attempts since the connection was lost

    async def error_cb(exc: Exception) -> None:
        msg = str(exc)
        if holder and nc.is_reconnecting:
            # A failed reconnect attempt: its raw text ("[Errno 111] …") is no news.
            attempts[0] += 1
            if events.on_reconnect_failed:
                events.on_reconnect_failed(attempts[0], describe_connect_error(exc, profile))
            return
        if holder:
            holder[0].note_error(msg)
        else:
            first_error.append(exc)
        if events.on_error:
            events.on_error(msg)

    async def disconnected_cb() -> None:
        attempts[0] = 0
        if holder:
            holder[0].mark_lost()
        if events.on_disconnected:
            events.on_disconnected()

    async def reconnected_cb() -> None:
        jsraw.widen_socket_reads(nc)  # a reconnect brings a new transport
        if holder:
            holder[0].mark_back()
        if events.on_reconnected:
            events.on_reconnected()

    async def closed_cb() -> None:
        if events.on_closed:
            events.on_closed()

    kw = connect_kwargs(profile)
    jsraw.tune_nats_client()
    nc = NATS()
    jsraw.read_into_buffers(nc)
    if wants_tls(profile):
        jsraw.refuse_plaintext(nc, SECURE_REQUIRED)
    attempt = asyncio.ensure_future(
        nc.connect(
            **kw,
            error_cb=error_cb,
            disconnected_cb=disconnected_cb,
            reconnected_cb=reconnected_cb,
            closed_cb=closed_cb,
            allow_reconnect=True,
        )
    )
    # nats-py retries every server (and hangs for ever in its cleanup after a failed TLS
    # handshake: it waits for the plain writer the TLS upgrade replaced). Give up once every
    # server failed once, at a certificate error (a retry cannot fix it), or when each
    # server had its connect timeout: an unreachable cluster fails in seconds.
    loop = asyncio.get_running_loop()
    servers = max(1, len(profile.servers))
    deadline = loop.time() + profile.connect_timeout * servers + CONNECT_SLACK
    all_failed_at: float | None = None
    try:
        while not attempt.done() and loop.time() < deadline:
            await asyncio.wait((attempt,), timeout=0.05)
            if any(isinstance(e, ssl.SSLCertVerificationError) for e in first_error):
                break
            if all_failed_at is None and len(first_error) >= servers:
                all_failed_at = loop.time()
                # A clearer cause (a TLS alert after a reset) may still be on its way.
                deadline = min(deadline, all_failed_at + CONNECT_GRACE)
    finally:
        if not attempt.done():  # gave up, or we were cancelled
            attempt.cancel()
            with contextlib.suppress(BaseException):
                await attempt
    if attempt.cancelled():
        cause = main_cause(first_error, TimeoutError())
        raise E.ConnectionFailedError(describe_connect_error(cause, profile))
    try:
        attempt.result()
    except Exception as exc:
        cause = main_cause(first_error, exc)
        raise E.ConnectionFailedError(describe_connect_error(cause, profile)) from exc
    jsraw.reconnect_forever(nc)
    jsraw.widen_socket_reads(nc)
    conn = Connection(nc, profile, events)
    holder.append(conn)
    return conn
