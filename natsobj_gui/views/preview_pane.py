"""The preview pane (View → Preview Pane): the selected object as text, image or hex.

A selection change cancels the preview being read and starts the next one a moment later, so
running through a folder with the arrow keys never queues reads or stalls the loop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QFontDatabase, QImage, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QLabel,
    QPlainTextEdit,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from natsobj_gui.core.formatting import human_size
from natsobj_gui.core.index import split_name
from natsobj_gui.core.types import ObjectInfo
from natsobj_gui.formatting import count_text
from natsobj_gui.models.object_columns import folder_size_text
from natsobj_gui.views.preview_content import Preview, load_preview
from natsobj_gui.views.window_state import make_dock

if TYPE_CHECKING:
    from natsobj_gui.views.ops_host import PreviewHost

SETTING = "view/preview_pane"
DEBOUNCE_MS = 120
DEFAULT_WIDTH = 420
JOB_KEY = "preview"


class ImageLabel(QLabel):
    """Shows an image scaled down (never up) to the label's width, keeping its aspect."""

    def __init__(self) -> None:
        super().__init__()
        self.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self._image: QImage | None = None

    def set_image(self, image: QImage | None) -> None:
        self._image = image
        self._rescale()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._rescale()

    def _rescale(self) -> None:
        if self._image is None or self._image.isNull():
            self.clear()
            return
        box = self.size().boundedTo(self._image.size()).expandedTo(QSize(1, 1))
        pixmap = QPixmap.fromImage(self._image)
        self.setPixmap(
            pixmap.scaled(
                box, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        )


class PreviewPane(QWidget):
    """Title, a one-line summary and the content (text, image or a message)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: bold;")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setWordWrap(True)
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.summary.setEnabled(False)  # the palette's secondary text colour
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.image = ImageLabel()
        self.message = QLabel()
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setEnabled(False)
        self.stack = QStackedWidget()
        for w in (self.message, self.text, self.image):
            self.stack.addWidget(w)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        layout.addWidget(self.stack, 1)
        self.kind = ""  # what is shown: message, text, json, hex or image (tests read it)
        self.show_message("", "Select an object to preview it.")

    def show_message(self, title: str, text: str) -> None:
        self.kind = "message"
        self.title.setText(title)
        self.summary.setText("")
        self.message.setText(text)
        self.image.set_image(None)
        self.text.clear()
        self.stack.setCurrentWidget(self.message)

    def show_preview(self, title: str, preview: Preview) -> None:
        self.kind = preview.kind
        self.title.setText(title)
        self.summary.setText(preview.summary)
        if preview.image is not None:
            self.text.clear()
            self.image.set_image(preview.image)
            self.stack.setCurrentWidget(self.image)
            return
        self.image.set_image(None)
        # Prose wraps to the pane; hex and JSON keep their columns and indentation.
        wrap = QPlainTextEdit.LineWrapMode
        self.text.setLineWrapMode(wrap.WidgetWidth if preview.kind == "text" else wrap.NoWrap)
        self.text.setPlainText(preview.text)
        self.stack.setCurrentWidget(self.text)


class PreviewOps:
    """Keeps the pane in step with the table's selection; the dock's visibility is saved."""

    def __init__(self, window: PreviewHost) -> None:
        self.w = window
        self.pane = PreviewPane()
        self.dock = make_dock("Preview", "previewDock", self.pane, window.window())
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        # Wide enough for a hex line, the table keeps most of the window (a saved window
        # state restores the user's width).
        window.resizeDocks([self.dock], [DEFAULT_WIDTH], Qt.Orientation.Horizontal)
        self.toggle = self.dock.toggleViewAction()
        self.toggle.setText("Preview Pane")
        self.toggle.setShortcut("F3")
        self._shown_key: tuple[str, str, str] | None = None
        self._timer = QTimer(window.window())
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._load)
        self.dock.setVisible(bool(window.settings.value(SETTING, False, type=bool)))
        # Saved when the user toggles it (closing the window hides docks too: not a choice).
        self.toggle.triggered.connect(lambda on: window.settings.setValue(SETTING, bool(on)))
        self.dock.visibilityChanged.connect(lambda on: self.schedule() if on else None)
        window.objects.selection_changed.connect(self.schedule)
        window.location_changed.connect(lambda *_: self.schedule())

    def schedule(self) -> None:
        """The selection moved: drop the preview being read, load the new one shortly."""
        self.w.jobs.cancel(JOB_KEY)
        if self.dock.isVisible():
            self._timer.start()

    def _load(self) -> None:
        folders, infos = self.w.objects.selection()  # read once (a bulk delete reads often)
        if len(infos) + len(folders) != 1:
            self._shown_key = None
            n = len(infos) + len(folders)
            text = f"{count_text(n, 'item')} selected." if n else "Select an object to preview it."
            self.pane.show_message("", text)
            return
        if folders:
            self._shown_key = None
            self._show_folder(folders[0])
            return
        info = infos[0]
        key = (info.bucket, info.name, info.digest)
        if key == self._shown_key:
            return  # the same version is on show (a watch update of another row)
        self._preview(info)

    def _show_folder(self, prefix: str) -> None:
        # The index keeps every folder's count and size: no walk over the whole bucket.
        index = self.w.index
        empty = f"{count_text(0, 'object')}, {human_size(0)}"
        sizes = folder_size_text(index, prefix) if index else empty
        self.pane.show_message(prefix, f"Folder: {sizes}")

    def _preview(self, info: ObjectInfo) -> None:
        title = split_name(info.name)[1]
        if self.w.client is None:
            return
        if info.link and info.link.is_bucket_link:
            self.pane.show_message(title, f"A link to the bucket {info.link.bucket}.")
            return
        self.pane.show_message(title, "Loading preview…")
        client = self.w.client

        async def load() -> Preview:
            target = info
            if info.link:
                target = await client.store(info.bucket).resolve(info.name)
            return await load_preview(client.store(target.bucket), target)

        job = self.w.jobs.run(load(), key=JOB_KEY)
        key = (info.bucket, info.name, info.digest)

        def shown(preview: Preview) -> None:
            self._shown_key = key
            self.pane.show_preview(title, preview)

        job.succeeded.connect(shown)
        job.failed.connect(lambda message: self.pane.show_message(title, f"No preview: {message}"))
