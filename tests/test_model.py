"""The intent model: validation, selector semantics, DNS expansion, feature detection."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from translator.features import Feature, features_used
from translator.model import (
    DNS_RULE,
    Direction,
    LabelSelector,
    NetworkIntent,
    Operator,
    Peer,
    PortSpec,
    Protocol,
    Requirement,
    Rule,
    expand_dns,
    network_minus,
    network_within,
    parse_network,
)


def intent(spec: dict, namespace: str | None = "ns", name: str = "i") -> NetworkIntent:
    meta = {"name": name} | ({"namespace": namespace} if namespace else {})
    return NetworkIntent.model_validate({"apiVersion": "netpolx.io/v1alpha1", "kind": "NetworkIntent",
                                         "metadata": meta, "spec": spec})


@pytest.mark.parametrize(
    ("op", "values", "labels", "expected"),
    [
        (Operator.IN, ("a", "b"), {"k": "a"}, True),
        (Operator.IN, ("a",), {}, False),
        (Operator.NOT_IN, ("a",), {}, True),  # NotIn matches objects lacking the key
        (Operator.NOT_IN, ("a",), {"k": "a"}, False),
        (Operator.NOT_IN, ("a",), {"k": "b"}, True),
        (Operator.EXISTS, (), {"k": ""}, True),
        (Operator.EXISTS, (), {}, False),
        (Operator.DOES_NOT_EXIST, (), {}, True),
        (Operator.DOES_NOT_EXIST, (), {"k": "x"}, False),
    ],
)
def test_requirement_semantics(op: Operator, values: tuple, labels: dict, expected: bool) -> None:
    assert Requirement(key="k", operator=op, values=values).matches(labels) is expected


def test_empty_selector_matches_everything_and_terms_are_anded() -> None:
    assert LabelSelector().matches({}) and LabelSelector().is_empty()
    sel = LabelSelector(matchLabels={"app": "web"},
                        matchExpressions=(Requirement(key="tier", operator=Operator.IN, values=("a",)),))
    assert sel.matches({"app": "web", "tier": "a"})
    assert not sel.matches({"app": "web"})


def test_null_match_labels_selects_all() -> None:  # recipe 04 writes `matchLabels:` with no value
    assert LabelSelector.model_validate({"matchLabels": None}).is_empty()


labels = st.dictionaries(st.sampled_from(["a", "b", "c"]), st.sampled_from(["x", "y"]), max_size=3)
requirements = st.builds(
    lambda k, op, vals: Requirement(key=k, operator=op, values=vals if op in (Operator.IN, Operator.NOT_IN) else ()),
    st.sampled_from(["a", "b", "c"]), st.sampled_from(list(Operator)),
    st.lists(st.sampled_from(["x", "y"]), min_size=1, max_size=2).map(tuple),
)


@settings(max_examples=200)
@given(st.lists(requirements, max_size=3), labels)
def test_canonical_form_selects_the_same(reqs: list[Requirement], obj: dict) -> None:
    sel = LabelSelector(matchExpressions=tuple(reqs))
    assert sel.canonical().matches(obj) == sel.matches(obj)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("cidr", "10.0.0.1/8", "host bits set"),
        ("cidr", "10.0.0.0/33", "invalid CIDR"),
        ("fqdn", "bad name!", "invalid DNS name"),
    ],
)
def test_peer_validation(field: str, value: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Peer.model_validate({field: value})


def test_peer_needs_exactly_one_kind() -> None:
    with pytest.raises(ValidationError, match="exactly one of"):
        Peer.model_validate({"cidr": "10.0.0.0/8", "fqdn": "a.io"})
    with pytest.raises(ValidationError, match="exactly one of"):
        Peer.model_validate({})


def test_except_must_be_strict_subset() -> None:
    with pytest.raises(ValidationError, match="strict subset"):
        Peer.model_validate({"cidr": "10.0.0.0/8", "except": ["11.0.0.0/16"]})
    with pytest.raises(ValidationError, match="strict subset"):
        Peer.model_validate({"cidr": "10.0.0.0/8", "except": ["10.0.0.0/8"]})


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"port": 0}, "out of range"),
        ({"port": 65536}, "out of range"),
        ({"port": "Bad_Name"}, "port name"),
        ({"port": 80, "endPort": 79}, "below port"),
        ({"port": "http", "endPort": 90}, "numeric port"),
        ({"protocol": "ICMP", "port": 80}, "has no ports"),
        ({"protocol": "TCP", "icmp": {"type": 8}}, "icmp needs"),
    ],
)
def test_port_validation(spec: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        PortSpec.model_validate(spec)


def test_http_rules_need_tcp_ports_and_allow() -> None:
    with pytest.raises(ValidationError, match="TCP"):
        Rule.model_validate({"http": [{"method": "GET"}], "ports": [{"protocol": "UDP", "port": 53}]})
    with pytest.raises(ValidationError, match="action allow"):
        Rule.model_validate({"action": "deny", "http": [{}], "ports": [{"port": 80}]})


def test_scope_and_namespace_must_agree() -> None:
    with pytest.raises(ValidationError, match=r"needs metadata\.namespace"):
        intent({}, namespace=None)
    with pytest.raises(ValidationError, match=r"no metadata\.namespace"):
        intent({"scope": "Cluster"})
    with pytest.raises(ValidationError, match=r"only allowed with spec\.scope"):
        intent({"subject": {"namespaces": {}}})


def test_isolation_defaults_to_sections_present() -> None:
    i = intent({"ingress": []})
    assert i.isolates(Direction.INGRESS) and not i.isolates(Direction.EGRESS)
    j = intent({"isolate": [], "ingress": [{}]})
    assert not j.isolates(Direction.INGRESS)


def test_expand_dns_adds_rule_and_egress_isolation_once() -> None:
    i = intent({"ingress": [], "allowDNS": True})
    e = expand_dns(i)
    assert DNS_RULE in e.rules(Direction.EGRESS)
    assert e.isolates(Direction.EGRESS) and e.isolates(Direction.INGRESS)
    assert not e.spec.allowDNS
    assert expand_dns(e) == e


def test_features_are_found_with_paths() -> None:
    i = intent({
        "ingress": [{"action": "deny", "peers": [{"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}]}],
        "egress": [{"peers": [{"fqdn": "*.example.com"}],
                    "ports": [{"port": 443}, {"protocol": "UDP", "port": "dns"}]}],
    })
    uses = {(u.feature, u.path) for u in features_used(i)}
    assert (Feature.DENY_RULE, ("spec", "ingress", 0, "action")) in uses
    assert (Feature.CIDR_EXCEPT, ("spec", "ingress", 0, "peers", 0, "except")) in uses
    assert (Feature.FQDN_WILDCARD, ("spec", "egress", 0, "peers", 0, "fqdn")) in uses
    assert (Feature.NAMED_PORT, ("spec", "egress", 0, "ports", 1, "port")) in uses
    assert (Feature.PROTOCOL_UDP, ("spec", "egress", 0, "ports", 1, "protocol")) in uses


def test_protocol_any_means_the_port_protocols() -> None:
    assert Protocol.ANY.expand() == (Protocol.TCP, Protocol.UDP, Protocol.SCTP)


def test_dump_round_trips() -> None:
    i = intent({"egress": [{"peers": [{"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}],
                            "ports": [{"protocol": "UDP", "port": 53}]}]})
    assert NetworkIntent.model_validate(i.dump()) == i


@pytest.mark.parametrize(("inner", "outer", "within"), [
    ("10.1.0.0/16", "10.0.0.0/8", True),
    ("10.0.0.0/8", "10.0.0.0/8", True),
    ("10.0.0.0/8", "10.1.0.0/16", False),
    ("11.0.0.0/8", "10.0.0.0/8", False),
    ("fd00::/64", "fd00::/8", True),
    ("fd00::/8", "fd00::/64", False),
    # across address families nothing is within (ipaddress's subnet_of would raise TypeError)
    ("10.0.0.0/8", "::/0", False),
    ("::/0", "0.0.0.0/0", False),
])
def test_network_within(inner: str, outer: str, within: bool) -> None:
    assert network_within(parse_network(inner), parse_network(outer)) is within


@pytest.mark.parametrize(("net", "sub", "left"), [
    ("10.0.0.0/8", "11.0.0.0/8", ["10.0.0.0/8"]),
    ("10.0.0.0/8", "0.0.0.0/0", []),
    ("10.0.0.0/8", "10.0.0.0/8", []),
    ("10.0.0.0/30", "10.0.0.0/31", ["10.0.0.2/31"]),
    ("10.0.0.0/8", "::/0", ["10.0.0.0/8"]),
    ("fd00::/127", "fd00::1/128", ["fd00::/128"]),
])
def test_network_minus(net: str, sub: str, left: list[str]) -> None:
    assert [str(n) for n in network_minus(parse_network(net), parse_network(sub))] == left
