"""The committed intent schema is current, and user YAML errors carry the file, line and field."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.shared import ROOT
from translator.load.decode import intent_schema, schema_text


def test_committed_schema_is_current() -> None:
    committed = (ROOT / "schemas" / "intent.schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(), "schemas/intent.schema.json is stale: run `make schema`"


def test_schema_command_prints_it() -> None:
    result = run_cli("schema")
    assert result.code == 0
    assert json.loads(result.stdout) == json.loads(schema_text())


def test_schema_describes_the_model() -> None:
    schema = intent_schema()
    assert schema["$schema"].endswith("2020-12/schema")
    spec = schema["$defs"]["IntentSpec"]["properties"]
    assert {"subject", "isolate", "ingress", "egress", "allowDNS", "order", "tier", "scope"} <= set(spec)
    assert schema["$defs"]["Peer"]["additionalProperties"] is False


def test_samples_carry_the_editor_modeline() -> None:
    for sample in (ROOT / "samples" / "intents").glob("*.yaml"):
        first = sample.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=../../schemas/intent.schema.json", sample.name


BASE = """apiVersion: netpolx.io/v1alpha1
kind: NetworkIntent
metadata: {name: x, namespace: shop}
spec:
  subject: {pods: {matchLabels: {app: x}}}
  egress:
  - peers: [{pods: {matchLabels: {app: y}}}]
    ports: [{port: 8080}]
"""
MISTAKES = {
    "missing namespace": ("metadata: {name: x, namespace: shop}", "metadata: {name: x}"),
    "peer with fqdn and cidr": ("peers: [{pods: {matchLabels: {app: y}}}]",
                                "peers: [{fqdn: example.com, cidr: 10.0.0.0/8}]"),
    "port 70000": ("ports: [{port: 8080}]", "ports: [{port: 70000}]"),
    "fqdn with a scheme": ("peers: [{pods: {matchLabels: {app: y}}}]", "peers: [{fqdn: 'https://example.com/x'}]"),
    "except without cidr": ("peers: [{pods: {matchLabels: {app: y}}}]", "peers: [{except: [10.0.0.0/8]}]"),
    "misspelled field": ("  egress:", "  egres:"),
    "cluster scope with a namespace": ("spec:\n", "spec:\n  scope: Cluster\n"),
}


def check_jsonschema(tmp_path: Path, text: str) -> subprocess.CompletedProcess[str]:
    schema = tmp_path / "intent.schema.json"
    schema.write_text(schema_text())
    doc = tmp_path / "intent.yaml"
    doc.write_text(text)
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--schemafile", str(schema), str(doc)],
                          capture_output=True, text=True, check=False)


def test_check_jsonschema_accepts_the_samples(tmp_path: Path) -> None:
    pytest.importorskip("check_jsonschema")
    assert check_jsonschema(tmp_path, BASE).returncode == 0
    for sample in sorted((ROOT / "samples" / "intents").glob("*.yaml")):
        text = sample.read_text(encoding="utf-8")
        if text.count("\n---") == 0:
            result = check_jsonschema(tmp_path, text)
            assert result.returncode == 0, (sample.name, result.stdout)


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_check_jsonschema_rejects_what_netpolx_rejects(tmp_path: Path, mistake: str) -> None:
    pytest.importorskip("check_jsonschema")
    old, new = MISTAKES[mistake]
    assert old in BASE
    text = BASE.replace(old, new, 1)
    result = check_jsonschema(tmp_path, text)
    assert result.returncode == 1, (mistake, result.stdout)
    path = tmp_path / "tool.yaml"
    path.write_text(text)
    assert run_cli("check", "--engine", "kubernetes", "-f", str(path)).code == 2, f"netpolx accepts {mistake}"


def test_optional_fields_are_not_x_or_null() -> None:
    text = schema_text()
    assert '"type": "null"' not in text, "an optional field reads 'X or null'"


def test_a_misspelled_field_says_what_was_meant(tmp_path: Path) -> None:
    path = tmp_path / "typo.yaml"
    path.write_text(BASE.replace("  egress:", "  egres:"))
    result = run_cli("check", "--engine", "kubernetes", "-f", str(path))
    assert result.code == 2 and "unknown field 'egres' (did you mean 'egress'?)" in result.stderr


def test_documented_schema_location_is_a_repository_path() -> None:
    for doc in (ROOT / "README.md", ROOT / "docs" / "intent.md"):
        lines = [line for line in doc.read_text(encoding="utf-8").splitlines() if "$schema=" in line]
        assert lines, doc.name
        for line in lines:
            target = line.split("$schema=", 1)[1].strip()
            assert not target.startswith("http"), (doc.name, line)
            assert target.endswith("schemas/intent.schema.json")
