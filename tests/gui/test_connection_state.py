"""The connection indicator follows the live connection: lost, reconnecting, back, failed."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest
from PySide6.QtWidgets import QApplication

from natsobj_gui.core import Client
from natsobj_gui.core.errors import NotConnectedError
from natsobj_gui.core.profiles import AuthKind, Profile, ProfileStore
from natsobj_gui.core.secrets import SecretStore
from natsobj_gui.core.server import free_port
from natsobj_gui.views.connection_indicator import ConnState

from .window_support import (
    close_window,
    message_boxes,
    open_bucket,
    profile_action,
    table_names,
    unconnected_window,
    wait_signal,
    wait_until,
)


@pytest.mark.timeout(90)
def test_failed_switch_then_server_loss_shows_reconnecting(
    qloop, server_factory, settings, config_home
) -> None:
    """A failed switch must not make the live connection's events count as stale."""
    server = server_factory()
    profiles = ProfileStore()
    profiles.put(Profile("Plain", (server.url,)))
    profiles.put(Profile("Nowhere", (f"nats://127.0.0.1:{free_port()}",)))
    w = unconnected_window(settings)
    indicator = w.connections.indicator

    async def body() -> None:
        loaded = wait_signal(w.buckets_loaded, timeout=30)
        profile_action(w, "Plain").trigger()
        await loaded
        assert indicator.state is ConnState.CONNECTED
        async with await Client.connect(server.url) as c:
            store = await c.create_bucket("kept")
            await store.put("a/x.txt", b"x")
            await store.put("b.txt", b"b")
        await open_bucket(w, "kept")
        client = w.client
        profile_action(w, "Nowhere").trigger()
        await wait_until(lambda: w.jobs.job("switch") is None, timeout=20)
        assert w.client is client and indicator.state is ConnState.CONNECTED
        assert "Nowhere" in w.statusBar().currentMessage()
        await wait_until(lambda: len(message_boxes()) == 1, timeout=5)
        message_boxes()[0].close()

        await asyncio.to_thread(server.stop)
        await wait_until(lambda: indicator.state is ConnState.RECONNECTING, timeout=15)
        await wait_until(lambda: "attempt" in indicator.label.text(), timeout=15)
        assert "Errno" not in w.statusBar().currentMessage()
        assert not w.window_actions.refresh.isEnabled()
        assert "unreachable" in w.window_actions.refresh.toolTip()
        # Browsing what is listed still works; errors of the outage go to one banner.
        w.open_location("kept", "a/")
        assert table_names(w) == ["x.txt"]
        w.objects.table.selectRow(0)
        assert w.window_actions.info.isEnabled() and not w.window_actions.download.isEnabled()
        assert not w.window_actions.delete.isEnabled()
        for _ in range(3):
            w.report_error("Refresh failed", NotConnectedError())
        await asyncio.sleep(0.1)
        assert not message_boxes()
        assert "Refresh failed" in w.banner.text.text() and "2 more" in w.banner.text.text()

        back = wait_signal(w.buckets_loaded, timeout=40)
        await asyncio.to_thread(server.start)
        await back
        assert indicator.state is ConnState.CONNECTED
        assert w.window_actions.refresh.isEnabled()

    try:
        qloop.run_until_complete(body())
    finally:
        close_window(qloop, w)


@pytest.mark.timeout(60)
def test_failed_with_reason_then_disconnect(qloop, server_factory, settings, config_home) -> None:
    """No connection and a refused login: Failed (authentication); Disconnect closes."""
    plain = server_factory()
    secured = server_factory('authorization { user: bob, password: "right-one" }\n')
    profiles = ProfileStore()
    profiles.put(Profile("Plain", (plain.url,)))
    bad = profiles.put(Profile("Secured", (secured.url,), AuthKind.USER, user="bob"))
    SecretStore().set(bad.id, "password", "wrong-one")
    w = unconnected_window(settings)
    indicator = w.connections.indicator

    async def body() -> None:
        profile_action(w, "Secured").trigger()
        await wait_until(lambda: indicator.state is ConnState.FAILED, timeout=20)
        assert "authentication" in indicator.label.text()
        assert "check the user" in indicator.toolTip()

        loaded = wait_signal(w.buckets_loaded, timeout=30)
        profile_action(w, "Plain").trigger()
        await loaded
        assert indicator.state is ConnState.CONNECTED
        disconnect = w.connections.menu.disconnect_action
        assert disconnect.isEnabled()
        client = w.client
        disconnect.trigger()
        await wait_until(lambda: w.client is None, timeout=10)
        assert client.conn.nc.is_closed
        assert indicator.state is ConnState.DISCONNECTED
        assert not disconnect.isEnabled() and not w.window_actions.new_bucket.isEnabled()

    try:
        qloop.run_until_complete(body())
    finally:
        close_window(qloop, w)


@pytest.mark.timeout(90)
def test_embedded_server_killed_under_the_app_comes_back(
    qloop, settings, config_home, tmp_path
) -> None:
    """The app's own server dies: the window says so, starts it again, and reconnects."""
    from procs import alive

    from natsobj_gui.app import connect_target, parse_args
    from natsobj_gui.core.embedded import EmbeddedServer

    embedded = EmbeddedServer(tmp_path / "jetstream")
    w = unconnected_window(settings)
    w.embedded = embedded
    indicator = w.connections.indicator

    async def body() -> None:
        args = parse_args([])
        client, label = await connect_target(args, embedded, w.connection_events())
        await w.set_client(client, label)
        await client.create_bucket("kept_bucket")
        await w.nav.load_buckets()
        assert indicator.state is ConnState.CONNECTED
        pid, url = embedded.pid, embedded.url

        os.kill(pid, signal.SIGKILL)
        await wait_until(lambda: indicator.state is ConnState.RECONNECTING, timeout=15)
        await wait_until(lambda: embedded.pid not in (0, pid), timeout=20)
        assert "local server" in w.banner.text.text().lower()
        assert "another natsobj-gui" not in w.banner.text.text()
        back = wait_signal(w.buckets_loaded, timeout=40)
        await back
        assert indicator.state is ConnState.CONNECTED
        assert embedded.url == url and w.tree_model.buckets() == ["kept_bucket"]
        assert not alive(pid), "the dead server is left as a zombie"
        await wait_until(lambda: w.embedded_watch.restarts == 1, timeout=10)

    try:
        qloop.run_until_complete(body())
    finally:
        close_window(qloop, w)
        embedded.stop()


@pytest.mark.timeout(120)
def test_transfers_broken_by_an_outage_retry_when_back(
    qloop, server_factory, settings, config_home, tmp_path
) -> None:
    """Failed during the outage: no box, retried once back; with the setting off, it waits."""
    from natsobj_gui.core.transfers import TransferState

    server = server_factory()
    w = unconnected_window(settings)
    indicator = w.connections.indicator
    src = tmp_path / "a.txt"
    src.write_bytes(b"x" * 5000)

    async def outage(name: str):
        await asyncio.to_thread(server.stop)
        await wait_until(lambda: indicator.state is ConnState.RECONNECTING, timeout=15)
        t = w.transfers.queue.upload("tx_bucket", src, name)
        await wait_until(lambda: t.state is TransferState.FAILED, timeout=30)
        assert t.dropped, t.error
        assert not message_boxes()
        assert name in w.banner.text.text()
        retry = w.transfer_panel.retry_button
        # The panel's buttons follow in a throttled update.
        await wait_until(lambda: not retry.isEnabled() and "unreachable" in retry.toolTip())
        back = wait_signal(w.buckets_loaded, timeout=40)
        await asyncio.to_thread(server.start)
        await back
        return t

    async def body() -> None:
        client = await Client.connect(server.url, w.connection_events())
        await w.set_client(client, "tx server")
        await client.create_bucket("tx_bucket")

        t = await outage("a.txt")
        await wait_until(lambda: t.state is TransferState.DONE, timeout=30)
        assert (await client.store("tx_bucket").info("a.txt")).size == 5000

        w.transfers.outcomes.auto_retry_action.setChecked(False)
        t = await outage("b.txt")
        await asyncio.sleep(1.5)
        assert t.state is TransferState.FAILED
        assert w.transfer_panel.retry_button.isEnabled()
        w.transfer_panel.select_row(w.transfers.queue.transfers().index(t))
        assert t.error in w.transfer_panel.details_text(t)
        menu = w.transfer_panel.build_menu()
        assert "Details…" in [a.text() for a in menu.actions() if a.isVisible()]
        menu.close()

    try:
        qloop.run_until_complete(body())
    finally:
        close_window(qloop, w)


def test_title_names_the_app_once(qloop, nats_server, settings) -> None:
    """Qt appends the display name unless the title ends with it: never say it twice."""
    from natsobj_gui.views.main_window import APP_TITLE

    app = QApplication.instance()
    previous = app.applicationDisplayName()
    app.setApplicationDisplayName(APP_TITLE)
    w = unconnected_window(settings)

    async def body() -> None:
        client = await Client.connect(nats_server.url)
        await w.set_client(client, f"Local server ({nats_server.url})")
        title = w.windowTitle()
        assert title.startswith("Local server") and title.endswith(APP_TITLE)
        assert title.count(APP_TITLE) == 1

    try:
        qloop.run_until_complete(body())
    finally:
        close_window(qloop, w)
        app.setApplicationDisplayName(previous)


@pytest.mark.timeout(90)
def test_session_only_secret_connects_and_a_failed_connect_keeps_the_form(
    qloop, server_factory, settings, config_home
) -> None:
    """No keyring: Yes keeps the password for the session and Connect uses it; the field
    then says where it is; a failed Connect leaves the dialog open with the reason."""
    import keyring.backends.fail
    from PySide6.QtWidgets import QMessageBox

    from natsobj_gui.dialogs.profile_editor import SESSION_HINT

    server = server_factory('authorization { user: bob, password: "sess-pw-1" }\n')
    w = unconnected_window(settings)
    w.connections.secrets = SecretStore(keyring.backends.fail.Keyring())

    async def body() -> None:
        dlg = await w.connections.show_dialog()
        dlg.new_profile()
        ed = dlg.editor
        ed.name.setText("Session")
        ed.servers.setText(server.url)
        ed.auth.setCurrentIndex(ed.auth.findData(AuthKind.USER))
        ed.user.setText("bob")
        ed.password.setText("sess-pw-1")
        loaded = wait_signal(w.buckets_loaded, timeout=30)
        dlg.connect_button.click()
        # The keyring is tried in a thread: the question comes once it said no.
        await wait_until(lambda: getattr(dlg, "consent_box", None) is not None, timeout=10)
        box = dlg.consent_box
        assert box.isVisible() and "keyring.backends" not in box.text()
        assert dlg.isVisible()  # waits for the answer
        box.button(QMessageBox.StandardButton.Yes).click()
        await loaded
        assert w.connections.indicator.state is ConnState.CONNECTED
        await wait_until(lambda: not dlg.isVisible(), timeout=5)

        dlg = await w.connections.show_dialog()
        dlg.reload(ProfileStore().last_used)
        assert dlg.editor.password.placeholderText() == SESSION_HINT
        assert not dlg.editor.problems()

        dlg.new_profile()
        dlg.editor.name.setText("Nowhere")
        dlg.editor.servers.setText(f"nats://127.0.0.1:{free_port()}")
        dlg.connect_button.click()
        await wait_until(lambda: "Could not connect" in dlg.message.text(), timeout=20)
        assert dlg.isVisible() and dlg.editor.name.text() == "Nowhere"
        assert dlg.connect_button.isEnabled()
        assert "Errno" not in dlg.message.text()
        dlg.close()

    try:
        qloop.run_until_complete(body())
    finally:
        close_window(qloop, w)


@pytest.mark.timeout(60)
def test_a_server_without_jetstream_shows_failed(qloop, server_factory, settings) -> None:
    server = server_factory(jetstream=False)
    w = unconnected_window(settings)
    indicator = w.connections.indicator

    async def body() -> None:
        client = await Client.connect(server.url, w.connection_events())
        await w.set_client(client, "No JS")
        assert indicator.state is ConnState.FAILED
        assert "no JetStream" in indicator.label.text()
        assert "JetStream is not enabled" in indicator.toolTip()

    try:
        qloop.run_until_complete(body())
    finally:
        close_window(qloop, w)


def test_failure_kinds_name_the_cause() -> None:
    from natsobj_gui.core.connection import describe_connect_error
    from natsobj_gui.core.types import ConnectProfile
    from natsobj_gui.views.connection_indicator import failure_kind

    p = ConnectProfile(servers=("tls://127.0.0.1:1",))
    assert failure_kind(describe_connect_error(ConnectionRefusedError(111, "x"), p)) == "refused"
    assert failure_kind("TLS: the server certificate is not trusted (unknown CA)") == "TLS"
    assert failure_kind("authentication failed at nats://h: check the user") == "authentication"
    assert failure_kind("JetStream is not enabled on this server or account") == "no JetStream"


@pytest.mark.timeout(60)
def test_test_connection_to_an_unknown_host_is_a_sentence(qloop, settings, config_home) -> None:
    """'[Errno -2] Name or service not known' reads 'no host named … was found'."""
    w = unconnected_window(settings)

    async def body() -> None:
        dlg = await w.connections.show_dialog()
        dlg.new_profile()
        dlg.editor.name.setText("Typo")
        dlg.editor.servers.setText("nats://nosuch-host.invalid:4222")
        dlg.test_button.click()
        await wait_until(lambda: dlg.test_button.isEnabled(), timeout=40)
        text = dlg.result.text()
        assert "no host named nosuch-host.invalid was found" in text, text
        assert "Errno" not in text
        dlg.close()

    try:
        qloop.run_until_complete(body())
    finally:
        close_window(qloop, w)
