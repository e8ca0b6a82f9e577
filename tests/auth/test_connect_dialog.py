"""ConnectDialog, ConnectionMenu and ConnectionIndicator, without a server (a passive dialog)."""

from __future__ import annotations

import json
from pathlib import Path

import keyring.backends.fail
import pytest
from PySide6.QtWidgets import QMessageBox

from natsobj_gui.core.profiles import EMBEDDED_ID, AuthKind, Profile, ProfileStore
from natsobj_gui.core.secrets import SecretStore
from natsobj_gui.core.types import ConnectProfile
from natsobj_gui.dialogs.connect_dialog import ConnectDialog
from natsobj_gui.dialogs.profile_editor import STORED_HINT
from natsobj_gui.views.connection_indicator import ConnectionIndicator, ConnState
from natsobj_gui.views.connection_menu import ConnectionMenu

from .support import MemoryKeyring, assert_no_secret


@pytest.fixture
def store(config_home: Path) -> ProfileStore:
    return ProfileStore()


def _dialog(qtbot, store: ProfileStore, secrets: SecretStore | None = None) -> ConnectDialog:
    dlg = ConnectDialog(store, secrets or SecretStore(), embedded_url="nats://127.0.0.1:4999")
    qtbot.addWidget(dlg)
    return dlg


def _fill_user(dlg: ConnectDialog, name: str, url: str, user: str, password: str) -> None:
    dlg.new_profile()
    ed = dlg.editor
    ed.name.setText(name)
    ed.servers.setText(url)
    ed.auth.setCurrentIndex(ed.auth.findData(AuthKind.USER))
    ed.user.setText(user)
    ed.password.setText(password)


def test_embedded_listed_first_and_not_editable(qtbot, store: ProfileStore) -> None:
    dlg = _dialog(qtbot, store)
    first = dlg.list.item(0)
    assert dlg.current_profile().id == EMBEDDED_ID and first.text().startswith("Local server")
    assert not dlg.delete_button.isEnabled() and not dlg.save_button.isEnabled()
    assert dlg.editor.isHidden() and "nats://127.0.0.1:4999" in dlg.embedded_note.text()
    tested: list[ConnectProfile] = []
    dlg.test_requested.connect(tested.append)
    dlg.test_button.click()
    assert tested[0].servers == ("nats://127.0.0.1:4999",)
    assert not dlg.test_button.isEnabled()  # until the result comes back
    dlg.set_test_result(True, "Connected to local (nats-server 2.12)")
    assert dlg.test_button.isEnabled() and "Connected" in dlg.result.text()


def test_save_user_profile_secret_to_keyring(
    qtbot, store: ProfileStore, memory_keyring: MemoryKeyring, config_home: Path
) -> None:
    dlg = _dialog(qtbot, store)
    changed: list[bool] = []
    dlg.profiles_changed.connect(lambda: changed.append(True))
    _fill_user(dlg, "prod", "nats.example.org:4222", "ops", "Sup3r-Secret-pw")
    assert "without encryption" in dlg.editor.warning.text()
    assert not dlg.editor.warning.isHidden()
    dlg.editor.servers.setText("tls://nats.example.org:4222")
    assert dlg.editor.warning.isHidden()
    saved = dlg.save()
    assert saved is not None and changed
    assert dlg.message.text() == "Saved “prod”." and not dlg.message.isHidden()
    assert saved.servers == ("tls://nats.example.org:4222",) and saved.user == "ops"
    assert list(memory_keyring.items.values()) == ["Sup3r-Secret-pw"]
    assert_no_secret(["Sup3r-Secret-pw"], folders=[config_home])
    assert json.loads((config_home / "natsobj-gui" / "profiles.json").read_text())["profiles"]

    # Re-opening shows a placeholder, never the secret; saving untouched keeps it.
    dlg2 = _dialog(qtbot, ProfileStore())
    dlg2.reload(saved.id)
    assert dlg2.editor.password.text() == ""
    assert dlg2.editor.password.placeholderText() == STORED_HINT
    assert dlg2.save() is not None
    assert list(memory_keyring.items.values()) == ["Sup3r-Secret-pw"]
    # Test connection uses the stored secret without showing it.
    tested: list[ConnectProfile] = []
    dlg2.test_requested.connect(tested.append)
    dlg2.request_test()
    assert tested[0].password == "Sup3r-Secret-pw"
    # Switching to a token drops the password from the keyring.
    ed = dlg2.editor
    ed.auth.setCurrentIndex(ed.auth.findData(AuthKind.TOKEN))
    ed.token.setText("tok-123")
    dlg2.save()
    assert list(memory_keyring.items.values()) == ["tok-123"]
    # Delete removes the profile and its secrets.
    dlg2.delete_profile()
    assert memory_keyring.items == {} and ProfileStore().saved() == []


def test_validation_blocks_save(qtbot, store: ProfileStore) -> None:
    dlg = _dialog(qtbot, store)
    dlg.new_profile()
    dlg.editor.servers.setText("http://x:1")
    dlg.editor.auth.setCurrentIndex(dlg.editor.auth.findData(AuthKind.CREDS))
    assert not dlg.save_button.isEnabled()
    assert dlg.save() is None
    assert "Unsupported URL scheme" in dlg.message.text()
    assert "credentials file" in dlg.message.text()
    assert store.saved() == []


def test_no_keyring_asks_before_keeping_in_memory(
    qtbot, store: ProfileStore, memory_keyring: MemoryKeyring, config_home: Path
) -> None:
    secrets = SecretStore(keyring.backends.fail.Keyring())
    dlg = _dialog(qtbot, store, secrets)
    _fill_user(dlg, "lab", "nats://127.0.0.1:4222", "me", "lab-Pw-9")
    profile = dlg.save()
    assert profile is not None
    box = dlg.consent_box
    assert box.isVisible() and "no system keyring" in box.text().lower()
    assert secrets.get(profile.id, "password") is None  # nothing kept before the answer
    box.button(QMessageBox.StandardButton.Yes).click()
    assert secrets.get(profile.id, "password") == "lab-Pw-9"
    assert "in memory until the app quits" in dlg.message.text()
    assert memory_keyring.items == {}
    assert_no_secret(["lab-Pw-9"], folders=[config_home])

    # A "No" keeps the profile but not the secret.
    secrets2 = SecretStore(keyring.backends.fail.Keyring())
    dlg2 = _dialog(qtbot, ProfileStore(), secrets2)
    _fill_user(dlg2, "lab2", "nats://127.0.0.1:4222", "me", "lab-Pw-10")
    p2 = dlg2.save()
    dlg2.consent_box.button(QMessageBox.StandardButton.No).click()
    assert p2 is not None and secrets2.get(p2.id, "password") is None
    assert ProfileStore().get(p2.id) is not None
    assert_no_secret(["lab-Pw-10"], folders=[config_home])


def test_import_contexts_from_dialog(
    qtbot, store: ProfileStore, config_home: Path, memory_keyring: MemoryKeyring
) -> None:
    folder = config_home / "nats" / "context"
    folder.mkdir(parents=True)
    (folder / "staging.json").write_text(
        json.dumps({"url": "nats://u:ctx-pw@10.2.0.1:4222", "description": "stage", "token": "t-9"})
    )
    (config_home / "nats" / "context.txt").write_text("staging")
    dlg = _dialog(qtbot, store)
    dlg.open_import()
    chooser = dlg.import_dialog
    assert chooser.names() == ["staging"]
    label = chooser.list.item(0).text()
    assert "[selected]" in label and "ctx-pw" not in label and "10.2.0.1" in label
    chooser.buttons.button(chooser.buttons.StandardButton.Ok).click()
    (profile,) = store.saved()
    assert profile.name == "staging" and profile.context == "staging"
    # The token wins; the URL's user:password is stripped so it cannot reach profiles.json.
    assert profile.servers == ("nats://10.2.0.1:4222",) and profile.auth is AuthKind.TOKEN
    assert dlg.current_profile().id == profile.id
    assert "Imported 1" in dlg.message.text()
    assert list(memory_keyring.items.values()) == ["t-9"]
    assert_no_secret(["t-9", "ctx-pw"], folders=[config_home / "natsobj-gui"])


def test_connect_button_emits_saved_profile(qtbot, store: ProfileStore) -> None:
    dlg = _dialog(qtbot, store)
    chosen: list[Profile] = []
    dlg.profile_chosen.connect(chosen.append)
    dlg.new_profile()
    dlg.editor.name.setText("plain")
    dlg.editor.servers.setText("nats://127.0.0.1:4333")
    dlg.connect_button.click()
    assert [p.name for p in chosen] == ["plain"]
    assert ProfileStore().last_used == chosen[0].id


def test_menu_lists_profiles_and_emits(qtbot, store: ProfileStore) -> None:
    a = store.put(Profile("alpha", ("nats://127.0.0.1:1",)))
    store.put(Profile("beta", ("nats://127.0.0.1:2",), context="beta-ctx"))
    menu = ConnectionMenu(store)
    qtbot.addWidget(menu.menu)
    names = [act.text() for act in menu.profile_actions()]
    assert names[0].startswith("Local server") and names[1:] == ["alpha", "beta"]
    assert menu.profile_actions()[0].isChecked()
    chosen: list[Profile] = []
    menu.profile_chosen.connect(chosen.append)
    menu.profile_actions()[1].trigger()
    assert chosen == [a] and menu.profile_actions()[1].isChecked()
    assert not menu.profile_actions()[0].isChecked()
    menu.set_current(menu.current_id)  # the switch failed: the mark goes back
    assert menu.profile_actions()[0].isChecked()
    menu.set_current(a.id)
    store.remove(a.id)
    menu.refresh()
    assert [act.text() for act in menu.profile_actions()][1:] == ["beta"]
    managed: list[bool] = []
    menu.manage_requested.connect(lambda: managed.append(True))
    assert menu.manage_action is not None
    menu.manage_action.trigger()
    assert managed
    menu.set_current("")
    assert not any(act.isChecked() for act in menu.profile_actions())


def test_indicator_states(qtbot) -> None:
    ind = ConnectionIndicator()
    qtbot.addWidget(ind)
    assert ind.label.text() == "Disconnected"
    ind.set_state(ConnState.CONNECTED, "nats-1")
    assert ind.label.text() == "Connected · nats-1" and "#2e7d32" in ind.dot.styleSheet()
    ind.set_state("reconnecting", "nats-1", "server restarted")
    assert ind.state is ConnState.RECONNECTING and "server restarted" in ind.toolTip()
    assert "#ef8f00" in ind.dot.styleSheet()


def test_import_without_keyring_asks_once(
    qtbot, store: ProfileStore, config_home: Path, memory_keyring: MemoryKeyring
) -> None:
    folder = config_home / "nats" / "context"
    folder.mkdir(parents=True)
    for name, token in (("one", "tk-one"), ("two", "tk-two")):
        (folder / f"{name}.json").write_text(json.dumps({"url": "nats://h:1", "token": token}))
    secrets = SecretStore(keyring.backends.fail.Keyring())
    dlg = _dialog(qtbot, store, secrets)
    imported = dlg.import_contexts(["one", "two"])
    first_box = dlg.consent_box
    assert [p.name for p in imported] == ["one", "two"]
    assert first_box.isVisible()
    first_box.button(QMessageBox.StandardButton.Yes).click()
    assert dlg.consent_box is first_box  # one question for both
    assert [secrets.get(p.id, "token") for p in imported] == ["tk-one", "tk-two"]
    assert memory_keyring.items == {}
    assert_no_secret(["tk-one", "tk-two"], folders=[config_home / "natsobj-gui"])


class _CountingKeyring(MemoryKeyring):
    """The in-memory keyring, counting reads."""

    reads = 0

    def get_password(self, service: str, username: str) -> str | None:
        type(self).reads += 1
        return super().get_password(service, username)


def test_browsing_profiles_reads_no_keyring_when_read_ahead(
    qtbot, store: ProfileStore, config_home: Path
) -> None:
    # The manager reads which secrets exist in a thread and hands that over: selecting,
    # adding and saving profiles in the dialog must not read the keyring on the GUI thread.
    backend = _CountingKeyring()
    secrets = SecretStore(backend)
    a = store.put(Profile("A", servers=("nats://127.0.0.1:4222",), auth=AuthKind.USER, user="u"))
    b = store.put(Profile("B", servers=("nats://127.0.0.1:4223",)))
    secrets.set(a.id, "password", "pw-a")
    stored = {a.id: {"password"}, b.id: set()}
    _CountingKeyring.reads = 0
    dlg = ConnectDialog(store, secrets, embedded_url="", stored_kinds=stored)
    qtbot.addWidget(dlg)
    for row in range(dlg.list.count()):
        dlg.list.setCurrentRow(row)
        if dlg.current_profile().id == a.id:
            assert dlg.editor.password.placeholderText() == STORED_HINT
    _fill_user(dlg, "C", "nats://127.0.0.1:4224", "c", "pw-c")
    saved = dlg.save()
    assert saved is not None
    dlg.list.setCurrentRow(0)
    dlg.reload(saved.id)
    assert dlg.editor.password.placeholderText() == STORED_HINT
    assert _CountingKeyring.reads == 0
    assert secrets.get(saved.id, "password") == "pw-c"


def test_without_read_ahead_the_dialog_reads_the_keyring_itself(
    qtbot, store: ProfileStore, memory_keyring: MemoryKeyring, config_home: Path
) -> None:
    secrets = SecretStore()
    a = store.put(Profile("A", servers=("nats://127.0.0.1:4222",), auth=AuthKind.USER, user="u"))
    secrets.set(a.id, "password", "pw-a")
    dlg = _dialog(qtbot, store, secrets)
    dlg.reload(a.id)
    assert dlg.editor.password.placeholderText() == STORED_HINT


def test_connect_waits_for_the_keyring_write(
    qtbot, store: ProfileStore, memory_keyring: MemoryKeyring
) -> None:
    # The caller runs keyring work in a thread: here it runs when the test says so.
    queued: list = []
    dlg = ConnectDialog(
        store, SecretStore(), off_thread=lambda work, done: queued.append((work, done))
    )
    qtbot.addWidget(dlg)
    chosen: list[Profile] = []
    dlg.profile_chosen.connect(chosen.append)
    _fill_user(dlg, "later", "nats://127.0.0.1:4222", "me", "later-Pw-1")
    dlg.connect_current()
    assert memory_keyring.items == {} and chosen == [] and not dlg.connect_button.isEnabled()
    assert len(queued) == 1  # one at a time: Connect waits behind the write
    while queued:
        work, done = queued.pop(0)
        done(work())
    assert list(memory_keyring.items.values()) == ["later-Pw-1"]
    assert [p.name for p in chosen] == ["later"]


def test_keyring_work_goes_on_after_a_failure() -> None:
    from natsobj_gui.dialogs.keyring_work import KeyringWork, run_inline

    errors: list[str] = []
    results: list[object] = []
    queue = KeyringWork(run_inline, errors.append)

    def broken() -> None:
        raise RuntimeError("backend exploded")

    queue.run(broken, results.append)
    queue.run(lambda: "next", results.append)
    queue.after(lambda: results.append("after"))
    assert results == ["next", "after"]
    assert len(errors) == 1 and errors[0].startswith("The keyring failed")
    assert "Traceback" not in errors[0]
