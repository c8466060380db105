"""Injection (issue 16): every user string is escaped for the format it lands in (diagnostic lines, Markdown, HTML,
Mermaid, DOT), and names the API server would reject are rejected at input."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import run_cli
from translator import escape
from translator.diagnostics import Diagnostic, Severity, SourceLocation

PAYLOAD = "<img src=x onerror=alert(1)>"
NP = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: db, namespace: a}\n"
      "spec: {podSelector: {}, policyTypes: [Ingress],\n"
      "  ingress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]}\n")
CLUSTER = ("namespaces: [{name: a}]\npods:\n- {namespace: a, name: web, labels: {app: web}, ip: 10.0.0.1}\n"
           "- {namespace: a, name: db, labels: {app: db}, ip: 10.0.0.2, ports: [{port: 80}]}\n")
WITH_IPBLOCK = NP.replace("{podSelector: {matchLabels: {app: web}}}", "{ipBlock: {cidr: 10.0.0.0/24}}")
LINE = re.compile(r"^(\S.*?:(\d+)?|netpolx): (error|warning|info) NPX\d{3}: ")


def test_a_newline_in_a_name_cannot_forge_a_diagnostic_line(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(NP.replace("name: db", 'name: "x\\nfake.yaml:1: error NPX999: forged\\u202e"'))
    result = run_cli("translate", "--engine", "kubernetes", "-f", str(path))
    assert result.code == 2
    lines = [line for line in result.stderr.splitlines() if " NPX030: " not in line]  # the closing count line
    assert lines and all(LINE.match(line) and line.startswith(str(path)) for line in lines), lines
    assert "\\nfake.yaml:1: error NPX999" in result.stderr and "\u202e" not in result.stderr


def test_diagnostic_text_escapes_control_characters_in_file_names() -> None:
    d = Diagnostic("NPX004", Severity.ERROR, "bad\r\nthing", SourceLocation("a\nb.yaml", 3))
    assert d.format() == "a\\nb.yaml:3: error NPX004: bad\\r\\nthing"


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """A policy file whose name is an HTML payload (a legal file name)."""
    folder = tmp_path / "in"
    folder.mkdir()
    path = folder / f"{PAYLOAD} *x* [l](javascript:alert(1)).yaml"
    path.write_text(WITH_IPBLOCK)
    return path


def test_migration_reports_escape_the_input_file_name(tmp_path: Path, hostile: Path) -> None:
    out = tmp_path / "bundle"
    cluster = tmp_path / "cluster.yaml"
    cluster.write_text(CLUSTER)
    result = run_cli("migrate", "--to", "cilium", "-f", str(hostile), "--cluster", str(cluster), "--output-dir",
                     str(out))
    assert result.code in (0, 1), result.stderr
    md = (out / "report.md").read_text()
    page = (out / "report.html").read_text()
    assert "onerror" in md and "<img" not in md
    assert "\\[l\\](javascript" in md and "](javascript" not in md.replace("\\]", "")
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img" not in page


@pytest.mark.parametrize("field,value", [
    ("pod name", "web<img src=x onerror=alert(1)>"),
    ("pod name", "web\\n  n0-->n1"),
    ("node name", "n1\\nx"),
    ("external name", "ext\\n  n0-->n1"),
    ("external fqdn", "a.com\\n  n0-->n1"),
])
def test_cluster_names_the_api_server_would_reject_are_rejected(tmp_path: Path, field: str, value: str) -> None:
    text = {
        "pod name": CLUSTER.replace("name: web,", f'name: "{value}",'),
        "node name": CLUSTER + f'nodes: [{{name: "{value}", ip: 10.1.0.1}}]\n',
        "external name": CLUSTER + f'externals: [{{name: "{value}", ip: 8.8.8.8}}]\n',
        "external fqdn": CLUSTER + f'externals: [{{name: dns, ip: 8.8.8.8, fqdn: "{value}"}}]\n',
    }[field]
    cluster = tmp_path / "cluster.yaml"
    cluster.write_text(text)
    policy = tmp_path / "p.yaml"
    policy.write_text(NP)
    result = run_cli("graph", "-f", str(policy), "--cluster", str(cluster), "-o", "mermaid")
    assert result.code == 2 and "cluster.yaml:" in result.stderr and result.stdout == ""
    assert all(LINE.match(line) for line in result.stderr.splitlines())


def test_graphs_escape_file_names(hostile: Path, tmp_path: Path) -> None:
    cluster = tmp_path / "cluster.yaml"
    cluster.write_text(CLUSTER)
    for fmt in ("mermaid", "dot", "html"):
        result = run_cli("graph", "-f", str(hostile.parent), "--cluster", str(cluster), "-o", fmt)
        assert result.code == 0, result.stderr
        assert "<img" not in result.stdout


@pytest.mark.parametrize("value", ["a\nb", 'x"]\n  n0-->n1', "x\u2028y", "<b>`|*_[](javascript:x)#"])
def test_escapers_keep_user_text_on_one_line_and_inert(value: str) -> None:
    for fn in (escape.text, escape.markdown, escape.md_code, escape.mermaid, escape.mermaid_comment, escape.dot):
        out = fn(value)
        assert "\n" not in out and "\u2028" not in out and "\r" not in out, (fn.__name__, out)
    assert "<" not in escape.markdown(value) and "<" not in escape.mermaid(value)
    assert '"' not in escape.mermaid(value) and "]" not in escape.mermaid(value)
    inner = escape.dot(value)[1:-1]
    assert not re.search(r'(?<!\\)"', inner)
    assert "](" not in escape.markdown(value).replace("\\]", "")
