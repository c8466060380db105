"""`reach -o json|jsonl|groups`: the text written straight from the bitsets is the contract's JSON byte for byte,
JSON Lines carry the same results, and the grouped view is exact (every pair's verdict is its groups' verdict)
and as coarse as it can be (endpoints in different groups do connect differently)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import run_cli
from tests.test_properties import PROBES, SETTINGS, clusters, load, policy_sets, to_cluster
from translator.evaluator import Evaluator
from translator.evaluator.group_output import group_lines
from translator.evaluator.groups import group_reach, port_text, twin_classes
from translator.evaluator.listing import json_text, jsonl_text

# Three replicas of web (they collapse), two of db, and a client in another namespace.
CLUSTER = """\
namespaces:
  - {name: shop, labels: {env: prod}}
  - {name: tools, labels: {env: dev}}
pods:
  - {namespace: shop, name: web-1, labels: {app: web, tier: front}, ip: 10.0.0.1}
  - {namespace: shop, name: web-2, labels: {app: web, tier: front}, ip: 10.0.0.2}
  - {namespace: shop, name: web-3, labels: {app: web, tier: front}, ip: 10.0.0.3}
  - {namespace: shop, name: db-1, labels: {app: db, tier: back}, ip: 10.0.0.4}
  - {namespace: shop, name: db-2, labels: {app: db, tier: back}, ip: 10.0.0.5}
  - {namespace: tools, name: debug, labels: {app: debug}, ip: 10.0.1.1}
probes:
  - {port: 80, protocol: TCP}
  - {port: 81, protocol: TCP}
  - {port: 5432, protocol: TCP}
"""

POLICIES = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: web}}}]
    ports: [{port: 5432}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from: [{namespaceSelector: {}}]
    ports: [{port: 80, endPort: 81}]
"""

GROUPS = """\
engine: kubernetes
6 endpoints in 3 groups (endpoints that connect alike); probes: 80-81, 5432/TCP
reached by every endpoint on every probe: 1 endpoint in 1 group: g3

groups:
  namespace shop
    g1  pods app=web (3 pods)
    g2  pods app=db (2 pods)
  namespace tools
    g3  debug

allowed (every endpoint on the left reaches every endpoint on the right on these ports and no other probe; a \
group to itself: between its own endpoints; NS/*: every pod of namespace NS; [selector]: the pods it picks):
  every endpoint -> g1: 80-81/TCP
  shop/* -> g3: 80-81, 5432/TCP
  g1 -> g2: 5432/TCP
everything else on these probes is denied
"""


def _files(tmp_path: Path) -> tuple[str, str]:
    policy, cluster = tmp_path / "p.yaml", tmp_path / "c.yaml"
    policy.write_text(POLICIES)
    cluster.write_text(CLUSTER)
    return str(policy), str(cluster)


def reference_json(ev: Evaluator, probes: Any) -> str:
    """What the contract's writer printed before: one json.dumps per result object."""
    items = [json.dumps(r.as_dict()) for r in ev.matrix(probes)]
    body = "".join(("\n  " if i == 0 else ",\n  ") + text for i, text in enumerate(items))
    return '{"engine": ' + json.dumps(ev.semantics_name) + ',\n "results": [' + body + \
        ("\n ]}\n" if items else "]}\n")


def test_groups_golden(tmp_path: Path) -> None:
    policy, cluster = _files(tmp_path)
    result = run_cli("reach", "-f", policy, "--cluster", cluster, "-o", "groups")
    assert result.code == 0, result.stderr
    assert result.stdout == GROUPS


def test_jsonl_has_the_results_of_json_one_per_line(tmp_path: Path) -> None:
    policy, cluster = _files(tmp_path)
    full = json.loads(run_cli("reach", "-f", policy, "--cluster", cluster, "-o", "json").stdout)
    lines = run_cli("reach", "-f", policy, "--cluster", cluster, "-o", "jsonl").stdout
    assert lines.endswith("\n") and len(lines.splitlines()) == 6 * 5 * 3
    assert [json.loads(line) for line in lines.splitlines()] == full["results"]


def test_default_output_is_the_table_for_small_clusters_and_groups_for_large(tmp_path: Path) -> None:
    policy, cluster = _files(tmp_path)
    assert "row = from" in run_cli("reach", "-f", policy, "--cluster", cluster).stdout
    big = tmp_path / "big.yaml"
    pods = "".join(f"  - {{namespace: shop, name: web-{i}, labels: {{app: web}}, ip: 10.0.2.{i}}}\n"
                   for i in range(1, 42))
    big.write_text("pods:\n" + pods + "probes: [{port: 80, protocol: TCP}]\n")
    out = run_cli("reach", "-f", policy, "--cluster", str(big)).stdout
    assert out.splitlines()[1].startswith("41 endpoints in 1 group ")
    assert "  namespace shop\n    g1  every pod (41 pods)\n" in out


def test_port_ranges_join_consecutive_probe_ports_only() -> None:
    from translator.cluster.model import Probe

    probes = [Probe(p, "TCP") for p in (80, 81, 82, 443, 8080)] + [Probe(53, "UDP")]
    assert port_text(probes) == "80-82, 443, 8080/TCP; 53/UDP"


@SETTINGS
@given(policy_sets(), clusters())
def test_json_text_is_the_contract_json_byte_for_byte(policies: list[dict[str, Any]],
                                                      cluster_data: dict[str, Any]) -> None:
    ev = Evaluator(to_cluster(cluster_data), load(policies))
    text = "".join(json_text(ev, PROBES))
    assert text == reference_json(ev, PROBES)
    lines = "".join(jsonl_text(ev, PROBES)).splitlines()
    assert [json.loads(line) for line in lines] == json.loads(text)["results"]


@SETTINGS
@given(policy_sets(), clusters(), st.integers(0, 5))
def test_groups_are_exact_and_coarsest(policies: list[dict[str, Any]], cluster_data: dict[str, Any],
                                       copies: int) -> None:
    # replicas of the first pod make twins likely
    pod = cluster_data["pods"][0]
    cluster_data["pods"] += [{**pod, "name": f"copy{i}", "ip": f"10.3.0.{i + 1}"} for i in range(copies)]
    ev = Evaluator(to_cluster(cluster_data), load(policies))
    view = group_reach(ev, PROBES)
    n = len(ev.names)
    verdict = {(s, d, p): bool((ev.columns(probe)[d] >> s) & 1)
               for p, probe in enumerate(PROBES) for s in range(n) for d in range(n) if s != d}
    for (s, d, p), allowed in verdict.items():  # exact: each pair's verdict is its groups'
        assert view.allowed(s, d, p) == allowed, (ev.names[s], ev.names[d], PROBES[p])
    assert sorted(e for g in view.groups for e in g.members) == list(range(n))
    reps = [g.members[0] for g in view.groups]
    for i, a in enumerate(reps):  # coarsest: representatives of two groups are not twins
        for b in reps[i + 1:]:
            assert not _twins(a, b, n, verdict, len(PROBES)), (ev.names[a], ev.names[b])
    lines = group_lines(view)
    assert len([line for line in lines if line.startswith("    g")]) == len(view.groups)


def _twins(a: int, b: int, n: int, verdict: dict[tuple[int, int, int], bool], probes: int) -> bool:
    for p in range(probes):
        if verdict[(a, b, p)] != verdict[(b, a, p)]:
            return False
        for x in range(n):
            if x in (a, b):
                continue
            if verdict[(a, x, p)] != verdict[(b, x, p)] or verdict[(x, a, p)] != verdict[(x, b, p)]:
                return False
    return True


def test_twin_classes_of_a_tiny_matrix() -> None:
    # 0 and 1 reach each other and 2; 2 reaches nobody: 0 and 1 are twins, 2 is alone
    rows = [[0b110, 0b101, 0b000]]
    cols = [[0b010, 0b001, 0b011]]
    assert twin_classes(rows, cols, 3) == [0, 0, 1]


def test_graph_by_connectivity_draws_the_groups(tmp_path: Path) -> None:
    policy, cluster = _files(tmp_path)
    result = run_cli("graph", "-f", policy, "--cluster", cluster, "-o", "mermaid", "--group-by", "connectivity")
    assert result.code == 0, result.stderr
    out = result.stdout
    assert 'subgraph g0["namespace shop"]' in out and 'subgraph g1["namespace tools"]' in out
    assert '["g1: pods app=web in namespace shop (3 pods)<br/>default deny: in"]' in out
    assert '["g2: pods app=db in namespace shop (2 pods)<br/>default deny: in"]' in out
    assert '-->|"5432/TCP"|' in out and out.count("-->") == 6  # g1->g1, g1->g2, g1->g3, g2->g1, g2->g3, g3->g1
