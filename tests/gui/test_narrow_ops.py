"""The bucket and transfer handlers, the connection manager and the local-server watch work
with a few small objects and no MainWindow at all.

Each is built here from plain stand-ins for the window's roles (a Session of values, a
Navigator that records, Work on a JobRunner, a bare parent widget) against a real server;
the window's Navigation from the tree, the table and their models alone.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QMenu, QStatusBar, QWidget

from natsobj_gui.core import Client
from natsobj_gui.core.embedded import EmbeddedServer
from natsobj_gui.core.index import BucketIndex
from natsobj_gui.core.profiles import Profile, ProfileStore
from natsobj_gui.core.secrets import SecretStore
from natsobj_gui.core.transfers import TransferQueue, TransferState
from natsobj_gui.core.types import BucketConfig, BucketInfo, ObjectInfo
from natsobj_gui.jobs import JobRunner, JobState
from natsobj_gui.models.bucket_tree_model import BucketTreeModel
from natsobj_gui.models.object_table_model import ObjectTableModel
from natsobj_gui.views.bucket_ops import BACKUP_JOB, BucketOps
from natsobj_gui.views.bucket_tree_view import BucketTreeView
from natsobj_gui.views.connection_indicator import ConnState
from natsobj_gui.views.connection_manager import ConnectionManager
from natsobj_gui.views.embedded_watch import EmbeddedWatch
from natsobj_gui.views.navigation import Navigation
from natsobj_gui.views.object_view import ObjectView
from natsobj_gui.views.ops_host import Work
from natsobj_gui.views.outage import ErrorReporter, OutageBanner
from natsobj_gui.views.transfer_ops import TransferOps

from .helpers import wait_signal, wait_until
from .window_support import config_home_fixture  # noqa: F401 - fixture


@dataclass
class Place:
    """A Session of plain values: what a window would show."""

    client: Client | None
    bucket: str = ""
    prefix: str = ""
    index: BucketIndex | None = None
    buckets: dict[str, BucketInfo] = field(default_factory=dict)

    def is_writable(self, bucket: str) -> bool:
        info = self.buckets.get(bucket)
        return info is not None and not info.sealed


@dataclass
class Nav:
    """A Navigator that keeps the bucket list in `place` and records what was opened."""

    place: Place
    opened: list[tuple[str, str]] = field(default_factory=list)

    async def load_buckets(self) -> None:
        assert self.place.client is not None
        self.place.buckets = {b.name: b for b in await self.place.client.buckets.list()}

    def open_location(self, bucket: str, prefix: str = "") -> None:
        self.opened.append((bucket, prefix))
        self.place.bucket, self.place.prefix = bucket, prefix

    def update_bucket_info(self, info: BucketInfo) -> None:
        self.place.buckets[info.name] = info

    async def close_bucket(self) -> None:
        self.place.bucket = ""


@dataclass
class Picked:
    """A Selection of fixed objects."""

    infos: list[ObjectInfo] = field(default_factory=list)

    def selected_infos(self) -> list[ObjectInfo]:
        return list(self.infos)

    def selected_folders(self) -> list[str]:
        return []


@pytest.fixture
def parent(qloop) -> Iterator[QWidget]:
    """A bare widget (never shown) as the dialogs' and timers' parent."""
    widget = QWidget()
    yield widget
    widget.deleteLater()


def test_bucket_ops_from_small_objects(
    qloop, client, parent, bucket_name: str, tmp_path: Path
) -> None:
    name = bucket_name
    place = Place(client)
    nav = Nav(place)
    status: list[str] = []
    reports: list[tuple[str, str]] = []
    work = Work(JobRunner(parent), lambda title, error: reports.append((title, str(error))))
    ops = BucketOps(
        session=place,
        nav=nav,
        work=work,
        status=lambda text, timeout_ms=0: status.append(text),
        parent=parent,
        queue=TransferQueue(client),
    )
    dest = tmp_path / "b.natsobj-backup"

    async def body() -> None:
        ops._create(BucketConfig(name))
        await wait_until(lambda: nav.opened == [(name, "")])
        assert name in place.buckets and status[-1] == f"Created bucket {name}"
        await client.store(name).put("x", b"payload")

        ops.backup_to(name, dest)
        job = work.jobs.job(BACKUP_JOB)
        assert job is not None and await job.wait() is JobState.OK
        assert dest.is_file() and status[-1].startswith(f"Backed up {name} to")

        # Restoring over the existing bucket fails: Work reports it under its title.
        ops.restore_from(dest)
        job = work.jobs.job(BACKUP_JOB)
        assert job is not None and await job.wait() is JobState.ERROR
        assert reports and reports[0][0] == f"Could not restore {dest.name}"
        assert "already exists" in reports[0][1]

    try:
        qloop.run_until_complete(body())
    finally:
        qloop.run_until_complete(client.buckets.delete(name))


def test_transfer_ops_from_small_objects(qloop, client, store, parent, tmp_path: Path) -> None:
    bucket = store.bucket
    place = Place(client, bucket=bucket)
    status: list[str] = []
    banner = OutageBanner()
    errors = ErrorReporter(
        parent, banner, lambda text, ms=0: status.append(text), offline=lambda: True
    )
    refreshed: list[str] = []
    picked = Picked()
    ops = TransferOps(
        session=place,
        selection=picked,
        work=Work(JobRunner(parent), errors.report),
        errors=errors,
        settings=QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat),
        parent=parent,
        refresh_status=refreshed.append,
    )
    src = tmp_path / "a.txt"
    src.write_bytes(b"hello narrow")
    out = tmp_path / "out"
    out.mkdir()

    async def body() -> None:
        await ops.set_client(client)
        # Not writable (the Session knows no such bucket): refused, said on the banner.
        ops.upload_paths([src], bucket)
        assert "Upload refused" in banner.text.text() and not ops.queue.transfers()

        place.buckets = {bucket: await client.buckets.status(bucket)}
        ops.upload_paths([src], bucket)
        await wait_until(lambda: [t.state for t in ops.queue.transfers()] == [TransferState.DONE])
        assert await store.get_bytes("a.txt") == b"hello narrow"

        picked.infos = [await store.info("a.txt")]
        ops.download(ops._selected_for_download(), out)
        await wait_until(lambda: all(t.state is TransferState.DONE for t in ops.queue.transfers()))
        assert (out / "a.txt").read_bytes() == b"hello narrow"
        assert status[-1] == f"Downloaded a.txt to {out / 'a.txt'}"
        assert not refreshed  # only a failed upload re-reads the bucket's status
        ops.cancel_all()
        await ops.shutdown()

    qloop.run_until_complete(body())
    banner.deleteLater()


class Seat(QObject):
    """A ConnectionHost that only keeps the connection it is given."""

    client_changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.client: Client | None = None
        self.client_label = ""
        self.embedded: EmbeddedServer | None = None

    async def embedded_url(self) -> str:
        raise AssertionError("no profile here uses the local server")

    async def set_client(self, client: Client | None, label: str = "") -> None:
        old, self.client, self.client_label = self.client, client, label
        self.client_changed.emit()
        if old is not None and old is not client:
            await old.close()


@pytest.mark.timeout(90)
def test_connection_manager_from_small_objects(
    qloop, server_factory, config_home, parent, tmp_path: Path
) -> None:
    server = server_factory()
    profiles = ProfileStore(tmp_path / "profiles.json")
    plain = profiles.put(Profile("Plain", (server.url,)))
    seat, status_bar, banner = Seat(), QStatusBar(), OutageBanner()
    reports: list[tuple[str, str]] = []
    manager = ConnectionManager(
        seat,
        Work(JobRunner(parent), lambda title, error: reports.append((title, str(error)))),
        parent=parent,
        status_bar=status_bar,
        menu=QMenu(),
        banner=banner,
        reviving=lambda: False,
        profiles=profiles,
        secrets=SecretStore(),
    )
    lost: list[bool] = []
    manager.lost.connect(lambda: lost.append(True))

    async def body() -> None:
        switched = wait_signal(manager.switched, timeout=30)
        manager.switch(plain)
        assert (await switched) == (plain,)
        assert seat.client is not None and seat.client_label == "Plain"
        assert manager.indicator.state is ConnState.CONNECTED
        assert manager.menu.current_id == plain.id and profiles.last_used == plain.id

        # The connection drops and comes back: the banner says so, the signals tell the rest.
        back = wait_signal(manager.back, timeout=40)
        await asyncio.to_thread(server.restart)
        await back
        assert lost and banner.text.text() == "Connected again."
        assert status_bar.currentMessage() == "Reconnected"

        manager.disconnect()
        await wait_until(lambda: seat.client is None)
        assert manager.indicator.state is ConnState.DISCONNECTED
        assert status_bar.currentMessage().startswith("Disconnected")
        assert not reports

    qloop.run_until_complete(body())
    for widget in (status_bar, banner):
        widget.deleteLater()


@pytest.mark.timeout(60)
def test_embedded_watch_from_small_objects(qloop, parent, tmp_path: Path) -> None:
    embedded = EmbeddedServer(tmp_path / "jetstream")
    banner = OutageBanner()
    reports: list[tuple[str, str]] = []
    work = Work(JobRunner(parent), lambda title, error: reports.append((title, str(error))))
    watch = EmbeddedWatch(parent, lambda: embedded, work, banner, online=lambda: False)

    async def body() -> None:
        url = await asyncio.to_thread(embedded.start)
        pid = embedded.pid
        restarted = wait_signal(watch.restarted, timeout=30)
        os.kill(pid, signal.SIGKILL)
        assert (await restarted) == (embedded.url,)
        assert embedded.pid not in (0, pid) and watch.restarts == 1
        # Not online yet (no connection here): the banner says a reconnect is under way.
        assert "started again" in banner.text.text()
        assert embedded.url == url and not reports

    try:
        qloop.run_until_complete(body())
    finally:
        watch.stop()
        embedded.stop()
        banner.deleteLater()


def test_navigation_from_small_objects(qloop, client, store, parent, tmp_path: Path) -> None:
    bucket = store.bucket
    tree_model, object_model = BucketTreeModel(parent), ObjectTableModel(parent)
    tree, objects = BucketTreeView(tree_model), ObjectView(object_model)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    status: list[str] = []
    reports: list[tuple[str, str]] = []
    work = Work(JobRunner(parent), lambda title, error: reports.append((title, str(error))))

    def say(text: str, timeout_ms: int = 0) -> None:
        status.append(text)

    nav = Navigation(tree, objects, work, say, settings, parent)
    changes: list[bool] = []
    nav.changed.connect(lambda: changes.append(True))
    places: list[tuple[str, str]] = []
    nav.location_changed.connect(lambda b, p: places.append((b, p)))

    async def body() -> None:
        for name in ("a/x", "a/b/y", "top"):
            await store.put(name, b"data")
        nav.set_client(client)
        await nav.load_buckets()
        assert bucket in nav.buckets and nav.is_writable(bucket)
        assert tree_model.buckets() == [bucket] and changes

        done = wait_signal(nav.listing_done, timeout=30)
        nav.open_location(bucket, "a/")
        assert (await done) == (bucket,)
        assert nav.index is not None and len(nav.index) == 3
        assert object_model.rowCount() == 2  # the folder b/ and x
        assert places == [(bucket, "a/")] and status[-1] == f"{bucket}: 3 objects"
        assert settings.value("session/last_prefix") == "a/"

        nav.go_up()
        assert (nav.bucket, nav.prefix) == (bucket, "") and places[-1] == (bucket, "")
        nav.forget_object(await store.info("top"))
        assert "top" not in nav.index and object_model.rowCount() == 1  # the folder a/

        await nav.close_bucket()
        assert (nav.bucket, nav.index, work.job("watch")) == ("", None, None)
        assert not reports

    qloop.run_until_complete(body())
    for widget in (tree, objects):
        widget.deleteLater()
