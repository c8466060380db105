"""Progress on stderr: shown only on a terminal, only after the delay, erased at the end; never on a pipe."""

from __future__ import annotations

import io
import os
import pty
import random
import re
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
import yaml

from benchmarks.translate import make_policy
from tests.conftest import run_cli
from tests.test_reach_output import CLUSTER, POLICIES
from translator.cli import main
from translator.lint.run import CHECKS
from translator.migration.checks import checks
from translator.output import progress as progress_module
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


# -- every long command: its phases with counts on a terminal, nothing elsewhere, stdout unchanged ---------------------

PROGRESS_LINE = re.compile(r"\r\x1b\[K(?:netpolx: [^\r\n]*(?=\r))?")
"""A redraw or an erase (a progress line is always followed by the next redraw or the erase)."""


def _policies(tmp_path: Path, count: int = 12) -> Path:
    """`count` NetworkPolicies from the translate benchmark's generator (CIDR peers and DNS lock-downs included)."""
    rng = random.Random(3)
    path = tmp_path / "policies.yaml"
    path.write_text(yaml.safe_dump_all([make_policy(i, rng) for i in range(count)], sort_keys=False))
    return path


def _run(monkeypatch: pytest.MonkeyPatch, args: list[str], terminal: bool) -> tuple[int, str, str]:
    """The CLI in process with stderr a terminal (progress shown at once, every count drawn) or a plain stream."""
    monkeypatch.setenv("NETPOLX_PROGRESS_DELAY", "0")
    monkeypatch.delenv("NETPOLX_PROGRESS", raising=False)
    monkeypatch.setattr(progress_module, "INTERVAL", 0.0)  # draw every count, so the test sees them all
    out, err = io.StringIO(), (Terminal() if terminal else io.StringIO())
    with redirect_stdout(out), redirect_stderr(err):
        code = main(args)
    return code, out.getvalue(), err.getvalue()


def _shown(stderr: str) -> list[str]:
    """The progress lines drawn, in order."""
    return [m.group(0)[len("\r\x1b[K"):] for m in PROGRESS_LINE.finditer(stderr) if len(m.group(0)) > 4]


def _commands(tmp_path: Path, policies: Path) -> dict[str, tuple[list[str], list[str]]]:
    """Command -> (arguments, the progress lines it must show, each with its final count)."""
    n = f"{12}"
    read, imported = f"netpolx: reading policies {n}", f"netpolx: importing policies {n}/{n}"
    f = str(policies)
    return {
        "translate": (["translate", "--engine", "cilium", "-f", f, "--error-level", "warn"],
                      [read, imported, "netpolx: checking policies", f"netpolx: compiling policies {n}/{n}",
                       f"netpolx: formatting {n} objects"]),
        "translate --verify": (["translate", "--engine", "kubernetes", "-f", f, "--verify"],
                               [read, imported, f"netpolx: compiling policies {n}/{n}",
                                "netpolx: verifying: reading the output back",
                                f"netpolx: verifying: importing the output {n}/{n}", "netpolx: verifying: proving",
                                f"netpolx: verifying: proving: encoding {n} + {n} policies"]),
        "translate --output-dir": (["translate", "--engine", "kubernetes", "-f", f, "--output-dir",
                                    str(tmp_path / "out")],
                                   [f"netpolx: compiling policies {n}/{n}", f"netpolx: formatting objects {n}/{n}",
                                    f"netpolx: writing files {n}/{n}"]),
        "check": (["check", "--engine", "calico", "-f", f],
                  [read, imported, "netpolx: checking policies", f"netpolx: compiling policies {n}/{n}"]),
        "check --from --to": (["check", "--from", "kubernetes", "--to", "cilium", "-f", f],
                              [read, imported, f"netpolx: running migration checks {len(checks())}/{len(checks())}"]),
        "lint": (["lint", "-f", f, "--fail-on", "error"],
                 [read, imported, f"netpolx: running lint checks {len(CHECKS)}/{len(CHECKS)}"]),
        "explain": (["explain", "-f", f], [read, imported, f"netpolx: explaining policies {n}/{n}",
                                          f"netpolx: writing {n} explanations"]),
        "import": (["import", "-f", f], [read, imported, f"netpolx: formatting {n} intents"]),
        "recommend": (["recommend", "-f", f], [read, imported, f"netpolx: checking policies for cilium {n}/{n}"]),
    }


@pytest.mark.parametrize("command", ["translate", "translate --verify", "translate --output-dir", "check",
                                     "check --from --to", "lint", "explain", "import", "recommend"])
def test_long_commands_show_their_phases_with_counts_on_a_terminal_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    policies = _policies(tmp_path)
    args, expected = _commands(tmp_path, policies)[command]
    code, out, err = _run(monkeypatch, args, terminal=True)
    shown = _shown(err)
    for line in expected:
        assert line in shown, (line, shown)
    positions = [shown.index(line) for line in expected]
    assert positions == sorted(positions)  # in the order the work is done
    if "--output-dir" in args:
        (tmp_path / "out").rename(tmp_path / "first")
    plain_code, plain_out, plain_err = _run(monkeypatch, args, terminal=False)
    assert "\r" not in plain_err and "\x1b" not in plain_err  # nothing at all on a stream that is not a terminal
    assert (plain_code, plain_out) == (code, out)  # stdout byte for byte the same, with or without progress
    assert PROGRESS_LINE.sub("", err) == plain_err  # stderr: the same diagnostics once the progress is taken out
    if "--output-dir" in args:
        written = sorted(p.name for p in (tmp_path / "out").iterdir())
        assert written == sorted(p.name for p in (tmp_path / "first").iterdir())
        assert all((tmp_path / "out" / name).read_bytes() == (tmp_path / "first" / name).read_bytes()
                   for name in written)


def test_migrate_shows_each_step_on_a_terminal_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    policies = _policies(tmp_path, 6)
    args = ["migrate", "--to", "cilium", "-f", str(policies), "--output-dir", str(tmp_path / "bundle")]
    code, out, err = _run(monkeypatch, args, terminal=True)
    shown = _shown(err)
    expected = ["netpolx: importing policies 6/6", "netpolx: compiling policies 6/6",
                "netpolx: importing the translation 6/6", "netpolx: proving: encoding 6 + 6 policies",
                "netpolx: writing the report", "netpolx: checking the written files"]
    assert [line for line in expected if line not in shown] == []
    assert any(line.startswith("netpolx: running migration checks ") for line in shown)
    assert any(re.fullmatch(r"netpolx: writing files (\d+)/\1", line) for line in shown)
    args[-1] = str(tmp_path / "plain")
    plain_code, plain_out, plain_err = _run(monkeypatch, args, terminal=False)
    assert "\r" not in plain_err and "\x1b" not in plain_err
    assert (plain_code, plain_out.replace("plain", "bundle")) == (code, out)


def test_translate_on_a_real_terminal_writes_the_same_stdout(tmp_path: Path) -> None:
    """stderr on a pseudo-terminal (progress drawn) and stdout on a pipe: stdout byte for byte as without one."""
    policies = _policies(tmp_path)
    args = [sys.executable, "-m", "translator", "translate", "--engine", "calico", "-f", str(policies)]
    env = {**os.environ, "NETPOLX_PROGRESS_DELAY": "0"}
    env.pop("NETPOLX_PROGRESS", None)
    plain = subprocess.run(args, capture_output=True, env=env, check=True)
    assert b"\r" not in plain.stderr
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=follower, env=env)
        os.close(follower)
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
        out = proc.stdout.read() if proc.stdout is not None else b""
        assert proc.wait() == 0
    finally:
        os.close(leader)
    assert b"netpolx: compiling policies 0/12" in shown and b"netpolx: importing policies 0/12" in shown
    assert out == plain.stdout and out


def test_the_python_api_draws_nothing_even_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No command erases the line after a library call, so the API is silent (unless NETPOLX_PROGRESS=1)."""
    import netpolx

    monkeypatch.setenv("NETPOLX_PROGRESS_DELAY", "0")
    monkeypatch.delenv("NETPOLX_PROGRESS", raising=False)
    old = progress_module.reset()
    try:
        err = Terminal()
        with redirect_stderr(err):
            translation = netpolx.translate(_policies(tmp_path), "cilium")
        assert translation.objects and err.getvalue() == ""
    finally:
        progress_module.reset(old)


def test_an_interrupted_command_erases_its_line_before_saying_so(tmp_path: Path) -> None:
    """Ctrl-C or SIGTERM while a phase is shown: the line is erased first (not left above `interrupted`)."""
    policies = _policies(tmp_path)
    env = {**os.environ, "NETPOLX_PROGRESS": "1", "NETPOLX_PROGRESS_DELAY": "0", "NETPOLX_TEST_KILL_AT": "staged:TERM"}
    args = [sys.executable, "-m", "translator", "translate", "--engine", "kubernetes", "-f", str(policies),
            "--output-dir", str(tmp_path / "out")]
    done = subprocess.run(args, capture_output=True, env=env)
    assert done.returncode == 130 and not (tmp_path / "out").exists()
    assert b"\r\x1b[Knetpolx: writing files 0/12" in done.stderr
    assert re.search(rb"writing files \d+/12\r\x1b\[K\ninterrupted\n\Z", done.stderr)
