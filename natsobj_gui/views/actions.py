"""The window's QActions, menus, toolbar and context menus, and which actions are enabled."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QActionGroup, QIcon, QKeySequence
from PySide6.QtWidgets import QMenu, QStyle, QToolBar, QToolButton

from natsobj_gui.views.bucket_ops import BucketOps
from natsobj_gui.views.object_ops import ObjectOps

if TYPE_CHECKING:
    from natsobj_gui.views.main_window import MainWindow

OVERWRITE_POLICIES = (("ask", "Ask"), ("overwrite", "Always overwrite"), ("skip", "Always skip"))


def _icon(name: str, fallback: QStyle.StandardPixmap | None = None) -> QIcon:
    """The packaged icon `name`; a style icon when the package has none."""
    try:
        from natsobj_gui.icons import icon

        found = icon(name)
        if not found.isNull():
            return found
    except Exception:  # a missing icon must never stop the window from opening
        pass
    if fallback is not None:
        from PySide6.QtWidgets import QApplication

        return QApplication.style().standardIcon(fallback)
    return QIcon()


class WindowActions:
    """Creates the actions once; menus and the toolbar share them."""

    def __init__(self, window: MainWindow) -> None:
        self.w = window
        self.buckets = BucketOps(window)
        self.objects = ObjectOps(window)
        sp = QStyle.StandardPixmap
        t = window.transfers
        a = self._action

        self.new_bucket = a(
            "New Bucket…",
            self.buckets.new_bucket,
            "bucket",
            sp.SP_FileDialogNewFolder,
            QKeySequence.StandardKey.New,
        )
        self.bucket_status = a(
            "Bucket Status…", self.buckets.show_status, "info", sp.SP_FileDialogInfoView
        )
        self.edit_bucket = a("Edit Bucket…", self.buckets.edit_bucket, "bucket")
        self.seal_bucket = a("Seal Bucket…", self.buckets.seal_bucket, "lock")
        self.find_orphans = a("Find Orphaned Chunks…", self.buckets.find_orphans, "")
        self.find_orphans.setToolTip("Chunks no object refers to: list them and clean them up")
        self.delete_bucket = a(
            "Delete Bucket…", self.buckets.delete_bucket, "delete", sp.SP_TrashIcon
        )
        self.refresh = a("Refresh", window.refresh, "refresh", sp.SP_BrowserReload, "F5")
        self.up = a("Up One Folder", window.go_up, "", sp.SP_FileDialogToParent, "Alt+Up")
        self.upload_files = a(
            "Upload Files…", t.upload_files_dialog, "upload", sp.SP_ArrowUp, "Ctrl+U"
        )
        self.upload_folder = a(
            "Upload Folder…", t.upload_folder_dialog, "open-folder", sp.SP_DirIcon, "Ctrl+Shift+U"
        )
        self.download = a(
            "Download…", t.download_selected_dialog, "download", sp.SP_ArrowDown, "Ctrl+D"
        )
        self.save_as = a(
            "Save As…",
            t.save_as_dialog,
            "download",
            sp.SP_DialogSaveButton,
            QKeySequence.StandardKey.SaveAs,
        )
        self.info = a("Info", self.objects.show_current_info, "info", sp.SP_MessageBoxInformation)
        self.edit_meta = a("Edit Metadata / Rename…", self.objects.edit_meta, "file", None, "F2")
        self.create_link = a("Create Link…", self.objects.create_link, "link")
        self.delete = a(
            "Delete…",
            self.objects.delete_selected,
            "delete",
            sp.SP_TrashIcon,
            QKeySequence.StandardKey.Delete,
        )
        self.quit = a("Quit", window.close, "quit", None, QKeySequence.StandardKey.Quit)
        self.filter = a(
            "Filter…", window.objects.focus_filter, "", None, QKeySequence.StandardKey.Find
        )
        # Delete belongs to the table: in the filter box or the tree it must not delete objects.
        self.delete.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        window.objects.table.addAction(self.delete)
        # Enter is the table's own key (folders open, objects show info).
        self.info.setToolTip("Object info (Enter or double click)")

        self.overwrite_group = QActionGroup(window)
        self.overwrite_actions: dict[str, QAction] = {}
        current = t.overwrite_policy()
        for key, label in OVERWRITE_POLICIES:
            act = QAction(label, window, checkable=True)
            act.setChecked(key == current)
            act.triggered.connect(lambda _=False, k=key: t.set_overwrite_policy(k))
            self.overwrite_group.addAction(act)
            self.overwrite_actions[key] = act

        self._menus()
        self._toolbar()

    def _action(
        self,
        text: str,
        slot: Callable[[], object],
        icon: str,
        fallback: QStyle.StandardPixmap | None = None,
        shortcut: QKeySequence.StandardKey | str | None = None,
    ) -> QAction:
        act = QAction(_icon(icon, fallback), text, self.w)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        act.triggered.connect(lambda _=False: slot())
        return act

    def _menus(self) -> None:
        bar = self.w.menuBar()
        file = bar.addMenu("&File")
        file.addActions([self.upload_files, self.upload_folder])
        file.addSeparator()
        file.addActions([self.download, self.save_as])
        file.addSeparator()
        file.addAction(self.quit)
        bucket = bar.addMenu("&Bucket")
        bucket.addAction(self.new_bucket)
        bucket.addSeparator()
        bucket.addActions([self.bucket_status, self.edit_bucket, self.seal_bucket])
        bucket.addAction(self.find_orphans)
        bucket.addSeparator()
        bucket.addAction(self.delete_bucket)
        bucket.addSeparator()
        bucket.addAction(self.refresh)
        obj = bar.addMenu("&Object")
        obj.addActions([self.info, self.edit_meta, self.create_link])
        obj.addSeparator()
        obj.addActions([self.download, self.save_as])
        obj.addSeparator()
        obj.addActions([self.filter, self.delete])
        obj.addSeparator()
        obj.addAction(self.up)
        # Filled by the connection manager (profiles, connect, disconnect).
        self.connection_menu = bar.addMenu("&Connection")
        view = bar.addMenu("&View")
        view.addAction(self.w.transfer_dock.toggleViewAction())
        view.addSeparator()
        policy = view.addMenu("When an Uploaded Name Exists")
        policy.addActions(list(self.overwrite_actions.values()))

    def _toolbar(self) -> None:
        bar = QToolBar("Main")
        bar.setObjectName("mainToolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.addAction(self.new_bucket)
        # The other bucket commands in one drop-down: the toolbar stays one row wide.
        self.bucket_menu = QMenu("Bucket", self.w)
        self.bucket_menu.addActions([self.bucket_status, self.edit_bucket, self.seal_bucket])
        self.bucket_menu.addAction(self.find_orphans)
        self.bucket_menu.addSeparator()
        self.bucket_menu.addAction(self.delete_bucket)
        self.bucket_button = QToolButton()
        self.bucket_button.setText("Bucket")
        self.bucket_button.setIcon(_icon("info", QStyle.StandardPixmap.SP_FileDialogInfoView))
        self.bucket_button.setToolTip("Status, edit, seal or delete the open bucket")
        self.bucket_button.setMenu(self.bucket_menu)
        self.bucket_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.bucket_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.addWidget(self.bucket_button)
        bar.addAction(self.refresh)
        bar.addSeparator()
        bar.addActions([self.upload_files, self.upload_folder, self.download])
        bar.addSeparator()
        bar.addActions([self.info, self.delete])
        self.toolbar = bar
        self.w.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)

    # -- context menus ----------------------------------------------------------------------
    def tree_menu(self, pos: QPoint) -> None:
        """Right click in the bucket tree."""
        menu = QMenu(self.w)
        if self.w.bucket:
            menu.addActions([self.upload_files, self.upload_folder])
            menu.addSeparator()
            menu.addActions([self.bucket_status, self.edit_bucket, self.seal_bucket])
            menu.addAction(self.find_orphans)
            menu.addSeparator()
            menu.addAction(self.delete_bucket)
            menu.addSeparator()
        menu.addActions([self.new_bucket, self.refresh])
        menu.popup(pos)

    def object_menu(self, pos: QPoint) -> None:
        """Right click in the object table."""
        menu = QMenu(self.w)
        if self.w.objects.selected_infos():
            menu.addActions([self.info, self.edit_meta, self.create_link])
            menu.addSeparator()
            menu.addActions([self.download, self.save_as])
            menu.addSeparator()
            menu.addAction(self.delete)
            menu.addSeparator()
        elif self.w.objects.selected_folders():
            menu.addActions([self.download, self.delete])
            menu.addSeparator()
        menu.addActions([self.upload_files, self.upload_folder, self.refresh])
        menu.popup(pos)

    # -- state ------------------------------------------------------------------------------
    def update_enabled(self) -> None:
        """Enable what makes sense for the connection, bucket (sealed?) and selection."""
        w = self.w
        connected = w.client is not None
        has_bucket = connected and bool(w.bucket)
        writable = has_bucket and w.is_writable(w.bucket)
        folders, infos = w.objects.selection() if has_bucket else ([], [])
        one = len(infos) == 1
        readable = any(not (i.link and i.link.is_bucket_link) for i in infos)
        self.new_bucket.setEnabled(connected)
        self.refresh.setEnabled(connected)
        for act in (self.bucket_status, self.find_orphans, self.delete_bucket):
            act.setEnabled(has_bucket)
        self.bucket_button.setEnabled(has_bucket)
        for act in (self.edit_bucket, self.seal_bucket, self.upload_files, self.upload_folder):
            act.setEnabled(writable)
        self.download.setEnabled(bool(readable or folders))
        self.save_as.setEnabled(one and readable)
        self.info.setEnabled(one)
        self.edit_meta.setEnabled(one and writable)
        self.create_link.setEnabled(one and writable)
        self.delete.setEnabled(bool(infos or folders) and writable)
        self.filter.setEnabled(has_bucket)
        self.up.setEnabled(has_bucket and bool(w.prefix))
