"""Switching connections in the main window: the tree reloads, the indicator follows, no leaks."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.errors
import pytest
from auth.support import MemoryKeyring, assert_no_secret
from PySide6.QtWidgets import QMessageBox

from natsobj_gui.core import Client
from natsobj_gui.core import secrets as secrets_module
from natsobj_gui.core.profiles import AuthKind, Profile, ProfileStore, to_connect_profile
from natsobj_gui.core.secrets import KINDS, SecretStore
from natsobj_gui.dialogs.profile_editor import STORED_HINT
from natsobj_gui.views.connection_indicator import ConnState
from natsobj_gui.views.connection_manager import StartResult

from .window_support import (
    close_window,
    profile_action,
    table_names,
    unconnected_window,
    wait_signal,
    wait_until,
)

PASSWORD = "gui-Secret-pw-31"


def test_switch_profiles_reloads_tree(
    qloop, server_factory, settings, config_home, tmp_path, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    plain = server_factory()
    secured = server_factory(f'authorization {{ user: bob, password: "{PASSWORD}" }}\n')
    profiles = ProfileStore()
    profiles.put(Profile("Plain", (plain.url,)))
    pb = profiles.put(Profile("Secured", (secured.url,), AuthKind.USER, user="bob"))
    SecretStore().set(pb.id, "password", PASSWORD)

    async def setup() -> None:
        async with await Client.connect(plain.url) as c:
            await (await c.create_bucket("alpha_bucket")).put("a.txt", b"a")
        async with await Client.connect(to_connect_profile(pb, {"password": PASSWORD})) as c:
            await (await c.create_bucket("beta_bucket")).put("b.txt", b"b")

    qloop.run_until_complete(setup())
    w = unconnected_window(settings)
    indicator = w.connections.indicator

    async def body() -> None:
        assert [a.text() for a in w.connections.menu.profile_actions()][1:] == ["Plain", "Secured"]
        loaded = wait_signal(w.buckets_loaded, timeout=30)
        profile_action(w, "Plain").trigger()
        await loaded
        assert w.tree_model.buckets() == ["alpha_bucket"]
        assert indicator.state is ConnState.CONNECTED and indicator.server == "Plain"
        assert w.windowTitle().startswith("Plain")

        loaded = wait_signal(w.buckets_loaded, timeout=30)
        profile_action(w, "Secured").trigger()
        await loaded
        assert w.tree_model.buckets() == ["beta_bucket"]
        assert indicator.state is ConnState.CONNECTED and indicator.server == "Secured"
        assert ProfileStore().last_used == pb.id

        # Open the bucket, then restart its server: reconnect, tree reloads, rows not doubled.
        w.open_location("beta_bucket")
        await wait_until(lambda: table_names(w) == ["b.txt"], timeout=30)
        reloaded = wait_signal(w.buckets_loaded, timeout=40)
        await asyncio.to_thread(secured.restart)
        await reloaded
        assert indicator.state is ConnState.CONNECTED
        await wait_until(lambda: w.tree_model.buckets() == ["beta_bucket"], timeout=30)
        async with await Client.connect(to_connect_profile(pb, {"password": PASSWORD})) as c:
            await c.store("beta_bucket").put("c.txt", b"c")
        await wait_until(lambda: table_names(w) == ["b.txt", "c.txt"], timeout=40)

        loaded = wait_signal(w.buckets_loaded, timeout=30)
        profile_action(w, "Plain").trigger()
        await loaded
        assert w.tree_model.buckets() == ["alpha_bucket"]
        assert table_names(w) == []  # the old bucket's rows are gone

        # No password stored (e.g. declined without a keyring): switching opens the dialog on
        # that profile to ask for it, and the current connection stays.
        SecretStore().delete(pb.id, "password")
        client = w.client
        profile_action(w, "Secured").trigger()
        await wait_until(lambda: w.connections.dialog is not None, timeout=10)
        dlg = w.connections.dialog
        await wait_until(lambda: "is not stored" in dlg.message.text(), timeout=10)
        assert dlg.isVisible() and dlg.current_profile().id == pb.id
        assert w.client is client and indicator.state is ConnState.CONNECTED
        assert (
            profile_action(w, "Plain").isChecked() and not profile_action(w, "Secured").isChecked()
        )
        dlg.close()

    try:
        qloop.run_until_complete(body())
    finally:
        close_window(qloop, w)
    settings.sync()
    texts = [caplog.text, w.windowTitle(), indicator.toolTip()]
    assert_no_secret([PASSWORD], texts=texts, folders=[config_home])
    assert_no_secret([PASSWORD], texts=[Path(settings.fileName()).read_text()])


def test_dialog_test_connection_runs_probe(qloop, server_factory, settings, config_home) -> None:
    """Manage connections… → Test connection: the manager probes and the dialog shows it."""
    server = server_factory(f'authorization {{ user: bob, password: "{PASSWORD}" }}\n')
    profile = ProfileStore().put(Profile("Secured", (server.url,), AuthKind.USER, user="bob"))
    w = unconnected_window(settings)

    async def body() -> None:
        w.connections.menu.manage_action.trigger()
        # It opens once the keyring was read, in a thread.
        await wait_until(lambda: w.connections.dialog is not None, timeout=10)
        dlg = w.connections.dialog
        assert dlg.isVisible()
        dlg.reload(profile.id)
        dlg.editor.password.setText("wrong-one")
        dlg.test_button.click()
        await wait_until(lambda: dlg.test_button.isEnabled(), timeout=30)
        assert "authentication failed" in dlg.result.text()
        assert "wrong-one" not in dlg.result.text()
        dlg.editor.password.setText(PASSWORD)
        dlg.test_button.click()
        await wait_until(lambda: dlg.test_button.isEnabled(), timeout=30)
        assert "JetStream: enabled" in dlg.result.text(), dlg.result.text()
        # Connect from the dialog: saves the password to the keyring and switches.
        loaded = wait_signal(w.buckets_loaded, timeout=30)
        dlg.connect_button.click()
        await loaded
        assert w.connections.indicator.server == "Secured"
        assert SecretStore().get(profile.id, "password") == PASSWORD

    try:
        qloop.run_until_complete(body())
    finally:
        close_window(qloop, w)
    assert_no_secret(
        [PASSWORD], folders=[config_home], texts=[Path(settings.fileName()).read_text()]
    )


def _server_and_form(kind: str, server_factory, tmp_path: Path):
    """A server for one auth kind, a function filling the dialog's editor, and the secrets."""
    from auth.nats_jwt import make_operator, new_key

    if kind == "user":
        server = server_factory(f'authorization {{ user: bob, password: "{PASSWORD}" }}\n')
        secret = PASSWORD

        def fill(ed) -> None:
            ed.user.setText("bob")
            ed.password.setText(PASSWORD)

    elif kind == "token":
        secret = "tok-" + PASSWORD
        server = server_factory(f'authorization {{ token: "{secret}" }}\n')

        def fill(ed) -> None:
            ed.token.setText(secret)

    elif kind == "nkey":
        import nkeys

        user = new_key(nkeys.PREFIX_BYTE_USER)
        server = server_factory(f"authorization {{ users: [ {{ nkey: {user.public} }} ] }}\n")
        secret = user.seed

        def fill(ed) -> None:
            ed.nkey_seed.setText(user.seed)

    else:
        op = make_operator()
        server = server_factory(op.server_config())
        creds = tmp_path / "user.creds"
        creds.write_text(op.creds())
        secret = op.user.seed

        def fill(ed) -> None:
            ed.creds_file.setText(str(creds))

    return server, fill, secret


@pytest.mark.parametrize("kind", ["user", "token", "nkey", "creds"])
def test_each_auth_type_leaves_no_secret(
    qloop, server_factory, settings, config_home, tmp_path, caplog, kind
) -> None:
    """Create the profile in the dialog, connect, close: no secret in QSettings/files/logs."""
    caplog.set_level(logging.DEBUG)
    server, fill, secret = _server_and_form(kind, server_factory, tmp_path)
    w = unconnected_window(settings)

    async def body() -> None:
        dlg = await w.connections.show_dialog()
        dlg.new_profile()
        ed = dlg.editor
        ed.name.setText(f"via {kind}")
        ed.servers.setText(server.url)
        ed.auth.setCurrentIndex(ed.auth.findData(AuthKind(kind)))
        fill(ed)
        assert not ed.problems(), ed.problems()
        loaded = wait_signal(w.buckets_loaded, timeout=30)
        dlg.connect_button.click()
        await loaded
        assert w.connections.indicator.state is ConnState.CONNECTED
        assert w.connections.indicator.server == f"via {kind}"

    try:
        qloop.run_until_complete(body())
    finally:
        close_window(qloop, w)
    settings.sync()
    texts = [caplog.text, w.windowTitle(), Path(settings.fileName()).read_text()]
    assert_no_secret([secret], texts=texts, folders=[config_home])


def test_start_last_used_says_connected_or_why_not(
    qloop, nats_server, settings, config_home
) -> None:
    w = unconnected_window(settings)
    manager = w.connections
    plain = manager.profiles.put(Profile("Plain", (nats_server.url,)))
    locked = manager.profiles.put(Profile("Locked", (nats_server.url,), AuthKind.USER, user="u"))

    async def body() -> None:
        assert await manager.start_last_used() == StartResult(connected=False)  # none yet
        manager.profiles.set_last_used(locked.id)  # its password is not stored
        result = await manager.start_last_used()
        assert not result.connected
        assert "is not stored" in result.note and "local server" in result.note
        manager.profiles.set_last_used(plain.id)
        assert await manager.start_last_used() == StartResult(connected=True)
        assert w.client is not None

    try:
        qloop.run_until_complete(body())
    finally:
        close_window(qloop, w)


class _ThreadKeyring(MemoryKeyring):
    """The in-memory keyring, noting each call and whether it came on the GUI thread."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, bool]] = []  # (call, on the GUI thread)

    def _note(self, call: str) -> None:
        self.calls.append((call, threading.current_thread() is threading.main_thread()))

    def get_password(self, service: str, username: str) -> str | None:
        self._note("get")
        return super().get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        self._note("set")
        super().set_password(service, username, password)

    def delete_password(self, service: str, username: str) -> None:
        self._note("delete")
        super().delete_password(service, username)


def _fill(dlg, name: str, password: str) -> None:
    dlg.new_profile()
    ed = dlg.editor
    ed.name.setText(name)
    ed.servers.setText("nats://127.0.0.1:1")
    ed.auth.setCurrentIndex(ed.auth.findData(AuthKind.USER))
    ed.user.setText("bob")
    ed.password.setText(password)


def test_the_dialog_uses_the_keyring_off_the_gui_thread(qloop, settings, config_home) -> None:
    """Save, Test connection and Delete in the Connections dialog: no keyring call on the
    GUI thread (a locked keyring waits on its unlock prompt)."""
    backend = _ThreadKeyring()
    keyring.set_keyring(backend)
    w = unconnected_window(settings)
    tested: list = []

    async def body() -> None:
        dlg = await w.connections.show_dialog()
        _fill(dlg, "Keyed", PASSWORD)
        dlg.save_button.click()
        await wait_until(lambda: dlg.message.text() == "Saved “Keyed”.", timeout=10)
        profile = dlg.current_profile()
        assert backend.items == {("natsobj-gui", f"{profile.id}:password"): PASSWORD}
        assert dlg.editor.password.placeholderText() == STORED_HINT
        # Test connection with the stored password (the field is empty after saving).
        dlg.test_requested.connect(tested.append)
        dlg.test_button.click()
        await wait_until(lambda: bool(tested), timeout=10)
        assert tested[0].password == PASSWORD
        await wait_until(lambda: dlg.test_button.isEnabled(), timeout=30)
        dlg.delete_profile()
        await wait_until(lambda: not backend.items, timeout=10)
        dlg.close()

    try:
        qloop.run_until_complete(body())
    finally:
        close_window(qloop, w)
    calls = {call for call, _gui in backend.calls}
    assert {"get", "set", "delete"} <= calls
    assert [call for call, gui in backend.calls if gui] == []


class _RefusingKeyring(_ThreadKeyring):
    """A keyring that refuses writes while `refuse` is set (a locked or broken backend)."""

    refuse = False

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.refuse:
            self._note("set")
            raise keyring.errors.PasswordSetError("the collection is locked")
        super().set_password(service, username, password)


def test_unknown_stored_secrets_are_read_off_the_gui_thread(
    qloop, settings, config_home, monkeypatch
) -> None:
    """What the dialog did not read ahead (an imported profile, one whose write failed) and
    whether a keyring exists at all are asked in a thread, never on the GUI thread."""
    backend = _RefusingKeyring()
    keyring.set_keyring(backend)
    asked: list[bool] = []  # whether a keyring is usable: asked on the GUI thread?
    usable = secrets_module.backend_usable

    def noted_usable(b: keyring.backend.KeyringBackend) -> bool:
        asked.append(threading.current_thread() is threading.main_thread())
        return usable(b)

    monkeypatch.setattr(secrets_module, "backend_usable", noted_usable)
    folder = config_home / "nats" / "context"
    folder.mkdir(parents=True)
    (folder / "plain.json").write_text(json.dumps({"url": "nats://127.0.0.1:1"}))
    w = unconnected_window(settings)

    def gets() -> int:
        return sum(call == "get" for call, _gui in backend.calls)

    async def body() -> None:
        dlg = await w.connections.show_dialog()  # no saved profile: nothing was read ahead
        [imported] = dlg.import_contexts(["plain"])  # no secret: nothing known about its id
        await wait_until(lambda: gets() == len(KINDS), timeout=10)
        assert dlg.current_profile().id == imported.id
        # A write the keyring refuses: what it holds is unknown, read again when shown.
        backend.refuse = True
        _fill(dlg, "Refused", PASSWORD)
        dlg.save_button.click()
        await wait_until(lambda: "not its secret" in dlg.message.text(), timeout=10)
        refused = dlg.current_profile()
        backend.refuse = False
        # Meanwhile the password got into the keyring (another app, or an unlock).
        backend.items[("natsobj-gui", f"{refused.id}:password")] = PASSWORD
        dlg.list.setCurrentRow(0)
        dlg.reload(refused.id)
        await wait_until(lambda: dlg.editor.password.placeholderText() == STORED_HINT, timeout=10)
        dlg.close()

    try:
        qloop.run_until_complete(body())
    finally:
        close_window(qloop, w)
    assert gets() >= 2 * len(KINDS) and asked
    assert [call for call, gui in backend.calls if gui] == []
    assert True not in asked


def test_without_a_keyring_the_window_asks_before_keeping_the_password(
    qloop, settings, config_home
) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    w = unconnected_window(settings)

    async def body() -> None:
        dlg = await w.connections.show_dialog()
        _fill(dlg, "Memory", PASSWORD)
        dlg.save_button.click()
        await wait_until(lambda: getattr(dlg, "consent_box", None) is not None, timeout=10)
        profile = dlg.current_profile()
        assert dlg.consent_box.isVisible()
        assert w.connections.secrets.get(profile.id, "password") is None
        dlg.consent_box.button(QMessageBox.StandardButton.Yes).click()
        assert w.connections.secrets.get(profile.id, "password") == PASSWORD
        assert "in memory until the app quits" in dlg.message.text()
        dlg.close()

    try:
        qloop.run_until_complete(body())
    finally:
        close_window(qloop, w)
    assert_no_secret([PASSWORD], folders=[config_home])
