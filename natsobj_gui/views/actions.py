"""The window's QActions, menus, toolbar and context menus, and which actions are enabled."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QActionGroup, QIcon, QKeySequence
from PySide6.QtWidgets import QDialog, QMenu, QStyle, QToolBar, QToolButton

from natsobj_gui.core.types import ObjectInfo
from natsobj_gui.dialogs.messages import open_dialog
from natsobj_gui.views.bucket_ops import BucketOps
from natsobj_gui.views.clipboard_ops import ClipboardOps
from natsobj_gui.views.drag_out import DragOut
from natsobj_gui.views.inline_rename import InlineRename
from natsobj_gui.views.object_ops import ObjectOps
from natsobj_gui.views.open_ops import OpenOps
from natsobj_gui.views.preview_pane import PreviewOps
from natsobj_gui.views.session_cache import SessionCache
from natsobj_gui.views.tree_size_delegate import BucketSizeDelegate

if TYPE_CHECKING:
    from natsobj_gui.views.main_window import MainWindow

BUCKET_TIP = "Status, edit, seal or delete the open bucket"
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


def _readable(info: ObjectInfo) -> bool:
    """Whether an object has content to download or open (a bucket link has none)."""
    return not (info.link and info.link.is_bucket_link)


class WindowActions:
    """Creates the actions once; menus and the toolbar share them."""

    def __init__(self, window: MainWindow) -> None:
        self.w = window
        self.buckets = BucketOps(
            session=window.nav,
            nav=window.nav,
            work=window.work,
            status=window.show_status,
            parent=window,
            queue=window.transfers.queue,
        )
        self.objects = ObjectOps(window)
        self.clipboard = ClipboardOps(window)
        self.rename = InlineRename(window)
        # Objects downloaded to open (and drag out) this session, through the transfer queue.
        self.session_cache = SessionCache(window.transfers.queue)
        # Their own messages say what happened: no "Downloaded … to <cache path>" lines.
        window.transfers.outcomes.is_quiet = self.session_cache.owns
        self.open = OpenOps(window, self.session_cache, self.objects.show_info)
        self.drag_out = DragOut(window, self.session_cache)
        self.preview = PreviewOps(window)
        window.tree.setItemDelegate(BucketSizeDelegate(window.tree))
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
        self.backup_bucket = a("Back Up Bucket…", self.buckets.backup_bucket, "")
        self.backup_bucket.setToolTip("Write the whole bucket to one file (a stream snapshot)")
        self.restore_bucket = a("Restore Bucket…", self.buckets.restore_bucket, "")
        self.compare_folder = a("Compare with Local Folder…", self.buckets.compare_folder, "")
        self.compare_folder.setToolTip("Differences by SHA-256; upload or download the changes")
        self.restore_bucket.setToolTip("Recreate a bucket from a backup file")
        self.delete_bucket = a(
            "Delete Bucket…", self.buckets.delete_bucket, "delete", sp.SP_TrashIcon
        )
        self.refresh = a("Refresh", window.nav.refresh, "refresh", sp.SP_BrowserReload, "F5")
        self.up = a("Up One Folder", window.nav.go_up, "", sp.SP_FileDialogToParent, "Alt+Up")
        self.up.setToolTip("Up one folder (Alt+Up or Backspace)")
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
        self.info = a(
            "Info",
            self.objects.show_current_info,
            "info",
            sp.SP_MessageBoxInformation,
            "Alt+Return",
        )
        # F2 renames in place (InlineRename); the dialog edits the full path (moves) and more.
        self.edit_meta = a(
            "Edit Metadata / Move…", self.objects.edit_meta, "file", None, "Shift+F2"
        )
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
        # Backspace goes up, as in file managers; the table's own key (text boxes keep it).
        self.up_key = QAction(window)
        self.up_key.setShortcut(QKeySequence(Qt.Key.Key_Backspace))
        self.up_key.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.up_key.triggered.connect(lambda _=False: window.nav.go_up())
        window.objects.table.addAction(self.up_key)
        # Enter is the table's own key (folders and objects open).
        self.info.setToolTip("Object info (Alt+Enter)")

        self.overwrite_group = QActionGroup(window)
        self.overwrite_actions: dict[str, QAction] = {}
        current = t.overwrite_policy()
        for key, label in OVERWRITE_POLICIES:
            act = QAction(label, window, checkable=True)
            act.setChecked(key == current)
            act.triggered.connect(lambda _=False, k=key: t.set_overwrite_policy(k))
            self.overwrite_group.addAction(act)
            self.overwrite_actions[key] = act

        self.shortcuts = a("Keyboard Shortcuts", self.show_shortcuts, "", None, "Ctrl+/")
        self.about = a("About NATS Object Browser", self.show_about, "app")
        self.about.setMenuRole(QAction.MenuRole.AboutRole)
        self.help_dialog: QDialog | None = None  # the last About or shortcut list (tests)

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
        bucket.addActions([self.compare_folder, self.backup_bucket, self.restore_bucket])
        bucket.addSeparator()
        bucket.addAction(self.delete_bucket)
        bucket.addSeparator()
        bucket.addAction(self.refresh)
        obj = bar.addMenu("&Object")
        obj.addActions([self.open.open_action, self.open.open_with_action])
        obj.addActions([self.info, self.rename.action, self.edit_meta, self.create_link])
        obj.addAction(self.clipboard.copy)
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
        view.addAction(self.preview.toggle)
        view.addSeparator()
        policy = view.addMenu("When an Uploaded Name Exists")
        policy.addActions(list(self.overwrite_actions.values()))
        view.addAction(self.w.transfers.outcomes.auto_retry_action)
        help_menu = bar.addMenu("&Help")
        help_menu.addActions([self.shortcuts, self.about])

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
        self.bucket_menu.addActions([self.compare_folder, self.backup_bucket])
        self.bucket_menu.addSeparator()
        self.bucket_menu.addAction(self.delete_bucket)
        self.bucket_button = QToolButton()
        self.bucket_button.setText("Bucket")
        self.bucket_button.setIcon(_icon("info", QStyle.StandardPixmap.SP_FileDialogInfoView))
        self.bucket_button.setToolTip(BUCKET_TIP)
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

    # -- help -------------------------------------------------------------------------------
    def show_about(self) -> None:
        """Help → About: versions of the app, its libraries and the connected server."""
        from natsobj_gui.dialogs.about_dialog import AboutDialog, about_rows

        client = self.w.client
        info = client.conn.server_info if client is not None else None
        url = client.conn.connected_url if client is not None else ""
        self.help_dialog = open_dialog(AboutDialog(about_rows(info, url), self.w))

    def show_shortcuts(self) -> None:
        """Help → Keyboard Shortcuts, read from the actions themselves."""
        from natsobj_gui.dialogs.about_dialog import ShortcutsDialog, shortcut_rows

        acts = self.w.findChildren(QAction)
        self.help_dialog = open_dialog(ShortcutsDialog(shortcut_rows(acts), self.w))

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

    def object_menu(self, pos: QPoint) -> QMenu:
        """Right click in the object table; returns the menu shown."""
        menu = QMenu(self.w)
        folders, infos, _ = self.w.objects.selection_counts(_readable)
        if infos:
            menu.addActions([self.open.open_action, self.open.open_with_action])
            menu.addSeparator()
            menu.addActions([self.info, self.rename.action, self.edit_meta, self.create_link])
            self.clipboard.menu(menu)
            menu.addSeparator()
            menu.addActions([self.download, self.save_as])
            menu.addSeparator()
            menu.addAction(self.delete)
            menu.addSeparator()
        elif folders:
            self.clipboard.menu(menu)
            menu.addActions([self.download, self.delete])
            menu.addSeparator()
        menu.addActions([self.upload_files, self.upload_folder, self.refresh])
        menu.popup(pos)
        return menu

    # -- state ------------------------------------------------------------------------------
    def update_enabled(self) -> None:
        """Enable what makes sense for the connection, bucket (sealed?) and selection."""
        w = self.w
        connected = w.online
        has_bucket = connected and bool(w.bucket)
        writable = has_bucket and w.is_writable(w.bucket)
        # Info shows what the listing holds: it stays available while reconnecting.
        listed = bool(w.bucket) and w.client is not None
        # Counted, not read: this runs after every watch batch (a bulk delete of 100,000
        # selected rows brings hundreds) and on every selection change.
        folders, infos, readable = (
            w.objects.selection_counts(_readable) if listed else (0, 0, False)
        )
        one = infos == 1
        self.new_bucket.setEnabled(connected)
        self.restore_bucket.setEnabled(connected)
        self.refresh.setEnabled(connected)
        for act in (
            self.bucket_status,
            self.find_orphans,
            self.compare_folder,
            self.backup_bucket,
            self.delete_bucket,
        ):
            act.setEnabled(has_bucket)
        self.bucket_button.setEnabled(has_bucket)
        for act in (self.edit_bucket, self.seal_bucket, self.upload_files, self.upload_folder):
            act.setEnabled(writable)
        self.download.setEnabled(connected and (readable or folders > 0))
        self.save_as.setEnabled(connected and one and readable)
        self.info.setEnabled(one)
        self.open.open_action.setEnabled(connected and readable)
        self.open.open_with_action.setEnabled(connected and readable)
        self.edit_meta.setEnabled(one and writable)
        self.rename.action.setEnabled(one and writable)
        self.create_link.setEnabled(one and writable)
        self.delete.setEnabled((infos > 0 or folders > 0) and writable)
        self.filter.setEnabled(bool(w.bucket))
        self.up.setEnabled(bool(w.bucket) and bool(w.prefix))
        self._explain_offline(w.client is not None and not connected)

    def _explain_offline(self, offline: bool) -> None:
        """While the server is unreachable, the server's actions say so in their tooltip."""
        why = "Not available while the server is unreachable (reconnecting…)"
        for act in self.server_actions():
            if not act.property("plainTip"):
                act.setProperty("plainTip", act.toolTip())
            act.setToolTip(why if offline else act.property("plainTip"))
        self.bucket_button.setToolTip(why if offline else BUCKET_TIP)

    def server_actions(self) -> list[QAction]:
        """The actions that need the server to answer."""
        return [
            self.new_bucket,
            self.refresh,
            self.bucket_status,
            self.edit_bucket,
            self.seal_bucket,
            self.delete_bucket,
            self.upload_files,
            self.upload_folder,
            self.download,
            self.save_as,
            self.open.open_action,
            self.open.open_with_action,
            self.rename.action,
            self.edit_meta,
            self.create_link,
            self.delete,
        ]
