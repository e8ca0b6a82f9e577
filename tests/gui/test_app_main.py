"""The real entry point in a child process: embedded server, window, clean exit."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from procs import alive, children


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        # Settings and the default embedded data folder land in the test's own folders.
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        HOME=str(tmp_path / "home"),
    )
    return env


def _run_main(env: dict[str, str], *args: str) -> tuple[str, str]:
    """Run the app until its window is up (and connected); its (status, ready) lines.

    Asserts a clean exit without a traceback.
    """
    proc = subprocess.run(
        [sys.executable, "-m", "natsobj_gui", *args, "--quit-after-start"],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = {
        x.split(" ", 2)[1]: x for x in proc.stdout.splitlines() if x.startswith("natsobj-gui ")
    }
    return lines.get("status", ""), lines.get("ready", "")


@pytest.mark.skipif(sys.platform != "linux", reason="uses the XDG data folder and /proc")
def test_main_starts_embedded_server_and_closes(tmp_path: Path) -> None:
    _, ready = _run_main(_env(tmp_path))
    assert "connected=True" in ready, ready
    pid = int(ready.rsplit("server_pid=", 1)[1])
    assert pid > 0
    assert not alive(pid), "the embedded nats-server outlived the app"
    # The default data folder follows XDG, and the window saved its settings there.
    assert (tmp_path / "data" / "natsobj-gui" / "jetstream" / "jetstream").is_dir()
    assert list((tmp_path / "config").rglob("*.conf")), "no settings written"


def test_main_reports_an_unreachable_server_and_still_closes(tmp_path: Path) -> None:
    from natsobj_gui.core.server import free_port

    url = f"nats://127.0.0.1:{free_port()}"
    _, ready = _run_main(_env(tmp_path), "--server", url)
    assert ready == "natsobj-gui ready connected=False server_pid=0"
    # No embedded server was started for an explicit --server.
    assert not (tmp_path / "data" / "natsobj-gui").exists()


def test_main_connects_with_a_nats_context(tmp_path: Path, nats_server) -> None:
    import json

    env = _env(tmp_path)
    ctx = tmp_path / "config" / "nats" / "context"
    ctx.mkdir(parents=True)
    (ctx / "dev.json").write_text(json.dumps({"description": "test", "url": nats_server.url}))
    _, ready = _run_main(env, "--context", "dev")
    assert ready == "natsobj-gui ready connected=True server_pid=0", ready
    # A context that does not exist is reported, and the app still closes cleanly.
    _, ready = _run_main(env, "--context", "nope")
    assert "connected=False" in ready


@pytest.mark.skipif(sys.platform != "linux", reason="uses the XDG folders")
def test_main_starts_on_the_last_used_profile(tmp_path: Path, nats_server) -> None:
    import json

    env = _env(tmp_path)
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"  # nothing stored
    profiles = tmp_path / "config" / "natsobj-gui" / "profiles.json"
    profiles.parent.mkdir(parents=True)

    def save(last: str) -> None:
        plain = {"id": "p1", "name": "Team server", "servers": [nats_server.url]}
        locked = {
            "id": "p2",
            "name": "Locked",
            "servers": [nats_server.url],
            "auth": "user",
            "user": "alice",
        }
        data = {"version": 1, "last_used": last, "profiles": [plain, locked]}
        profiles.write_text(json.dumps(data))

    save("p1")
    status, ready = _run_main(env)
    # Connected to the saved profile's server: no embedded server was started.
    assert "connected=True server_pid=0" in ready, (status, ready)
    # --server wins over the saved profile.
    status, ready = _run_main(env, "--server", nats_server.url)
    assert "connected=True server_pid=0" in ready
    # A profile whose password would have to be typed: the local server, and a note why.
    save("p2")
    status, ready = _run_main(env)
    assert "connected=True" in ready and "server_pid=0" not in ready, ready
    assert "password of “Locked” is not stored" in status, status
    assert "local server" in status


@pytest.mark.skipif(sys.platform != "linux", reason="uses /proc and POSIX signals")
@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP", "SIGINT"])
def test_a_termination_signal_closes_the_app_and_its_server(tmp_path: Path, signame: str) -> None:
    # A session logout sends SIGTERM: the embedded nats-server must not outlive the app.
    import signal
    import time

    proc = subprocess.Popen(
        [sys.executable, "-m", "natsobj_gui"],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    servers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while not servers and time.monotonic() < deadline and proc.poll() is None:
            servers = [p for p, comm in children(proc.pid) if comm.startswith("nats-server")]
            time.sleep(0.1)
        assert servers, "the app started no embedded server"
        time.sleep(1.0)  # let it connect and show the window
        proc.send_signal(getattr(signal, signame))
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        survived = bool(servers) and alive(servers[0])
        if survived:  # the failure is asserted below; leave no server behind
            os.kill(servers[0], signal.SIGKILL)
    assert proc.returncode == 0, err
    assert "Traceback" not in err, err
    assert not survived, "the embedded nats-server outlived the app"


_EARLY_EXIT = """
import sys
from PySide6.QtCore import QCoreApplication, QTimer
import natsobj_gui.qt_compat as qc
real = qc.new_event_loop
def new_event_loop(app=None):
    loop = real(app)
    QTimer.singleShot(2000, lambda: QCoreApplication.exit(1))
    return loop
qc.new_event_loop = new_event_loop
from natsobj_gui.app import main
sys.exit(main(sys.argv[1:]))
"""


def test_qt_leaving_its_loop_under_the_window_ends_with_a_sentence(
    tmp_path: Path, nats_server
) -> None:
    # What Qt does when the display connection dies: its loop ends, the window still open.
    proc = subprocess.run(
        [sys.executable, "-c", _EARLY_EXIT, "--server", nats_server.url],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "stopped because its display connection was lost" in proc.stderr


@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="needs Xvfb (Debian: xvfb)")
def test_a_display_that_dies_ends_the_app_with_a_sentence(tmp_path: Path, nats_server) -> None:
    import time

    display = f":{90 + os.getpid() % 500}"
    xvfb = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", "1024x768x24"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(1.0)
        env = {**_env(tmp_path), "QT_QPA_PLATFORM": "xcb", "DISPLAY": display}
        app = subprocess.Popen(
            [sys.executable, "-m", "natsobj_gui", "--server", nats_server.url],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(4.0)  # the window is up and connected
    finally:
        xvfb.kill()
        xvfb.wait(timeout=10)
    try:
        _, err = app.communicate(timeout=30)
    finally:
        if app.poll() is None:
            app.kill()
            app.communicate()
    if "could not connect to display" in err:
        pytest.skip("Xvfb did not start here")
    assert "Traceback" not in err, err
    assert "stopped because its display connection was lost" in err, err
