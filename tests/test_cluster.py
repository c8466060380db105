"""Cluster files: the contract's form, kubectl Lists of Namespace/Pod/Service objects, and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from translator import codes
from translator.cluster.model import NAMESPACE_NAME_LABEL, Probe, load_cluster, parse_probe
from translator.diagnostics import Diagnostics

CONTRACT = """\
namespaces:
  - {name: x, labels: {team: a}}
pods:
  - namespace: x
    name: a
    labels: {pod: a}
    ip: 10.244.1.1
    ports: [{name: serve-80-tcp, port: 80, protocol: TCP}]
    serviceAccount: web
  - {namespace: y, name: b, labels: {pod: b}}
externals:
  - {name: internet, ip: 8.8.8.8, fqdn: dns.google}
probes:
  - {port: 80, protocol: TCP}
  - {port: 53, protocol: udp}
services:
  - {namespace: x, name: web, selector: {pod: a}, ports: [{port: 80, targetPort: serve-80-tcp}]}
"""

KUBECTL = """\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Namespace
  metadata:
    name: shop
    labels: {kubernetes.io/metadata.name: shop, env: prod}
- apiVersion: v1
  kind: Pod
  metadata:
    name: web-1
    namespace: shop
    labels: {app: web}
    uid: 1234
  spec:
    serviceAccountName: frontend
    containers:
    - name: main
      ports:
      - {name: http, containerPort: 8080, protocol: TCP}
      - {containerPort: 9090}
    - name: sidecar
      ports:
      - {name: metrics, containerPort: 9100, protocol: UDP}
  status:
    podIP: 10.1.2.3
- apiVersion: v1
  kind: Pod
  metadata: {name: pending, namespace: other}
  spec: {containers: [{name: c}]}
- apiVersion: v1
  kind: Service
  metadata: {name: web, namespace: shop}
  spec:
    selector: {app: web}
    ports: [{port: 80, targetPort: http}]
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: ignored, namespace: shop}
"""


def _load(tmp_path: Path, text: str, name: str = "cluster.yaml") -> tuple[object, Diagnostics]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    diags = Diagnostics()
    return load_cluster(str(path), diags), diags


def test_contract_form(tmp_path: Path) -> None:
    cluster, diags = _load(tmp_path, CONTRACT)
    assert not diags.has_errors
    assert cluster.endpoint_names == ["x/a", "y/b", "internet"]
    assert [ns.name for ns in cluster.namespaces] == ["x", "y"]  # y added: a pod lives there
    assert cluster.namespace("x").labels == {"team": "a", NAMESPACE_NAME_LABEL: "x"}
    assert cluster.namespace("y").labels == {NAMESPACE_NAME_LABEL: "y"}
    pod = cluster.pods[0]
    assert (pod.ip, pod.service_account, pod.ports[0].name, pod.ports[0].port) == ("10.244.1.1", "web",
                                                                                   "serve-80-tcp", 80)
    assert cluster.pods[1].service_account == "default"
    assert cluster.externals[0].fqdn == "dns.google"
    assert cluster.probes == [Probe(80, "TCP"), Probe(53, "UDP")]
    assert cluster.service("x", "web").selector == {"pod": "a"}


def test_kubectl_list_form(tmp_path: Path) -> None:
    cluster, diags = _load(tmp_path, KUBECTL)
    assert not diags.has_errors, [d.format() for d in diags]
    assert cluster.endpoint_names == ["shop/web-1", "other/pending"]
    web = cluster.pods[0]
    assert web.labels == {"app": "web"}
    assert web.ip == "10.1.2.3"
    assert web.service_account == "frontend"
    assert [(p.name, p.port, p.protocol) for p in web.ports] == [("http", 8080, "TCP"), (None, 9090, "TCP"),
                                                                 ("metrics", 9100, "UDP")]
    assert cluster.pods[1].ip is None
    assert cluster.namespace("shop").labels["env"] == "prod"
    assert cluster.namespace("other") is not None
    assert cluster.service("shop", "web").selector == {"app": "web"}
    assert any(d.code == codes.IGNORED_OBJECT for d in diags)


def test_multi_document_kubectl_form(tmp_path: Path) -> None:
    text = """\
apiVersion: v1
kind: Namespace
metadata: {name: a}
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: a, labels: {x: y}}
spec: {containers: []}
status: {podIP: "fd00::5"}
"""
    cluster, diags = _load(tmp_path, text)
    assert not diags.has_errors
    assert cluster.pods[0].ip == "fd00::5"
    assert cluster.pods[0].labels == {"x": "y"}


def test_recipes_style_externals_among_pods(tmp_path: Path) -> None:
    text = """\
pods:
  - {namespace: default, name: web, labels: {app: web}}
  - {external: true, name: internet-client, ip: 203.0.113.10}
"""
    cluster, diags = _load(tmp_path, text)
    assert not diags.has_errors
    assert cluster.endpoint_names == ["default/web", "internet-client"]


def test_json_form(tmp_path: Path) -> None:
    cluster, diags = _load(tmp_path, '{"pods": [{"namespace": "n", "name": "p", "ip": "10.0.0.1"}]}', "c.json")
    assert not diags.has_errors
    assert cluster.endpoint_names == ["n/p"]


@pytest.mark.parametrize(("text", "line", "code", "words"), [
    ("pods:\n  - namespace: x\n    name: a\n    ip: 10.0.0.300\n", 4, codes.INVALID_VALUE, "invalid IP"),
    ("pods:\n  - namespace: x\n    name: a\n    colour: red\n", 4, codes.INVALID_FIELD, "unknown field 'colour'"),
    ("pods:\n  - namespace: x\n    labels: {a: b}\n", 2, codes.INVALID_FIELD, "name"),
    ("namespaces:\n  - name: Bad_Name\n", 2, codes.INVALID_VALUE, "RFC 1123"),
    ("probes:\n  - {port: 70000}\n", 2, codes.INVALID_VALUE, "65535"),
    ("pods:\n  - {namespace: x, name: a}\n  - {namespace: x, name: a}\n", 3, codes.DUPLICATE_OBJECT,
     "cluster.yaml:2)"),
    ("pods:\n  - {namespace: x, name: a, ports: [{port: 80, protocol: ICMP}]}\n", 2, codes.INVALID_VALUE, "TCP"),
    ("pods: [\n", 2, codes.YAML_SYNTAX, "invalid YAML"),
    ("- 1\n- 2\n", 1, codes.INVALID_FIELD, "not a cluster file"),
])
def test_bad_input_is_a_diagnostic_with_a_line(tmp_path: Path, text: str, line: int, code: str,
                                               words: str) -> None:
    cluster, diags = _load(tmp_path, text)
    assert cluster is None
    errors = diags.errors
    assert errors, "bad input must be reported"
    assert errors[0].code == code
    assert errors[0].location.file.endswith("cluster.yaml")
    assert errors[0].location.line == line
    assert words in errors[0].message


def test_bad_kubectl_pod_reports_the_object(tmp_path: Path) -> None:
    text = """\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata: {namespace: a}
  spec: {}
"""
    cluster, diags = _load(tmp_path, text)
    assert cluster is None
    assert diags.errors[0].code == codes.INVALID_FIELD
    assert "metadata.name is required" in diags.errors[0].message
    assert diags.errors[0].location.line == 6


def test_missing_file(tmp_path: Path) -> None:
    diags = Diagnostics()
    assert load_cluster(str(tmp_path / "nope.yaml"), diags) is None
    assert diags.errors[0].code == codes.UNREADABLE


@pytest.mark.parametrize(("text", "probe"), [("80/TCP", Probe(80, "TCP")), ("53/udp", Probe(53, "UDP")),
                                             ("8080", Probe(8080, "TCP")), ("9/SCTP", Probe(9, "SCTP")),
                                             ("8/icmp", Probe(8, "ICMP")), ("128/ICMPv6", Probe(128, "ICMPv6")),
                                             ("0/ICMP", Probe(0, "ICMP"))])
def test_parse_probe(text: str, probe: Probe) -> None:
    assert parse_probe(text) == probe


@pytest.mark.parametrize("text", ["http/TCP", "0/TCP", "300/ICMP", "80/GRE", "70000/UDP", ""])
def test_parse_probe_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="invalid probe"):
        parse_probe(text)


def test_dump_round_trips(tmp_path: Path) -> None:
    cluster, _ = _load(tmp_path, CONTRACT)
    import yaml

    again, diags = _load(tmp_path, yaml.safe_dump(cluster.dump()), "again.yaml")
    assert not diags.has_errors
    assert again.dump() == cluster.dump()
