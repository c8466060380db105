"""Property tests (hypothesis): random NetworkPolicies and clusters.

* NetworkPolicy -> intent -> NetworkPolicy evaluates identically (kubernetes semantics), and the intents
  themselves evaluate identically under the intent semantics;
* the synthesized cover is complete enough: whenever some random cluster tells two policy sets apart,
  `verify` (on its synthesized cluster) finds a difference too;
* a one-character change to a selector value, a port or a CIDR of a policy is always found.
"""

from __future__ import annotations

import copy
import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.shared import validate_object
from translator.cluster.model import Cluster, Probe
from translator.compile.pipeline import compile_intents
from translator.diagnostics import Diagnostics
from translator.evaluator import Evaluator
from translator.evaluator.verify import verify
from translator.load.decode import intents_from_documents
from translator.load.loaded import LoadedIntent
from translator.load.source import documents_from_text, dump_yaml
from translator.registry import get_backend

# Modest by default; NETPOLX_HYPOTHESIS_EXAMPLES=500 for a deeper local run.
SETTINGS = settings(max_examples=int(os.environ.get("NETPOLX_HYPOTHESIS_EXAMPLES", "40")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
NAMESPACES = ["x", "y", "z"]
KEYS = ["app", "tier"]
VALUES = ["a", "b", "c"]
CIDRS = [("10.0.0.0/8", ["10.1.0.0/16"]), ("10.1.0.0/16", ["10.1.2.0/24"]), ("0.0.0.0/0", ["10.0.0.0/8"]),
         ("10.1.2.0/24", []), ("192.168.0.0/16", [])]
PROBES = [Probe(80, "TCP"), Probe(81, "TCP"), Probe(443, "TCP"), Probe(53, "UDP"), Probe(8080, "TCP"),
          Probe(80, "SCTP"), Probe(0, "ICMP")]

values = st.sampled_from(VALUES)
keys = st.sampled_from(KEYS)


@st.composite
def selectors(draw: Any, allow_expressions: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {}
    labels = draw(st.dictionaries(keys, values, max_size=2))
    if labels:
        out["matchLabels"] = labels
    if allow_expressions:
        exprs = draw(st.lists(st.one_of(
            st.builds(lambda k, op, vs: {"key": k, "operator": op, "values": sorted(set(vs))}, keys,
                      st.sampled_from(["In", "NotIn"]), st.lists(values, min_size=1, max_size=2)),
            st.builds(lambda k, op: {"key": k, "operator": op}, keys, st.sampled_from(["Exists", "DoesNotExist"])),
        ), max_size=2))
        if exprs:
            out["matchExpressions"] = exprs
    return out


@st.composite
def namespace_selectors(draw: Any) -> dict[str, Any]:
    kind = draw(st.sampled_from(["all", "name", "team"]))
    if kind == "all":
        return {}
    if kind == "name":
        return {"matchLabels": {"kubernetes.io/metadata.name": draw(st.sampled_from(NAMESPACES))}}
    return {"matchLabels": {"team": draw(st.sampled_from(["red", "blue"]))}}


@st.composite
def peers(draw: Any) -> dict[str, Any]:
    kind = draw(st.sampled_from(["pods", "namespaces", "both", "ip"]))
    if kind == "ip":
        cidr, excepts = draw(st.sampled_from(CIDRS))
        block: dict[str, Any] = {"cidr": cidr}
        chosen = draw(st.lists(st.sampled_from(excepts), unique=True)) if excepts else []
        if chosen:
            block["except"] = chosen
        return {"ipBlock": block}
    out: dict[str, Any] = {}
    if kind in ("pods", "both"):
        out["podSelector"] = draw(selectors())
    if kind in ("namespaces", "both"):
        out["namespaceSelector"] = draw(namespace_selectors())
    return out


@st.composite
def ports(draw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    proto = draw(st.sampled_from([None, "TCP", "UDP", "SCTP"]))
    if proto:
        out["protocol"] = proto
    kind = draw(st.sampled_from(["none", "number", "range", "named"]))
    if kind in ("number", "range"):
        out["port"] = draw(st.sampled_from([53, 80, 81, 443]))
        if kind == "range":
            out["endPort"] = out["port"] + draw(st.integers(0, 3))
    elif kind == "named":
        out["port"] = draw(st.sampled_from(["http", "dns"]))
    return out


@st.composite
def rules(draw: Any, key: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if draw(st.booleans()):
        out[key] = draw(st.lists(peers(), max_size=2))
    if draw(st.booleans()):
        out["ports"] = draw(st.lists(ports(), max_size=2))
    return out


@st.composite
def network_policies(draw: Any, index: int = 0) -> dict[str, Any]:
    spec: dict[str, Any] = {"podSelector": draw(selectors())}
    types = draw(st.sampled_from([None, ["Ingress"], ["Egress"], ["Ingress", "Egress"]]))
    if types is not None:
        spec["policyTypes"] = types
    for direction, key in (("ingress", "from"), ("egress", "to")):
        if draw(st.booleans()):
            spec[direction] = draw(st.lists(rules(key), max_size=2))
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": f"p{index}", "namespace": draw(st.sampled_from(NAMESPACES))}, "spec": spec}


@st.composite
def policy_sets(draw: Any) -> list[dict[str, Any]]:
    return [draw(network_policies(i)) for i in range(draw(st.integers(1, 3)))]


@st.composite
def clusters(draw: Any) -> dict[str, Any]:
    namespaces = [{"name": ns, "labels": {"team": draw(st.sampled_from(["red", "blue"]))}} for ns in NAMESPACES]
    pods = []
    for i in range(draw(st.integers(2, 6))):
        ports_ = []
        if draw(st.booleans()):
            ports_.append({"name": "http", "port": draw(st.sampled_from([80, 81, 8080])), "protocol": "TCP"})
        if draw(st.booleans()):
            ports_.append({"name": "dns", "port": 53, "protocol": draw(st.sampled_from(["UDP", "TCP"]))})
        ip = draw(st.sampled_from(["10.1.2.", "10.1.3.", "10.2.0.", "192.168.1.", "172.16.0."])) + str(i + 1)
        pods.append({"namespace": draw(st.sampled_from(NAMESPACES)), "name": f"p{i}",
                     "labels": draw(st.dictionaries(keys, values, max_size=2)), "ip": ip, "ports": ports_})
    externals = [{"name": "ext", "ip": draw(st.sampled_from(["8.8.8.8", "10.1.2.200", "10.9.9.9"]))}]
    return {"namespaces": namespaces, "pods": pods, "externals": externals}


def load(objects: list[dict[str, Any]], name: str = "p.yaml") -> list[LoadedIntent]:
    diags = Diagnostics()
    out = intents_from_documents(documents_from_text(dump_yaml(objects), name, diags), diags)
    assert not diags.has_errors, [d.format() for d in diags]
    return out


def to_cluster(data: dict[str, Any]) -> Cluster:
    from translator.cluster.model import cluster_from_data
    from translator.load.source import SourceFile

    diags = Diagnostics()
    cluster = cluster_from_data([data], SourceFile("c.yaml", ""), diags)
    assert cluster is not None, [d.format() for d in diags]
    return cluster


def matrix(cluster: Cluster, policies: list[LoadedIntent], engine: str | None = None) -> list[list[int]]:
    ev = Evaluator(cluster, policies, engine)
    return [ev.columns(p) for p in PROBES]


def round_trip(policies: list[dict[str, Any]]) -> tuple[list[LoadedIntent], list[LoadedIntent], list[LoadedIntent]]:
    native = load(policies)
    intents = load([li.intent.dump() for li in native], "intents.yaml")
    diags = Diagnostics()
    compiled = compile_intents(intents, get_backend("kubernetes")(), diags)
    assert not diags.has_errors, [d.format() for d in diags]
    objects = [o for c in compiled for o in c.objects]
    for obj in objects:
        validate_object(obj)
    return native, intents, load(objects, "generated.yaml")


@SETTINGS
@given(policy_sets(), clusters())
def test_networkpolicy_intent_networkpolicy_evaluates_identically(policies: list[dict[str, Any]],
                                                                   cluster_data: dict[str, Any]) -> None:
    cluster = to_cluster(cluster_data)
    native, intents, generated = round_trip(policies)
    expected = matrix(cluster, native)
    assert matrix(cluster, intents) == expected  # the intents under the intent semantics
    assert matrix(cluster, generated) == expected
    assert verify(native, generated).equivalent


def mutations(policies: list[dict[str, Any]]) -> list[tuple[tuple[Any, ...], Any]]:
    """One-character changes: a label value, a port number, a CIDR prefix length, a namespace name."""
    out: list[tuple[tuple[Any, ...], Any]] = []

    def walk(node: Any, path: tuple[Any, ...]) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, (*path, k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, (*path, i))
        elif isinstance(node, str) and path[-1] != "operator" and node in VALUES:
            out.append((path, VALUES[(VALUES.index(node) + 1) % len(VALUES)]))
        elif isinstance(node, str) and node in NAMESPACES and path[-2:-1] == ("matchLabels",):
            out.append((path, NAMESPACES[(NAMESPACES.index(node) + 1) % len(NAMESPACES)]))
        elif isinstance(node, int) and path[-1] == "port" and node < 100:
            out.append((path, node + 1 if node % 10 != 9 else node - 1))
        elif isinstance(node, str) and path[-1] == "cidr" and not node.endswith("/0"):
            prefix = int(node.rsplit("/", 1)[1])
            out.append((path, node.rsplit("/", 1)[0] + f"/{prefix + 1}"))

    walk(policies, ())
    return out


def apply(policies: list[dict[str, Any]], path: tuple[Any, ...], value: Any) -> list[dict[str, Any]]:
    out = copy.deepcopy(policies)
    node: Any = out
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return out


@SETTINGS
@given(policy_sets(), clusters(), st.data())
def test_verify_finds_what_a_random_cluster_finds(policies: list[dict[str, Any]], cluster_data: dict[str, Any],
                                                  data: st.DataObject) -> None:
    candidates = mutations(policies)
    if not candidates:
        return
    path, value = data.draw(st.sampled_from(candidates))
    mutated = apply(policies, path, value)
    try:
        changed = load(mutated, "changed.yaml")
    except AssertionError:  # the change made an invalid policy (e.g. an except outside its cidr)
        return
    original = load(policies)
    cluster = to_cluster(cluster_data)
    if matrix(cluster, original) != matrix(cluster, changed):
        assert not verify(original, changed).equivalent


@SETTINGS
@given(st.dictionaries(keys, values, min_size=1, max_size=2), st.sampled_from(VALUES),
       st.sampled_from([80, 443, 5432]), st.sampled_from(["selector", "port", "cidr", "except"]))
def test_a_one_character_change_is_always_found(subject: dict[str, str], value: str, port: int, what: str) -> None:
    peer: dict[str, Any] = {"podSelector": {"matchLabels": {"app": value}}}
    if what in ("cidr", "except"):
        peer = {"ipBlock": {"cidr": "10.1.0.0/16", "except": ["10.1.2.0/24"]}}
    policy = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
              "metadata": {"name": "p", "namespace": "x"},
              "spec": {"podSelector": {"matchLabels": subject}, "policyTypes": ["Ingress"],
                       "ingress": [{"from": [peer], "ports": [{"protocol": "TCP", "port": port}]}]}}
    changed = copy.deepcopy(policy)
    rule = changed["spec"]["ingress"][0]
    if what == "selector":
        rule["from"][0]["podSelector"]["matchLabels"]["app"] = VALUES[(VALUES.index(value) + 1) % len(VALUES)]
    elif what == "port":
        rule["ports"][0]["port"] = port + 1
    elif what == "cidr":
        rule["from"][0]["ipBlock"]["cidr"] = "10.1.0.0/17"
    else:
        rule["from"][0]["ipBlock"]["except"] = ["10.1.2.0/25"]
    result = verify(load([policy]), load([changed], "changed.yaml"))
    assert not result.equivalent
    assert all(d.dst.startswith("x/") for d in result.differences)
