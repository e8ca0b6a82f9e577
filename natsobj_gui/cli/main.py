"""`natsobj`: the object-store CLI (mirrors `nats object`); parsing, connecting, errors."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, NoReturn

# Only what parsing needs: each command's module (and nats-py with it) is imported when
# the command runs, so `natsobj --help` and argument errors answer at once.
from natsobj_gui.core.contexts import load_context, selected_context
from natsobj_gui.core.errors import ObjectStoreError
from natsobj_gui.core.types import ConnectProfile

from .common import TERMINATING, Cancelled, describe_os_error
from .output import clean
from .parsing import (
    parse_duration,
    parse_header,
    parse_key_value,
    parse_positive_size,
    parse_size,
)

if TYPE_CHECKING:
    from natsobj_gui.core.client import Client

PROG = "natsobj"
DEFAULT_SERVER = "nats://127.0.0.1:4222"
DEFAULT_TIMEOUT = 5.0
Command = Callable[["Client", argparse.Namespace], Awaitable[int]]


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error instead of the usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{PROG}: error: {message} (see {self.prog} --help)\n")


def _add_connection_options(p: argparse.ArgumentParser, *, top: bool) -> None:
    # The same options on every subcommand so they work before or after it; on
    # subcommands SUPPRESS keeps an absent option from hiding one given earlier.
    d = None if top else argparse.SUPPRESS
    g = p.add_argument_group("connection options")
    g.add_argument(
        "-s",
        "--server",
        default=d,
        help="NATS server URL(s), comma separated "
        "(default: $NATS_URL, the context, else nats://127.0.0.1:4222)",
    )
    g.add_argument("--user", default=d, help="user name ($NATS_USER)")
    g.add_argument("--password", default=d, help="password ($NATS_PASSWORD)")
    g.add_argument("--token", default=d, help="authentication token ($NATS_TOKEN)")
    g.add_argument("--creds", default=d, help="user credentials file ($NATS_CREDS)")
    g.add_argument("--nkey", default=d, help="user NKEY seed file ($NATS_NKEY)")
    g.add_argument("--tlsca", default=d, help="CA certificate of the server ($NATS_CA)")
    g.add_argument("--tlscert", default=d, help="client certificate ($NATS_CERT)")
    g.add_argument("--tlskey", default=d, help="client private key ($NATS_KEY)")
    g.add_argument("--context", default=d, help="a `nats` CLI context ($NATS_CONTEXT)")
    g.add_argument(
        "--local",
        action="store_true",
        default=d,
        help="the desktop app's own local server and data (joined if the app runs, "
        "else started for this command)",
    )
    g.add_argument(
        "--timeout",
        default=d,
        type=parse_duration,
        help="connect timeout per server, request timeout and how long a transfer waits for "
        "a lost connection or stream leader (default 2s, 5s and 60s)",
    )


def _bucket_options(p: argparse.ArgumentParser, *, edit: bool) -> None:
    p.add_argument("bucket", metavar="BUCKET")
    p.add_argument("--description", help="bucket description")
    p.add_argument("--ttl", type=parse_duration, help="how long to keep objects (1h30m, 3600)")
    p.add_argument("--max-bucket-size", type=parse_size, help="maximum size (1GB, 512MiB)")
    p.add_argument("--storage", choices=("file", "memory"), help="storage backend")
    p.add_argument("--replicas", type=int, help="number of replicas")
    p.add_argument("--cluster", help="place the bucket in this cluster")
    p.add_argument("--tags", action="append", help="placement tags (repeat or comma separate)")
    if edit:
        p.add_argument(
            "--compress",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="compress the bucket's data (s2)",
        )
    else:
        p.add_argument("--compress", action="store_true", help="compress the data (s2)")
    p.add_argument(
        "--metadata",
        action="append",
        type=parse_key_value,
        metavar="KEY=VALUE",
        help="bucket metadata (repeatable; KEY= removes it on edit)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: global options and one subcommand per `nats object` verb."""
    parser = Parser(prog=PROG, description="Use NATS JetStream Object Store buckets.")
    _add_connection_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    def command(name: str, func: str, help: str, aliases: Sequence[str] = ()):
        """A subcommand running `func` ("module:function" of this package, imported late)."""
        p = sub.add_parser(name, help=help, description=help, aliases=list(aliases))
        p.set_defaults(func=func)
        _add_connection_options(p, top=False)
        return p

    p = command("add", "commands:cmd_add", "create a bucket")
    _bucket_options(p, edit=False)
    p = command("edit", "commands:cmd_edit", "change a bucket's options")
    _bucket_options(p, edit=True)

    p = command("put", "objects:cmd_put", "upload a file, a folder or stdin")
    p.add_argument("bucket", metavar="BUCKET")
    p.add_argument("source", metavar="FILE|DIR|-", help="what to upload; - reads stdin")
    p.add_argument("--name", help="object name (stdin, one file) or name prefix (folder)")
    p.add_argument("--description", help="object description")
    p.add_argument("-H", "--header", action="append", type=parse_header, metavar="KEY:VALUE")
    p.add_argument("--metadata", action="append", type=parse_key_value, metavar="KEY=VALUE")
    p.add_argument("--chunk-size", type=parse_positive_size, help="chunk size (default 128KiB)")
    p.add_argument("-f", "--force", action="store_true", help="replace without asking")

    p = command("get", "objects:cmd_get", "download an object (or a folder with -r)")
    p.add_argument("bucket", metavar="BUCKET")
    p.add_argument("name", metavar="NAME", nargs="?", help="object name (folder prefix with -r)")
    p.add_argument("-O", "--output", help="file or folder to write; - for stdout")
    p.add_argument(
        "-r",
        "--recursive",
        action="store_true",
        help="download every object under NAME/ (or all) into a folder",
    )
    p.add_argument("-f", "--force", action="store_true", help="replace files without asking")
    p.add_argument(
        "--no-resume",
        dest="resume",
        action="store_false",
        help="start over instead of continuing an interrupted download to the same place",
    )

    p = command("del", "delete:cmd_del", "delete objects, or a bucket", aliases=("rm",))
    p.add_argument("bucket", metavar="BUCKET")
    p.add_argument("names", metavar="NAME", nargs="*", help="objects; none deletes the bucket")
    p.add_argument("--prefix", help="delete every object whose name starts with PREFIX")
    p.add_argument(
        "-r",
        "--recursive",
        dest="folders",
        action="append",
        metavar="FOLDER/",
        help="delete every object under FOLDER/ (repeatable)",
    )
    p.add_argument("-f", "--force", action="store_true", help="do not ask for confirmation")
    p.add_argument(
        "--json",
        action="store_true",
        help="print each object's outcome as JSON: deleted, not found, kept (another client"
        " changed it after it was listed; that version stays) or failed",
    )

    p = command("info", "commands:cmd_info", "show an object's info, or a bucket's status")
    p.add_argument("bucket", metavar="BUCKET")
    p.add_argument("name", metavar="NAME", nargs="?")
    p.add_argument("--deleted", action="store_true", help="show a deleted object's tombstone")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = command("ls", "commands:cmd_ls", "list buckets, or the objects in a bucket")
    p.add_argument("bucket", metavar="BUCKET", nargs="?")
    p.add_argument("--deleted", action="store_true", help="include deleted objects")
    p.add_argument("-n", "--names", action="store_true", help="print names only")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = command("seal", "commands:cmd_seal", "seal a bucket: no change is possible afterwards")
    p.add_argument("bucket", metavar="BUCKET")
    p.add_argument("-f", "--force", action="store_true", help="do not ask for confirmation")

    p = command("watch", "commands:cmd_watch", "print a bucket's changes until Ctrl-C")
    p.add_argument("bucket", metavar="BUCKET")
    p.add_argument("--history", action="store_true", help="start with every past version")
    p.add_argument("--updates-only", action="store_true", help="only changes from now on")

    p = command("status", "commands:cmd_status", "show a bucket's status")
    p.add_argument("bucket", metavar="BUCKET")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = command("link", "objects:cmd_link", "link to an object, or to a bucket")
    p.add_argument("bucket", metavar="BUCKET")
    p.add_argument("name", metavar="NAME", help="the link's name")
    p.add_argument("target_bucket", metavar="TARGET_BUCKET")
    p.add_argument(
        "target_name",
        metavar="TARGET_NAME",
        nargs="?",
        help="the object to link to; none links the whole bucket",
    )

    p = command(
        "meta", "objects:cmd_meta", "change an object's description, headers, metadata or name"
    )
    p.add_argument("bucket", metavar="BUCKET")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--description", help="new description ('' clears it)")
    p.add_argument(
        "-H",
        "--header",
        action="append",
        type=parse_header,
        metavar="KEY:VALUE",
        help="set a header (repeatable; KEY: removes it)",
    )
    p.add_argument(
        "--metadata",
        action="append",
        type=parse_key_value,
        metavar="KEY=VALUE",
        help="set metadata (repeatable; KEY= removes it)",
    )
    p.add_argument("--clear-headers", action="store_true", help="drop every header first")
    p.add_argument("--clear-metadata", action="store_true", help="drop all metadata first")
    p.add_argument("--rename", metavar="NEW", help="rename the object")

    p = command("gc", "gc:cmd_gc", "list chunks no object refers to; purge them with --yes")
    p.add_argument("bucket", metavar="BUCKET")
    p.add_argument("--yes", action="store_true", help="purge them (never recent ones)")
    p.add_argument(
        "--grace",
        type=parse_duration,
        metavar="DURATION",
        help="keep chunk sets newer than this: they may be uploads in progress (default 1h)",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    _register_backup(command)
    _register_sync(command)
    return parser


def _register_backup(command: Callable[..., argparse.ArgumentParser]) -> None:
    """Add both subcommands through `command(name, func, help)`."""
    p = command(
        "backup", "backup:cmd_backup", "write a whole bucket to one file (a stream snapshot)"
    )
    p.add_argument("bucket", metavar="BUCKET")
    p.add_argument("file", metavar="FILE", help="the backup file to write")
    p.add_argument("-f", "--force", action="store_true", help="replace FILE without asking")
    p = command("restore", "backup:cmd_restore", "recreate a bucket from a backup file")
    p.add_argument("file", metavar="FILE", help="a file written by `natsobj backup`")
    p.add_argument("--check", action="store_true", help="only check the file; restore nothing")


def _register_sync(command: Callable[..., argparse.ArgumentParser]) -> None:
    """Add `sync` through `command(name, func, help)`."""
    p = command(
        "sync",
        "sync:cmd_sync",
        "upload what is new or changed in a folder, or download what is new or changed "
        "in a bucket (compared by SHA-256)",
    )
    p.add_argument("source", metavar="SOURCE", help="LOCAL_DIR or BUCKET[/PREFIX]")
    p.add_argument("dest", metavar="DEST", help="BUCKET[/PREFIX] or LOCAL_DIR")
    p.add_argument("--dry-run", action="store_true", help="print the plan; change nothing")
    p.add_argument(
        "--delete", action="store_true", help="also delete what exists only on the destination"
    )
    p.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="skip names matching GLOB on both sides (repeatable; matches a path or any part)",
    )
    p.add_argument("-f", "--force", action="store_true", help="delete without asking")
    p.add_argument("-v", "--verbose", action="store_true", help="list every name")
    p.add_argument("--json", action="store_true", help="print the plan and the result as JSON")


def build_profile(args: argparse.Namespace) -> ConnectProfile:
    """A context (given or selected), overridden by $NATS_* variables, then by options."""
    name = args.context or os.environ.get("NATS_CONTEXT") or selected_context()
    profile = load_context(name) if name else ConnectProfile(servers=(DEFAULT_SERVER,))
    changes: dict[str, object] = {}
    server = args.server or os.environ.get("NATS_URL")
    if server:
        servers = tuple(s.strip() for s in server.split(",") if s.strip())
        changes["servers"] = servers or (DEFAULT_SERVER,)
    # Like `nats`, each option may come from the environment, which keeps secrets out of
    # the process list; both override the context.
    for option, env, field in (
        ("user", "NATS_USER", "user"),
        ("password", "NATS_PASSWORD", "password"),
        ("token", "NATS_TOKEN", "token"),
        ("creds", "NATS_CREDS", "creds_file"),
        ("nkey", "NATS_NKEY", "nkey_seed_file"),
        ("tlsca", "NATS_CA", "tls_ca"),
        ("tlscert", "NATS_CERT", "tls_cert"),
        ("tlskey", "NATS_KEY", "tls_key"),
    ):
        value = getattr(args, option)
        if value is None:
            value = os.environ.get(env) or None
        if value is not None:
            changes[field] = value
    return _with_timeout(replace(profile, **changes), args)  # type: ignore[arg-type]


def _with_timeout(profile: ConnectProfile, args: argparse.Namespace) -> ConnectProfile:
    """--timeout sets the connect, request and outage timeouts."""
    if args.timeout is None:
        return profile
    timeout = args.timeout or DEFAULT_TIMEOUT
    return replace(
        profile, connect_timeout=timeout, request_timeout=timeout, outage_timeout=timeout
    )


class Terminated(Exception):
    """SIGTERM or SIGHUP ended the command (after the same cleanup as Ctrl-C)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _cancel_on_signals() -> list[int]:
    """Cancel the running task on SIGTERM/SIGHUP; the list records which signal came."""
    received: list[int] = []
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()

    def on_signal(signum: int) -> None:
        received.append(signum)
        if task is not None:
            task.cancel()

    for signum in TERMINATING:  # cancelled, so the command cleans up after itself
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, on_signal, signum)
    return received


def command_function(ref: str) -> Command:
    """The function behind a subcommand's "module:function" reference."""
    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(f"{__package__}.{module}"), name)


async def run(args: argparse.Namespace) -> int:
    """Connect, run the chosen command, always close."""
    received = _cancel_on_signals()
    try:
        return await _run(args)
    except asyncio.CancelledError:
        if received:
            raise Terminated(received[0]) from None
        raise


async def _run(args: argparse.Namespace) -> int:
    from natsobj_gui.core.client import Client

    func = command_function(args.func)
    local = None
    if args.local:
        from natsobj_gui.core.embedded import EmbeddedServer  # its server module: --local only

        local = EmbeddedServer()
    try:
        if local is None:
            profile = build_profile(args)
        else:
            # No context, $NATS_* or credentials: the local server has none of that. The
            # lock file decides whether we join the running app's server or start it.
            url = await asyncio.to_thread(local.start)
            profile = _with_timeout(ConnectProfile(servers=(url,)), args)
        client = await Client.connect(profile)
        try:
            return await func(client, args)
        finally:
            await client.close()
    finally:
        if local is not None:
            await asyncio.to_thread(local.stop)  # a shared server stays with the app


def _fail(message: str, code: int = 1) -> int:
    # One line, whatever a name in the message holds (newlines, terminal escapes).
    sys.stderr.write(f"{PROG}: error: {clean(message)}\n")
    sys.stderr.flush()
    return code


def _silence_stdout() -> None:
    # The reader went away (`| head`): stop Python complaining when it flushes at exit.
    with contextlib.suppress(Exception):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def main(argv: Sequence[str] | None = None) -> int:
    """Run `natsobj` with these arguments; returns the exit status (never raises)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    if args.local and (args.server or args.context):
        return _fail("--local cannot be combined with --server or --context", 2)
    try:
        return asyncio.run(run(args))
    except KeyboardInterrupt:
        if args.command == "watch":
            return 0
        return _fail("interrupted", 130)
    except Terminated as exc:
        if args.command == "watch":
            return 0
        return _fail(f"terminated by {exc}", 128 + exc.signum)
    except Cancelled:
        sys.stderr.write("Nothing done.\n")
        return 1
    except BrokenPipeError:
        _silence_stdout()
        return 1
    except ObjectStoreError as exc:
        return _fail(str(exc) or type(exc).__name__)
    except OSError as exc:
        return _fail(describe_os_error(exc))
    except Exception as exc:  # the promise is one line, never a traceback
        return _fail(f"{type(exc).__name__}: {exc}")


def console_main() -> NoReturn:
    """The `natsobj` command: main(), then exit without tearing the interpreter down.

    By then every file the command wrote is closed and its threads are done (only daemon
    readers may remain); freeing the ~300 modules a command imports one by one costs
    ~50 ms, as much as a whole small command.
    """
    code = main()
    try:
        sys.stdout.flush()
    except OSError:  # the reader went away (`| head`): what Python's own exit reports
        code = code or 120
    with contextlib.suppress(OSError):
        sys.stderr.flush()
    if "logging" in sys.modules:
        sys.modules["logging"].shutdown()  # the one atexit handler a command registers
    os._exit(code)


if __name__ == "__main__":
    console_main()
