"""The async object-store core: no Qt here, usable from plain asyncio, a CLI or the GUI."""

from typing import TYPE_CHECKING, Any

from .errors import *  # noqa: F403 - the typed errors are part of the API
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

if TYPE_CHECKING:
    from .client import Client
    from .connection import Connection, ConnectionEvents, connect
    from .store import ObjectStore, Watcher

# These pull in nats-py (~0.1 s): imported on first use, so that importing the errors
# and types (what a CLI needs to parse its arguments) stays cheap.
_LAZY = {
    "Client": "client",
    "Connection": "connection",
    "ConnectionEvents": "connection",
    "connect": "connection",
    "ObjectStore": "store",
    "Watcher": "store",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


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
