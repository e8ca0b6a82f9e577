"""Interop with nats.js's object store (npm `nats` v2), in both directions, on a real server.

nats.js is installed by these tests into a cache folder of their own (bounded in time,
reused across runs); they skip only when node or npm is not installed.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

from natsobj_gui.core import ObjectMeta, ObjectStore
from natsobj_gui.core.server import LocalServer

from .raw import digest_of

NATS_JS = "2.29.3"  # the nats.js release these tests were written against
SCRIPT = Path(__file__).parent.parent / "interop" / "objstore.mjs"
INSTALL_SECONDS = 180


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "natsobj-gui-tests" / "npm" / f"nats-{NATS_JS}"


def _install(npm: str, dest: Path) -> None:
    """`npm install nats@NATS_JS` into `dest`, atomically: a cut-short install leaves none."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".installing-", dir=dest.parent))
    try:
        (work / "package.json").write_text('{"private": true}\n')
        cmd = [npm, "install", "--no-audit", "--no-fund", "--loglevel=error", f"nats@{NATS_JS}"]
        try:
            proc = subprocess.run(
                cmd, cwd=work, capture_output=True, text=True, timeout=INSTALL_SECONDS
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"npm install nats@{NATS_JS} took over {INSTALL_SECONDS} s")
        if proc.returncode != 0:
            pytest.fail(f"npm install nats@{NATS_JS} failed: {proc.stderr[-2000:]}")
        try:
            work.rename(dest)
        except OSError:
            if not (dest / "node_modules" / "nats").is_dir():  # else another run won
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="session")
def nats_js() -> dict[str, str]:
    """node and the folder holding nats.js; skips when node or npm is missing."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("the nats.js interop tests need node and npm (not installed here)")
    dest = _cache_dir()
    if not (dest / "node_modules" / "nats" / "package.json").is_file():
        _install(npm, dest)
    return {"node": node, "dir": str(dest)}


async def _js(nats_js: dict[str, str], **spec: Any) -> dict[str, Any]:
    """Run one nats.js object-store operation; its view of the object's info."""
    env = {**os.environ, "NATSOBJ_NPM_DIR": nats_js["dir"]}
    cmd = [nats_js["node"], str(SCRIPT), json.dumps(spec)]
    proc = await asyncio.to_thread(
        subprocess.run, cmd, capture_output=True, text=True, timeout=60, env=env
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


async def test_we_put_nats_js_reads_byte_exact(
    nats_js: dict[str, str], nats_server: LocalServer, store: ObjectStore, tmp_path: Path
) -> None:
    objects = {"multi/chunk.bin": os.urandom(3 * 131072 + 99), "one": b"1", "empty": b""}
    for name, data in objects.items():
        await store.put(ObjectMeta(name, description="by us"), data)
    for name, data in objects.items():
        out = tmp_path / "out.bin"
        seen = await _js(
            nats_js, op="get", url=nats_server.url, bucket=store.bucket, name=name, file=str(out)
        )
        assert out.read_bytes() == data  # nats.js checked the digest while reading
        ours = await store.info(name)
        assert seen["size"] == len(data) and seen["chunks"] == ours.chunks
        assert seen["digest"] == ours.digest == digest_of(data)


async def test_nats_js_puts_we_read(
    nats_js: dict[str, str], nats_server: LocalServer, store: ObjectStore, tmp_path: Path
) -> None:
    data = os.urandom(2 * 131072 + 7)
    src = tmp_path / "src.bin"
    src.write_bytes(data)
    seen = await _js(
        nats_js, op="put", url=nats_server.url, bucket=store.bucket, name="from/js", file=str(src)
    )
    assert await store.get_bytes("from/js") == data  # we check the digest while reading
    info = await store.info("from/js")
    assert (info.size, info.chunks, info.nuid) == (len(data), seen["chunks"], seen["nuid"])
    assert info.digest == seen["digest"] == digest_of(data)


async def test_a_latin1_name_nats_js_wrote_is_listed(
    nats_js: dict[str, str], nats_server: LocalServer, store: ObjectStore, tmp_path: Path
) -> None:
    """nats.js puts the name's meta under btoa(name): Latin-1 bytes, not UTF-8 as we do."""
    src = tmp_path / "src.txt"
    src.write_bytes(b"caf\xc3\xa9")
    name = "café/naïve.txt"
    await _js(nats_js, op="put", url=nats_server.url, bucket=store.bucket, name=name, file=str(src))
    listed = {i.name: i for i in await store.list()}
    assert name in listed
    assert listed[name].size == 5 and listed[name].digest == digest_of(b"caf\xc3\xa9")


async def test_a_latin1_name_nats_js_wrote_can_be_read(
    nats_js: dict[str, str], nats_server: LocalServer, store: ObjectStore, tmp_path: Path
) -> None:
    src = tmp_path / "src.txt"
    src.write_bytes(b"x")
    await _js(nats_js, op="put", url=nats_server.url, bucket=store.bucket, name="é", file=str(src))
    assert await store.get_bytes("é") == b"x"
