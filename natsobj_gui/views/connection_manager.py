"""Glue between the main window and the connection pieces: menu, indicator, dialog, switching.

The window creates one ConnectionManager; it fills the window's Connection menu, puts the
indicator in the status bar, hands out ConnectionEvents for each new connection, and switches
profiles as jobs (the dialog and menu stay passive). It sees the window only as the small
ConnectionHost; what the rest of the window does when the connection drops or comes back
follows its `lost` and `back` signals.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMenu, QStatusBar, QWidget

from natsobj_gui.core import Client, ConnectionEvents
from natsobj_gui.core.probe import probe
from natsobj_gui.core.profiles import (
    EMBEDDED_ID,
    Profile,
    ProfileError,
    ProfileStore,
    to_connect_profile,
)
from natsobj_gui.core.secrets import SecretStore
from natsobj_gui.core.sentences import scrub
from natsobj_gui.core.types import ConnectProfile
from natsobj_gui.dialogs.connect_dialog import ConnectDialog
from natsobj_gui.jobs import error_message
from natsobj_gui.views.connection_indicator import ConnectionIndicator, ConnState, failure_kind
from natsobj_gui.views.connection_menu import ConnectionMenu
from natsobj_gui.views.ops_host import is_online

if TYPE_CHECKING:
    from natsobj_gui.views.ops_host import ConnectionHost, Work
    from natsobj_gui.views.outage import OutageBanner

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StartResult:
    """What start_last_used did: connected with the saved profile, or not (and why not)."""

    connected: bool
    note: str = ""  # for the status bar when a saved profile could not be used


class _Hidden:
    """A thread's result that never shows in a repr: qasync's executor logs results."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "<hidden>"


class ConnectionManager(QObject):
    """Profiles, secrets, the Connection menu and the status indicator of one window."""

    switched = Signal(object)  # the Profile now connected
    lost = Signal()  # the connection in use dropped (or closed)
    back = Signal()  # ... and is up again

    def __init__(
        self,
        host: ConnectionHost,
        work: Work,
        *,
        parent: QWidget,
        status_bar: QStatusBar,
        menu: QMenu,
        banner: OutageBanner,
        reviving: Callable[[], bool],
        profiles: ProfileStore | None = None,
        secrets: SecretStore | None = None,
    ) -> None:
        super().__init__(parent)
        self.host = host  # the window's connection: read, and set by switching
        self.work = work
        self.parent_widget = parent  # of the Connections dialog
        self.status_bar = status_bar
        self.banner = banner
        self.reviving = reviving  # the local server is being restarted: its banner says more
        if profiles is None:
            try:
                profiles = ProfileStore()
            except ProfileError as exc:  # a broken file must not keep the window from opening
                log.warning("%s", exc)
                status_bar.showMessage(f"Saved connections not loaded: {exc}")
                profiles = ProfileStore(load=False)
        self.profiles = profiles
        self.secrets = secrets or SecretStore()
        self.menu = ConnectionMenu(self.profiles, menu, self)
        self.indicator = ConnectionIndicator()
        status_bar.addPermanentWidget(self.indicator)
        self.dialog: ConnectDialog | None = None
        self.label = ""
        self._switching = False
        self.menu.profile_chosen.connect(self.switch)
        self.menu.manage_requested.connect(self.open_dialog)
        self.menu.disconnect_requested.connect(self.disconnect)
        host.client_changed.connect(self._on_client_changed)

    # -- events of one connection ------------------------------------------------------------
    def events(self) -> ConnectionEvents:
        """Callbacks for a new connection; they act only while it is the window's connection.

        Liveness is the connection's identity, not a counter: a failed attempt to switch
        must not silence the connection still in use.
        """
        events = ConnectionEvents()

        def current() -> bool:
            client = self.host.client
            return client is not None and client.conn.events is events

        def disconnected() -> None:
            if current():
                self.status_bar.clearMessage()  # e.g. nats-py's "unexpected EOF"
                self._show_reconnecting(0, "the connection was lost")
                self.lost.emit()  # server actions off (with why), listed items stay

        def reconnect_failed(attempt: int, reason: str) -> None:
            if current():
                self._show_reconnecting(attempt, reason)

        def reconnected() -> None:
            if current():
                self._show_connected()
                self.banner.resolve("Connected again.")
                self.status_bar.showMessage("Reconnected", 8000)
                self.back.emit()

        def closed() -> None:
            if current():
                self.indicator.set_state(ConnState.DISCONNECTED, self.label)
                self.lost.emit()

        def error(text: str) -> None:
            # While the connection is down the banner says what is going on: a raw
            # "unexpected EOF" in the status bar would only add noise.
            if current() and is_online(self.host.client):
                self.status_bar.showMessage(scrub(text.removeprefix("nats: ")), 8000)

        events.on_disconnected = disconnected
        events.on_reconnect_failed = reconnect_failed
        events.on_reconnected = reconnected
        events.on_closed = closed
        events.on_error = error
        return events

    def _show_reconnecting(self, attempt: int, reason: str) -> None:
        client = self.host.client
        wait = client.conn.nc.options.get("reconnect_time_wait", 1) if client else 1
        note = f"attempt {attempt + 1}, next try in {wait:g} s" if attempt else "trying now"
        self.indicator.set_state(ConnState.RECONNECTING, self.label, reason, note)
        if not self.reviving():  # its own message says more
            why = f"The server is unreachable: {reason}. Reconnecting ({note})…"
            self.banner.show_message(why)

    def show_failed(self, name: str, reason: str) -> None:
        """No connection, because the last attempt failed (auth, TLS, refused…)."""
        self.indicator.set_state(ConnState.FAILED, name, reason, failure_kind(reason))

    def _show_connected(self) -> None:
        client = self.host.client
        if client is None:
            self.indicator.set_state(ConnState.DISCONNECTED)
            return
        info = client.conn.server_info
        server = str(info.get("server_name") or "")
        detail = f"{server} (nats-server {info.get('version', '?')})\n{client.conn.connected_url}"
        self.indicator.set_state(ConnState.CONNECTED, self.label or server, detail)

    def _on_client_changed(self) -> None:
        client = self.host.client
        self.label = self.host.client_label
        self.menu.set_connected(client is not None)
        if client is None:
            self.indicator.set_state(ConnState.DISCONNECTED)
            return
        if not self._switching:  # connected by the app (command line or default): which one?
            embedded = self.host.embedded
            url = embedded.url if embedded is not None and embedded.running else ""
            is_embedded = bool(url) and url.split("://")[-1] in client.conn.connected_url
            self.menu.set_current(EMBEDDED_ID if is_embedded else "")
        self._show_connected()

    # -- switching ---------------------------------------------------------------------------
    async def connect_profile(self, profile: Profile) -> ConnectProfile:
        """The ConnectProfile of a saved profile: its secrets, or the embedded server's URL."""
        if profile.embedded:
            return to_connect_profile(profile, embedded_url=await self.host.embedded_url())
        # A locked keyring may block while it asks for its password: not on the GUI thread.
        secrets = (await asyncio.to_thread(self._read_secrets, profile.id)).value
        kind = profile.secret_kind
        if kind is not None and kind not in secrets:
            what = {"password": "password", "token": "token"}.get(kind, "NKey seed")
            raise ProfileError(f"The {what} of “{profile.name}” is not stored")
        return to_connect_profile(profile, secrets)

    async def start_last_used(self) -> StartResult:
        """At start: connect with the last used saved profile, if there is one to use.

        Not connected when there is none (or it is the embedded server), with a note when
        its secret would have to be typed or it cannot connect; the app then uses the
        embedded server.
        """
        profile = self.profiles.get(self.profiles.last_used)
        if profile is None or profile.embedded:
            return StartResult(connected=False)
        try:
            cp = await self.connect_profile(profile)
        except ProfileError as exc:
            note = f"{exc}: started on the local server instead (Connection menu to switch)."
            return StartResult(connected=False, note=note)
        try:
            await self._connect(profile, cp)
        except Exception as exc:
            note = (
                f"Could not connect to “{profile.name}” ({error_message(exc)}): "
                "started on the local server instead."
            )
            return StartResult(connected=False, note=note)
        return StartResult(connected=True)

    def _read_secrets(self, profile_id: str) -> _Hidden:
        return _Hidden(self.secrets.secrets_for(profile_id))

    def switch(self, profile: Profile) -> None:
        """Connect with another profile (as a job); the old connection stays on failure."""
        title = f"Could not connect to “{profile.name}”"
        self.work.run_reported(self._switch(profile), key="switch", error_title=title)

    def _switch_from_dialog(self, dlg: ConnectDialog, profile: Profile) -> None:
        """Connect from the dialog: it closes once connected, and shows why it did not."""
        job = self.work.run(self._switch(profile), key="switch")
        job.succeeded.connect(lambda ok: dlg.connect_finished(True) if ok else None)
        job.failed.connect(lambda message: dlg.connect_finished(False, message))
        job.cancelled.connect(lambda: dlg.connect_finished(False, "cancelled"))

    async def _switch(self, profile: Profile) -> bool:
        """True once connected; False when the dialog was opened to ask for the secret."""
        previous = self.menu.current_id
        try:
            cp = await self.connect_profile(profile)
        except ProfileError as exc:
            # Not a connection failure: the profile lacks its secret. Let the user type it.
            self.menu.set_current(previous)
            dlg = await self.show_dialog()
            dlg.reload(profile.id)
            dlg.show_message(f"{exc}: enter it here.", error=True)
            dlg.connect_button.setEnabled(True)
            return False
        await self._connect(profile, cp, previous)
        return True

    async def _connect(self, profile: Profile, cp: ConnectProfile, previous: str = "") -> None:
        """Connect with `cp`; on failure the menu and indicator show the old state again."""
        self.indicator.set_state(ConnState.CONNECTING, profile.name)
        self.status_bar.showMessage(f"Connecting to {profile.name}…")
        try:
            client = await Client.connect(cp, self.events())
        except BaseException as exc:
            self.menu.set_current(previous)
            if self.host.client is not None:
                self._show_connected()
            elif isinstance(exc, Exception):
                self.show_failed(profile.name, error_message(exc))
            else:
                self.indicator.set_state(ConnState.DISCONNECTED)
            raise
        self.menu.set_current(profile.id)
        self.profiles.set_last_used(profile.id)
        self._switching = True
        try:
            await self.host.set_client(client, profile.name)
        finally:
            self._switching = False
        self.switched.emit(profile)

    def reconnect_embedded(self) -> None:
        """The local server came back on another port: connect to it anew if it was in use."""
        profile = self.profiles.get(EMBEDDED_ID)
        if profile is not None and self.menu.current_id == EMBEDDED_ID:
            self.switch(profile)

    def disconnect(self) -> None:
        """Connection → Disconnect: close the connection; the window keeps nothing listed."""

        async def run() -> None:
            self.menu.set_current("")
            await self.host.set_client(None)
            self.status_bar.showMessage("Disconnected: choose a connection in the Connection menu.")

        self.work.run_reported(run(), key="switch", error_title="Disconnect")

    # -- dialog ------------------------------------------------------------------------------
    def open_dialog(self) -> None:
        """Show the Connections dialog (non-modal; one at a time), once the keyring was read."""
        self.work.run_reported(self.show_dialog(), key="connections", error_title="Connections")

    def _raise_dialog(self) -> ConnectDialog | None:
        """The open dialog, brought to the front; None if none is open."""
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.raise_()
            return self.dialog
        return None

    async def show_dialog(self) -> ConnectDialog:
        """The Connections dialog, shown; which secrets are stored is read in a thread."""
        if (shown := self._raise_dialog()) is not None:
            return shown
        ids = [p.id for p in self.profiles.all() if not p.embedded]
        secrets = self.secrets
        # A keyring read can wait on its unlock prompt: never on the GUI thread.
        stored = await asyncio.to_thread(lambda: {i: set(secrets.secrets_for(i)) for i in ids})
        if (shown := self._raise_dialog()) is not None:  # opened meanwhile
            return shown
        embedded = self.host.embedded
        url = embedded.url if embedded is not None and embedded.running else ""
        dlg = ConnectDialog(
            self.profiles,
            self.secrets,
            embedded_url=url,
            current_id=self.menu.current_id,
            stored_kinds=stored,
            off_thread=self._off_thread,
            parent=self.parent_widget,
        )
        dlg.test_requested.connect(lambda cp: self._test(dlg, cp))
        dlg.profile_chosen.connect(lambda profile: self._switch_from_dialog(dlg, profile))
        dlg.profiles_changed.connect(self.menu.refresh)
        self.dialog = dlg
        dlg.open()
        return dlg

    def _off_thread(self, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        """The dialog's keyring work, in a thread (a locked keyring may block on its prompt)."""

        async def run() -> _Hidden:
            return await asyncio.to_thread(lambda: _Hidden(work()))

        # Not cancelled with the dialog: a write the user asked for is finished.
        job = self.work.run(run())
        job.succeeded.connect(lambda hidden: done(hidden.value))

    def _test(self, dlg: ConnectDialog, cp: ConnectProfile) -> None:
        async def run() -> None:
            if not cp.servers or not all(cp.servers):  # the embedded server, not started yet
                url = await self.host.embedded_url()
                target = ConnectProfile(servers=(url,), name=cp.name)
            else:
                target = cp
            result = await probe(target)
            dlg.set_test_result(result.ok, result.summary())

        job = self.work.run(run(), key="probe")
        job.failed.connect(lambda message: dlg.set_test_result(False, message))
