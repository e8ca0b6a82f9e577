"""The Connection menu: the embedded server, every saved profile, Manage…, Disconnect."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu

from natsobj_gui.core.profiles import Profile, ProfileStore


class ConnectionMenu(QObject):
    """Fills a QMenu with profiles as exclusive checkable actions; emits `profile_chosen`."""

    profile_chosen = Signal(object)  # a Profile
    manage_requested = Signal()
    disconnect_requested = Signal()

    def __init__(
        self, profiles: ProfileStore, menu: QMenu | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.profiles = profiles
        # The window's own "Connection" menu, or a new one (tests, context menus).
        self.menu = menu if menu is not None else QMenu("&Connection")
        self.current_id = profiles.last_used
        self._group = QActionGroup(self)
        self._group.setExclusive(True)
        self.manage_action: QAction | None = None
        self.disconnect_action: QAction | None = None
        self.connected = False
        self.refresh()

    def refresh(self) -> None:
        """Rebuild from the profile store (after the dialog saved, deleted or imported)."""
        for action in self._group.actions():
            self._group.removeAction(action)
            action.deleteLater()
        self.menu.clear()  # also deletes the separators and the old "Manage" action
        for i, profile in enumerate(self.profiles.all()):
            if i == 1:
                self.menu.addSeparator()
            action = QAction(profile.name, self.menu)
            action.setCheckable(True)
            action.setData(profile.id)
            action.setChecked(profile.id == self.current_id)
            if profile.context:
                action.setToolTip(f"Imported from nats context “{profile.context}”")
            action.triggered.connect(lambda _=False, p=profile: self._choose(p))
            self._group.addAction(action)
            self.menu.addAction(action)
        self.menu.addSeparator()
        self.manage_action = QAction("&Manage connections…", self.menu)
        self.manage_action.triggered.connect(self.manage_requested)
        self.menu.addAction(self.manage_action)
        self.disconnect_action = QAction("&Disconnect", self.menu)
        self.disconnect_action.triggered.connect(self.disconnect_requested)
        self.disconnect_action.setEnabled(self.connected)
        self.menu.addAction(self.disconnect_action)

    def set_connected(self, connected: bool) -> None:
        """Disconnect is offered only while there is a connection."""
        self.connected = connected
        if self.disconnect_action is not None:
            self.disconnect_action.setEnabled(connected)

    def profile_actions(self) -> list[QAction]:
        """One action per profile, the embedded server first."""
        return list(self._group.actions())

    def set_current(self, profile_id: str) -> None:
        """Check the profile now in use ("" = none of them), without emitting."""
        self.current_id = profile_id
        for action in self._group.actions():
            action.setChecked(action.data() == profile_id)
        if not profile_id:
            # An exclusive group keeps one action checked: allow none for a --server URL.
            self._group.setExclusive(False)
            for action in self._group.actions():
                action.setChecked(False)
            self._group.setExclusive(True)

    def _choose(self, profile: Profile) -> None:
        # The group checks the action at once; `current_id` changes only when the switch
        # succeeded (set_current), so a failed switch can put the check mark back.
        self.profile_chosen.emit(profile)
