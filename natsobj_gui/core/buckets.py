"""Bucket (stream) management with the JetStream JSON API, as nats.go configures it."""

from __future__ import annotations

from typing import Any

from . import errors as E
from . import wire
from .connection import ERR_STREAM_NOT_FOUND, Connection
from .formatting import human_size
from .types import BucketConfig, BucketInfo, Placement, Storage

NANOS = 1_000_000_000
LIST_FILTER = "$O.*.C.>"


def stream_config(cfg: BucketConfig) -> dict[str, Any]:
    """The stream config nats.go's CreateObjectStore sends for these options."""
    wire.validate_bucket(cfg.name)
    out: dict[str, Any] = {
        "name": wire.stream_name(cfg.name),
        "description": cfg.description or None,
        "subjects": [wire.chunk_filter(cfg.name), wire.meta_filter(cfg.name)],
        "retention": "limits",
        "max_consumers": -1,
        "max_msgs": -1,
        "max_bytes": cfg.max_bytes if cfg.max_bytes and cfg.max_bytes > 0 else -1,
        "max_age": int(cfg.ttl * NANOS) if cfg.ttl > 0 else 0,
        "max_msgs_per_subject": -1,
        "max_msg_size": -1,
        "discard": "new",
        "storage": Storage(cfg.storage).value,
        "num_replicas": max(1, cfg.replicas),
        "allow_rollup_hdrs": True,
        "allow_direct": True,
        "compression": "s2" if cfg.compression else "none",
    }
    if cfg.placement and (cfg.placement.cluster or cfg.placement.tags):
        placement: dict[str, Any] = {}
        if cfg.placement.cluster:
            placement["cluster"] = cfg.placement.cluster
        if cfg.placement.tags:
            placement["tags"] = list(cfg.placement.tags)
        out["placement"] = placement
    if cfg.metadata:
        out["metadata"] = dict(cfg.metadata)
    return {k: v for k, v in out.items() if v is not None}


def bucket_info(resp: dict[str, Any]) -> BucketInfo:
    """BucketInfo from a stream info response."""
    config = resp.get("config") or {}
    state = resp.get("state") or {}
    cluster = resp.get("cluster") or {}
    placement = None
    if isinstance(config.get("placement"), dict):
        p = config["placement"]
        placement = Placement(p.get("cluster") or None, tuple(p.get("tags") or ()))
    storage = Storage.MEMORY if config.get("storage") == "memory" else Storage.FILE
    return BucketInfo(
        name=str(config.get("name", "")).removeprefix("OBJ_"),
        description=config.get("description") or "",
        ttl=(config.get("max_age") or 0) / NANOS,
        storage=storage,
        replicas=config.get("num_replicas") or 1,
        sealed=bool(config.get("sealed")),
        compression=config.get("compression") == "s2",
        size=state.get("bytes") or 0,
        max_bytes=config.get("max_bytes") if config.get("max_bytes") is not None else -1,
        messages=state.get("messages") or 0,
        metadata=dict(config.get("metadata") or {}),
        placement=placement,
        created=wire.parse_timestamp(resp.get("created")),
        cluster=cluster.get("name") or None,
        leader=cluster.get("leader") or None,
    )


def _is_object_stream(resp: dict[str, Any]) -> bool:
    config = resp.get("config") or {}
    name = str(config.get("name", ""))
    if not name.startswith("OBJ_"):
        return False
    bucket = name[4:]
    return wire.chunk_filter(bucket) in (config.get("subjects") or [])


class Buckets:
    """Create, inspect, edit, seal, delete and list buckets."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def _stream_info(self, bucket: str) -> dict[str, Any]:
        wire.validate_bucket(bucket)
        resp = await self._conn.api(f"STREAM.INFO.{wire.stream_name(bucket)}", bucket=bucket)
        if not _is_object_stream(resp):
            raise E.BucketNotFoundError(bucket)
        return resp

    async def status(self, bucket: str) -> BucketInfo:
        """The bucket's status (`nats object info BUCKET`)."""
        return bucket_info(await self._stream_info(bucket))

    async def create(self, cfg: BucketConfig) -> BucketInfo:
        """Create a bucket; an identical existing one is returned, a different one is an error."""
        payload = stream_config(cfg)
        try:
            resp = await self._conn.api(
                f"STREAM.CREATE.{payload['name']}", payload, bucket=cfg.name
            )
        except E.InsufficientStorageError as exc:
            # The server says the same when the account's limit is the cause: name it then.
            raise await self._account_limit(cfg) or exc from None
        return bucket_info(resp)

    async def _account_limit(self, cfg: BucketConfig) -> E.AccountLimitError | None:
        """An error naming the account's storage limit when `cfg` reserves more than it."""
        if not cfg.max_bytes or cfg.max_bytes <= 0:
            return None
        try:
            data = await self._conn.api("INFO")
        except E.ObjectStoreError:
            return None  # e.g. no permission for $JS.API.INFO: keep the server's words
        memory = cfg.storage is Storage.MEMORY
        limit = int((data.get("limits") or {}).get("max_memory" if memory else "max_storage", -1))
        used = int(data.get("memory" if memory else "storage") or 0)
        if limit < 0 or cfg.max_bytes <= limit - used:
            return None
        kind = "memory" if memory else "file"
        return E.AccountLimitError(
            f"the bucket would reserve {human_size(cfg.max_bytes)}; the account's {kind} "
            f"storage limit is {human_size(limit)}, {human_size(used)} of it used"
        )

    async def update(self, cfg: BucketConfig) -> BucketInfo:
        """Change an existing bucket's options, keeping server keys and unknown fields."""
        current = (await self._stream_info(cfg.name)).get("config") or {}
        wanted = stream_config(cfg)
        if wanted["storage"] != current.get("storage", wanted["storage"]):
            raise E.ObjectStoreError(
                "the storage of an existing bucket cannot be changed: "
                "create a new bucket and copy the objects"
            )
        merged = dict(current)
        for key in (
            "description",
            "max_bytes",
            "max_age",
            "num_replicas",
            "compression",
            "placement",
        ):
            if key in wanted:
                merged[key] = wanted[key]
            else:
                merged.pop(key, None)
        # The server refuses a duplicate window longer than the TTL (it defaults to 2 min).
        window = merged.get("duplicate_window") or 0
        if merged.get("max_age") and window > merged["max_age"]:
            merged["duplicate_window"] = merged["max_age"]
        # Server-owned `_nats.*` keys are hidden from users but must survive an edit.
        server_keys = {
            k: v for k, v in (current.get("metadata") or {}).items() if k.startswith("_nats.")
        }
        user_keys = {k: v for k, v in cfg.metadata.items() if not k.startswith("_nats.")}
        if server_keys or user_keys:
            merged["metadata"] = {**user_keys, **server_keys}
        else:
            merged.pop("metadata", None)
        resp = await self._conn.api(
            f"STREAM.UPDATE.{wire.stream_name(cfg.name)}", merged, bucket=cfg.name
        )
        return bucket_info(resp)

    async def seal(self, bucket: str) -> BucketInfo:
        """Seal a bucket: no more writes or deletes, ever."""
        current = (await self._stream_info(bucket)).get("config") or {}
        current["sealed"] = True
        resp = await self._conn.api(
            f"STREAM.UPDATE.{wire.stream_name(bucket)}", current, bucket=bucket
        )
        return bucket_info(resp)

    async def delete(self, bucket: str) -> None:
        """Delete the bucket and everything in it."""
        wire.validate_bucket(bucket)
        await self._conn.api(f"STREAM.DELETE.{wire.stream_name(bucket)}", bucket=bucket)

    async def list(self) -> list[BucketInfo]:
        """Every object-store bucket, with its status, sorted by name."""
        out: list[BucketInfo] = []
        offset = 0
        while True:
            resp = await self._conn.api("STREAM.LIST", {"offset": offset, "subject": LIST_FILTER})
            streams = resp.get("streams") or []
            out.extend(bucket_info(s) for s in streams if _is_object_stream(s))
            offset += len(streams)
            if not streams or offset >= (resp.get("total") or 0):
                break
        return sorted(out, key=lambda b: b.name.lower())

    async def purge_subject(self, bucket: str, subject: str) -> int:
        """Remove every message on one subject; returns how many were purged."""
        resp = await self._conn.api(
            f"STREAM.PURGE.{wire.stream_name(bucket)}", {"filter": subject}, bucket=bucket
        )
        return int(resp.get("purged") or 0)

    async def exists(self, bucket: str) -> bool:
        try:
            await self._stream_info(bucket)
        except E.BucketNotFoundError:
            return False
        return True


__all__ = ["ERR_STREAM_NOT_FOUND", "Buckets", "bucket_info", "stream_config"]
