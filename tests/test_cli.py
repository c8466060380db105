"""The command line: exit codes, diagnostics formats, output files, bad input never shows a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import run_cli
from tests.shared import ROOT

SEED = str(ROOT / "samples" / "intents" / "seed.yaml")
FQDN = str(ROOT / "samples" / "intents" / "fqdn-egress.yaml")
DENY = str(ROOT / "samples" / "intents" / "deny-rule.yaml")
NAMED = str(ROOT / "samples" / "intents" / "named-ports.yaml")

NP = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: prod, uid: abc, resourceVersion: "7"}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
    - from: [{podSelector: {matchLabels: {app: lb}}}]
      ports: [{port: 80}]
status: {}
"""


def test_translate_seed_to_kubernetes_prints_valid_policies() -> None:
    result = run_cli("translate", "--engine", "kubernetes", "-f", SEED)
    assert result.code == 0, result.stderr
    docs = list(yaml.safe_load_all(result.stdout))
    assert [d["metadata"]["name"] for d in docs] == ["default-deny", "ingress-controller", "frontend", "backend"]
    assert all(d["kind"] == "NetworkPolicy" for d in docs)


def test_fqdn_to_kubernetes_is_refused_with_file_line_and_feature() -> None:
    result = run_cli("translate", "--engine", "kubernetes", "-f", FQDN)
    assert result.code == 1
    assert result.stdout == ""
    assert f"{FQDN}:10: error NPX100: ci/github-egress: egress to an exact DNS name (fqdn-exact)" in result.stderr


def test_deny_to_kubernetes_is_refused() -> None:
    result = run_cli("translate", "--engine", "kubernetes", "-f", DENY)
    assert result.code == 1
    assert f"{DENY}:9: error NPX100" in result.stderr and "(deny-rule)" in result.stderr


def test_named_port_on_azure_npm_windows_is_refused_with_reason() -> None:
    result = run_cli("translate", "--engine", "azure-npm-windows", "-f", NAMED)
    assert result.code == 1
    assert "named ports (named-port)" in result.stderr and "skips the whole policy" in result.stderr


def test_diagnostics_json_format() -> None:
    result = run_cli("translate", "--engine", "kubernetes", "-f", FQDN, "--diagnostics-format", "json")
    items = json.loads(result.stderr)
    err = next(d for d in items if d["severity"] == "error" and d["feature"] == "fqdn-exact")
    assert set(err) >= {"file", "line", "severity", "code", "message", "engine", "feature"}
    assert (err["file"], err["line"], err["engine"], err["feature"]) == (FQDN, 10, "kubernetes", "fqdn-exact")


def test_diagnostics_sarif_format() -> None:
    result = run_cli("check", "--engine", "kubernetes", "-f", FQDN, "--diagnostics-format", "sarif")
    log = json.loads(result.stderr)
    assert log["version"] == "2.1.0"
    results = log["runs"][0]["results"]
    assert any(r["ruleId"] == "NPX100" and r["level"] == "error" for r in results)
    assert results[0]["locations"][0]["physicalLocation"]["region"]["startLine"] > 0


def test_error_level_warn_emits_with_warnings() -> None:
    result = run_cli("translate", "--engine", "kubernetes", "-f", DENY, "--error-level", "warn")
    assert result.code == 0
    assert "warning NPX100" in result.stderr
    assert "NetworkPolicy" in result.stdout


def test_bad_input_is_exit_2_at_every_error_level(tmp_path: Path) -> None:
    """Invalid YAML is bad input whatever --error-level says: exit 2, the error and the count line printed."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: [\n", encoding="utf-8")
    for level in ("raise", "warn", "immediate"):
        result = run_cli("translate", "--engine", "kubernetes", "-f", str(bad), "--error-level", level)
        assert (result.code, result.stdout) == (2, ""), (level, result.stderr)
        lines = result.stderr.splitlines()
        assert "error NPX001: invalid YAML" in lines[0] and lines[-1].startswith("netpolx: info NPX030: 1 error")
    refused = run_cli("translate", "--engine", "kubernetes", "-f", DENY, "--error-level", "immediate")
    assert refused.code == 1 and refused.stderr.splitlines()[-1].startswith("netpolx: info NPX030: 1 error")


def test_unknown_engine_suggests(tmp_path: Path) -> None:
    result = run_cli("translate", "--engine", "cillium", "-f", SEED)
    assert result.code == 2
    assert "unknown engine 'cillium'" in result.stderr


def test_output_dir_writes_one_file_per_object(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("translate", "--engine", "kubernetes", "-f", SEED, "--output-dir", str(out))
    assert result.code == 0 and result.stdout == ""
    assert sorted(p.name for p in out.iterdir()) == [
        ".netpolx-manifest", "networkpolicy_shop_backend.yaml", "networkpolicy_shop_default-deny.yaml",
        "networkpolicy_shop_frontend.yaml", "networkpolicy_shop_ingress-controller.yaml"]


def test_nothing_is_written_when_translation_fails(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("translate", "--engine", "kubernetes", "-f", SEED, "-f", FQDN, "--output-dir", str(out))
    assert result.code == 1
    assert not out.exists()


def test_json_output_is_a_list() -> None:
    result = run_cli("translate", "--engine", "kubernetes", "-f", SEED, "-o", "json")
    data = json.loads(result.stdout)
    assert data["kind"] == "List" and len(data["items"]) == 4


def test_stdin_and_server_fields(tmp_path: Path) -> None:
    result = run_cli("import", "-f", "-", stdin=NP)
    assert result.code == 0, result.stderr
    intent = yaml.safe_load(result.stdout)
    assert intent["kind"] == "NetworkIntent" and intent["metadata"] == {"name": "web", "namespace": "prod"}
    assert intent["spec"]["isolate"] == ["ingress"]


def test_kubectl_list_is_unpacked(tmp_path: Path) -> None:
    np = yaml.safe_load(NP)
    path = tmp_path / "list.json"
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": [np, {**np, "metadata": {
        "name": "web2", "namespace": "prod"}}]}))
    result = run_cli("translate", "--engine", "kubernetes", "-f", str(path))
    assert result.code == 0
    assert [d["metadata"]["name"] for d in yaml.safe_load_all(result.stdout)] == ["web", "web2"]


def test_directory_input_and_recursion(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.yaml").write_text(NP)
    (tmp_path / "sub" / "b.yml").write_text(NP.replace("name: web,", "name: other,"))
    (tmp_path / "notes.txt").write_text("ignored")
    flat = run_cli("import", "-f", str(tmp_path))
    deep = run_cli("import", "-f", str(tmp_path), "-R")
    assert flat.stdout.count("kind: NetworkIntent") == 1
    assert deep.stdout.count("kind: NetworkIntent") == 2


BAD_INPUTS = {
    "yaml-syntax": ("kind: [unclosed\n", "NPX001", 2),
    "wrong-type": ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a, namespace: b}\n"
                   "spec:\n  podSelector: []\n", "NPX004", 5),
    "invalid-cidr": ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a, namespace: b}\n"
                     "spec:\n  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock: {cidr: 300.0.0.0/8}\n",
                     "NPX004", 8),
    "bad-label-key": ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a, namespace: b}\n"
                      "spec:\n  podSelector: {matchLabels: {'bad key!': x}}\n", "NPX004", 5),
    "port-out-of-range": ("apiVersion: netpolx.io/v1alpha1\nkind: NetworkIntent\nmetadata: {name: a, namespace: b}\n"
                          "spec:\n  ingress:\n  - ports: [{port: 99999}]\n", "NPX004", 6),
    "unknown-field": ("apiVersion: netpolx.io/v1alpha1\nkind: NetworkIntent\nmetadata: {name: a, namespace: b}\n"
                      "spec:\n  ingres: []\n", "NPX002", 5),
    "unknown-kind": ("apiVersion: v1\nkind: Secret\nmetadata: {name: a}\n", "NPX003", 2),
    "not-an-object": ("- 1\n- 2\n", "NPX002", 2),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_exits_2_with_file_line_code(case: str, tmp_path: Path) -> None:
    text, code, line = BAD_INPUTS[case]
    path = tmp_path / f"{case}.yaml"
    path.write_text(text)
    result = run_cli("translate", "--engine", "kubernetes", "-f", str(path), "--output-dir", str(tmp_path / "o"))
    assert result.code == 2, result.stderr
    expected = f"{path}:{line}: error {code}:" if line else f"{path}: error {code}:"
    assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "o").exists()


def test_missing_file_exits_2() -> None:
    result = run_cli("translate", "--engine", "kubernetes", "-f", "/nonexistent/x.yaml")
    assert result.code == 2 and "NPX005" in result.stderr


def test_usage_error_exits_2() -> None:
    assert run_cli("translate", "-f", SEED).code == 2
    assert run_cli("check", "-f", SEED).code == 2


def test_check_prints_only_diagnostics_and_fail_on() -> None:
    result = run_cli("check", "--engine", "azure-npm", "-f", SEED)
    assert result.code == 0 and result.stdout == ""
    assert "NPX200" in result.stderr  # retirement date
    strict = run_cli("check", "--engine", "azure-npm-windows", "-f", SEED, "--fail-on", "warning")
    assert strict.code == 1  # Windows NPM support ended: a warning


def test_entry_points_run() -> None:
    for args in ([sys.executable, "-m", "translator", "--version"],
                 [str(Path(sys.executable).parent / "kubectl-netpolx"), "--help"]):
        proc = subprocess.run(args, capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stderr


FQDN_NO_DNS = """apiVersion: netpolx.io/v1alpha1
kind: NetworkIntent
metadata: {name: egress, namespace: ci}
spec:
  subject: {pods: {}}
  egress:
    - peers: [{fqdn: api.github.com}]
      ports: [{protocol: TCP, port: 443}]
"""


def test_widening_is_refused_without_explicit_opt_in(tmp_path: Path) -> None:
    path = tmp_path / "fqdn.yaml"
    path.write_text(FQDN_NO_DNS)
    refused = run_cli("translate", "--engine", "cilium", "-f", str(path))
    assert refused.code == 1 and refused.stdout == ""
    assert "error NPX106" in refused.stderr and "--allow-widening" in refused.stderr
    accepted = run_cli("translate", "--engine", "cilium", "-f", str(path), "--allow-widening")
    assert accepted.code == 0 and "warning NPX106" in accepted.stderr and "[accepted]" in accepted.stderr
    assert "rules:" in accepted.stdout and "matchPattern: '*'" in accepted.stdout
