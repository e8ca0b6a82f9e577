"""The async object-store core: no Qt here, usable from plain asyncio, a CLI or the GUI."""

from .client import Client
from .connection import Connection, ConnectionEvents, connect
from .errors import *  # noqa: F403 - the typed errors are part of the API
from .store import ObjectStore, Watcher
from .types import (
    DEFAULT_CHUNK_SIZE,
    BucketConfig,
    BucketInfo,
    ConnectProfile,
    ObjectInfo,
    ObjectLink,
    ObjectMeta,
    Placement,
    Progress,
    Storage,
    WatchEvent,
    WatchKind,
)

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "BucketConfig",
    "BucketInfo",
    "Client",
    "ConnectProfile",
    "Connection",
    "ConnectionEvents",
    "ObjectInfo",
    "ObjectLink",
    "ObjectMeta",
    "ObjectStore",
    "Placement",
    "Progress",
    "Storage",
    "WatchEvent",
    "WatchKind",
    "Watcher",
    "connect",
]
