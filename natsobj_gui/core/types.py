"""Frozen value types the core speaks: buckets, objects, progress, watch events."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import StrEnum
from typing import Any

DEFAULT_CHUNK_SIZE = 128 * 1024


class Storage(StrEnum):
    FILE = "file"
    MEMORY = "memory"


def redact_server(url: str) -> str:
    """A server URL without the user and password it may carry."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


@dataclass(frozen=True, repr=False)
class ConnectProfile:
    """Everything needed to reach a NATS server; secrets are plain fields, kept out of repr."""

    servers: tuple[str, ...] = ("nats://127.0.0.1:4222",)
    name: str = ""
    user: str | None = None
    # repr=False: a profile shows up in logs and tracebacks; its secrets must not.
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    nkey_seed_file: str | None = None
    nkey_seed: str | None = field(default=None, repr=False)
    creds_file: str | None = None
    tls_ca: str | None = None
    tls_cert: str | None = None
    tls_key: str | None = None
    tls_handshake_first: bool = False
    js_domain: str | None = None
    js_api_prefix: str | None = None
    inbox_prefix: str | None = None
    # Per server and attempt, as nats.go's default: an unreachable server fails fast.
    connect_timeout: float = 2.0
    request_timeout: float = 5.0
    # How long a transfer waits for a lost connection (or a stream's leader) to come back
    # before it fails; a put from a file or bytes continues once it is back.
    outage_timeout: float = 60.0

    def __repr__(self) -> str:
        # Logs and tracebacks show profiles: no password, token or seed, even in a URL.
        shown = [f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if f.repr]
        servers = tuple(redact_server(s) for s in self.servers)
        shown[0] = f"servers={servers!r}"
        return f"ConnectProfile({', '.join(shown)})"


@dataclass(frozen=True)
class Placement:
    cluster: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class BucketConfig:
    """Options of `nats object add`; ttl in seconds (0 = forever), max_bytes -1 = unlimited."""

    name: str
    description: str = ""
    ttl: float = 0.0
    max_bytes: int = -1
    storage: Storage = Storage.FILE
    replicas: int = 1
    placement: Placement | None = None
    compression: bool = False
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BucketInfo:
    """What `nats object info BUCKET` shows, from the stream info."""

    name: str
    description: str
    ttl: float
    storage: Storage
    replicas: int
    sealed: bool
    compression: bool
    size: int
    max_bytes: int
    messages: int
    metadata: dict[str, str]
    placement: Placement | None = None
    created: datetime | None = None
    cluster: str | None = None
    leader: str | None = None

    @property
    def stream(self) -> str:
        return f"OBJ_{self.name}"

    def config(self) -> BucketConfig:
        """The editable configuration behind this status."""
        return BucketConfig(
            name=self.name,
            description=self.description,
            ttl=self.ttl,
            max_bytes=self.max_bytes,
            storage=self.storage,
            replicas=self.replicas,
            placement=self.placement,
            compression=self.compression,
            metadata={k: v for k, v in self.metadata.items() if not k.startswith("_nats.")},
        )


@dataclass(frozen=True, slots=True)
class ObjectLink:
    """A link to another bucket (name None) or to an object in a bucket."""

    bucket: str
    name: str | None = None

    @property
    def is_bucket_link(self) -> bool:
        return not self.name


@dataclass(frozen=True)
class ObjectMeta:
    """The user-editable part of an object's info."""

    name: str
    description: str = ""
    headers: dict[str, list[str]] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    """One object's meta message, as written by any client."""

    name: str
    bucket: str
    nuid: str
    size: int = 0
    chunks: int = 0
    digest: str = ""
    description: str = ""
    headers: dict[str, list[str]] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)
    link: ObjectLink | None = None
    max_chunk_size: int = 0
    deleted: bool = False
    modified: datetime | None = None
    # Fields other clients wrote that we do not model; kept so rewrites preserve them.
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    extra_options: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # Why this info cannot be trusted (broken JSON, a nuid that is not a plain token, a
    # name that differs from its subject's...); "" for a sound info. A damaged info is
    # shown, never read, and replacing or deleting it never purges chunks.
    damaged: str = ""
    # The meta subject the info was read from when it is not the name's own ("" then, or
    # when not read from the server): every rewrite goes there, e.g. to the subject
    # nats.js encoded the name in, or to the name whose info wrongly names another object.
    subject: str = field(default="", compare=False, repr=False)
    # Its stream sequence when read (0 if unknown): a rewrite expects it to be the last.
    revision: int = field(default=0, compare=False, repr=False)

    @property
    def is_link(self) -> bool:
        return self.link is not None

    @property
    def unverified(self) -> bool:
        """True for content that cannot be checked on download: the info has no digest."""
        return not self.digest and self.link is None and not self.deleted and not self.damaged

    @property
    def meta(self) -> ObjectMeta:
        return ObjectMeta(self.name, self.description, self.headers, self.metadata)


@dataclass(frozen=True, slots=True)
class Progress:
    """A transfer's position after one more chunk was acknowledged or received."""

    chunks_done: int
    chunks_total: int
    bytes_done: int
    bytes_total: int

    @property
    def done(self) -> bool:
        return self.bytes_done >= self.bytes_total and self.chunks_done >= self.chunks_total

    @property
    def fraction(self) -> float:
        if self.bytes_total <= 0:
            return 1.0 if self.done else 0.0
        return min(1.0, self.bytes_done / self.bytes_total)


class WatchKind(StrEnum):
    PUT = "put"
    DELETE = "delete"
    INITIAL_DONE = "initial-done"


@dataclass(frozen=True, slots=True)
class WatchEvent:
    """A change in a bucket; INITIAL_DONE marks the end of the initial set (info is None)."""

    kind: WatchKind
    info: ObjectInfo | None = None
    initial: bool = False
