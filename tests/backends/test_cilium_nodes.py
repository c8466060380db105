"""Cilium policies that name nodes and non-pod identities (issue 10 item 3): fromNodes/toNodes, the pod's node
name label, negative namespace terms, and the local ClusterMesh cluster name."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.conftest import run_cli
from translator.cluster.model import Cluster, Node, Pod
from translator.diagnostics import Diagnostics
from translator.evaluator import Evaluator
from translator.load.decode import load_intents
from translator.model import Direction, Entity


def cnp(spec: str, kind: str = "CiliumNetworkPolicy") -> str:
    meta = "{name: p, namespace: x}" if kind == "CiliumNetworkPolicy" else "{name: p}"
    return f"apiVersion: cilium.io/v2\nkind: {kind}\nmetadata: {meta}\nspec: {spec}\n"


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "p.yaml"
    path.write_text(text)
    return str(path)


def imported(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    diags = Diagnostics()
    loaded = load_intents([write(tmp_path, text)], diags)
    assert not diags.has_errors, [d.format() for d in diags]
    return loaded, diags


FROM_NODES = cnp("{endpointSelector: {matchLabels: {app: db}}, ingress: [{fromNodes: [{matchLabels: "
                 "{kubernetes.io/hostname: worker-2}}]}]}")


def test_from_nodes_imports_as_a_node_peer_and_round_trips(tmp_path: Path) -> None:
    (li,), _ = imported(tmp_path, FROM_NODES)
    peer = li.intent.spec.ingress[0].peers[0]
    assert peer.nodes is not None and peer.nodes.matchLabels == {"kubernetes.io/hostname": "worker-2"}
    result = run_cli("translate", "--engine", "cilium", "--verify", "-f", write(tmp_path, FROM_NODES))
    assert result.code == 0, result.stderr
    doc = yaml.safe_load(result.stdout)
    assert doc["spec"]["ingress"][0]["fromNodes"] == [{"matchLabels": {"kubernetes.io/hostname": "worker-2"}}]
    refused = run_cli("translate", "--engine", "kubernetes", "-f", write(tmp_path, FROM_NODES))
    assert refused.code == 1 and "peer-nodes" in refused.stderr


def test_the_evaluator_judges_node_peers_by_node_labels(tmp_path: Path) -> None:
    loaded, _ = imported(tmp_path, FROM_NODES)
    cluster = Cluster([], [Pod(namespace="x", name="db", labels={"app": "db"})], [], [], [],
                      nodes=[Node(name="w1", labels={"kubernetes.io/hostname": "worker-1"}),
                             Node(name="w2", labels={"kubernetes.io/hostname": "worker-2"})])
    ev = Evaluator(cluster, loaded)
    assert ev.allowed("node/w2", "x/db", 80, "TCP") and not ev.allowed("node/w1", "x/db", 80, "TCP")


def test_the_pods_node_name_label_matches_no_cilium_identity(tmp_path: Path) -> None:
    text = cnp("{endpointSelector: {matchLabels: {app: db}}, ingress: [{fromEndpoints: [{matchLabels: "
               "{k8s:io.kubernetes.pod.nodeName: worker-2}}]}]}")
    (li,), diags = imported(tmp_path, text)
    assert not li.intent.rules(Direction.INGRESS) and li.intent.isolates(Direction.INGRESS)
    warnings = [d.message for d in diags if d.severity.value == "warning"]
    assert any("no Cilium identity carries the pod's node name" in m for m in warnings)
    assert run_cli("translate", "--engine", "cilium", "--verify", "-f", write(tmp_path, text)).code == 0


def test_all_negative_namespace_terms_also_name_every_non_pod_identity(tmp_path: Path) -> None:
    text = cnp("{endpointSelector: {matchLabels: {run: web}}, ingress: [{fromEndpoints: [{matchExpressions: "
               "[{key: io.kubernetes.pod.namespace, operator: NotIn, values: [other]}]}]}]}",
               "CiliumClusterwideNetworkPolicy")
    (li,), _ = imported(tmp_path, text)
    peers = li.intent.spec.ingress[0].peers
    assert peers[0].namespaces is not None and {p.entity for p in peers[1:]} >= {Entity.WORLD, Entity.HOST,
                                                                                  Entity.REMOTE_NODE}
    assert run_cli("translate", "--engine", "cilium", "--verify", "-f", write(tmp_path, text)).code == 0
    # a positive pod term keeps non-pod identities out
    text = text.replace("[{key: io.kubernetes.pod.namespace", "[{key: app, operator: Exists}, "
                        "{key: io.kubernetes.pod.namespace")
    (li,), _ = imported(tmp_path, text)
    assert [p.kind.value for p in li.intent.spec.ingress[0].peers] == ["endpoints"]


def test_the_default_cluster_name_is_this_cluster(tmp_path: Path) -> None:
    text = cnp("{endpointSelector: {matchLabels: {io.cilium.k8s.policy.cluster: default}}, egress: [{toPorts: "
               "[{ports: [{port: '53', protocol: UDP}], rules: {dns: [{matchPattern: '*'}]}}]}]}",
               "CiliumClusterwideNetworkPolicy")
    (li,), diags = imported(tmp_path, text)
    assert li.intent.spec.subject.pods.is_empty() and li.intent.spec.subject.namespaces is None
    assert any("default cluster-name" in d.message for d in diags)
    other = text.replace("cluster: default", "cluster: east")
    assert run_cli("translate", "--engine", "cilium", "-f", write(tmp_path, other)).code == 1
