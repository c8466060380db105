"""`.netpolx.yaml` and `-n/--namespace`: found upward, validated with "did you mean", applied per path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.conftest import run_cli
from tests.shared import ROOT
from translator.cli.config import CONFIG_SCHEMA, schema_text

NP = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-deny-all}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: []
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "policies" / "legacy").mkdir(parents=True)
    (tmp_path / "policies" / "web.yaml").write_text(NP)
    (tmp_path / "policies" / "legacy" / "old.yaml").write_text(NP.replace("web-deny-all", "old"))
    monkeypatch.chdir(tmp_path / "policies")
    return tmp_path


def write_config(root: Path, data: dict | str, name: str = ".netpolx.yaml") -> Path:
    path = root / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return path


def namespaces(stdout: str) -> dict[str, str]:
    return {d["metadata"]["name"]: d["metadata"].get("namespace") for d in yaml.safe_load_all(stdout) if d}


def test_committed_schema_is_current() -> None:
    assert (ROOT / "schemas" / "config.schema.json").read_text() == schema_text()


def test_found_upward_engine_and_namespace(project: Path) -> None:
    write_config(project, {"engine": "cilium", "namespace": "web"})
    result = run_cli("translate", "-f", "web.yaml")
    assert result.code == 0, result.stderr
    assert namespaces(result.stdout) == {"web-deny-all": "web"}
    assert "CiliumNetworkPolicy" in result.stdout and "NPX009" not in result.stderr


def test_command_line_wins(project: Path) -> None:
    write_config(project, {"engine": "cilium", "namespace": "web"})
    result = run_cli("translate", "--engine", "calico", "-n", "other", "-f", "web.yaml")
    assert result.code == 0, result.stderr
    assert namespaces(result.stdout) == {"web-deny-all": "other"} and "projectcalico.org/v3" in result.stdout


def test_without_config_engine_is_required(project: Path) -> None:
    result = run_cli("translate", "-f", "web.yaml")
    assert result.code == 2 and "--engine" in result.stderr


def test_namespace_option_clears_the_lint_warning(project: Path) -> None:
    assert "NPX009" in run_cli("lint", "-f", "web.yaml").stderr
    result = run_cli("lint", "-n", "default", "-f", "web.yaml")
    assert "NPX009" not in result.stderr


def test_an_explicit_namespace_is_kept(project: Path) -> None:
    (project / "policies" / "web.yaml").write_text(NP.replace("{name: web-deny-all}", "{name: w, namespace: keep}"))
    result = run_cli("import", "-n", "other", "-f", "web.yaml")
    assert namespaces(result.stdout) == {"w": "keep"}


def test_cluster_scoped_kinds_get_no_namespace(project: Path) -> None:
    intent = (ROOT / "samples" / "intents" / "cluster-wide.yaml").read_text()
    (project / "policies" / "cw.yaml").write_text(intent)
    result = run_cli("import", "-n", "x", "-f", "cw.yaml")
    assert result.code == 0, result.stderr
    assert namespaces(result.stdout) == {"block-imds": None}


def test_per_path_overrides(project: Path) -> None:
    write_config(project, {"namespace": "web", "overrides": [
        {"paths": ["policies/legacy/**"], "namespace": "legacy", "lint": {"ignore": ["NPX605"]}}]})
    result = run_cli("import", "-f", ".", "-R")
    assert result.code == 0, result.stderr
    assert namespaces(result.stdout) == {"web-deny-all": "web", "old": "legacy"}


def test_lint_settings_and_per_path_ignore(project: Path) -> None:
    lint_all = run_cli("lint", "-n", "x", "-f", ".", "-R", "--diagnostics-format", "json")
    codes = {(Path(d["file"]).name, d["code"]) for d in json.loads(lint_all.stderr)}
    assert codes, "the sample policy has lint findings to filter"
    code = sorted(codes)[0][1]
    write_config(project, {"namespace": "x", "overrides": [{"paths": ["policies/legacy/*.yaml"],
                                                             "lint": {"ignore": [code]}}]})
    per_path = run_cli("lint", "-f", ".", "-R", "--diagnostics-format", "json")
    got = {(Path(d["file"]).name, d["code"]) for d in json.loads(per_path.stderr)}
    assert ("old.yaml", code) not in got and ("web.yaml", code) in got
    write_config(project, {"namespace": "x", "lint": {"ignore": [code], "fail-on": "error"}})
    ignored = run_cli("lint", "-f", ".", "-R", "--diagnostics-format", "json")
    assert all(d["code"] != code for d in json.loads(ignored.stderr))
    assert ignored.code == 0, "lint.fail-on: error"


def test_explicit_config_path(project: Path, tmp_path: Path) -> None:
    other = write_config(project, {"engine": "calico"}, "ci.yaml")
    write_config(project, {"engine": "cilium"})
    result = run_cli("translate", "--config", str(other), "-n", "a", "-f", "web.yaml")
    assert result.code == 0 and "projectcalico.org/v3" in result.stdout


@pytest.mark.parametrize(("text", "expect"), [
    ("engin: cilium\n", "unknown key 'engin'; did you mean 'engine'?"),
    ("lint:\n  ignroe: [NPX600]\n", "unknown key 'ignroe'; did you mean 'ignore'?"),
    ("overrides:\n  - paths: [a]\n    namepsace: x\n", "unknown key 'namepsace'; did you mean 'namespace'?"),
    ("namespace: Not_A_Label\n", "namespace"),
    ("fail-on: bad\n", "fail-on"),
    ("engine: [\n", "NPX001"),
])
def test_bad_config_is_an_input_error_with_line(project: Path, text: str, expect: str) -> None:
    write_config(project, text)
    result = run_cli("translate", "--engine", "cilium", "-n", "a", "-f", "web.yaml")
    assert result.code == 2, result.stderr
    assert expect in result.stderr
    assert ".netpolx.yaml:" in result.stderr and result.stdout == ""


def test_check_uses_config_engine_and_settings(project: Path) -> None:
    sample = str(ROOT / "samples" / "intents" / "named-ports.yaml")
    expected = run_cli("check", "--engine", "azure-npm-windows", "-f", sample, "--diagnostics-format", "json")
    assert expected.code == 1
    write_config(project, {"engine": "azure-npm-windows"})
    result = run_cli("check", "-f", sample, "--diagnostics-format", "json")
    assert (result.code, json.loads(result.stderr)) == (1, json.loads(expected.stderr))


def test_schema_documents_every_key() -> None:
    def walk(schema: dict) -> None:
        for key, sub in schema.get("properties", {}).items():
            assert sub.get("description") or sub.get("properties") or sub.get("items"), key
            walk(sub)
            if "items" in sub:
                walk(sub["items"])
    walk(CONFIG_SCHEMA)
