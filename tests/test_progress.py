"""Progress on stderr: shown only on a terminal, only after the delay, erased at the end; never on a pipe."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.test_reach_output import CLUSTER, POLICIES
from translator.output.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_nothing_before_the_delay_then_phase_and_count_then_erased() -> None:
    stream, clock = Terminal(), Clock()
    report = Progress(stream, delay=2.0, clock=clock)
    assert report.enabled
    report.phase("deciding probes", 10)
    report.advance(3)
    assert stream.getvalue() == ""  # quick work shows nothing
    clock.now += 2.5
    report.advance()
    assert stream.getvalue() == "\r\x1b[Knetpolx: deciding probes 4/10"
    report.advance()  # redraws at most every 0.1 s
    assert stream.getvalue().count("netpolx:") == 1
    clock.now += 0.2
    report.phase("writing results: sources", 2000)  # a new phase shows at once
    assert stream.getvalue().endswith("\r\x1b[Knetpolx: writing results: sources 0/2,000")
    clock.now += 0.2
    report.advance(1500)
    assert stream.getvalue().endswith("\r\x1b[Knetpolx: writing results: sources 1,500/2,000")
    report.done()
    assert stream.getvalue().endswith("\r\x1b[K")
    report.done()
    assert stream.getvalue().count("\r\x1b[K") == 4


def test_never_on_a_stream_that_is_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NETPOLX_PROGRESS", raising=False)
    stream, clock = io.StringIO(), Clock()
    report = Progress(stream, delay=0.0, clock=clock)
    assert not report.enabled
    for _item in report.track(range(5), "counting", 5):
        clock.now += 10
    report.done()
    assert stream.getvalue() == ""


def test_the_environment_turns_it_off_and_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETPOLX_PROGRESS", "0")
    assert not Progress(Terminal()).enabled
    monkeypatch.setenv("NETPOLX_PROGRESS", "1")
    assert Progress(io.StringIO()).enabled


def test_reach_in_process_writes_no_progress(tmp_path: Path) -> None:
    policy, cluster = tmp_path / "p.yaml", tmp_path / "c.yaml"
    policy.write_text(POLICIES)
    cluster.write_text(CLUSTER)
    result = run_cli("reach", "-f", str(policy), "--cluster", str(cluster), "-o", "json")
    assert result.code == 0 and "netpolx:" not in result.stderr and "\r" not in result.stderr


def _reach(tmp_path: Path, stderr_tty: bool) -> bytes:
    policy, cluster = tmp_path / "p.yaml", tmp_path / "c.yaml"
    policy.write_text(POLICIES)
    cluster.write_text(CLUSTER)
    env = {**os.environ, "NETPOLX_PROGRESS_DELAY": "0"}
    env.pop("NETPOLX_PROGRESS", None)
    args = [sys.executable, "-m", "translator", "reach", "-f", str(policy), "--cluster", str(cluster), "-o", "jsonl"]
    if not stderr_tty:
        done = subprocess.run(args, capture_output=True, env=env, check=True)
        return done.stderr
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=follower, env=env)
        os.close(follower)
        out = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed
                break
            if not chunk:
                break
            out += chunk
        assert proc.wait() == 0
        return out
    finally:
        os.close(leader)


def test_progress_on_a_terminal_and_not_on_a_pipe(tmp_path: Path) -> None:
    shown = _reach(tmp_path, stderr_tty=True)
    assert shown.startswith(b"\r\x1b[Knetpolx: reading policies")  # phases, redrawn at most every 0.1 s
    assert shown.endswith(b"\r\x1b[K")  # the line is erased at the end
    assert _reach(tmp_path, stderr_tty=False) == b""
