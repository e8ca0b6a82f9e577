"""Buckets and their virtual folders as a lazily filled tree (over BucketInfo + BucketIndex).

Usage::

    tree = BucketTreeModel()
    tree.indexWanted.connect(start_listing)        # a bucket was expanded before its listing
    tree.set_buckets(await client.buckets.list())  # keeps existing nodes: update/insert/remove
    tree.set_index("photos", index)                # folders appear under the bucket
    tree.apply("photos", index.apply(events))      # folder rows inserted/removed in place
    view.setCurrentIndex(tree.index_for("photos", "2024/june/"))
    bucket, prefix = idx.data(BucketRole), idx.data(PrefixRole)

Folder children are created on fetchMore (when a node is expanded), so 1,000 folders cost
nothing until shown. Bucket nodes of buckets without a known index are expandable; expanding
one emits `indexWanted(bucket)`.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from ..core.index import ROOT, BucketIndex, IndexChange, folder_label, parent_folder
from ..core.types import BucketInfo
from ..formatting import count_text, human_size
from ..icons import icon

BucketRole = Qt.ItemDataRole.UserRole + 11  # the bucket name
PrefixRole = Qt.ItemDataRole.UserRole + 12  # the folder prefix; "" for a bucket node
BucketInfoRole = Qt.ItemDataRole.UserRole + 13  # the bucket's BucketInfo

Index = QModelIndex | QPersistentModelIndex
GRAVEYARD = 4096


class _Node:
    """A bucket (prefix "") or a folder of one; children exist once fetched."""

    __slots__ = ("bucket", "children", "fetched", "parent", "prefix", "row", "wanted")

    def __init__(self, bucket: str, prefix: str, parent: _Node | None, row: int) -> None:
        self.bucket = bucket
        self.prefix = prefix
        self.parent = parent
        self.row = row
        self.children: list[_Node] = []
        self.fetched = False
        self.wanted = False  # expanded before the bucket's index was known


def _renumber(nodes: list[_Node], start: int = 0) -> None:
    for i in range(start, len(nodes)):
        nodes[i].row = i


class BucketTreeModel(QAbstractItemModel):
    """Top level: buckets by name; below: folders from each bucket's index, fetched lazily."""

    indexWanted = Signal(str)  # bucket name: expanded, but no index loaded yet

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._roots: list[_Node] = []
        self._infos: dict[str, BucketInfo] = {}
        self._indexes: dict[str, BucketIndex] = {}
        self._nodes: dict[tuple[str, str], _Node] = {}
        # QModelIndex holds a raw pointer to its node: keep recently removed nodes alive so
        # an index a view still holds for a moment never points at freed memory.
        self._graveyard: deque[_Node] = deque(maxlen=GRAVEYARD)

    # -- public API ------------------------------------------------------------------------

    def buckets(self) -> list[str]:
        """Bucket names in row order."""
        return [n.bucket for n in self._roots]

    def bucket_info(self, bucket: str) -> BucketInfo | None:
        return self._infos.get(bucket)

    def bucket_index(self, bucket: str) -> BucketIndex | None:
        return self._indexes.get(bucket)

    def set_buckets(self, infos: list[BucketInfo]) -> None:
        """Show these buckets: existing nodes are updated in place, others inserted/removed."""
        new = {i.name: i for i in infos}
        gone = [n for n in self._roots if n.bucket not in new]
        for node in sorted(gone, key=lambda n: n.row, reverse=True):
            self.beginRemoveRows(QModelIndex(), node.row, node.row)
            del self._roots[node.row]
            _renumber(self._roots, node.row)
            self._forget(node)
            self._infos.pop(node.bucket, None)
            self._indexes.pop(node.bucket, None)
            self.endRemoveRows()
        for name in sorted(new):
            info = new[name]
            node = self._nodes.get((name, ROOT))
            if node is not None:
                if self._infos.get(name) != info:
                    self._infos[name] = info
                    i = self.createIndex(node.row, 0, node)
                    self.dataChanged.emit(i, i)
                continue
            self._infos[name] = info
            row = sum(1 for n in self._roots if n.bucket < name)
            self.beginInsertRows(QModelIndex(), row, row)
            node = _Node(name, ROOT, None, row)
            self._roots.insert(row, node)
            _renumber(self._roots, row)
            self._nodes[(name, ROOT)] = node
            self.endInsertRows()

    def set_index(self, bucket: str, index: BucketIndex | None) -> None:
        """Use this index for the bucket's folders (replacing any shown ones)."""
        node = self._nodes.get((bucket, ROOT))
        if index is None:
            self._indexes.pop(bucket, None)
        else:
            self._indexes[bucket] = index
        if node is None:
            return
        self._clear_children(node)
        if index is not None and (node.fetched or node.wanted):
            node.wanted = False
            self._populate(node)
        else:
            node.fetched = False
        i = self.createIndex(node.row, 0, node)
        self.dataChanged.emit(i, i)  # the expander may appear or vanish

    def apply(self, bucket: str, change: IndexChange) -> None:
        """Insert and remove the folder nodes an IndexChange of this bucket implies."""
        index = self._indexes.get(bucket)
        if index is None:
            return
        for prefix in change.removed_folders:  # children first
            node = self._nodes.get((bucket, prefix))
            if node is None or node.parent is None:
                parent = self._nodes.get((bucket, parent_folder(prefix)))
                if parent is not None:  # not fetched: only the expander may change
                    i = self.createIndex(parent.row, 0, parent)
                    self.dataChanged.emit(i, i)
                continue
            parent = node.parent
            self.beginRemoveRows(self.createIndex(parent.row, 0, parent), node.row, node.row)
            del parent.children[node.row]
            _renumber(parent.children, node.row)
            self._forget(node)
            self.endRemoveRows()
        for prefix in change.added_folders:  # parents first
            parent = self._nodes.get((bucket, parent_folder(prefix)))
            if parent is None or (bucket, prefix) in self._nodes:
                continue
            if not parent.fetched:
                # Only the expander changes; the rows come on fetchMore.
                i = self.createIndex(parent.row, 0, parent)
                self.dataChanged.emit(i, i)
                continue
            key = folder_label(prefix).casefold()
            row = sum(1 for c in parent.children if folder_label(c.prefix).casefold() < key)
            self.beginInsertRows(self.createIndex(parent.row, 0, parent), row, row)
            node = _Node(bucket, prefix, parent, row)
            parent.children.insert(row, node)
            _renumber(parent.children, row)
            self._nodes[(bucket, prefix)] = node
            self.endInsertRows()

    def index_for(self, bucket: str, prefix: str = ROOT) -> QModelIndex:
        """The index of a bucket or folder node, fetching ancestors as needed; invalid if none."""
        if (bucket, ROOT) not in self._nodes:
            return QModelIndex()
        chain: list[str] = []
        p = prefix
        while p:
            chain.append(p)
            p = parent_folder(p)
        node = self._nodes[(bucket, ROOT)]
        for p in reversed(chain):
            if not node.fetched and self._indexes.get(bucket) is not None:
                self._populate(node)
            child = self._nodes.get((bucket, p))
            if child is None:
                return QModelIndex()
            node = child
        return self.createIndex(node.row, 0, node)

    # -- Qt model API ----------------------------------------------------------------------

    def _node(self, index: Index) -> _Node | None:
        return index.internalPointer() if index.isValid() else None

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if column != 0 or row < 0:
            return QModelIndex()
        pnode = self._node(parent)
        kids = self._roots if pnode is None else pnode.children
        if row >= len(kids):
            return QModelIndex()
        return self.createIndex(row, 0, kids[row])

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        node = self._node(index)
        if node is None or node.parent is None:
            return QModelIndex()
        p = node.parent
        return self.createIndex(p.row, 0, p)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() and parent.column() != 0:
            return 0
        node = self._node(parent)
        return len(self._roots) if node is None else len(node.children)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 1

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        node = self._node(parent)
        if node is None:
            return bool(self._roots)
        if node.children:
            return True
        index = self._indexes.get(node.bucket)
        if index is None:
            return node.prefix == ROOT  # unknown yet: let the user expand it
        return index.has_subfolders(node.prefix)

    def canFetchMore(self, parent: Index) -> bool:
        node = self._node(parent)
        if node is None or node.fetched:
            return False
        index = self._indexes.get(node.bucket)
        if index is None:
            return node.prefix == ROOT and not node.wanted
        return index.has_subfolders(node.prefix)

    def fetchMore(self, parent: Index) -> None:
        node = self._node(parent)
        if node is None or node.fetched:
            return
        if self._indexes.get(node.bucket) is None:
            if node.prefix == ROOT and not node.wanted:
                node.wanted = True
                self.indexWanted.emit(node.bucket)
            return
        self._populate(node)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return "Buckets"
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        info = self._infos.get(index.internalPointer().bucket)
        if info is not None and not info.sealed:
            f |= Qt.ItemFlag.ItemIsDropEnabled  # drop files/objects onto a bucket or folder
        return f

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        node = self._node(index)
        if node is None:
            return None
        info = self._infos.get(node.bucket)
        is_bucket = node.prefix == ROOT
        if role == Qt.ItemDataRole.DisplayRole:
            return node.bucket if is_bucket else folder_label(node.prefix)
        if role == BucketRole:
            return node.bucket
        if role == PrefixRole:
            return node.prefix
        if role == BucketInfoRole:
            return info
        if role == Qt.ItemDataRole.DecorationRole:
            if not is_bucket:
                return icon("folder")
            return icon("lock" if info is not None and info.sealed else "bucket")
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(node, info)
        return None

    def _tooltip(self, node: _Node, info: BucketInfo | None) -> str:
        index = self._indexes.get(node.bucket)
        count = count_text(index.count(node.prefix), "object") if index is not None else ""
        if node.prefix != ROOT:
            return f"{node.bucket}/{node.prefix}\n{count}"
        lines = [node.bucket]
        if info is not None:
            if info.description:
                lines.append(info.description)
            lines.append(f"{human_size(info.size)} stored, {info.storage.value} storage")
            if info.sealed:
                lines.append("sealed: read-only")
        if count:
            lines.append(count)
        return "\n".join(lines)

    # -- internals -------------------------------------------------------------------------

    def _populate(self, node: _Node) -> None:
        index = self._indexes.get(node.bucket)
        node.fetched = True
        if index is None:
            return
        subs = sorted(index.subfolders(node.prefix), key=lambda p: folder_label(p).casefold())
        if not subs:
            return
        self.beginInsertRows(self.createIndex(node.row, 0, node), 0, len(subs) - 1)
        node.children = [_Node(node.bucket, p, node, i) for i, p in enumerate(subs)]
        for child in node.children:
            self._nodes[(node.bucket, child.prefix)] = child
        self.endInsertRows()

    def _clear_children(self, node: _Node) -> None:
        if not node.children:
            return
        self.beginRemoveRows(self.createIndex(node.row, 0, node), 0, len(node.children) - 1)
        for child in node.children:
            self._forget(child)
        node.children = []
        self.endRemoveRows()

    def _forget(self, node: _Node) -> None:
        stack = [node]
        while stack:
            n = stack.pop()
            self._nodes.pop((n.bucket, n.prefix), None)
            self._graveyard.append(n)
            stack.extend(n.children)
