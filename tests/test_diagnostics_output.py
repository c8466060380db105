"""Diagnostics for people and CI, the same on every command: repeated findings grouped, a closing count by
severity, --quiet, --diagnostics-file (SARIF, JSON, text) and -o json on check and lint."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.shared import ROOT
from translator.cli import cli

COUNT = re.compile(r"netpolx: info NPX030: \d+ errors?, \d+ warnings?, \d+ info")
LOCKDOWN = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: lock-{i}, namespace: team-{i}}}
spec:
  podSelector: {{}}
  policyTypes: [Egress]
  egress:
  - to: [{{namespaceSelector: {{}}}}]
"""


@pytest.fixture
def sixteen(tmp_path: Path) -> Path:
    path = tmp_path / "locks.yaml"
    path.write_text("---\n".join(LOCKDOWN.format(i=i) for i in range(16)))
    return path


def check(path: Path, *extra: str):
    return run_cli("check", "--from", "azure-npm", "--to", "cilium", "-f", str(path), *extra)


def test_a_finding_repeated_for_sixteen_policies_is_one_line(sixteen: Path) -> None:
    result = check(sixteen)
    imds = [line for line in result.stderr.splitlines() if " NPX523: " in line]
    assert len(imds) == 1, result.stderr
    assert "NPX523: 16 policies (team-0/lock-0, team-1/lock-1," in imds[0]
    assert "NetworkPolicy *: egress is isolated with no allow for the Azure instance metadata endpoint" in imds[0]
    where = imds[0].split("At: ")[1]
    assert where.startswith(f"{sixteen}:") and len(where.split(", ")) == 16, "every place, the file named once"
    ungrouped = check(sixteen, "--no-group")
    assert sum(" NPX523: " in line for line in ungrouped.stderr.splitlines()) == 16


def test_different_findings_of_one_code_are_not_grouped() -> None:
    result = run_cli("check", "--engine", "kubernetes", "-f", str(ROOT / "samples" / "intents" / "cluster-wide.yaml"))
    assert sum(" NPX100: " in line for line in result.stderr.splitlines()) >= 4, "each refused feature stays"


def test_every_text_run_with_diagnostics_ends_with_the_count_line(sixteen: Path) -> None:
    result = check(sixteen)
    last = result.stderr.splitlines()[-1]
    assert COUNT.fullmatch(last), last
    assert last == "netpolx: info NPX030: 0 errors, 32 warnings, 19 info"
    as_json = check(sixteen, "--diagnostics-format", "json")
    assert len(json.loads(as_json.stderr)) == 51, "machine formats on stderr stay pure JSON"
    clean = run_cli("translate", "--engine", "kubernetes", "-f", str(ROOT / "samples" / "intents" / "seed.yaml"))
    assert not clean.stderr or COUNT.fullmatch(clean.stderr.splitlines()[-1])


def test_quiet_prints_only_errors(sixteen: Path, tmp_path: Path) -> None:
    assert check(sixteen, "--quiet").stderr == "", "no errors: nothing, not even the count"
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: x}\n"
                   "spec: {podSelector: 3}\n")
    result = run_cli("check", "--engine", "cilium", "-f", str(bad), "-q")
    lines = result.stderr.splitlines()
    assert result.code == 2 and all(" error " in line for line in lines[:-1]) and COUNT.fullmatch(lines[-1])


@pytest.mark.parametrize(("name", "kind"), [("out.sarif", "sarif"), ("out.json", "json"), ("out.txt", "text")])
def test_diagnostics_file_keeps_stderr_readable(sixteen: Path, tmp_path: Path, name: str, kind: str) -> None:
    target = tmp_path / name
    result = check(sixteen, "--diagnostics-file", str(target))
    lines = result.stderr.splitlines()
    assert lines[-1] == f"netpolx: info NPX030: 0 errors, 32 warnings, 19 info (all in {target})"
    assert not [line for line in lines if re.search(r" NPX(?!030)\d{3}: ", line)], "no diagnostic on stderr"
    text = target.read_text()
    if kind == "sarif":
        log = json.loads(text)
        assert log["version"] == "2.1.0" and len(log["runs"][0]["results"]) == 51
    elif kind == "json":
        assert len(json.loads(text)) == 51
    else:
        assert len(text.splitlines()) == 51, "the file has every diagnostic, ungrouped"
    forced = tmp_path / "log.out"
    check(sixteen, "--diagnostics-file", str(forced), "--diagnostics-file-format", "sarif")
    assert json.loads(forced.read_text())["version"] == "2.1.0"


def test_check_and_lint_print_json_on_stdout(sixteen: Path) -> None:
    result = check(sixteen, "-o", "json")
    doc = json.loads(result.stdout)
    assert set(doc) == {"diagnostics", "summary"}
    assert doc["summary"]["warning"] == sum(d["severity"] == "warning" for d in doc["diagnostics"]) > 0
    assert COUNT.fullmatch(result.stderr.splitlines()[-1])
    lint = run_cli("lint", "-f", str(ROOT / "samples" / "seed"), "-o", "json")
    data = json.loads(lint.stdout)
    assert lint.code == 1 and {d["code"] for d in data["diagnostics"]} >= {"NPX604"}


def test_every_command_has_the_output_options() -> None:
    """Every command that prints diagnostics (completion, engines, schema and hook print none of their own)."""
    from translator.cli import WITHOUT_DIAGNOSTICS

    for name, command in cli.commands.items():
        if name in WITHOUT_DIAGNOSTICS:
            continue
        opts = {o for p in command.params for o in getattr(p, "opts", [])}
        assert {"--quiet", "--diagnostics-file", "--no-group"} <= opts, name
