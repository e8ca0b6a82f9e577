"""One bucket's live objects by name plus the virtual folder tree their `/` names imply (no Qt).

Usage::

    index = BucketIndex("photos")
    index.set_all(await store.list())             # or feed the watcher's initial events
    folders, objects = index.children("")          # direct children of the root
    change = index.apply(await watcher.next_batch())
    model.apply(change)                            # targeted inserts/removes, never a reset

Folder semantics (object stores have no folders; they are read from names):
a `/` separates folders only when it follows a non-`/` character and is not the last
character. So "a/b/c" lives in "a/b/"; "a//b" lives in "a/" as "/b"; "/x", "x/" and "//"
live at the root under their full names; "a/b/" is the object "b/" in folder "a/". Every
folder prefix ends in "/" and has a non-empty display name, and every object has a
non-empty leaf name. A folder exists while at least one live object is below it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .types import ObjectInfo, WatchEvent, WatchKind

ROOT = ""


def split_name(name: str) -> tuple[str, str]:
    """'a/b/c' -> ('a/b/', 'c'); the parent folder prefix ('' = root) and the leaf."""
    # Fast path for ordinary names: no leading or doubled slash.
    if "//" not in name and not name.startswith("/"):
        cut = name.rfind("/", 0, len(name) - 1)
        return (name[: cut + 1], name[cut + 1 :]) if cut > 0 else (ROOT, name)
    cut = len(name) - 2
    while cut > 0:
        if name[cut] == "/" and name[cut - 1] != "/":
            return name[: cut + 1], name[cut + 1 :]
        cut -= 1
    return ROOT, name


def parent_folder(prefix: str) -> str:
    """The folder that holds folder `prefix` ('' for a top-level folder or the root)."""
    return split_name(prefix[:-1])[0] if prefix else ROOT


def folder_label(prefix: str) -> str:
    """The display name of a folder prefix without its trailing '/': 'a/b/' -> 'b'."""
    return split_name(prefix[:-1])[1] if prefix else ""


def ancestors(prefix: str) -> list[str]:
    """Folder prefixes from `prefix` up to (excluding) the root: 'a/b/' -> ['a/b/', 'a/']."""
    out: list[str] = []
    while prefix:
        out.append(prefix)
        prefix = parent_folder(prefix)
    return out


@dataclass
class IndexChange:
    """The net effect of one apply(): what a model must insert, refresh or remove."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    added_folders: list[str] = field(default_factory=list)
    removed_folders: list[str] = field(default_factory=list)
    # Folders whose count of objects below changed (for tree tooltips/counts).
    counts_changed: list[str] = field(default_factory=list)
    # The batch contained the end of the watcher's initial set.
    initial_done: bool = False

    def __bool__(self) -> bool:
        return bool(
            self.added
            or self.updated
            or self.removed
            or self.added_folders
            or self.removed_folders
            or self.initial_done
        )


class BucketIndex:
    """Live objects of one bucket by name and the folder tree derived from their names."""

    def __init__(self, bucket: str = "", infos: Iterable[ObjectInfo] = ()) -> None:
        self.bucket = bucket
        self.initial_done = False
        self._objects: dict[str, ObjectInfo] = {}
        # folder prefix -> names of the objects directly in it (dict as an ordered set)
        self._files: dict[str, dict[str, None]] = {ROOT: {}}
        # folder prefix -> direct sub-folder prefixes
        self._subs: dict[str, dict[str, None]] = {ROOT: {}}
        # folder prefix -> number of objects anywhere below it, and their total size
        self._count: dict[str, int] = {ROOT: 0}
        self._bytes: dict[str, int] = {ROOT: 0}
        # nuid -> name: a rename by another client shows up as a new name with the nuid of
        # an indexed object (its old meta was purged, which no watcher sees).
        self._names_by_nuid: dict[str, str] = {}
        if infos:
            self.set_all(infos)

    # -- queries -------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._objects)

    def __contains__(self, name: object) -> bool:
        return name in self._objects

    def get(self, name: str) -> ObjectInfo | None:
        """The live object called `name`, or None."""
        return self._objects.get(name)

    def objects(self) -> list[ObjectInfo]:
        """Every live object, in no particular order."""
        return list(self._objects.values())

    def folders(self) -> list[str]:
        """Every folder prefix (the root excluded), sorted."""
        return sorted(p for p in self._count if p)

    def count(self, prefix: str = ROOT) -> int:
        """Objects anywhere below a folder (0 for an unknown folder)."""
        return self._count.get(prefix, 0)

    def total_size(self, prefix: str = ROOT) -> int:
        """Bytes of the objects anywhere below a folder (0 for an unknown folder)."""
        return self._bytes.get(prefix, 0)

    def has_subfolders(self, prefix: str = ROOT) -> bool:
        """True when the folder has at least one sub-folder."""
        return bool(self._subs.get(prefix))

    def subfolders(self, prefix: str = ROOT) -> list[str]:
        """The direct sub-folder prefixes of a folder, sorted."""
        return sorted(self._subs.get(prefix, ()))

    def objects_under(self, folders: Iterable[str]) -> list[ObjectInfo]:
        """The objects anywhere below these folder prefixes, each once, sorted by name.

        An object named like a folder prefix ("a/") lives beside that folder, not in it.
        """
        names: list[str] = []
        seen: set[str] = set()
        todo = list(folders)
        while todo:  # the folder tree: no scan of the whole bucket per folder
            p = todo.pop()
            if p in seen or p not in self._files:
                continue
            seen.add(p)
            names += self._files[p]
            todo += self._subs[p]
        objs = self._objects
        return [objs[n] for n in sorted(names)]

    def children(self, prefix: str = ROOT) -> tuple[list[str], list[ObjectInfo]]:
        """Direct sub-folders (prefixes) and objects of a folder, each sorted by name."""
        objs = self._objects
        names = sorted(self._files.get(prefix, ()))
        return self.subfolders(prefix), [objs[n] for n in names]

    # -- changes -------------------------------------------------------------------------

    def clear(self) -> None:
        """Forget every object and folder."""
        self._objects.clear()
        self._files = {ROOT: {}}
        self._subs = {ROOT: {}}
        self._count = {ROOT: 0}
        self._bytes = {ROOT: 0}
        self._names_by_nuid = {}
        self.initial_done = False

    def set_all(self, infos: Iterable[ObjectInfo]) -> None:
        """Replace the content with these objects (deleted ones are skipped)."""
        self.clear()
        for info in infos:
            if not info.deleted:
                self._add(info.name, info, None)

    def apply(self, events: Iterable[WatchEvent]) -> IndexChange:
        """Apply watch events in order and return their net effect."""
        before: dict[str, bool] = {}
        # folder -> did it exist before this batch (recorded when first created/removed)
        folders_before: dict[str, bool] = {}
        touched: dict[str, None] = {}
        change = IndexChange()
        for ev in events:
            if ev.kind is WatchKind.INITIAL_DONE:
                self.initial_done = change.initial_done = True
                continue
            info = ev.info
            if info is None:
                continue
            name = info.name
            if name not in before:
                before[name] = name in self._objects
            if ev.kind is WatchKind.DELETE or info.deleted:
                if name in self._objects:
                    self._remove(name, folders_before, touched)
                continue
            # A damaged info's nuid proves nothing (it may be another object's): no rename.
            nuid = info.nuid if not info.damaged else ""
            renamed_from = self._names_by_nuid.get(nuid) if nuid else None
            if renamed_from is not None and renamed_from != name:
                # Only a rename reuses a nuid (every put and link makes a new one).
                before.setdefault(renamed_from, True)
                self._remove(renamed_from, folders_before, touched)
            if name in self._objects:
                self._replace(name, info, touched)
            else:
                self._add(name, info, folders_before, touched)
        for name, was in before.items():
            now = name in self._objects
            if now and not was:
                change.added.append(name)
            elif was and not now:
                change.removed.append(name)
            elif now:
                change.updated.append(name)
        # Net effect only: a folder created and removed in one batch was never seen.
        for p, was in folders_before.items():
            now = p in self._count
            if now and not was:
                change.added_folders.append(p)
            elif was and not now:
                change.removed_folders.append(p)
        # Parents before children, so tree models can insert top-down.
        change.added_folders.sort(key=len)
        change.removed_folders.sort(key=len, reverse=True)
        change.counts_changed = [p for p in touched if p in self._count]
        return change

    def forget(self, names: Iterable[str]) -> IndexChange:
        """Remove objects no watch event will report gone (the old name after a rename).

        A rename purges the old meta subject, and a purge reaches no watcher: whoever
        renames must drop the old name itself.
        """
        events = [
            WatchEvent(WatchKind.DELETE, info)
            for n in names
            if (info := self._objects.get(n)) is not None
        ]
        return self.apply(events)

    def _replace(self, name: str, info: ObjectInfo, touched: dict[str, None]) -> None:
        old = self._objects[name]
        if old.nuid != info.nuid and self._names_by_nuid.get(old.nuid) == name:
            del self._names_by_nuid[old.nuid]
        self._objects[name] = info
        if info.nuid and not info.damaged:
            self._names_by_nuid[info.nuid] = name
        delta = info.size - old.size
        if delta:
            for p in (*ancestors(split_name(name)[0]), ROOT):
                self._bytes[p] += delta
                touched[p] = None

    def _add(
        self,
        name: str,
        info: ObjectInfo,
        folders_before: dict[str, bool] | None,
        touched: dict[str, None] | None = None,
    ) -> None:
        self._objects[name] = info
        if info.nuid and not info.damaged:
            self._names_by_nuid[info.nuid] = name
        parent, _ = split_name(name)
        files = self._files.get(parent)
        if files is None:
            self._make_folder(parent, folders_before)
            files = self._files[parent]
        files[name] = None
        count, size = self._count, self._bytes
        p = parent
        while True:
            count[p] += 1
            size[p] += info.size
            if touched is not None:
                touched[p] = None
            if not p:
                break
            p = parent_folder(p)

    def _make_folder(self, prefix: str, folders_before: dict[str, bool] | None) -> None:
        # Create `prefix` and any missing ancestors; counts are bumped by the caller.
        missing: list[str] = []
        p = prefix
        while p not in self._count:
            missing.append(p)
            p = parent_folder(p)
        for p in reversed(missing):
            self._subs[parent_folder(p)][p] = None
            self._files[p] = {}
            self._subs[p] = {}
            self._count[p] = 0
            self._bytes[p] = 0
            if folders_before is not None:
                folders_before.setdefault(p, False)

    def _remove(self, name: str, folders_before: dict[str, bool], touched: dict[str, None]) -> None:
        info = self._objects.pop(name)
        if self._names_by_nuid.get(info.nuid) == name:
            del self._names_by_nuid[info.nuid]
        parent, _ = split_name(name)
        del self._files[parent][name]
        p = parent
        while True:
            self._count[p] -= 1
            self._bytes[p] -= info.size
            touched[p] = None
            if not p:
                break
            up = parent_folder(p)
            if self._count[p] == 0:
                del self._count[p], self._bytes[p], self._files[p], self._subs[p]
                del self._subs[up][p]
                folders_before.setdefault(p, True)
            p = up
