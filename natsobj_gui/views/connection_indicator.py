"""The status-bar connection light: connected / reconnecting / disconnected / failed."""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget


class ConnState(StrEnum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    DISCONNECTED = "disconnected"
    FAILED = "failed"


# Colour plus a word in the label: the state never depends on colour alone.
COLOURS = {
    ConnState.CONNECTING: "#9e9e9e",
    ConnState.CONNECTED: "#2e7d32",
    ConnState.RECONNECTING: "#ef8f00",
    ConnState.DISCONNECTED: "#757575",
    ConnState.FAILED: "#c62828",
}
WORDS = {
    ConnState.CONNECTING: "Connecting",
    ConnState.CONNECTED: "Connected",
    ConnState.RECONNECTING: "Reconnecting",
    ConnState.DISCONNECTED: "Disconnected",
    ConnState.FAILED: "Failed",
}


def failure_kind(reason: str) -> str:
    """A word or two for the label from a connect error sentence: auth, TLS, refused…"""
    if reason.startswith("TLS"):  # not "tls://" in a URL
        return "TLS"
    low = reason.lower()
    for needle, kind in (
        ("authentication", "authentication"),
        ("authorization", "authentication"),
        ("jetstream", "no JetStream"),
        ("timed out", "timed out"),
        ("no host named", "unknown host"),
        ("cannot reach", "refused"),
    ):
        if needle in low:
            return kind
    return ""


class ConnectionIndicator(QWidget):
    """A coloured dot and 'Connected · server'; the tooltip has the details."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dot = QLabel("●")
        self.label = QLabel()
        lay = QHBoxLayout(self)
        lay.setContentsMargins(4, 0, 4, 0)
        lay.setSpacing(4)
        lay.addWidget(self.dot)
        lay.addWidget(self.label)
        self.state = ConnState.DISCONNECTED
        self.server = ""
        self.set_state(ConnState.DISCONNECTED)

    def set_state(
        self, state: ConnState | str, server: str = "", detail: str = "", note: str = ""
    ) -> None:
        """Show a state; `server` is a name or a redacted URL, `detail` goes to the tooltip,
        `note` follows the label (the attempt, or why it failed)."""
        self.state = ConnState(state)
        self.server = server
        self.dot.setStyleSheet(f"color: {COLOURS[self.state]};")
        word = WORDS[self.state]
        text = f"{word} · {server}" if server else word
        self.label.setText(f"{text} · {note}" if note else text)
        tip = f"{word} to {server}" if server else word
        self.setToolTip(f"{tip}\n{detail}" if detail else tip)
        self.setAccessibleName(f"Connection: {self.label.text()}")
