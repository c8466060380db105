"""Nodes, host-network pods and the API server as endpoints of the evaluator's clusters (issue 10 items 3 and 8):
the entities host, remote-node, kube-apiserver, world and cluster, and IP blocks over node addresses, are judged on
real endpoints instead of assumed."""

from __future__ import annotations

from typing import Any

import yaml

from tests.conftest import run_cli
from translator.cluster.model import ApiServer, Cluster, Node, Pod, cluster_from_data
from translator.cluster.ranges import cluster_ranges, contains
from translator.diagnostics import Diagnostics
from translator.evaluator import Evaluator
from translator.evaluator.synth import synthesize_cluster
from translator.load.loaded import LoadedIntent
from translator.load.source import SourceFile
from translator.model import NetworkIntent


def intent(spec: dict[str, Any], namespace: str = "x") -> LoadedIntent:
    data = {"apiVersion": "netpolx.io/v1alpha1", "kind": "NetworkIntent",
            "metadata": {"name": "p", "namespace": namespace}, "spec": spec}
    return LoadedIntent(NetworkIntent.model_validate(data), None)


def world() -> Cluster:
    pods = [Pod(namespace="x", name="a", labels={"app": "a"}, ip="10.244.0.1", nodeName="n1"),
            Pod(namespace="x", name="b", labels={"app": "b"}, ip="10.244.1.1", nodeName="n2"),
            Pod(namespace="kube-system", name="agent", labels={"app": "a"}, nodeName="n2", hostNetwork=True)]
    nodes = [Node(name="n1", ip="10.224.0.1"), Node(name="n2", ip="10.224.0.2"), Node(name="cp", ip="10.224.0.9")]
    apis = [ApiServer(name="managed-api", ip="20.1.2.3"), ApiServer(ip="10.224.0.9")]
    return Cluster([], pods, [], [], [], nodes=nodes, api_servers=apis)


def ingress_from(*peers: dict[str, Any]) -> LoadedIntent:
    return intent({"subject": {"pods": {"matchLabels": {"app": "a"}}}, "ingress": [{"peers": list(peers)}]})


def sources(ev: Evaluator, dst: str = "x/a") -> set[str]:
    return {n for n in ev.names if n != dst and ev.allowed(n, dst, 80, "TCP")}


def test_cluster_file_reads_nodes_host_network_pods_and_api_servers() -> None:
    text = yaml.safe_dump({"pods": [{"namespace": "x", "name": "a", "nodeName": "n1"},
                                    {"namespace": "x", "name": "h", "nodeName": "n1", "hostNetwork": True}],
                           "nodes": [{"name": "n1", "ip": "10.224.0.1", "labels": {"zone": "a"}}],
                           "apiServers": [{"ip": "20.1.2.3"}]})
    diags = Diagnostics()
    cluster = cluster_from_data([yaml.safe_load(text)], SourceFile("c.yaml", text), diags)
    assert cluster is not None and not diags.has_errors
    assert cluster.endpoint_names == ["x/a", "x/h", "node/n1", "kube-apiserver"]
    assert cluster.pod_ip(cluster.pods[1]) == "10.224.0.1"  # a host-network pod has its node's address
    assert cluster.dump()["nodes"] == [{"name": "n1", "ip": "10.224.0.1", "labels": {"zone": "a"}}]


def test_a_pod_on_an_unknown_node_is_an_error_naming_the_line() -> None:
    text = "nodes: [{name: n1}]\npods:\n- {namespace: x, name: a, nodeName: n9}\n"
    diags = Diagnostics()
    assert cluster_from_data([yaml.safe_load(text)], SourceFile("c.yaml", text), diags) is None
    assert "nodeName 'n9'" in diags.errors[0].message and diags.errors[0].location.line == 3


def test_host_is_the_pods_own_node_and_remote_node_every_other() -> None:
    ev = Evaluator(world(), [ingress_from({"entity": "host"})])
    assert sources(ev) == {"node/n1"}  # only its own node (which always reaches it anyway)
    ev = Evaluator(world(), [ingress_from({"entity": "remote-node"})])
    assert sources(ev) == {"node/n1", "node/n2", "node/cp", "kube-system/agent"}


def test_a_pod_and_its_own_node_always_reach_each_other() -> None:
    ev = Evaluator(world(), [intent({"isolate": ["ingress", "egress"]})])
    assert ev.allowed("node/n1", "x/a", 80, "TCP") and ev.allowed("x/a", "node/n1", 80, "TCP")
    assert not ev.allowed("node/n2", "x/a", 80, "TCP") and not ev.allowed("x/a", "node/n2", 80, "TCP")
    assert "own node" in ev.explain("node/n1", "x/a", 80, "TCP").ingress.reason


def test_world_excludes_nodes_and_host_network_pods_cluster_includes_them() -> None:
    ev = Evaluator(world(), [ingress_from({"entity": "world"})])
    assert sources(ev) == {"node/n1", "managed-api"}  # own node always; the managed API server is outside
    ev = Evaluator(world(), [ingress_from({"entity": "cluster"})])
    assert sources(ev) == {"x/b", "node/n1", "node/n2", "node/cp", "kube-system/agent"}


def test_kube_apiserver_is_the_managed_endpoint_and_the_control_plane_node() -> None:
    ev = Evaluator(world(), [ingress_from({"entity": "kube-apiserver"})])
    assert sources(ev) == {"node/n1", "managed-api", "node/cp"}


def test_host_network_pods_are_never_selected_by_pod_policies_or_pod_selectors() -> None:
    isolate = intent({"isolate": ["ingress"]}, namespace="kube-system")
    ev = Evaluator(world(), [isolate, ingress_from({"pods": {}, "namespaces": {}})])
    assert ev.allowed("x/b", "kube-system/agent", 80, "TCP")  # the namespace's isolation does not reach it
    assert sources(ev) == {"x/b", "node/n1"}


def test_ip_blocks_match_node_addresses_except_under_cilium() -> None:
    block = ingress_from({"cidr": "10.224.0.0/16"})
    assert sources(Evaluator(world(), [block])) == {"node/n1", "node/n2", "node/cp", "kube-system/agent"}
    assert sources(Evaluator(world(), [block], "cilium")) == {"node/n1"}


def test_the_synthesized_cluster_puts_pods_and_nodes_only_in_the_ranges_that_may_hold_them() -> None:
    policy = intent({"egress": [{"peers": [{"cidr": "1.1.1.1/32"}]}]})
    default = synthesize_cluster([policy])
    assert default.nodes and all(contains(cluster_ranges().all, n.ip or "") for n in default.nodes)
    assert all(contains(cluster_ranges().pods, p.ip or "") for p in default.pods)
    assert any(e.ip == "1.1.1.1" for e in default.externals)
    declared = cluster_ranges({"pod-cidr": "10.244.0.0/16", "node-cidr": "10.224.0.0/16"})
    synth = synthesize_cluster([policy], ranges=declared)
    assert all(contains(declared.pods, p.ip or "") for p in synth.pods)
    assert all(contains(declared.nodes, n.ip or "") for n in synth.nodes)
    assert not any(contains(declared.all, e.ip) for e in synth.externals)  # declared ranges hold nothing else


PUBLIC_CIDR = """\
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: to-dns, namespace: x}
spec:
  endpointSelector: {}
  egress:
  - toCIDR: [1.1.1.1/32]
"""


def test_a_public_cidr_translates_and_verifies_for_every_engine(tmp_path: Any) -> None:
    path = tmp_path / "cnp.yaml"
    path.write_text(PUBLIC_CIDR)
    for engine in ("kubernetes", "calico", "cilium"):
        result = run_cli("translate", "--engine", engine, "--verify", "-f", str(path))
        assert result.code == 0, (engine, result.stderr)
        assert "NPX120" not in result.stderr


def test_declared_ranges_decide_which_blocks_need_the_no_pod_exclusion(tmp_path: Any) -> None:
    path = tmp_path / "cnp.yaml"
    path.write_text(PUBLIC_CIDR.replace("1.1.1.1/32", "172.16.0.0/12"))
    # by default 172.16.0.0/12 may hold pods, which a Cilium CIDR rule never matches: no ipBlock says that
    assert run_cli("translate", "--engine", "kubernetes", "--verify", "-f", str(path)).code == 1
    declared = "kubernetes,pod-cidr=10.244.0.0/16,node-cidr=10.224.0.0/16"
    result = run_cli("translate", "--engine", declared, "--verify", "-f", str(path))
    assert result.code == 0, result.stderr
    assert "172.16.0.0/12" in result.stdout


def test_reach_reads_nodes_from_the_cluster_file(tmp_path: Any) -> None:
    cluster = tmp_path / "cluster.yaml"
    cluster.write_text(yaml.safe_dump({
        "pods": [{"namespace": "x", "name": "a", "labels": {"app": "a"}, "nodeName": "n1"}],
        "nodes": [{"name": "n1", "ip": "10.224.0.1"}, {"name": "n2", "ip": "10.224.0.2"}],
        "probes": [{"port": 80}]}))
    policy = tmp_path / "p.yaml"
    policy.write_text(yaml.safe_dump({"apiVersion": "netpolx.io/v1alpha1", "kind": "NetworkIntent",
                                      "metadata": {"name": "p", "namespace": "x"},
                                      "spec": {"ingress": [{"peers": [{"entity": "host"}]}]}}))
    result = run_cli("reach", "-f", str(policy), "--cluster", str(cluster), "-o", "json")
    assert result.code == 0, result.stderr
    import json
    verdicts = {(r["from"], r["to"]): r["allowed"] for r in json.loads(result.stdout)["results"]}
    assert verdicts[("node/n1", "x/a")] and not verdicts[("node/n2", "x/a")]
    assert verdicts[("x/a", "node/n2")]  # egress is not isolated
