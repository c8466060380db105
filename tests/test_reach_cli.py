"""`netpolx reach`: the contract's JSON, the table, --explain, and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.shared import ROOT

CLUSTER = """\
namespaces:
  - {name: x, labels: {kubernetes.io/metadata.name: x}}
  - {name: y, labels: {kubernetes.io/metadata.name: y}}
pods:
  - namespace: x
    name: a
    labels: {pod: a}
    ip: 10.244.1.1
    ports: [{name: serve-80-tcp, port: 80, protocol: TCP}]
  - {namespace: y, name: b, labels: {pod: b}, ip: 10.244.2.1}
externals:
  - {name: internet, ip: 8.8.8.8, fqdn: dns.google}
probes:
  - {port: 80, protocol: TCP}
"""

POLICY = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: from-y, namespace: x}
spec:
  podSelector: {}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: y}}
    ports: [{port: serve-80-tcp}]
"""


@pytest.fixture
def files(tmp_path: Path) -> tuple[str, str]:
    cluster, policy = tmp_path / "cluster.yaml", tmp_path / "policy.yaml"
    cluster.write_text(CLUSTER, encoding="utf-8")
    policy.write_text(POLICY, encoding="utf-8")
    return str(policy), str(cluster)


def test_json_matches_the_contract(files: tuple[str, str]) -> None:
    policy, cluster = files
    result = run_cli("reach", "-f", policy, "--cluster", cluster, "-o", "json")
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == ["engine", "results"]
    assert data["engine"] == "kubernetes"
    assert all(list(r) == ["from", "to", "port", "protocol", "allowed"] for r in data["results"])
    cells = {(r["from"], r["to"]): r["allowed"] for r in data["results"]}
    assert cells == {("x/a", "y/b"): True, ("x/a", "internet"): True, ("y/b", "x/a"): True,
                     ("y/b", "internet"): True, ("internet", "x/a"): False, ("internet", "y/b"): True}
    assert [(r["from"], r["to"]) for r in data["results"]][:2] == [("x/a", "y/b"), ("x/a", "internet")]


def test_probes_from_the_command_line_are_added(files: tuple[str, str]) -> None:
    policy, cluster = files
    result = run_cli("reach", "-f", policy, "--cluster", cluster, "-o", "json", "--probe", "81/udp", "--probe",
                     "80/TCP")
    data = json.loads(result.stdout)
    assert {(r["port"], r["protocol"]) for r in data["results"]} == {(80, "TCP"), (81, "UDP")}
    assert len(data["results"]) == 6 * 2
    assert next(r for r in data["results"] if (r["from"], r["to"], r["port"]) == ("y/b", "x/a", 81))["allowed"] \
        is False


def test_engine_option_and_intent_semantics(files: tuple[str, str], tmp_path: Path) -> None:
    policy, cluster = files
    intent = tmp_path / "intent.yaml"
    intent.write_text("""\
apiVersion: netpolx.io/v1alpha1
kind: NetworkIntent
metadata: {name: out, namespace: x}
spec:
  subject: {}
  egress: [{peers: [{fqdn: dns.google}]}]
""", encoding="utf-8")
    own = json.loads(run_cli("reach", "-f", str(intent), "--cluster", cluster, "-o", "json").stdout)
    assert own["engine"] == "intent"
    assert next(r for r in own["results"] if (r["from"], r["to"]) == ("x/a", "internet"))["allowed"] is True
    k8s = json.loads(run_cli("reach", "-f", str(intent), "--cluster", cluster, "-o", "json", "--engine",
                             "kubernetes").stdout)
    assert k8s["engine"] == "kubernetes"
    assert next(r for r in k8s["results"] if (r["from"], r["to"]) == ("x/a", "internet"))["allowed"] is False
    mixed = json.loads(run_cli("reach", "-f", str(intent), "-f", policy, "--cluster", cluster, "-o", "json").stdout)
    assert mixed["engine"] == "mixed"


def test_table(files: tuple[str, str]) -> None:
    policy, cluster = files
    result = run_cli("reach", "-f", policy, "--cluster", cluster)
    assert result.code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "engine: kubernetes"
    assert "80/TCP (row = from, column = to" in result.stdout
    row = next(line for line in lines if line.startswith("internet"))
    assert row.split()[1:] == ["X", ".", "-"]


def test_explain(files: tuple[str, str]) -> None:
    policy, cluster = files
    result = run_cli("reach", "-f", policy, "--cluster", cluster, "--explain", "internet", "x/a", "80/TCP")
    assert result.code == 0, result.stderr
    assert result.stdout.startswith("internet -> x/a 80/TCP: DENIED")
    assert "x/from-y rule 0 (allow) at " in result.stdout
    as_json = json.loads(run_cli("reach", "-f", policy, "--cluster", cluster, "--explain", "y/b", "x/a", "80/TCP",
                                 "-o", "json").stdout)
    assert as_json["allowed"] is True and as_json["engine"] == "kubernetes"
    assert any("allow by x/from-y rule 0" in line for line in as_json["trace"])


def test_kubectl_list_cluster(files: tuple[str, str], tmp_path: Path) -> None:
    policy, _ = files
    cluster = tmp_path / "kubectl.yaml"
    cluster.write_text("""\
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Namespace, metadata: {name: x}}
- apiVersion: v1
  kind: Pod
  metadata: {name: a, namespace: x, labels: {pod: a}}
  spec: {containers: [{name: c, ports: [{name: serve-80-tcp, containerPort: 80}]}]}
  status: {podIP: 10.244.1.1}
- apiVersion: v1
  kind: Pod
  metadata: {name: b, namespace: y}
  spec: {containers: [{name: c}]}
  status: {podIP: 10.244.2.1}
""", encoding="utf-8")
    data = json.loads(run_cli("reach", "-f", policy, "--cluster", str(cluster), "-o", "json", "--probe",
                              "80/TCP").stdout)
    assert {(r["from"], r["to"]): r["allowed"] for r in data["results"]} == {("x/a", "y/b"): True,
                                                                            ("y/b", "x/a"): True}


@pytest.mark.parametrize(("args", "message"), [
    (["--engine", "cilum"], "unknown engine"),
    (["--probe", "http"], "invalid probe"),
    (["--explain", "x/a", "x/zz", "80/TCP"], "no endpoint 'x/zz'"),
    (["--explain", "x/a", "y/b", "80/XYZ"], "invalid probe"),
])
def test_bad_options_exit_2(files: tuple[str, str], args: list[str], message: str) -> None:
    policy, cluster = files
    result = run_cli("reach", "-f", policy, "--cluster", cluster, *args)
    assert result.code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_bad_inputs_exit_2(files: tuple[str, str], tmp_path: Path) -> None:
    policy, cluster = files
    bad_cluster = tmp_path / "bad.yaml"
    bad_cluster.write_text("pods:\n  - {namespace: x, name: a, ip: not-an-ip}\n", encoding="utf-8")
    result = run_cli("reach", "-f", policy, "--cluster", str(bad_cluster))
    assert result.code == 2
    assert f"{bad_cluster}:2: error NPX004" in result.stderr
    no_probes = tmp_path / "noprobes.yaml"
    no_probes.write_text("pods:\n  - {namespace: x, name: a}\n", encoding="utf-8")
    result = run_cli("reach", "-f", policy, "--cluster", str(no_probes))
    assert result.code == 2 and "no probes" in result.stderr
    bad_policy = tmp_path / "badpolicy.yaml"
    bad_policy.write_text(POLICY.replace("port: serve-80-tcp", "port: 0"), encoding="utf-8")
    result = run_cli("reach", "-f", str(bad_policy), "--cluster", cluster)
    assert result.code == 2 and "badpolicy.yaml:" in result.stderr
    assert run_cli("reach", "-f", policy, "--cluster", str(tmp_path / "missing.yaml")).code == 2
    assert run_cli("reach", "-f", policy).code == 2  # --cluster is required


def test_policies_from_stdin(files: tuple[str, str]) -> None:
    _, cluster = files
    result = run_cli("reach", "-f", "-", "--cluster", cluster, "-o", "json", stdin=POLICY)
    assert result.code == 0
    assert json.loads(result.stdout)["engine"] == "kubernetes"


def test_reach_probes_the_pods_ports_by_default_as_graph_does(tmp_path: Path) -> None:
    """Without probes in the file or --probe, reach probes every container port the pods declare (as graph)."""
    cluster = tmp_path / "c.yaml"
    cluster.write_text("pods:\n- {namespace: shop, name: a, labels: {app: a}, ip: 10.244.1.1,"
                       " ports: [{port: 80, protocol: TCP}, {port: 53, protocol: UDP}]}\n"
                       "- {namespace: shop, name: b, labels: {app: b}, ip: 10.244.1.2}\n", encoding="utf-8")
    policy = str(ROOT / "samples" / "seed" / "03-backend.yaml")
    result = run_cli("reach", "-f", policy, "--cluster", str(cluster), "-o", "json")
    assert result.code == 0, result.stderr
    probes = {(r["port"], r["protocol"]) for r in json.loads(result.stdout)["results"]}
    assert probes == {(53, "UDP"), (80, "TCP")}
    bare = tmp_path / "bare.yaml"
    bare.write_text("pods: [{namespace: shop, name: a}, {namespace: shop, name: b}]\n", encoding="utf-8")
    result = run_cli("reach", "-f", policy, "--cluster", str(bare))
    assert result.code == 2 and "no pod declares a container port" in result.stderr


def test_reach_with_a_policy_file_as_cluster_says_so(tmp_path: Path) -> None:
    policy = str(ROOT / "samples" / "seed" / "03-backend.yaml")
    result = run_cli("reach", "-f", policy, "--cluster", policy)
    assert result.code == 2 and result.stdout == ""
    assert f"{policy}: not a cluster file: it holds NetworkPolicy" in result.stderr
