"""The Connection menu: the embedded server, every saved profile, and 'Manage connections…'."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QWidget

from natsobj_gui.core.profiles import Profile, ProfileStore


class ConnectionMenu(QMenu):
    """Lists profiles as exclusive checkable actions; emits `profile_chosen(Profile)`."""

    profile_chosen = Signal(object)
    manage_requested = Signal()

    def __init__(
        self, profiles: ProfileStore, title: str = "&Connection", parent: QWidget | None = None
    ) -> None:
        super().__init__(title, parent)
        self.profiles = profiles
        self.current_id = profiles.last_used
        self._group = QActionGroup(self)
        self._group.setExclusive(True)
        self.manage_action: QAction | None = None
        self.refresh()

    def refresh(self) -> None:
        """Rebuild from the profile store (after the dialog saved, deleted or imported)."""
        for action in self._group.actions():
            self._group.removeAction(action)
            action.deleteLater()
        self.clear()  # also deletes the separators and the old "Manage" action
        all_profiles = self.profiles.all()
        for i, profile in enumerate(all_profiles):
            if i == 1:
                self.addSeparator()
            action = QAction(profile.name, self)
            action.setCheckable(True)
            action.setData(profile.id)
            action.setChecked(profile.id == self.current_id)
            if profile.context:
                action.setToolTip(f"Imported from nats context “{profile.context}”")
            action.triggered.connect(lambda _=False, p=profile: self._choose(p))
            self._group.addAction(action)
            self.addAction(action)
        self.addSeparator()
        self.manage_action = QAction("&Manage connections…", self)
        self.manage_action.triggered.connect(self.manage_requested)
        self.addAction(self.manage_action)

    def profile_actions(self) -> list[QAction]:
        """One action per profile, the embedded server first."""
        return list(self._group.actions())

    def set_current(self, profile_id: str) -> None:
        """Check the profile now in use (without emitting)."""
        self.current_id = profile_id
        for action in self._group.actions():
            action.setChecked(action.data() == profile_id)

    def _choose(self, profile: Profile) -> None:
        self.set_current(profile.id)
        self.profile_chosen.emit(profile)
