"""A real 3-node JetStream cluster on loopback, shared by the cluster fault tests."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import nats
import pytest

from natsobj_gui.core import Client, ConnectProfile
from natsobj_gui.core.server import LocalServer, PortInUse, free_port

CLUSTER_NAME = "natsobj_test"
# Cluster formation and leader elections (nats-server's election timers are seconds long).
READY_TIMEOUT = 45.0
# Starts of the whole cluster with fresh route ports when one was taken before its bind.
START_ATTEMPTS = 5


@dataclass
class Node:
    """One cluster member: its server process and names."""

    name: str
    server: LocalServer

    @property
    def url(self) -> str:
        return self.server.url


@dataclass
class Cluster:
    """Three nats-server processes routed together, each with its own store."""

    nodes: list[Node] = field(default_factory=list)

    @property
    def urls(self) -> tuple[str, ...]:
        return tuple(n.url for n in self.nodes)

    def node(self, server_name: str) -> Node:
        return next(n for n in self.nodes if n.name == server_name)

    def profile(self, *nodes: Node) -> ConnectProfile:
        """A profile for the given nodes (all of them by default), short timeouts."""
        urls = tuple(n.url for n in nodes) if nodes else self.urls
        return ConnectProfile(servers=urls, connect_timeout=2.0, request_timeout=5.0)

    def kill(self, node: Node) -> None:
        """Lose a node abruptly (SIGKILL on our own child): no graceful leader hand-off."""
        proc = node.server.proc
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(10)
        node.server.proc = None

    def start_missing(self) -> None:
        for n in self.nodes:
            if not n.server.running:
                n.server.start()

    def stop(self) -> None:
        for n in self.nodes:
            n.server.stop()

    async def wait_ready(self, timeout: float = READY_TIMEOUT) -> float:
        """Wait until every node answers the JetStream API and an R3 stream takes a write."""
        started = time.monotonic()
        deadline = started + timeout
        last = ""
        for node in self.nodes:
            while True:
                last = await _probe(node.url)
                if not last:
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError(f"cluster not ready: {last}")
                await asyncio.sleep(0.25)
        return time.monotonic() - started


async def _probe(url: str) -> str:
    """'' once this node can create, write to and delete an R3 stream; else why it cannot."""
    try:
        nc = await nats.connect(url, connect_timeout=1, max_reconnect_attempts=0)
    except Exception as exc:
        return f"connect {url}: {exc!r}"
    name = f"PROBE_{free_port()}"
    try:
        info = json.loads((await nc.request("$JS.API.INFO", b"", timeout=2)).data)
        if "error" in info:
            return f"INFO: {info['error']}"
        cfg = {"name": name, "subjects": [f"probe.{name}"], "num_replicas": 3, "storage": "memory"}
        resp = json.loads(
            (await nc.request(f"$JS.API.STREAM.CREATE.{name}", json.dumps(cfg).encode(), 5)).data
        )
        if "error" in resp:
            return f"STREAM.CREATE: {resp['error']}"
        try:
            # Created is not yet writable: right after a node restart, on a loaded machine,
            # a new R3 stream's group can take seconds to elect a leader.
            ack = json.loads((await nc.request(f"probe.{name}", b"x", timeout=5)).data)
            if "error" in ack:
                return f"publish: {ack['error']}"
        finally:
            with contextlib.suppress(Exception):
                await nc.request(f"$JS.API.STREAM.DELETE.{name}", b"", timeout=5)
        return ""
    except Exception as exc:
        return f"{url}: {exc!r}"
    finally:
        with contextlib.suppress(Exception):
            await nc.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the cluster tests last: they are the slowest, and they kill and restart servers."""
    here = Path(__file__).parent
    items.sort(key=lambda item: item.path.is_relative_to(here))


def _config(name: str, cluster_port: int, routes: list[int], store: Path) -> str:
    route_list = ", ".join(f'"nats-route://127.0.0.1:{p}"' for p in routes)
    return (
        f'server_name: "{name}"\n'
        f'jetstream {{ store_dir: "{store}" }}\n'
        f"cluster {{\n"
        f'  name: "{CLUSTER_NAME}"\n'
        f"  listen: 127.0.0.1:{cluster_port}\n"
        f"  routes: [{route_list}]\n"
        f"}}\n"
    )


def _start_nodes(root: Path, attempt: int) -> Cluster:
    """Three nodes routed to each other on fresh route ports; PortInUse if one was taken."""
    # Routes need each other's ports before any node starts, so these are found free
    # here; a port taken in between fails the start, and the caller retries with new ones.
    cluster_ports = [free_port() for _ in range(3)]
    cluster = Cluster()
    for i in range(3):
        name = f"n{i + 1}"
        store = root / f"try{attempt}" / name
        store.mkdir(parents=True)
        conf = store / "server.conf"
        conf.write_text(_config(name, cluster_ports[i], cluster_ports, store / "js"))
        # jetstream=False: the config file enables it with this node's own store_dir.
        server = LocalServer(store, jetstream=False, config_file=conf)
        cluster.nodes.append(Node(name, server))
    try:
        for n in cluster.nodes:
            n.server.start()
    except BaseException:
        cluster.stop()
        raise
    return cluster


def start_cluster(root: Path) -> Cluster:
    """Start the three nodes, again on fresh route ports while one was taken."""
    for attempt in itertools.count(1):
        try:
            return _start_nodes(root, attempt)
        except PortInUse:
            if attempt == START_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


@pytest.fixture(scope="package")
def js_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Three JetStream nodes (n1..n3) on loopback, stopped after the cluster tests."""
    # Package scope: idle raft traffic must not load the (2-core) machine during the rest.
    cluster = start_cluster(tmp_path_factory.mktemp("js-cluster"))
    try:
        asyncio.run(cluster.wait_ready())
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
async def cluster(js_cluster: Cluster) -> AsyncIterator[Cluster]:
    """The shared cluster with every node running and JetStream ready (after a fault test too)."""
    js_cluster.start_missing()
    await js_cluster.wait_ready()
    yield js_cluster
    js_cluster.start_missing()


@pytest.fixture
def cbucket(bucket_name: str) -> str:
    """A bucket name unique in the session (tests/conftest.py's, for the cluster)."""
    return bucket_name


@pytest.fixture
async def cclient(cluster: Cluster) -> AsyncIterator[Client]:
    """A core client connected with all three URLs."""
    c = await Client.connect(cluster.profile())
    yield c
    await c.close()
