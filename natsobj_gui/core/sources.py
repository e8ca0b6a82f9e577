"""Turn what a caller wants to upload into a stream of chunks of at most `chunk_size`."""

from __future__ import annotations

import os
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from pathlib import Path
from typing import BinaryIO, Protocol, Union

PutSource = Union[  # noqa: UP007 - readable in signatures and docs
    str,
    os.PathLike,
    bytes,
    bytearray,
    memoryview,
    BinaryIO,
    AsyncIterable[bytes],
    Iterable[bytes],
]


class _Readable(Protocol):
    def read(self, n: int = -1, /) -> bytes: ...


def source_size(source: PutSource) -> int | None:
    """The number of bytes a source will yield, when it can be known up front."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return len(source)
    if isinstance(source, (str, os.PathLike)):
        return os.path.getsize(source)
    if hasattr(source, "seek") and hasattr(source, "tell") and hasattr(source, "read"):
        try:
            pos = source.tell()  # type: ignore[union-attr]
            end = source.seek(0, os.SEEK_END)  # type: ignore[union-attr]
            source.seek(pos)  # type: ignore[union-attr]
            return end - pos
        except (OSError, ValueError):
            return None
    return None


async def _rechunk(parts: AsyncIterator[bytes], chunk_size: int) -> AsyncIterator[bytes]:
    buf = bytearray()
    async for part in parts:
        if not part:
            continue
        if not buf and len(part) == chunk_size:
            yield bytes(part)
            continue
        buf += part
        while len(buf) >= chunk_size:
            yield bytes(buf[:chunk_size])
            del buf[:chunk_size]
    if buf:
        yield bytes(buf)


async def _from_sync(items: Iterable[bytes]) -> AsyncIterator[bytes]:
    for item in items:
        yield item


async def _from_reader(reader: _Readable, chunk_size: int) -> AsyncIterator[bytes]:
    while True:
        data = reader.read(chunk_size)
        if not data:
            return
        yield data


async def _from_path(path: Path, chunk_size: int) -> AsyncIterator[bytes]:
    with open(path, "rb", buffering=0) as f:
        while True:
            data = f.read(chunk_size)
            if not data:
                return
            yield data


def iter_chunks(source: PutSource, chunk_size: int) -> AsyncIterator[bytes]:
    """Chunks of exactly `chunk_size` bytes but the last; none for empty input."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        view = bytes(source)
        return _from_sync(view[i : i + chunk_size] for i in range(0, len(view), chunk_size))
    if isinstance(source, (str, os.PathLike)):
        return _rechunk(_from_path(Path(source), chunk_size), chunk_size)
    if hasattr(source, "read"):
        return _rechunk(_from_reader(source, chunk_size), chunk_size)  # type: ignore[arg-type]
    if hasattr(source, "__aiter__"):
        return _rechunk(aiter(source), chunk_size)  # type: ignore[arg-type]
    if hasattr(source, "__iter__"):
        return _rechunk(_from_sync(source), chunk_size)  # type: ignore[arg-type]
    raise TypeError(f"cannot upload from {type(source).__name__}")
