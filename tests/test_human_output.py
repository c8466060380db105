"""Human output: counts agree with their nouns and carry thousands separators; a migration report shows only
what concerns its source engine; migrating an engine onto itself is refused with what to run instead."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli
from tests.shared import ROOT
from translator.output.plural import count

CALICO = ROOT / "samples" / "migration" / "calico-cluster"


def test_count() -> None:
    assert [count(0, "pod"), count(1, "pod"), count(2, "pod"), count(261744, "connection")] == \
        ["0 pods", "1 pod", "2 pods", "261,744 connections"]
    assert count(1, "policy", "policies") == "1 policy" and count(3, "policy", "policies") == "3 policies"


def test_calico_to_cilium_report_has_no_azure_npm_sections(tmp_path: Path) -> None:
    out = tmp_path / "m"
    result = run_cli("migrate", "--from", "calico", "--to", "cilium", "-f", str(CALICO / "policies.yaml"),
                     "--output-dir", str(out))
    assert result.code in (0, 1), result.stderr
    assert "Microsoft's checks" not in result.stdout
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "Microsoft's five checks" not in report and "Windows node pools" not in report
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["microsoft_checks"] == []
    assert "1 flows" not in report and "in 1 files" not in report
    verify_line = next(line for line in result.stdout.splitlines() if line.startswith("verify:"))
    assert "," in verify_line.split(" of ")[1]  # e.g. 0 of 261,744 connections differ


def test_npm_report_keeps_microsofts_checks(tmp_path: Path) -> None:
    npm = ROOT / "samples" / "migration" / "npm-cluster"
    out = tmp_path / "m"
    result = run_cli("migrate", "--from", "azure-npm", "--to", "cilium", "--platform", "aks",
                     "-f", str(npm / "policies.yaml"), "--output-dir", str(out))
    assert "Microsoft's checks: MS1" in result.stdout, result.stderr
    assert "Microsoft's five checks" in (out / "report.md").read_text(encoding="utf-8")


def test_migrate_onto_the_same_engine_is_refused(tmp_path: Path) -> None:
    result = run_cli("migrate", "--from", "cilium", "--to", "cilium", "-f", str(ROOT / "samples" / "seed"),
                     "--output-dir", str(tmp_path / "m"))
    assert result.code == 2 and "nothing to migrate" in result.stderr and not (tmp_path / "m").exists()


def test_commands_without_diagnostics_take_no_diagnostics_options() -> None:
    for command in ("completion", "engines", "schema", "hook"):
        help_text = run_cli(command, "--help").stdout
        assert "--diagnostics-file" not in help_text and "--no-group" not in help_text, command
    assert "--diagnostics-file" in run_cli("translate", "--help").stdout
