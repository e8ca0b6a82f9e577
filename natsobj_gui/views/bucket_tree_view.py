"""The left pane: buckets and their virtual folders; selecting a node opens that folder."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QAbstractItemView, QTreeView, QWidget

from natsobj_gui.core.types import BucketInfo
from natsobj_gui.models.bucket_tree_model import (
    BucketInfoRole,
    BucketRole,
    BucketTreeModel,
    PrefixRole,
)
from natsobj_gui.views.drop import (
    accept,
    accept_if_local,
    dragged_from,
    dragged_objects,
    take_drop,
)
from natsobj_gui.views.empty_hint import EmptyHintMixin


class BucketTreeView(EmptyHintMixin, QTreeView):
    """A tree of buckets (top level) and folders; drops upload into the node under the mouse."""

    node_selected = Signal(str, str)  # bucket, prefix ('' = root)
    files_dropped = Signal(list, str, str)  # list[Path], bucket, prefix
    objects_dropped = Signal(list, str, str)  # object names, bucket, target prefix (a move)
    context_menu_requested = Signal(QPoint)  # global position

    def __init__(self, model: BucketTreeModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree_model = model
        self.setObjectName("bucketTree")
        self.setModel(model)
        self.setHeaderHidden(True)
        self.setUniformRowHeights(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.setDropIndicatorShown(True)
        self.customContextMenuRequested.connect(
            lambda pos: self.context_menu_requested.emit(self.viewport().mapToGlobal(pos))
        )
        self.selectionModel().currentChanged.connect(self._current_changed)
        # Sealed buckets refuse drops: the window keeps this predicate current.
        self.is_writable = lambda bucket: True
        self.empty_text = ""  # shown while there are no buckets
        # bucket -> folder prefixes the user opened; kept while the bucket's folders are
        # dropped and rebuilt (another bucket opened, F5), so they open again as they return.
        self._open_folders: dict[str, set[str]] = {}
        self._folding = False
        # Our own objects in the drag under way and their bucket, read on entry: a move event
        # comes with every mouse step, and reading 20,000 dragged names took ~8 ms each time.
        self._dragged: tuple[str, list[str]] = ("", [])
        self.expanded.connect(self._remember_open)
        self.collapsed.connect(self._forget_open)
        model.rowsInserted.connect(self._reopen_folders)

    # -- nodes ------------------------------------------------------------------------------
    def node_at(self, index: QModelIndex) -> tuple[str, str] | None:
        """(bucket, prefix) of a tree index, or None for nothing."""
        if not index.isValid():
            return None
        bucket = index.data(BucketRole)
        if not bucket:
            return None
        return bucket, index.data(PrefixRole) or ""

    def current_node(self) -> tuple[str, str] | None:
        return self.node_at(self.currentIndex())

    def bucket_info(self, bucket: str) -> BucketInfo | None:
        """The BucketInfo the model holds for a bucket (status, sealed…)."""
        index = self.tree_model.index_for(bucket, "")
        if index is None or not index.isValid():
            return None
        return index.data(BucketInfoRole)

    def select_node(self, bucket: str, prefix: str = "") -> bool:
        """Select a bucket or folder node, expanding its parents; False if not in the tree."""
        index = self.tree_model.index_for(bucket, prefix)
        if index is None or not index.isValid():
            return False
        parent = index.parent()
        while parent.isValid():
            self.expand(parent)
            parent = parent.parent()
        self.setCurrentIndex(index)
        self.scrollTo(index)
        return True

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        node = self.node_at(current)
        if node is not None:
            self.node_selected.emit(*node)

    def fold_bucket(self, bucket: str) -> None:
        """Collapse a bucket whose folders are about to be dropped, remembering open ones."""
        index = self.tree_model.index_for(bucket, "")
        if index is None or not index.isValid():
            return
        self._folding = True
        try:
            self.collapse(index)
        finally:
            self._folding = False

    def open_folders(self, bucket: str) -> set[str]:
        """The folder prefixes of `bucket` the user has expanded."""
        return set(self._open_folders.get(bucket, ()))

    def _remember_open(self, index: QModelIndex) -> None:
        node = self.node_at(index)
        if node is not None and node[1]:
            self._open_folders.setdefault(node[0], set()).add(node[1])

    def _forget_open(self, index: QModelIndex) -> None:
        node = self.node_at(index)
        if self._folding or node is None or not node[1]:
            return
        self._open_folders.get(node[0], set()).discard(node[1])

    def _reopen_folders(self, parent: QModelIndex, first: int, last: int) -> None:
        if not parent.isValid():
            return  # buckets: expanding one would open it
        node = self.node_at(parent)
        wanted = self._open_folders.get(node[0]) if node is not None else None
        if not wanted:
            return
        for row in range(first, last + 1):
            child = self.tree_model.index(row, 0, parent)
            if child.data(PrefixRole) in wanted:
                self.expand(child)

    # -- drops ------------------------------------------------------------------------------
    def _drop_node(self, event: QDragMoveEvent | QDropEvent) -> tuple[str, str] | None:
        node = self.node_at(self.indexAt(event.position().toPoint()))
        if node is None or not self.is_writable(node[0]):
            return None
        return node

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        # Accept the enter for local files or our objects: the node under the mouse decides.
        self._dragged = ("", [])
        if not accept_if_local(event):
            self._dragged = dragged_from(event.mimeData())
            accept(event, bool(self._dragged[1]))

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        node = self._drop_node(event)
        if not accept_if_local(event, node is not None):
            # Objects move only within their own bucket (a rename into the folder).
            source, names = self._dragged  # the same drag data as on entry
            accept(event, node is not None and bool(names) and source == node[0])

    def dropEvent(self, event: QDropEvent) -> None:
        node = self._drop_node(event)
        if node is None:
            event.ignore()
            return
        names = dragged_objects(event.mimeData(), node[0])
        if names:
            accept(event, True)
            self.objects_dropped.emit(names, node[0], node[1])
            return
        paths = take_drop(event)
        if paths:
            self.files_dropped.emit(paths, node[0], node[1])
