"""Manage connections: saved profiles (the embedded server always first), edit, test, connect.

Usage::

    stored = await asyncio.to_thread(read_stored_kinds)  # {profile id: {"password", ...}}
    dlg = ConnectDialog(profiles, secrets, stored_kinds=stored, off_thread=run_in_thread)
    dlg.test_requested.connect(start_probe_job)      # the job calls dlg.set_test_result(ok, text)
    dlg.profile_chosen.connect(switch_connection)    # a saved Profile; secrets are in `secrets`
    dlg.open()

The dialog is passive: it never runs a coroutine. Browsing uses `stored_kinds` (read ahead
off the GUI thread). All its keyring work (reading what is not read ahead, asking whether a
keyring exists, Save, Delete, Test) goes to `off_thread(work, done)`, which runs `work` in a
thread and calls `done(result)` on the GUI thread (standalone, it runs inline); one at a
time, in order. Without a keyring it asks, non-modally, before keeping a secret in memory.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QListWidgetItem,
    QMessageBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from natsobj_gui.core import contexts
from natsobj_gui.core.profiles import (
    EMBEDDED_ID,
    Profile,
    ProfileError,
    ProfileStore,
    new_id,
    to_connect_profile,
)
from natsobj_gui.core.secrets import KINDS, NoKeyringError, SecretStore, SecretStoreError
from natsobj_gui.core.types import ConnectProfile
from natsobj_gui.dialogs._common import ERROR_STYLE, OK_STYLE
from natsobj_gui.dialogs.connect_widgets import ProfileList, ProfileSide, profile_of
from natsobj_gui.dialogs.context_import import ContextImportDialog
from natsobj_gui.dialogs.keyring_work import KeyringWork, OffThread, run_inline
from natsobj_gui.dialogs.profile_editor import SESSION_HINT, STORED_HINT
from natsobj_gui.formatting import count_text


class ConnectDialog(QDialog):
    """A profile list beside an editor, with Test connection / Save / Connect."""

    test_requested = Signal(object)  # a ConnectProfile (secrets included, in memory only)
    profile_chosen = Signal(object)  # a saved Profile
    profiles_changed = Signal()

    def __init__(
        self,
        profiles: ProfileStore,
        secrets: SecretStore,
        *,
        embedded_url: str = "",
        current_id: str = "",
        stored_kinds: dict[str, set[str]] | None = None,
        off_thread: OffThread = run_inline,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connections")
        self.profiles = profiles
        self.secrets = secrets
        # Which secret kinds the keyring holds, by profile id: read by the caller off the GUI
        # thread (a keyring read can wait on an unlock prompt), kept current by our writes.
        self._stored = stored_kinds if stored_kinds is not None else {}
        self.embedded_url = embedded_url
        self._keyring = KeyringWork(off_thread, lambda text: self.show_message(text, error=True))
        self._reading: dict[str, object] = {}  # profile id -> its queued read's token
        self._hint = SESSION_HINT if secrets.last_available is False else STORED_HINT
        self._pending: list[tuple[Profile, dict[str, str]]] = []  # waiting for consent
        self._testing = False
        self._message_error = False
        self._connect_after: Profile | None = None  # Connect pressed while consent is asked

        left = self.profile_list = ProfileList()
        self.list = left.list
        self.new_button, self.duplicate_button = left.new_button, left.duplicate_button
        self.delete_button, self.import_button = left.delete_button, left.import_button

        right = ProfileSide()
        self.editor, self.embedded_note = right.editor, right.embedded_note
        self.test_button, self.result, self.message = right.test_button, right.result, right.message

        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.save_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Save)
        self.connect_button = self.buttons.addButton(
            "Connect", QDialogButtonBox.ButtonRole.AcceptRole
        )
        for b in (self.new_button, self.duplicate_button, self.delete_button, self.save_button):
            b.setAutoDefault(False)
        lay = QVBoxLayout(self)
        lay.addWidget(split, 1)
        lay.addWidget(self.buttons)
        self.resize(820, 600)

        self.list.currentItemChanged.connect(self._on_current)
        self.new_button.clicked.connect(self.new_profile)
        self.duplicate_button.clicked.connect(self.duplicate_profile)
        self.delete_button.clicked.connect(self.delete_profile)
        self.import_button.clicked.connect(self.open_import)
        self.test_button.clicked.connect(self.request_test)
        self.save_button.clicked.connect(self.save)
        self.connect_button.clicked.connect(self.connect_current)
        self.buttons.rejected.connect(self.reject)
        self.editor.changed.connect(self._update_buttons)
        # Finding the keyring backend may probe the desktop's services: not on this thread.
        self._keyring.run(lambda: secrets.available, self._set_usable)
        self.reload(current_id or profiles.last_used)

    # -- list -----------------------------------------------------------------------------

    def reload(self, select_id: str = "") -> None:
        """Refill the list from the store and select a profile by id."""
        self.profile_list.fill(self.profiles.all(), select_id)

    def current_profile(self) -> Profile:
        return self.profile_list.current() or self.profiles.all()[0]

    def _item_profile(self, item: QListWidgetItem) -> Profile:
        return profile_of(item)

    def _on_current(self, item: QListWidgetItem | None, _old: object = None) -> None:
        if item is None:
            return
        profile = self._item_profile(item)
        self.editor.stored_hint = self._hint
        self.editor.set_profile(profile, self._stored_kinds(profile))
        self.embedded_note.setText(
            "The embedded local server runs on this computer "
            f"({self.embedded_url or 'not started yet'}). It needs no settings."
        )
        self.embedded_note.setVisible(profile.embedded)
        self.editor.setVisible(not profile.embedded)
        self.result.clear()
        self.show_message("")
        self._update_buttons()

    def _stored_kinds(self, profile: Profile) -> set[str]:
        if profile.embedded:
            return set()
        if profile.id not in self._stored:  # not read ahead (new, or after a keyring error)
            self._read_stored(profile.id)  # shown as nothing stored until it is read
        return set(self._stored.get(profile.id, ()))

    def _read_stored(self, profile_id: str) -> None:
        """Read which secret kinds the keyring holds for a profile, in turn with the writes."""
        if profile_id in self._reading:
            return
        token = self._reading[profile_id] = object()
        secrets = self.secrets

        def done(kinds: set[str]) -> None:
            if self._reading.get(profile_id) is not token:
                return  # a write since makes this read stale
            del self._reading[profile_id]
            self._stored[profile_id] = kinds
            if self.current_profile().id == profile_id:
                self.editor.mark_stored(kinds)

        self._keyring.run(lambda: set(secrets.secrets_for(profile_id)), done)

    def _set_usable(self, usable: bool) -> None:
        self._hint = STORED_HINT if usable else SESSION_HINT
        if self.editor.stored_hint != self._hint and self.list.count():
            self.editor.stored_hint = self._hint
            self.editor.mark_stored(self._stored.get(self.current_profile().id, set()))

    def _update_buttons(self) -> None:
        profile = self.current_profile()
        self.delete_button.setEnabled(not profile.embedded)
        self.duplicate_button.setEnabled(not profile.embedded)
        self.save_button.setEnabled(not profile.embedded and not self.editor.problems())
        self.test_button.setEnabled(not self._testing)

    def show_message(self, text: str, *, error: bool = False) -> None:
        """An inline note under the editor (red for errors); empty hides it."""
        self._message_error = error
        self.message.setText(text)
        self.message.setStyleSheet(ERROR_STYLE if error else "")
        self.message.setVisible(bool(text))

    def _reload_keeping_message(self, select_id: str) -> None:
        text, error = self.message.text(), self._message_error
        self.reload(select_id)
        self.show_message(text, error=error)

    def new_profile(self) -> None:
        """Add an unsaved profile to edit (saved on Save)."""
        profile = Profile(self.profiles.unique_name("New connection"))
        self._add_unsaved(profile)

    def duplicate_profile(self) -> None:
        """Copy the current profile's settings (not its secrets) into a new unsaved one."""
        src = self.editor.profile()
        copy = replace(src, id=new_id(), name=self.profiles.unique_name(f"{src.name} copy"))
        self._add_unsaved(replace(copy, context=""))

    def _add_unsaved(self, profile: Profile) -> None:
        self._stored[profile.id] = set()  # a new id: nothing stored under it
        self.profile_list.add(profile)
        self.editor.name.setFocus()
        self.editor.name.selectAll()

    def delete_profile(self) -> None:
        """Remove the current saved profile and its secrets."""
        profile = self.current_profile()
        if profile.embedded:
            return
        self.profiles.remove(profile.id)
        secrets = self.secrets
        self._keyring.run(lambda: secrets.forget_profile(profile.id), lambda _none: None)
        self._stored.pop(profile.id, None)
        self._reading.pop(profile.id, None)
        self.profiles_changed.emit()
        self.reload(EMBEDDED_ID)

    # -- save / secrets -------------------------------------------------------------------

    def save(self) -> Profile | None:
        """Save the edited profile; its typed secrets go to the keyring (or ask)."""
        if self.current_profile().embedded:
            return None
        problems = self.editor.problems()
        if problems:
            self.show_message(" ".join(problems), error=True)
            return None
        try:
            profile = self.profiles.put(self.editor.profile())
        except ProfileError as exc:
            self.show_message(str(exc), error=True)
            return None
        self._store_secrets(profile, self.editor.typed_secrets())
        self.profiles_changed.emit()
        self._reload_keeping_message(profile.id)
        return profile

    def _store_secrets(self, profile: Profile, typed: dict[str, str]) -> None:
        # Secrets of another auth kind than the profile's are dropped: nothing stale is kept.
        keep = {k for k in KINDS if profile.secret_kind is not None and k == profile.secret_kind}
        typed = {k: v for k, v in typed.items() if k in keep}
        stored = self._stored.pop(profile.id, None)
        self._reading.pop(profile.id, None)  # a read queued before this write is stale
        # What will be stored, shown meanwhile (an unknown state is read again when shown).
        if typed or stored is not None:
            self._stored[profile.id] = set(typed) or (stored or set()) & keep
        secrets = self.secrets

        def write() -> tuple[str, str]:
            try:
                for kind in KINDS:
                    if kind not in keep:
                        secrets.delete(profile.id, kind)
                for kind, value in typed.items():
                    secrets.set(profile.id, kind, value)
            except NoKeyringError as exc:
                return "no keyring", str(exc)
            except SecretStoreError as exc:
                return "failed", str(exc)
            return "stored", ""

        def written(outcome: tuple[str, str]) -> None:
            status, why = outcome
            if status == "stored":
                self.show_message(f"Saved “{profile.name}”.")
            else:
                self._stored.pop(profile.id, None)
                if status == "failed":  # what is stored now is unknown: read it when shown
                    self.show_message(
                        f"Saved “{profile.name}”, but not its secret: {why}", error=True
                    )
                else:
                    if stored is not None:
                        self._stored[profile.id] = stored & keep
                    self._pending.append((profile, typed))
                    if len(self._pending) == 1:  # one question covers every secret waiting
                        self._ask_session_only(why)
            if self.current_profile().id == profile.id:
                self.editor.mark_stored(self._stored.get(profile.id, set()))

        self._keyring.run(write, written)

    def _ask_session_only(self, reason: str) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "No keyring",
            f"{reason[0].upper()}{reason[1:]}.\n\nKeep it in memory for this session? It is "
            "never written to disk; you will have to type it again next time.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.finished.connect(lambda code: self._on_consent(box, code))
        self.consent_box = box  # kept for tests and to stay alive while open
        box.open()

    def _on_consent(self, box: QMessageBox, _code: int) -> None:
        consent = box.clickedButton() is box.button(QMessageBox.StandardButton.Yes)
        self.answer_session_only(consent)

    def answer_session_only(self, consent: bool) -> None:
        """Apply the user's answer to the no-keyring question to the secrets waiting for it."""
        pending, self._pending = self._pending, []
        if consent:
            self.secrets.allow_session_only(True)
            for profile, typed in pending:
                for kind, value in typed.items():
                    self.secrets.keep_for_session(profile.id, kind, value)
                self._stored.setdefault(profile.id, set()).update(typed)
            self.show_message("Saved. The secret is kept in memory until the app quits.")
            current = self.current_profile()
            self.editor.mark_stored(self._stored.get(current.id, set()))
        else:
            self.show_message("Saved without the secret: you will be asked for it again.")
        after, self._connect_after = self._connect_after, None
        if after is not None and consent:
            self._choose(after)

    # -- import ---------------------------------------------------------------------------

    def open_import(self) -> None:
        """Pick nats CLI contexts to import as profiles."""
        dlg = ContextImportDialog(self)
        dlg.chosen.connect(self.import_contexts)
        self.import_dialog = dlg
        dlg.open()

    def import_contexts(self, names: list[str]) -> list[Profile]:
        """Import the named nats contexts; their secrets go to the keyring (or ask)."""
        try:
            imported = self.profiles.import_contexts(names)
        except (contexts.ContextError, ProfileError) as exc:
            self.show_message(str(exc), error=True)
            return []
        for profile, values in imported:
            self._store_secrets(profile, values)
        self.profiles_changed.emit()
        if imported:
            self._reload_keeping_message(imported[-1][0].id)
            note = f"Imported {count_text(len(imported), 'context')}."
            self._keyring.after(
                lambda: None if self._pending or self._message_error else self.show_message(note)
            )
        return [p for p, _ in imported]

    # -- test / connect -------------------------------------------------------------------

    def request_test(self) -> None:
        """Emit test_requested with what the form says now (saved or not)."""
        self._testing = True
        self.result.setStyleSheet("")
        self.result.setText("Testing…")
        self._update_buttons()
        if self.current_profile().embedded:
            # No URL yet: the embedded server is not running; the tester may start it.
            self.test_requested.emit(
                ConnectProfile(servers=tuple(filter(None, [self.embedded_url])))
            )
            return
        edited, typed, secrets = self.editor.profile(), self.editor.typed_secrets(), self.secrets

        def test(stored: dict[str, str]) -> None:
            try:
                cp = to_connect_profile(edited, {**stored, **typed})
            except ProfileError as exc:
                self.set_test_result(False, str(exc))
                return
            self.test_requested.emit(cp)

        self._keyring.run(lambda: secrets.secrets_for(edited.id), test)

    def set_test_result(self, ok: bool, text: str) -> None:
        """Show what the test found (called back by the job)."""
        self._testing = False
        self.result.setStyleSheet(OK_STYLE if ok else ERROR_STYLE)
        self.result.setText(text)
        self._update_buttons()

    def connect_current(self) -> None:
        """Save if edited, then emit profile_chosen; the dialog stays open until the caller
        says the connection worked (connect_finished), so a failure keeps the form."""
        profile = self.current_profile()
        if not profile.embedded:
            saved = self.save()
            if saved is None:
                return
            profile = saved
        self.connect_button.setEnabled(False)
        self._keyring.after(lambda: self._connect_saved(profile))

    def _connect_saved(self, profile: Profile) -> None:
        self.connect_button.setEnabled(True)
        if self._pending:  # its secret waits for the keyring question: connect after it
            self._connect_after = profile
            return
        self._choose(profile)

    def _choose(self, profile: Profile) -> None:
        self.profiles.set_last_used(profile.id)
        self.show_message(f"Connecting to “{profile.name}”…")
        self.connect_button.setEnabled(False)
        self.profile_chosen.emit(profile)

    def connect_finished(self, ok: bool, message: str = "") -> None:
        """The caller's answer to profile_chosen: close when connected, else say why."""
        self.connect_button.setEnabled(True)
        if ok:
            self.accept()
        else:
            self.show_message(f"Could not connect: {message}", error=True)
