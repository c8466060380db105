"""NCA's equivalence cases: IBM network-config-analyzer (2.1.0, `nca --equiv A --base_np_list B` on its own pod and
namespace lists) against the complete proof, on every pair of policies in the k8s test folders of its corpus
(../shared/upstream/corpus/nca). NCA decides on the pods it is given; the proof decides for every possible cluster
and uses the same pods as a lens. They agree when NCA's "equivalent" is exactly "equivalent on every cluster, or the
difference reaches none of the given pods today". NCA's verdicts below were recorded by running NCA 2.1.0 (it is
not a dependency of netpolx; benchmarks/verify.py runs it when installed)."""

from __future__ import annotations

import json

import pytest

from tests.shared import corpus
from translator.cluster.model import Cluster, ContainerPort, Namespace, Pod
from translator.diagnostics import Diagnostics, ErrorLevel
from translator.load.decode import load_intents
from translator.proof import prove

NCA_EQUIV = [
    ("testcase7", "testcase7-networkpolicy1.yaml", "testcase7-networkpolicy2.yaml", False),
    ("andOrCombinations", "andOrCombinations-networkpolicy1.yaml", "andOrCombinations-networkpolicy2.yaml", False),
    ("namedPorts", "namedPorts-policy1.yaml", "namedPorts-policy2.yaml", False),
    ("namedPorts", "namedPorts-policy1.yaml", "namedPorts-policy3.yaml", False),
    ("namedPorts", "namedPorts-policy1.yaml", "namedPorts-policy4.yaml", False),
    ("namedPorts", "namedPorts-policy1.yaml", "namedPorts-policy5.yaml", False),
    ("namedPorts", "namedPorts-policy2.yaml", "namedPorts-policy3.yaml", False),
    ("namedPorts", "namedPorts-policy2.yaml", "namedPorts-policy4.yaml", False),
    ("namedPorts", "namedPorts-policy2.yaml", "namedPorts-policy5.yaml", False),
    ("namedPorts", "namedPorts-policy3.yaml", "namedPorts-policy4.yaml", True),
    ("namedPorts", "namedPorts-policy3.yaml", "namedPorts-policy5.yaml", False),
    ("namedPorts", "namedPorts-policy4.yaml", "namedPorts-policy5.yaml", False),
    ("withIpBlock", "withIpBlock-networkpolicy1.yaml", "withIpBlock-networkpolicy2.yaml", False),
    ("withIpBlock", "withIpBlock-networkpolicy1.yaml", "withIpBlock-networkpolicy3.yaml", False),
    ("withIpBlock", "withIpBlock-networkpolicy1.yaml", "withIpBlock-networkpolicy4.yaml", False),
    ("withIpBlock", "withIpBlock-networkpolicy2.yaml", "withIpBlock-networkpolicy3.yaml", True),
    ("withIpBlock", "withIpBlock-networkpolicy2.yaml", "withIpBlock-networkpolicy4.yaml", False),
    ("withIpBlock", "withIpBlock-networkpolicy3.yaml", "withIpBlock-networkpolicy4.yaml", False),
    ("withIpBlock2", "withIpBlock2-networkpolicy1.yaml", "withIpBlock2-networkpolicy2-IPv6.yaml", False),
    ("withIpBlock2", "withIpBlock2-networkpolicy1.yaml", "withIpBlock2-networkpolicy2.yaml", False),
    ("withIpBlock2", "withIpBlock2-networkpolicy1.yaml", "withIpBlock2-networkpolicy3.yaml", False),
    ("withIpBlock2", "withIpBlock2-networkpolicy1.yaml", "withIpBlock2-networkpolicy4.yaml", False),
    ("withIpBlock2", "withIpBlock2-networkpolicy1.yaml", "withIpBlock2-networkpolicy5-IPv6.yaml", False),
    ("withIpBlock2", "withIpBlock2-networkpolicy1.yaml", "withIpBlock2-networkpolicy5.yaml", False),
    ("withIpBlock2", "withIpBlock2-networkpolicy2-IPv6.yaml", "withIpBlock2-networkpolicy2.yaml", False),
    ("withIpBlock2", "withIpBlock2-networkpolicy2-IPv6.yaml", "withIpBlock2-networkpolicy3.yaml", False),
    ("withIpBlock2", "withIpBlock2-networkpolicy2-IPv6.yaml", "withIpBlock2-networkpolicy4.yaml", False),
    ("withIpBlock2", "withIpBlock2-networkpolicy2-IPv6.yaml", "withIpBlock2-networkpolicy5-IPv6.yaml", False),
    ("withIpBlock2", "withIpBlock2-networkpolicy2-IPv6.yaml", "withIpBlock2-networkpolicy5.yaml", False),
    ("withIpBlock2", "withIpBlock2-networkpolicy2.yaml", "withIpBlock2-networkpolicy3.yaml", False),
    ("withIpBlock2", "withIpBlock2-networkpolicy2.yaml", "withIpBlock2-networkpolicy4.yaml", False),
    ("withIpBlock2", "withIpBlock2-networkpolicy2.yaml", "withIpBlock2-networkpolicy5-IPv6.yaml", False),
    ("withIpBlock2", "withIpBlock2-networkpolicy2.yaml", "withIpBlock2-networkpolicy5.yaml", False),
    ("withIpBlock2", "withIpBlock2-networkpolicy3.yaml", "withIpBlock2-networkpolicy4.yaml", True),
    ("withIpBlock2", "withIpBlock2-networkpolicy3.yaml", "withIpBlock2-networkpolicy5-IPv6.yaml", False),
    ("withIpBlock2", "withIpBlock2-networkpolicy3.yaml", "withIpBlock2-networkpolicy5.yaml", False),
    ("withIpBlock2", "withIpBlock2-networkpolicy4.yaml", "withIpBlock2-networkpolicy5-IPv6.yaml", False),
    ("withIpBlock2", "withIpBlock2-networkpolicy4.yaml", "withIpBlock2-networkpolicy5.yaml", False),
    ("withIpBlock2", "withIpBlock2-networkpolicy5-IPv6.yaml", "withIpBlock2-networkpolicy5.yaml", False),
    ("withEndPort", "withEndPort-networkpolicy1.yaml", "withEndPort-networkpolicy2.yaml", True),
    ("withEndPort", "withEndPort-networkpolicy1.yaml", "withEndPort-networkpolicy3.yaml", False),
    ("withEndPort", "withEndPort-networkpolicy2.yaml", "withEndPort-networkpolicy3.yaml", False),
    ("testcase3", "testcase3-networkpolicy1.yaml", "testcase3-networkpolicy2.yaml", False),
    ("testcase4", "testcase4-networkpolicy1.yaml", "testcase4-networkpolicy2.yaml", True),
    ("testcase4", "testcase4-networkpolicy1.yaml", "testcase4-networkpolicy3.yaml", True),
    ("testcase4", "testcase4-networkpolicy2.yaml", "testcase4-networkpolicy3.yaml", True),
    ("testcase5", "testcase5-networkpolicy1.yaml", "testcase5-networkpolicy2.yaml", False),
    ("testcase6", "testcase6-networkpolicy1.yaml", "testcase6-networkpolicy2.yaml", False),
    ("testcase2", "testcase2-networkpolicy1.yaml", "testcase2-networkpolicy2.yaml", False),
    ("testcase2", "testcase2-networkpolicy1.yaml", "testcase2-networkpolicy3.yaml", True),
    ("testcase2", "testcase2-networkpolicy2.yaml", "testcase2-networkpolicy3.yaml", False),
    ("testcase1", "testcase1-networkpolicy1.yaml", "testcase1-networkpolicy2.yaml", True),
    ("test_subset", "subset_deployment-networkpolicy.yaml", "test_subset_deployment.yaml", False),
]


def nca_cluster() -> Cluster:
    """NCA's ns_list.json and pods_list.json (kubectl lists whose items carry no `kind`) as a cluster."""
    base = corpus("nca", "k8s_testcases", "example_podlist")
    namespaces = [Namespace(name=i["metadata"]["name"], labels=i["metadata"].get("labels") or {})
                  for i in json.loads((base / "ns_list.json").read_text())["items"]]
    pods = []
    for item in json.loads((base / "pods_list.json").read_text())["items"]:
        meta = item["metadata"]
        ports = tuple(ContainerPort(name=p.get("name"), port=p["containerPort"], protocol=p.get("protocol", "TCP"))
                      for c in item["spec"].get("containers", []) for p in c.get("ports") or [])
        pods.append(Pod(namespace=meta.get("namespace", "default"), name=meta["name"], labels=meta.get("labels") or {},
                        ip=item.get("status", {}).get("podIP"), ports=ports))
    return Cluster(namespaces, pods)


@pytest.mark.parametrize(("folder", "a", "b", "nca_equivalent"), NCA_EQUIV)
def test_nca_equivalence_cases_agree(folder: str, a: str, b: str, nca_equivalent: bool) -> None:
    base = corpus("nca", "k8s_testcases", "example_policies", folder)
    diags = Diagnostics(ErrorLevel.WARN)
    source = load_intents((str(base / a),), diags, False)
    target = load_intents((str(base / b),), diags, False)
    proof = prove(source, target, "kubernetes", "kubernetes", nca_cluster())
    assert proof.lens is not None
    today = proof.equivalent or not proof.lens.touched
    assert today == nca_equivalent, proof.region_lines()[:3]
    if not proof.equivalent:
        assert proof.witness is not None and proof.witness.replays
