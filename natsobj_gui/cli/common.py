"""What every command shares: the CLI's own error and asking the user to confirm."""

from __future__ import annotations

import signal
import sys

from natsobj_gui.core import ObjectStoreError

from .output import clean

# Signals that end a command the way Ctrl-C does (cli.main cancels the command on them).
TERMINATING = tuple(getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n))


class CliError(ObjectStoreError):
    """A usage or local problem, reported as one `natsobj: error: ...` line."""


class Cancelled(Exception):
    """The user answered no to a confirmation."""


def stdin_is_tty() -> bool:
    isatty = getattr(sys.stdin, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stdin
        return False


def confirm(question: str, *, force: bool, hint: str = "use -f to skip this question") -> None:
    """Ask a yes/no question on the terminal; raise Cancelled on no.

    Without a terminal on stdin nobody can answer, so refuse rather than guess.
    """
    if force:
        return
    question = clean(question)
    if not stdin_is_tty():
        raise CliError(f"{question.rstrip('?')}: not confirmed (stdin is not a terminal; {hint})")
    answer = _ask(f"{question} [y/N] ")
    if answer.strip().lower() not in ("y", "yes"):
        raise Cancelled()


def _ask(prompt: str) -> str:
    """Prompt on stderr and read one line from stdin, letting Ctrl-C interrupt the wait.

    asyncio.run's own SIGINT handler only cancels the main task, which cannot take effect
    while the loop is blocked in this read; the default handler raises at once. It is
    installed before the prompt shows, so an early Ctrl-C is not lost either.
    """
    # SIGTERM and SIGHUP too: the loop's handlers for them cannot run during this read
    # either, and at a prompt nothing needs cleaning up, so their default action is right.
    wanted = {signal.SIGINT: signal.default_int_handler}
    wanted.update({s: signal.SIG_DFL for s in TERMINATING})
    previous: dict[int, object] = {}
    try:
        for signum, handler in wanted.items():
            if signal.getsignal(signum) is not signal.SIG_IGN:
                previous[signum] = signal.signal(signum, handler)
    except ValueError:  # not the main thread: signals cannot be touched
        pass
    try:
        sys.stderr.write(prompt)
        sys.stderr.flush()
        return sys.stdin.readline()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]


def describe_os_error(exc: OSError) -> str:
    """An OSError as a sentence without the errno noise."""
    text = exc.strerror or str(exc) or type(exc).__name__
    if exc.filename is not None:
        text += f": {exc.filename}"
        if exc.filename2 is not None:
            text += f" -> {exc.filename2}"
    return text
