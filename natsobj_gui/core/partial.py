"""Our files beside a download's destination: temp files, and partials kept for resuming.

A resumable download writes `.natsobj-<key>.part` and records in `.natsobj-<key>.part.json`
(its sidecar) what it needs to continue safely: the object's nuid, digest and chunk size,
how many bytes and chunks were written, the stream sequence of the last chunk, and the hash
of those bytes. `<key>` comes from the destination's name, so the next download to the same
place finds them. Nothing here follows a symlink or writes through a file that is not ours.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import re
import secrets
import stat
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, BinaryIO

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; exclusive creation still guards
    fcntl = None  # type: ignore[assignment]

from .types import ObjectInfo

# Downloads land in `.natsobj-<8 hex>.tmp` beside the destination: short, so a name that
# fits the file system still does with its temp file, and never a name a user may own.
TEMP_PREFIX = ".natsobj-"
TEMP_SUFFIX = ".tmp"
TEMP_GLOB = f"{TEMP_PREFIX}*{TEMP_SUFFIX}"
PART_SUFFIX = ".part"
SIDECAR_SUFFIX = ".part.json"
PART_GLOB = f"{TEMP_PREFIX}*{PART_SUFFIX}"
MARK = "natsobj partial download"  # a sidecar without it is not ours
VERSION = 1
MAX_SIDECAR = 64 * 1024
# A killed download loses at most what came since its last checkpoint: this long or many.
CHECKPOINT_EVERY = 0.25  # seconds
CHECKPOINT_BYTES = 4 << 20
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
# Never wait on a FIFO planted under one of our names: opening it would block.
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
_TEMP_FLAGS = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL  # never an existing file, nor a symlink planted under the name
    | _NOFOLLOW
    | _CLOEXEC
)

NoteCallback = Callable[[str], None]
_OURS = re.compile(r"\.natsobj-(?:[0-9a-f]{8}\.tmp|[0-9a-f]{12}\.part(?:\.json)?)")


def is_our_file(name: str) -> bool:
    """True for the name of a temp or part file a download keeps (a folder walk skips it)."""
    return _OURS.fullmatch(name) is not None


def _create(path: Path, flags: int = _TEMP_FLAGS) -> int:
    """Create `path` exclusively; an error names the folder, which is what a user can fix."""
    try:
        return os.open(path, flags, 0o666)  # the umask applies, as for any new file
    except FileExistsError:
        raise
    except OSError as exc:
        reason = (exc.strerror or type(exc).__name__).lower()
        raise type(exc)(exc.errno, f"cannot create a file in {path.parent}: {reason}") from None


def open_temp(folder: Path) -> tuple[Path, BinaryIO]:
    """A new file of our own in `folder`, created exclusively under a unique short name."""
    for _ in range(20):
        tmp = folder / f"{TEMP_PREFIX}{secrets.token_hex(4)}{TEMP_SUFFIX}"
        try:
            fd = _create(tmp)
        except FileExistsError:
            continue
        return tmp, os.fdopen(fd, "wb")
    raise FileExistsError(f"cannot create a temporary file in {folder}")


def partial_paths(dest: Path) -> tuple[Path, Path]:
    """The part file and sidecar a download to `dest` keeps (the same on every run)."""
    key = hashlib.sha1(os.fsencode(dest.name)).hexdigest()[:12]
    stem = f"{TEMP_PREFIX}{key}"
    return dest.parent / f"{stem}{PART_SUFFIX}", dest.parent / f"{stem}{SIDECAR_SUFFIX}"


@dataclass
class PartState:
    """What a sidecar records about its part file."""

    dest: str
    bucket: str
    name: str
    nuid: str
    digest: str
    chunk_size: int
    size: int
    bytes: int = 0
    chunks: int = 0  # chunk messages received, empty ones included
    last_seq: int = 0  # stream sequence of the last of them
    sha256: str = ""  # of the first `bytes` bytes

    @classmethod
    def of(cls, info: ObjectInfo, dest: Path) -> PartState:
        return cls(
            dest.name,
            info.bucket,
            info.name,
            info.nuid,
            info.digest,
            info.max_chunk_size,
            info.size,
        )

    def change_from(self, info: ObjectInfo) -> str:
        """Why the object no longer matches the partial ("" when it does)."""
        if self.nuid != info.nuid or self.digest != info.digest or self.size != info.size:
            return "the object changed since"
        if self.chunk_size != info.max_chunk_size:
            return "the object's chunk size changed since"
        return ""


def _read_sidecar(path: Path, dest: Path) -> PartState | bool | None:
    """The sidecar's state; None if there is none; False if the file there is not ours."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError:
        return False  # a symlink (ELOOP), or unreadable: not something to trust
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_SIDECAR:
            return False
        raw = f.read(MAX_SIDECAR)
    try:
        doc = json.loads(raw)
        if doc.get("natsobj") != MARK or doc.get("version") != VERSION:
            return False
        names = {f.name for f in fields(PartState)}
        state = PartState(**{k: v for k, v in doc.items() if k in names})
    except (ValueError, TypeError, AttributeError):
        return False
    return state if state.dest == dest.name else False


def kept_state(dest: Path) -> PartState | None:
    """What the kept partial of a download to `dest` holds, per its sidecar (None: none)."""
    part, sidecar = partial_paths(dest)
    state = _read_sidecar(sidecar, dest)
    if not isinstance(state, PartState):
        return None
    try:
        return state if part.lstat().st_size >= state.bytes else None
    except OSError:
        return None


def _sidecar_bytes(state: PartState) -> bytes:
    return json.dumps({"natsobj": MARK, "version": VERSION, **asdict(state)}).encode()


def _create_sidecar(path: Path, state: PartState) -> None:
    """A new sidecar, created exclusively (never over or through an existing name)."""
    with os.fdopen(_create(path), "wb") as f:
        f.write(_sidecar_bytes(state))


def replace_file(path: Path, data: bytes) -> None:
    """Write `data` over `path` atomically: a temp file beside it, renamed onto it."""
    # A rename never writes through what was there (a symlink planted under the name).
    tmp, f = open_temp(path.parent)
    try:
        with f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _lock(fd: int) -> bool:
    """Hold a part file for this download; False if another download holds it."""
    if fcntl is None:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:
        return True  # a file system without locks: as before locks
    return True


def _in_use(part: Path) -> bool:
    """True while another download writes the part file (it holds the lock)."""
    try:
        fd = os.open(part, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC)
    except OSError:
        return False
    try:
        return stat.S_ISREG(os.fstat(fd).st_mode) and not _lock(fd)
    finally:
        os.close(fd)  # releases the lock taken to test it


def _open_own_part(path: Path) -> BinaryIO | None:
    """The part file for reading and writing, if it is a plain file only we name (locked)."""
    try:
        fd = os.open(path, os.O_RDWR | _NOFOLLOW | _NONBLOCK | _CLOEXEC)
    except OSError:
        return None
    st = os.fstat(fd)
    owner_ok = not hasattr(os, "getuid") or st.st_uid == os.getuid()
    plain = stat.S_ISREG(st.st_mode) and st.st_nlink == 1 and owner_ok
    if not plain or not _lock(fd):
        os.close(fd)  # a device, or a hard link to someone's file: never written through
        return None
    if _NONBLOCK:
        os.set_blocking(fd, True)
    return os.fdopen(fd, "r+b")


def _hash_prefix(f: BinaryIO, size: int) -> tuple[Any, int]:
    """The sha256 of the file's first `size` bytes, and how many it has (fewer if short)."""
    sha = hashlib.sha256()
    f.seek(0)
    done = 0
    while done < size:
        block = f.read(min(4 << 20, size - done))
        if not block:
            break
        sha.update(block)
        done += len(block)
    return sha, done


def _unlink(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()  # removes the name only: a symlink's target is untouched


class Partial:
    """Where one download writes: a kept part file with its sidecar, or a plain temp file."""

    def __init__(self, path: Path, f: BinaryIO, sidecar: Path | None, state: PartState) -> None:
        self.path = path
        self.f = f
        self.sidecar = sidecar  # None: not resumable (a temp file, deleted on failure)
        self.state = state
        self.sha: Any = hashlib.sha256()
        self._saved = time.monotonic()
        self._saved_bytes = state.bytes

    @property
    def resumable(self) -> bool:
        return self.sidecar is not None

    def record(self, size: int, chunks: int, last_seq: int, sha: Any, *, now: bool = False) -> None:
        """Note progress; saved to the sidecar at each checkpoint (or `now`)."""
        if self.sidecar is None:
            return
        t = time.monotonic()
        due = t - self._saved >= CHECKPOINT_EVERY or size - self._saved_bytes >= CHECKPOINT_BYTES
        if not (now or due):
            return
        self._saved, self._saved_bytes = t, size
        self.f.flush()  # the bytes the sidecar vouches for are in the file first
        self.state.bytes, self.state.chunks, self.state.last_seq = size, chunks, last_seq
        self.state.sha256 = sha.hexdigest()
        replace_file(self.sidecar, _sidecar_bytes(self.state))

    def discard(self) -> None:
        """Remove the part file and its sidecar (both ours)."""
        with contextlib.suppress(OSError):
            self.f.close()
        _unlink(self.path)
        if self.sidecar is not None:
            _unlink(self.sidecar)

    def finished(self) -> None:
        """The part file became the destination: its sidecar has nothing left to describe."""
        if self.sidecar is not None:
            _unlink(self.sidecar)


async def open_partial(
    info: ObjectInfo, dest: Path, *, resume: bool = True, note: NoteCallback | None = None
) -> Partial:
    """The kept partial of `info` at `dest` to continue, or a new one, or a plain temp file."""
    part, sidecar = partial_paths(dest)
    say = note or (lambda _: None)
    old = _read_sidecar(sidecar, dest)
    if old is False or (old is None and os.path.lexists(part)) or _in_use(part):
        # Not ours to touch or to resume from, or another download to the same place is
        # writing it: download as before, through a temp file.
        return Partial(*open_temp(dest.parent), None, PartState.of(info, dest))
    if isinstance(old, PartState):
        kept = await _reopen(info, part, sidecar, old, say) if resume else None
        if kept is not None:
            return kept
        _unlink(part)
        _unlink(sidecar)
    state = PartState.of(info, dest)
    try:
        _create_sidecar(sidecar, state)  # first: a part file without a sidecar is not ours
    except FileExistsError:  # another download to the same place started meanwhile
        return Partial(*open_temp(dest.parent), None, state)
    try:
        fd = _create(part, (_TEMP_FLAGS & ~os.O_WRONLY) | os.O_RDWR)
    except FileExistsError:  # planted meanwhile: not ours, and our sidecar must not vouch
        _unlink(sidecar)
        return Partial(*open_temp(dest.parent), None, state)
    _lock(fd)  # new and exclusive: ours alone
    return Partial(part, os.fdopen(fd, "r+b"), sidecar, state)


async def _reopen(
    info: ObjectInfo, part: Path, sidecar: Path, old: PartState, say: NoteCallback
) -> Partial | None:
    """The kept partial, checked and positioned after its last verified byte; None if unusable."""
    label = repr(info.name)
    changed = old.change_from(info)
    if changed:
        say(f"{changed} the partial download of {label}: starting over")
        return None
    f = _open_own_part(part)
    if f is None:
        if old.bytes:  # else it was killed before writing anything: nothing to mention
            say(f"the partial download of {label} is missing or not a plain file: starting over")
        return None
    try:
        sha, have = await asyncio.to_thread(_hash_prefix, f, old.bytes)
        if have < old.bytes or sha.hexdigest() != old.sha256:
            say(f"the partial download of {label} was modified: starting over")
            f.close()
            return None
        # Bytes past the last checkpoint were never vouched for: write them again.
        f.truncate(old.bytes)
        f.seek(old.bytes)
    except BaseException:  # a cancel while the prefix is read back too: no fd left open
        f.close()
        raise
    kept = Partial(part, f, sidecar, old)
    kept.sha = sha
    if old.bytes:
        say(f"resuming {label}: {_percent(old.bytes, info.size)} already downloaded")
    return kept


def _percent(done: int, total: int) -> str:
    return f"{100 * done // total if total else 100} %"
