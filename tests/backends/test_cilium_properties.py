"""Properties over random intents: the Cilium output is schema-valid, reading it back and compiling again gives the
same objects, and (with the evaluator) it allows exactly what the intent allows when both are judged under Cilium
semantics (the CIDR divergence is only relative to the intent semantics, and is announced separately)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.backends.cilium_helpers import compile_for, load, reimport
from translator import codes
from translator.load.source import dump_yaml

keys = st.sampled_from(["app", "tier"])
vals = st.sampled_from(["a", "b"])
selectors = st.builds(
    lambda labels, exprs: {"matchLabels": labels, "matchExpressions": exprs},
    st.dictionaries(keys, vals, max_size=2),
    st.lists(st.one_of(
        st.builds(lambda k, op, v: {"key": k, "operator": op, "values": v}, keys, st.sampled_from(["In", "NotIn"]),
                  st.lists(vals, min_size=1, max_size=2, unique=True)),
        st.builds(lambda k, op: {"key": k, "operator": op}, keys, st.sampled_from(["Exists", "DoesNotExist"])),
    ), max_size=1),
)
endpoint_peers = st.one_of(
    st.builds(lambda p: {"pods": p}, selectors),
    st.builds(lambda p, n: {"pods": p, "namespaceNames": n}, selectors,
              st.lists(st.sampled_from(["x", "y"]), min_size=1, max_size=2, unique=True)),
    st.builds(lambda n: {"namespaces": n}, selectors),
    st.just({"namespaces": {}}),
    st.just({"serviceAccounts": ["sa"]}),
)
other_peers = st.sampled_from([
    {"cidr": "203.0.113.0/24", "except": ["203.0.113.128/25"]}, {"cidr": "198.51.100.7/32"},
    {"entity": "world"}, {"entity": "all"}, {"cidr": "0.0.0.0/0"},
])
ports = st.one_of(
    st.builds(lambda p, proto: {"port": p, "protocol": proto}, st.sampled_from([80, 443, 8080]),
              st.sampled_from(["TCP", "UDP", "ANY"])),
    st.builds(lambda p, n: {"port": p, "endPort": p + n}, st.sampled_from([1000, 2000]), st.integers(1, 5)),
    st.just({"protocol": "SCTP"}),
    st.just({"protocol": "ICMP", "icmp": {"type": 8}}),
)


def _rule(action: str, peers: list[dict] | None, port_list: list[dict] | None) -> dict[str, Any]:
    out: dict[str, Any] = {"action": action}
    if peers:
        out["peers"] = peers
    if port_list:
        out["ports"] = port_list
    return out


rules = st.builds(_rule, st.sampled_from(["allow", "allow", "deny"]),
                  st.none() | st.lists(st.one_of(endpoint_peers, other_peers), max_size=3),
                  st.none() | st.lists(ports, max_size=3))
intents = st.builds(
    lambda subject, isolate, ingress, egress: {
        "apiVersion": "netpolx.io/v1alpha1", "kind": "NetworkIntent", "metadata": {"name": "p", "namespace": "x"},
        "spec": {k: v for k, v in {"subject": {"pods": subject}, "isolate": isolate, "ingress": ingress,
                                   "egress": egress}.items() if v is not None}},
    selectors, st.sampled_from([None, [], ["ingress"], ["egress"], ["ingress", "egress"]]),
    st.none() | st.lists(rules, max_size=3), st.none() | st.lists(rules, max_size=2))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(intents)
def test_generate_read_generate_is_a_fixpoint(data: dict[str, Any]) -> None:
    objects, diags = compile_for(yaml.safe_dump(data))
    if diags.has_errors:  # e.g. a deny CIDR that may hold pods: refused, with an error naming it
        assert objects == [] and diags.errors[0].code in (codes.NOT_EXPRESSIBLE, codes.ENGINE_TOO_OLD, codes.WIDENED)
        return
    again, diags = compile_for(dump_yaml([li.intent.dump() for li in reimport(objects)]))
    assert again == objects


evaluator = pytest.importorskip("translator.evaluator.verify")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(intents)
def test_the_output_allows_what_the_intent_allows(data: dict[str, Any]) -> None:
    text = yaml.safe_dump(data)
    objects, diags = compile_for(text)
    if diags.has_errors:
        return
    source, _ = load(text)
    result = evaluator.verify(source, reimport(objects), None, "cilium", "cilium")
    assert result.equivalent, [d.summary() for d in result.differences[:5]]
