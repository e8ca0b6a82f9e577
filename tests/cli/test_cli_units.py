"""Parsing of durations, sizes and pairs; human output; the progress bar (no server)."""

from __future__ import annotations

import argparse
import io
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from natsobj_gui.cli import output as out
from natsobj_gui.cli.output import table
from natsobj_gui.cli.parsing import (
    merge_headers,
    merge_metadata,
    parse_duration,
    parse_header,
    parse_key_value,
    parse_size,
    parse_tags,
)
from natsobj_gui.cli.progress import ProgressBar
from natsobj_gui.core import Progress
from natsobj_gui.core.formatting import human_duration, human_size, human_ttl


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("3600", 3600),
        ("1.5", 1.5),
        ("1h30m", 5400),
        ("2d", 172800),
        ("1w1d", 8 * 86400),
        ("45s", 45),
        ("500ms", 0.5),
        ("1h0m10s", 3610),
        ("0", 0),
        ("", 0),
    ],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["soon", "1x", "h1", "1h 30m", "-5", "1h-30m"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("1024", 1024),
        ("1GB", 1 << 30),
        ("512MiB", 512 << 20),
        ("10k", 10 << 10),
        ("2 TB", 2 << 40),
        ("1.5M", 3 << 19),
        ("-1", -1),
        ("7B", 7),
    ],
)
def test_parse_size(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["big", "1XB", "GB", "1.2.3M"])
def test_parse_size_rejects(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        parse_size(text)


def test_pairs_and_merges() -> None:
    assert parse_key_value("a=b=c") == ("a", "b=c")
    assert parse_header(" Content-Type : text/plain ") == ("Content-Type", "text/plain")
    for bad in ("novalue", "=x"):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_key_value(bad)
    with pytest.raises(argparse.ArgumentTypeError):
        parse_header("nocolon")
    assert parse_tags(["a,b", " c "]) == ("a", "b", "c")
    assert merge_metadata({"a": "1", "b": "2"}, [("a", ""), ("c", "3")]) == {"b": "2", "c": "3"}
    merged = merge_headers({"A": ["1"], "B": ["2"]}, [("A", "x"), ("A", "y"), ("B", "")])
    assert merged == {"A": ["x", "y"]}


def test_human_output() -> None:
    assert human_size(0) == "0 B" and human_size(1023) == "1023 B"
    assert human_size(1536) == "1.5 KiB" and human_size(20 << 20) == "20 MiB"
    assert human_size(3 << 40) == "3.0 TiB"
    assert human_ttl(0) == "unlimited" and human_duration(5400) == "1h30m"
    assert human_duration(90061) == "1d1h1m1s" and human_duration(0.25) == "250ms"
    lines = table(("Name", "Size"), [["a", "1 B"], ["long-name", "10 KiB"]], "lr").splitlines()
    assert lines[0] == "Name         Size"
    assert lines[2] == "a             1 B" and lines[3] == "long-name  10 KiB"


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_bar_draws_bytes_speed_eta_and_chunks() -> None:
    clock, stream = FakeClock(), io.StringIO()
    bar = ProgressBar("photo.jpg", stream=stream, enabled=True, clock=clock, columns=120)
    total = 4 << 20
    clock.now += 1
    bar(Progress(1, 4, 1 << 20, total))
    text = stream.getvalue()
    assert text.startswith("\rphoto.jpg")
    assert "25%" in text and "1.0 MiB/4.0 MiB" in text and "1.0 MiB/s" in text
    assert "ETA 0:03" in text and "1/4 chunks" in text
    clock.now += 0.01  # too soon: throttled
    bar(Progress(2, 4, 2 << 20, total))
    assert stream.getvalue() == text
    clock.now += 1
    bar(Progress(4, 4, total, total))  # the final state always draws
    bar.finish()
    final = stream.getvalue()
    assert "100%" in final and "4/4 chunks" in final and final.endswith("\n")


def test_progress_bar_fits_narrow_terminals() -> None:
    state = Progress(1, 4, 1 << 20, 4 << 20)
    for columns in (40, 60, 80, 200):
        bar = ProgressBar("a/very/long/object/name/" * 4, enabled=True, columns=columns)
        line = bar.render(state)
        assert len(line) < columns
        assert "chunks" in line or columns < 60


def test_progress_bar_unknown_total_and_disabled() -> None:
    stream = io.StringIO()
    bar = ProgressBar("stdin", stream=stream, enabled=True, known_total=False)
    bar(Progress(3, 3, 300, 300))
    bar.finish()
    assert "300 B" in stream.getvalue() and "%" not in stream.getvalue()
    quiet = io.StringIO()  # not a terminal: nothing at all
    with ProgressBar("x", stream=quiet) as off:
        off(Progress(1, 1, 10, 10))
    assert quiet.getvalue() == ""


def test_cli_imports_without_qt() -> None:
    """The console script must work where Qt cannot even be imported."""
    from qt_blocked import run_without_qt

    code = (
        "import pkgutil, importlib, natsobj_gui.cli as cli\n"
        "for m in pkgutil.walk_packages(cli.__path__, 'natsobj_gui.cli.'):\n"
        "    if not m.name.endswith('__main__'):\n"
        "        importlib.import_module(m.name)\n"
        "from natsobj_gui.cli.main import main\n"
        "sys.exit(main(['--help']))\n"
    )
    out = run_without_qt(code)
    assert out.returncode == 0, out.stderr
    assert "watch" in out.stdout


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(min_codepoint=0, max_codepoint=sys.maxunicode), max_size=40))
def test_orjson_output_is_the_json_modules_byte_for_byte(text: str) -> None:
    # --json of a large listing goes through orjson; it must print exactly what json_text
    # prints (C1 controls, DEL and line separators escaped; lone surrogates too).
    value = [{"name": text, "size": 7, "headers": {text: [text]}, "deleted": False, "x": None}]
    assert out.json_bytes(value) == out.json_text(value).encode("utf-8")


def test_help_does_not_import_nats() -> None:
    """`natsobj --help` and argument parsing stay free of nats-py (imported per command)."""
    code = (
        "import sys\n"
        "from natsobj_gui.cli.main import build_parser, main\n"
        "build_parser().parse_args(['ls', 'bucket', '--json'])\n"
        "assert main(['--help']) == 0\n"
        "heavy = sorted(m for m in sys.modules if m == 'nats' or m.startswith('nats.'))\n"
        "assert not heavy, heavy\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
