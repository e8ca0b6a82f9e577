"""Drag objects and folders out: file URLs of complete local copies, the internal format kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from natsobj_gui.core.transfer_record import TransferState
from natsobj_gui.models.object_columns import parse_objects_mime
from natsobj_gui.views import drag_out
from natsobj_gui.views.drop import local_paths

from .window_support import (  # noqa: F401 - fixtures
    open_bucket,
    row_of,
    send_drag,
    settings_fixture,
    table_names,
    wait_until,
    window_fixture,
)


@pytest.fixture(autouse=True)
def cache_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _mime(w, labels: list[str]):
    proxy = w.objects.proxy
    return w.objects.table.drag_data([proxy.index(row_of(w, lab), 0) for lab in labels])


def _done(w) -> bool:
    ts = w.transfers.queue.transfers()
    return bool(ts) and all(t.state is TransferState.DONE for t in ts)


def test_drag_carries_file_urls_of_downloaded_objects_and_folders(
    qloop, window, store, cache_home: Path
) -> None:
    async def body() -> None:
        await store.put("a.txt", b"alpha")
        await store.put("docs/b.txt", b"beta")
        await store.put("docs/sub/c.txt", b"gamma")
        await open_bucket(window, store.bucket)
        mime = _mime(window, ["a.txt", "docs/"])
        # The internal format is there at once (drops on our own folders move objects).
        assert parse_objects_mime(mime) == [(store.bucket, "a.txt")]
        assert mime.hasUrls()
        # The drag started the downloads, shown in the transfer panel.
        assert window.transfer_panel.model.rowCount() == 3
        await wait_until(lambda: _done(window))
        urls = mime.urls()
        paths = [Path(u.toLocalFile()) for u in urls]
        assert [p.name for p in paths] == ["a.txt", "docs"]
        assert all(cache_home in p.parents for p in paths)
        assert paths[0].read_bytes() == b"alpha"
        assert (paths[1] / "b.txt").read_bytes() == b"beta"
        assert (paths[1] / "sub" / "c.txt").read_bytes() == b"gamma"
        # Raw bytes as a file manager reads them.
        raw = bytes(mime.data("text/uri-list").data()).decode()
        assert raw.split("\r\n")[:2] == [u.toString() for u in urls]

        # A second drag of the cached object needs no download.
        again = _mime(window, ["a.txt"])
        assert [Path(u.toLocalFile()) for u in again.urls()] == [paths[0]]
        assert len(window.transfers.queue.transfers()) == 3

    qloop.run_until_complete(body())


def test_objects_still_downloading_are_left_out_and_big_ones_not_fetched(
    qloop, window, store, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def body() -> None:
        await store.put("small.txt", b"s")
        await store.put("big.bin", b"b" * 5000)
        await open_bucket(window, store.bucket)
        # The drop target asks before the download finished: only complete files are given.
        mime = _mime(window, ["small.txt"])
        assert mime.urls() == []
        assert "left out" in window.statusBar().currentMessage()
        await wait_until(lambda: _done(window))
        assert [Path(u.toLocalFile()).name for u in mime.urls()] == ["small.txt"]

        monkeypatch.setattr(drag_out, "DRAG_FETCH_MAX_BYTES", 1000)
        big = _mime(window, ["big.bin"])
        assert "Too much to drag out" in window.statusBar().currentMessage()
        assert len(window.transfers.queue.transfers()) == 1
        assert big.urls() == []
        assert parse_objects_mime(big) == [(store.bucket, "big.bin")]

    qloop.run_until_complete(body())


def test_own_drag_moves_into_a_folder_and_never_uploads_the_cached_files(
    qloop, window, store
) -> None:
    async def body() -> None:
        await store.put("a.txt", b"alpha")
        await store.put("docs/b.txt", b"beta")
        await open_bucket(window, store.bucket)
        mime = _mime(window, ["a.txt"])
        await wait_until(lambda: _done(window))
        assert mime.urls()
        assert local_paths(mime) == []  # our own drag is never a local-file upload
        viewport = window.objects.table.viewport()
        rect = window.objects.table.visualRect(
            window.objects.proxy.index(row_of(window, "docs/"), 0)
        )
        _, moved, dropped = send_drag(viewport, mime, rect.center())
        assert moved and dropped
        await wait_until(lambda: table_names(window) == ["docs/"])
        assert (await store.info("docs/a.txt")).size == 5
        assert [t.is_upload for t in window.transfers.queue.transfers()] == [False]

    qloop.run_until_complete(body())
