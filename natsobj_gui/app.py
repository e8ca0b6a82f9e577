"""Entry point of the desktop app: the only place that creates the QApplication and the loop."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from natsobj_gui.core import Client, ConnectionEvents
from natsobj_gui.core.embedded import EmbeddedServer, default_store_dir

if TYPE_CHECKING:
    from natsobj_gui.views.main_window import MainWindow

APP_NAME = "natsobj-gui"
ORG_NAME = "natsobj-gui"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options: where to connect, and where the embedded server keeps its data."""
    p = argparse.ArgumentParser(prog=APP_NAME, description="Browse NATS JetStream object stores.")
    target = p.add_mutually_exclusive_group()
    target.add_argument("--server", metavar="URL", help="connect to this NATS server")
    target.add_argument("--context", metavar="NAME", help="connect with a saved `nats` context")
    p.add_argument(
        "--data-dir",
        metavar="DIR",
        help=f"data folder of the embedded local server (default: {default_store_dir()})",
    )
    # For tests and packaging checks: quit as soon as the window is up and connected.
    p.add_argument("--quit-after-start", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args(argv)


async def connect_target(
    args: argparse.Namespace, embedded: EmbeddedServer, events: ConnectionEvents | None = None
) -> tuple[Client, str]:
    """Connect as the arguments ask: a URL, a nats context, or the embedded server by default."""
    if args.server:
        from natsobj_gui.core.profiles import redact_url

        # The label becomes the window title: never show a password from the URL.
        return await Client.connect(args.server, events), redact_url(args.server)
    if args.context:
        from natsobj_gui.core.contexts import load_context

        profile = await asyncio.to_thread(load_context, args.context)
        return await Client.connect(profile, events), f"context {args.context}"
    # Starting nats-server waits for its port: keep that off the GUI thread.
    url = await asyncio.to_thread(embedded.start)
    return await Client.connect(url, events), f"Local server ({url})"


async def run_app(window: MainWindow, args: argparse.Namespace, embedded: EmbeddedServer) -> int:
    """Show the window, connect, and wait until the window is closed."""
    closed = asyncio.Event()
    window.closed.connect(closed.set)
    window.show()
    explicit = bool(args.server or args.context)
    window.show_status("Connecting…")
    # No target given: the last used saved profile, if it can connect without asking.
    last = None if explicit else await window.connections.start_last_used()
    if last is None or not last.connected:
        if not explicit:
            window.show_status("Starting local server…")
        try:
            client, label = await connect_target(args, embedded, window.connection_events())
        except Exception as exc:  # the window stays up so the user can pick another connection
            from natsobj_gui.jobs import error_message

            window.connections.show_failed("", error_message(exc))
            window.report_error("Could not connect", exc)
        else:
            if closed.is_set():  # closed while connecting
                await client.close()
            else:
                await window.set_client(client, label)
                if last is not None and last.note:  # why the saved profile was not used
                    window.show_status(last.note, 30000)
    if args.quit_after_start:
        connected = window.client is not None
        print(f"{APP_NAME} status {window.statusBar().currentMessage()}", flush=True)
        print(f"{APP_NAME} ready connected={connected} server_pid={embedded.pid}", flush=True)
        window.close()
    await closed.wait()
    await window.shutdown()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Start the app; `natsobj-gui` alone starts and uses the embedded local server."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from natsobj_gui.xcb_check import check_xcb

    hint = check_xcb()
    if hint:  # Qt's own message names one library, sometimes the wrong one
        print(hint, file=sys.stderr, flush=True)

    from PySide6.QtCore import QCoreApplication, QTimer
    from PySide6.QtWidgets import QApplication

    from natsobj_gui.qt_compat import close_loop, new_event_loop
    from natsobj_gui.views.main_window import APP_TITLE, MainWindow

    QCoreApplication.setOrganizationName(ORG_NAME)
    QCoreApplication.setApplicationName(APP_NAME)
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else APP_NAME])
    app.setApplicationDisplayName(APP_TITLE)
    # The window's close ends run_app, which then cleans up; Qt must not stop the loop first.
    app.setQuitOnLastWindowClosed(False)
    from natsobj_gui.icons import icon

    app.setWindowIcon(icon("app"))
    loop = new_event_loop(app)

    embedded = EmbeddedServer(args.data_dir)
    window = MainWindow()
    window.embedded = embedded  # a connection manager may switch back to it later
    # Ctrl+C, a closed terminal or the session ending close the window cleanly: transfers
    # cancelled (partial uploads purged), the embedded server stopped. The timer lets Python
    # see the signal while Qt waits.
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), lambda *_: QTimer.singleShot(0, window.close))
    tick = QTimer()
    tick.timeout.connect(lambda: None)
    tick.start(500)
    code = 1
    running = loop.create_task(run_app(window, args, embedded))
    try:
        code = loop.run_until_complete(running)
    except RuntimeError:
        if running.done():
            raise
        # Qt left its event loop before the window closed: the display connection is gone.
        print(f"{APP_NAME}: stopped because its display connection was lost", file=sys.stderr)
    finally:
        tick.stop()
        close_loop(loop)
        embedded.stop()
    return code


if __name__ == "__main__":
    sys.exit(main())
