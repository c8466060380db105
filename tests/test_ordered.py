"""Ordered -> additive (translator/compile/ordered.py, translator/compile/boxes.py): first-match intents compiled
into equivalent allow-only intents, checked with the evaluator; refusals name the rules that meet."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from backends.kubernetes import KubernetesBackend
from tests.conftest import run_cli
from tests.shared import ROOT, validate_object
from translator import codes
from translator.cluster.model import Cluster
from translator.compile.boxes import Box, cidr_minus, port_minus, subtract
from translator.compile.ordered import disjoint, lower_ordered, to_additive
from translator.compile.pipeline import compile_intents
from translator.diagnostics import Diagnostics, ErrorLevel
from translator.load.decode import intents_from_documents
from translator.load.loaded import LoadedIntent
from translator.load.source import documents_from_text
from translator.model import Action, NetworkIntent, Peer, PortSpec, Protocol

verify_mod = pytest.importorskip("translator.evaluator.verify")
synth = pytest.importorskip("translator.evaluator.synth")


def load(text: str) -> list[LoadedIntent]:
    diags = Diagnostics()
    loaded = intents_from_documents(documents_from_text(text, "t.yaml", diags), diags)
    assert not diags.has_errors, [d.format() for d in diags]
    return loaded


def intent(spec: dict[str, Any], name: str = "p", namespace: str = "ns") -> str:
    return yaml.safe_dump({"apiVersion": "netpolx.io/v1alpha1", "kind": "NetworkIntent",
                           "metadata": {"name": name, "namespace": namespace}, "spec": spec}, sort_keys=False)


def additive(text: str) -> tuple[list[LoadedIntent], list[LoadedIntent], Diagnostics]:
    source = load(text)
    diags = Diagnostics()
    return source, to_additive(source, diags), diags


def assert_equivalent(source: list[LoadedIntent], lowered: list[LoadedIntent]) -> None:
    for li in lowered:
        assert not li.intent.is_ordered and li.intent.spec.tier is None
        assert all(r.action is Action.ALLOW for d in ("ingress", "egress") for r in getattr(li.intent.spec, d) or ())
    result = verify_mod.verify(source, lowered, with_ips(synth.synthesize_cluster(source, lowered)))
    assert result.equivalent, [d.summary() for d in result.differences[:5]]


def with_ips(cluster: Cluster) -> Cluster:
    """The cluster with an address for every pod: "any peer but these CIDRs" is written as the other CIDRs,
    exact for every endpoint that has an IP (running pods do; a synthesized pod may not, when its region of the
    address space is full)."""
    taken = {p.ip for p in cluster.pods if p.ip} | {e.ip for e in cluster.externals}
    fresh = (str(ip) for ip in ipaddress.ip_network("100.64.0.0/10").hosts() if str(ip) not in taken)
    cluster.pods = [p if p.ip else p.model_copy(update={"ip": next(fresh)}) for p in cluster.pods]
    return cluster


# -- the algebra -----------------------------------------------------------------------------------------------

INTENT = NetworkIntent.model_validate(yaml.safe_load(intent({})))


def test_cidr_differences_use_except() -> None:
    big, hole = Peer(cidr="10.0.0.0/8"), Peer(cidr="10.1.0.0/16")
    assert [str(p) for p in cidr_minus(big, hole)] == ["10.0.0.0/8 except 10.1.0.0/16"]
    assert cidr_minus(hole, big) == []
    assert cidr_minus(Peer(cidr="10.1.0.0/16"), Peer.model_validate({"cidr": "10.0.0.0/8",
                                                                     "except": ["10.1.2.0/24"]})) == [
        Peer(cidr="10.1.2.0/24")]
    assert cidr_minus(Peer(cidr="192.168.0.0/16"), big) == [Peer(cidr="192.168.0.0/16")]


def test_port_differences_split_ranges() -> None:
    ports, extra = port_minus(PortSpec(protocol=Protocol.TCP, port=1, endPort=100), PortSpec(port=22))
    assert [str(p) for p in ports] == ["1-21/TCP", "23-100/TCP"] and extra is None
    ports, extra = port_minus(None, PortSpec(port=22))
    assert ports == [None] and extra == PortSpec(port=22)  # every protocol but TCP 22: notPorts
    assert port_minus(PortSpec(protocol=Protocol.UDP), PortSpec(port=22)) == ([PortSpec(protocol=Protocol.UDP)], None)


def test_pod_differences_negate_label_terms() -> None:
    a = Peer.model_validate({"pods": {"matchLabels": {"app": "web"}}})
    b = Peer.model_validate({"pods": {"matchLabels": {"team": "x"}}, "namespaceNames": ["ns"]})
    (box,) = subtract(Box(a), Box(b), INTENT)  # the namespace part of b covers a's namespace: one term left
    assert str(box.peer) == "pods app=web,team notin (x) in namespaces kubernetes.io/metadata.name in (ns)"
    assert not box.not_peers


def test_disjoint_subjects() -> None:
    a = NetworkIntent.model_validate(yaml.safe_load(intent({"subject": {"pods": {"matchLabels": {"app": "a"}}}})))
    b = NetworkIntent.model_validate(yaml.safe_load(intent({"subject": {"pods": {"matchLabels": {"app": "b"}}}})))
    other_ns = NetworkIntent.model_validate(yaml.safe_load(intent({}, namespace="other")))
    assert disjoint(a, b) and disjoint(a, other_ns) and not disjoint(a, INTENT)


# -- compiling sets --------------------------------------------------------------------------------------------


def test_sets_without_order_deny_or_pass_are_returned_as_they_are() -> None:
    source = load((ROOT / "samples/intents/seed.yaml").read_text())
    assert to_additive(source, Diagnostics()) == source


def test_an_allow_carved_out_of_a_later_deny() -> None:
    source = load((ROOT / "samples/calico/ordered-carveout.yaml").read_text())
    lowered = to_additive(source, Diagnostics())
    assert_equivalent(source, lowered)
    https = next(li.intent for li in lowered if li.intent.metadata.name == "https-from-partners")
    assert [str(p) for p in https.spec.ingress[0].peers] == ["203.0.0.0/16 except 203.0.113.0/24"]


def test_translate_to_kubernetes_verifies_the_carve_out() -> None:
    result = run_cli("translate", "--engine", "kubernetes", "--verify", "-f",
                     str(ROOT / "samples/calico/ordered-carveout.yaml"))
    assert result.code == 0, result.stderr
    for obj in yaml.safe_load_all(result.stdout):
        validate_object(obj)
    assert codes.VERIFY_MISMATCH not in result.stderr


def test_deny_then_fall_through_becomes_an_isolating_allow_of_the_rest() -> None:
    source, lowered, _ = additive(intent({"isolate": [], "egress": [
        {"action": "deny", "peers": [{"cidr": "169.254.169.254/32"}]}]}))
    assert_equivalent(source, lowered)
    (li,) = lowered
    assert li.intent.spec.isolate == ("egress",)
    assert [str(p) for r in li.intent.spec.egress for p in r.peers] == ["0.0.0.0/0 except 169.254.169.254/32",
                                                                        "::/0"]


def test_pass_then_a_later_tier_decides() -> None:
    text = intent({"tier": {"name": "first", "order": 1}, "order": 1, "ingress": [
        {"action": "pass", "peers": [{"cidr": "10.0.0.0/8"}]}, {"action": "deny"}]}, "a") + "---\n" + intent(
        {"ingress": [{"peers": [{"cidr": "10.1.0.0/16"}]}]}, "b")
    source, lowered, diags = additive(text)
    assert not diags.has_errors
    assert_equivalent(source, lowered)


def test_the_refusal_names_the_rules_with_their_lines() -> None:
    result = run_cli("translate", "--engine", "kubernetes", "-f", str(ROOT / "samples/intents/ordered-carveout.yaml"))
    assert result.code == 1 and result.stdout == ""
    line = next(x for x in result.stderr.splitlines() if codes.ORDERED_NOT_ADDITIVE in x)
    assert "allow rule infra/ssh-deny ingress[1]" in line and "ordered-carveout.yaml:22" in line
    assert "minus infra/ssh-deny ingress[0]" in line and "ordered-carveout.yaml:20" in line
    assert "negated ports" in line


def test_overlapping_subjects_with_deny_are_refused_and_the_other_keeps_its_translation() -> None:
    text = intent({"order": 1, "ingress": [{"action": "deny", "peers": [{"cidr": "10.0.0.0/8"}]}]}, "all") \
        + "---\n" + intent({"subject": {"pods": {"matchLabels": {"app": "web"}}},
                            "ingress": [{"peers": [{"cidr": "10.0.0.0/8"}]}]}, "web")
    source = load(text)
    diags = Diagnostics()
    lowered = to_additive(source, diags)
    assert [li.intent.metadata.name for li in lowered] == ["web"]
    (err,) = diags.errors
    assert err.code == codes.ORDERED_NOT_ADDITIVE and "ns/web" in err.message and "deny rule ns/all" in err.message


def test_plain_sets_in_different_tiers_are_refused_when_the_earlier_tier_isolates() -> None:
    text = intent({"tier": {"name": "first", "order": 1}, "ingress": [{"peers": [{"cidr": "10.0.0.0/8"}]}]}, "a") \
        + "---\n" + intent({"subject": {"pods": {"matchLabels": {"app": "web"}}},
                            "ingress": [{"peers": [{"cidr": "192.168.0.0/16"}]}]}, "b")
    diags = Diagnostics()
    lowered = to_additive(load(text), diags)
    assert [li.intent.metadata.name for li in lowered] == ["a"]
    assert "after the tier of ns/a" in diags.errors[0].message and diags.errors[0].message.startswith("ns/b:")


def test_the_pipeline_keeps_unlowered_intents_for_the_engine_to_refuse_or_warn() -> None:
    source = load((ROOT / "samples/intents/ordered-carveout.yaml").read_text())
    diags = Diagnostics(ErrorLevel.WARN)
    compiled = compile_intents(source, KubernetesBackend(), diags)
    assert [c.loaded.intent.metadata.name for c in compiled] == ["ssh-admins", "ssh-deny"]
    assert any(d.code == codes.ORDERED_NOT_ADDITIVE for d in diags)
    assert lower_ordered(source, KubernetesBackend(), Diagnostics())[1].intent.is_ordered


# -- properties ------------------------------------------------------------------------------------------------

_cidrs = st.sampled_from(["10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "192.168.0.0/16", "0.0.0.0/0"])
_peers = st.one_of(
    st.builds(lambda c: {"cidr": c}, _cidrs),
    st.builds(lambda v: {"pods": {"matchLabels": {"app": v}}}, st.sampled_from(["a", "b"])),
    st.builds(lambda v: {"pods": {"matchExpressions": [{"key": "team", "operator": "In", "values": [v]}]},
                         "namespaceNames": ["ns", "x"]}, st.sampled_from(["t", "u"])),
)
_ports = st.sampled_from([{"port": 80}, {"port": 70, "endPort": 90}, {"protocol": "UDP"},
                          {"protocol": "ANY", "port": 80}])
_rule = st.builds(lambda a, p, q: {"action": a, **({"peers": p} if p else {}), **({"ports": q} if q else {})},
                  st.sampled_from(["allow", "deny", "pass", "log"]), st.lists(_peers, max_size=2),
                  st.lists(_ports, max_size=2))
_member = st.builds(
    lambda order, tier, iso, rules: {"subject": {"pods": {"matchLabels": {"role": "x"}}},
                                     **({"order": order} if order is not None else {}),
                                     **({"tier": tier} if tier else {}),
                                     **({"isolate": iso} if iso is not None else {}),
                                     "ingress": rules},
    st.sampled_from([None, 1, 2, 3]), st.sampled_from([None, {"name": "t", "order": 5}]),
    st.sampled_from([None, []]), st.lists(_rule, min_size=1, max_size=3))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.lists(_member, min_size=1, max_size=3))
def test_random_first_match_programs_compile_to_the_same_meaning(members: list[dict[str, Any]]) -> None:
    text = "---\n".join(intent(m, f"i{n}") for n, m in enumerate(members))
    source = load(text)
    diags = Diagnostics()
    lowered = to_additive(source, diags)  # reports what cannot be lowered; never raises NotAdditive
    assume(not diags.has_errors)  # an overlap of pods and CIDRs that has no form: refused, by design
    assert_equivalent(source, lowered)


# Native deny (Cilium): unordered deny rules are kept as written, everything else is compiled or refused; the
# output, read back and judged under Cilium's semantics, must allow exactly what the source allows.
_pod_peers = st.builds(lambda v: {"pods": {"matchLabels": {"app": v}}}, st.sampled_from(["a", "b"]))
_cilium_rule = st.builds(lambda a, p, q: {"action": a, **({"peers": p} if p else {}), **({"ports": q} if q else {})},
                         st.sampled_from(["allow", "deny", "pass"]), st.lists(_pod_peers, max_size=2),
                         st.lists(st.sampled_from([{"port": 80}, {"port": 70, "endPort": 90}, {"protocol": "UDP"}]),
                                  max_size=2))
_cilium_member = st.builds(
    lambda labels, order, tier, rules: {"subject": {"pods": {"matchLabels": labels}},
                                      **({"order": order} if order is not None else {}),
                                      **({"tier": tier} if tier else {}), "ingress": rules},
    st.sampled_from([{"role": "x"}, {"role": "y"}, {}, {"team": "t"}]), st.sampled_from([None, None, 1, 2]),
    st.sampled_from([None, None, {"name": "t", "order": 5}]), st.lists(_cilium_rule, min_size=1, max_size=3))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.lists(_cilium_member, min_size=1, max_size=3))
def test_sets_compiled_for_an_engine_with_native_deny_keep_their_meaning(members: list[dict[str, Any]]) -> None:
    from backends.cilium import CiliumBackend
    from translator.load.source import dump_yaml

    source = load("---\n".join(intent(m, f"i{n}") for n, m in enumerate(members)))
    diags = Diagnostics()
    compiled = compile_intents(source, CiliumBackend(), diags)
    assume(not diags.has_errors)
    objects = [o for c in compiled for o in c.objects]
    for obj in objects:
        validate_object(obj)
    target = load(dump_yaml(objects)) if objects else []
    result = verify_mod.verify(source, target, None, target_engine="cilium")
    assert result.equivalent, [d.summary() for d in result.differences[:5]]


def test_an_ordered_allow_before_a_native_deny_is_refused() -> None:
    source = load(intent({"order": 1, "subject": {"pods": {}},
                          "ingress": [{"peers": [{"pods": {"matchLabels": {"app": "a"}}}], "ports": [{"port": 80}]}]},
                         "a") + "---\n" +
                  intent({"subject": {"pods": {"matchLabels": {"role": "x"}}},
                          "ingress": [{"action": "deny", "peers": [{"pods": {"matchLabels": {"app": "a"}}}]}]}, "b"))
    from backends.cilium import CiliumBackend

    diags = Diagnostics()
    compiled = compile_intents(source, CiliumBackend(), diags)
    [error] = [d for d in diags.errors if d.code == codes.ORDERED_NOT_ADDITIVE]
    assert error.message.startswith("ns/a: ingress: its ordered allows come before the deny rules of ns/b")
    assert compiled[0].refused and not compiled[1].refused  # the unordered deny keeps its exact translation


def test_unordered_denies_stay_native_for_cilium() -> None:
    source = load(intent({"subject": {"pods": {}}, "ingress": [{"peers": [{"pods": {}}]}]}, "a") + "---\n" +
                  intent({"subject": {"pods": {"matchLabels": {"role": "x"}}}, "tier": {"name": "default"},
                          "ingress": [{"action": "deny", "peers": [{"pods": {"matchLabels": {"app": "a"}}}]}]}, "b")
                  + "---\n" + intent({"order": 5, "subject": {"pods": {}}, "ingress": [{"ports": [{"port": 22}]}]},
                                     "c", "other"))
    from backends.cilium import CiliumBackend

    diags = Diagnostics()
    objects = [o for c in compile_intents(source, CiliumBackend(), diags) for o in c.objects]
    assert not diags.has_errors, [d.format() for d in diags]
    assert any("ingressDeny" in o["spec"] for o in objects)
    result = verify_mod.verify(source, load(yaml.safe_dump_all(objects)), None, target_engine="cilium")
    assert result.equivalent


# -- native deny (Cilium): Calico's deny-then-pass and pass-then-deny idioms -------------------------------------

def _cilium(text: str) -> tuple[list[LoadedIntent], list[dict[str, Any]], Diagnostics]:
    from backends.cilium import CiliumBackend

    source = load(text)
    diags = Diagnostics()
    objects = [o for c in compile_intents(source, CiliumBackend(), diags) for o in c.objects]
    return source, objects, diags


RANGES = [ipaddress.ip_network(n) for n in ("10.1.0.0/16", "192.168.0.0/16", "203.0.113.0/24")]


def _pods_outside_cidrs(cluster: Cluster) -> Cluster:
    """The cluster with no pod inside the CIDRs the tests use: Cilium CIDR rules never match pods (announced as
    NPX104 by the backend), which is not what these tests are about."""
    taken = {p.ip for p in cluster.pods if p.ip} | {e.ip for e in cluster.externals}
    fresh = (str(ip) for ip in ipaddress.ip_network("10.244.128.0/17").hosts() if str(ip) not in taken)
    inside = [p.ip is None or any(ipaddress.ip_address(p.ip) in n for n in RANGES) for p in cluster.pods]
    cluster.pods = [p.model_copy(update={"ip": next(fresh)}) if bad else p for p, bad in zip(cluster.pods, inside)]
    return cluster


def _assert_cilium_equivalent(source: list[LoadedIntent], objects: list[dict[str, Any]]) -> None:
    for obj in objects:
        validate_object(obj)
    target = load(yaml.safe_dump_all(objects)) if objects else []
    cluster = _pods_outside_cidrs(synth.synthesize_cluster(source, target))
    result = verify_mod.verify(source, target, cluster, target_engine="cilium")
    assert result.equivalent, [d.summary() for d in result.differences[:5]]


FEED = [{"pods": {"matchLabels": {"threatfeed": "tor"}}, "namespaces": {}}, {"cidr": "203.0.113.0/24"}]


def test_a_deny_list_then_pass_becomes_a_non_isolating_deny() -> None:
    source, objects, diags = _cilium(intent({"order": 210, "tier": {"name": "security", "order": 100},
                                             "subject": {"pods": {}},
                                             "egress": [{"action": "deny", "peers": FEED}, {"action": "pass"}]}))
    assert not diags.has_errors, [d.format() for d in diags]
    [obj] = objects
    assert obj["spec"]["enableDefaultDeny"] == {"egress": False}
    assert "egress" not in obj["spec"] and len(obj["spec"]["egressDeny"]) == 2
    assert any("2 deny rule(s)" in d.message and "not isolated" in d.message for d in diags
               if d.code == codes.ORDERED_LOWERED)
    _assert_cilium_equivalent(source, objects)


def test_a_pass_list_then_deny_becomes_plain_allows() -> None:
    source, objects, diags = _cilium(intent({"order": 1, "tier": {"name": "security", "order": 100},
                                             "subject": {"pods": {}},
                                             "egress": [{"action": "pass", "peers": FEED, "ports": [{"port": 443}]},
                                                        {"action": "deny"}]}))
    assert not diags.has_errors, [d.format() for d in diags]
    [obj] = objects
    assert "egressDeny" not in obj["spec"] and len(obj["spec"]["egress"]) == 2
    _assert_cilium_equivalent(source, objects)


def test_a_pass_all_policy_becomes_no_rules() -> None:
    source, objects, diags = _cilium(intent({"order": 2000, "tier": {"name": "security", "order": 100},
                                             "subject": {"pods": {}}, "ingress": [{"action": "pass"}],
                                             "egress": [{"action": "pass"}]}))
    assert not diags.has_errors, [d.format() for d in diags]
    assert all("egress" not in o["spec"] and "ingress" not in o["spec"] for o in objects)
    _assert_cilium_equivalent(source, objects)


def test_an_allow_carved_out_of_a_deny_that_has_no_cilium_form_is_refused_naming_both_rules() -> None:
    _, objects, diags = _cilium(intent({"order": 1, "subject": {"pods": {}},
                                        "egress": [{"peers": [{"cidr": "10.0.0.0/8"}], "ports": [{"port": 80}]},
                                                   {"action": "deny", "peers": [{"pods": {}}]},
                                                   {"action": "pass"}]}))
    errors = [d for d in diags.errors if d.code == codes.ORDERED_NOT_ADDITIVE]
    assert errors and not objects
    assert all("t.yaml:" in e.message and "egress[" in e.message for e in errors), [e.message for e in errors]


_feed_peers = st.sampled_from([{"cidr": "10.1.0.0/16"}, {"cidr": "192.168.0.0/16"},
                               {"pods": {"matchLabels": {"app": "a"}}}, {"pods": {"matchLabels": {"app": "b"}}}])
_feed_rule = st.builds(lambda a, p, q: {"action": a, **({"peers": p} if p else {}), **({"ports": q} if q else {})},
                       st.sampled_from(["allow", "deny", "pass"]), st.lists(_feed_peers, max_size=2),
                       st.lists(st.sampled_from([{"port": 80}, {"protocol": "UDP"}]), max_size=1))
_feed_member = st.builds(
    lambda order, tier, rules: {"subject": {"pods": {}}, "order": order, **({"tier": tier} if tier else {}),
                                "egress": rules},
    st.sampled_from([1, 2, 3]), st.sampled_from([None, {"name": "security", "order": 5}]),
    st.lists(_feed_rule, min_size=1, max_size=3))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.lists(_feed_member, min_size=1, max_size=2), st.lists(_feed_peers, min_size=1, max_size=2))
def test_first_match_programs_of_one_subject_keep_their_meaning_on_cilium(members: list[dict[str, Any]],
                                                                          feed: list[dict[str, Any]]) -> None:
    """Random programs over one subject (CIDRs and pods, tiers, allow/deny/pass), compiled for Cilium: exact when
    not refused; a list of denies followed by a catch-all Pass in the first tier is never refused."""
    idiom = {"subject": {"pods": {}}, "order": 0, "tier": {"name": "security", "order": 5},
             "egress": [{"action": "deny", "peers": feed}, {"action": "pass"}]}
    source, objects, diags = _cilium("---\n".join(intent(m, f"i{n}") for n, m in enumerate([idiom, *members])))
    assume(not diags.has_errors)
    assume(not any(d.code == codes.CHANGED for d in diags if d.severity.value == "warning"))
    _assert_cilium_equivalent(source, objects)


def test_the_deny_then_pass_idiom_alone_is_never_refused() -> None:
    for feed in ([{"cidr": "203.0.113.0/24"}], FEED, [{"pods": {"matchLabels": {"app": "a"}}}]):
        source, objects, diags = _cilium(intent({"subject": {"pods": {}}, "order": 0,
                                                 "tier": {"name": "security", "order": 5},
                                                 "egress": [{"action": "deny", "peers": feed}, {"action": "pass"}]}))
        assert not diags.has_errors, [d.format() for d in diags]
        _assert_cilium_equivalent(source, objects)
