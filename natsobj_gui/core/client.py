"""The entry point of the core: a connection, its buckets, and their object stores."""

from __future__ import annotations

from .buckets import Buckets
from .connection import Connection, ConnectionEvents, connect
from .store import ObjectStore
from .types import BucketConfig, ConnectProfile


class Client:
    """Object-store access over one NATS connection; usable from plain asyncio."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.buckets = Buckets(conn)

    @classmethod
    async def connect(
        cls, profile: ConnectProfile | str, events: ConnectionEvents | None = None
    ) -> Client:
        """Connect with a profile, or a server URL for the simple case."""
        if isinstance(profile, str):
            profile = ConnectProfile(servers=(profile,))
        return cls(await connect(profile, events))

    def store(self, bucket: str) -> ObjectStore:
        """The objects of one bucket (no server round trip)."""
        return ObjectStore(self.conn, bucket)

    async def create_bucket(self, cfg: BucketConfig | str) -> ObjectStore:
        if isinstance(cfg, str):
            cfg = BucketConfig(cfg)
        await self.buckets.create(cfg)
        return self.store(cfg.name)

    async def close(self) -> None:
        await self.conn.close()

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
