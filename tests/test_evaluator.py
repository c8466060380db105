"""The evaluator's semantics, one behaviour per test: selection, scoping, ports, CIDRs, tiers, engines, traces."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from translator.cluster.model import Cluster, External, Namespace, Pod, Probe
from translator.evaluator import Evaluator
from translator.evaluator.engine import Engine
from translator.load.loaded import LoadedIntent
from translator.model import Direction, NetworkIntent
from translator.registry import UnknownEngineError
from translator.semantics import INTENT_SEMANTICS, Semantics


def pod(ref: str, labels: dict[str, str] | None = None, ip: str | None = None, ports: Any = (),
        sa: str | None = None) -> Pod:
    ns, name = ref.split("/")
    return Pod.model_validate({"namespace": ns, "name": name, "labels": labels or {}, "ip": ip,
                               "ports": list(ports), "serviceAccount": sa})


def cluster(*pods: Pod, externals: tuple[External, ...] = (), ns_labels: dict[str, dict[str, str]] | None = None,
            services: Any = ()) -> Cluster:
    from translator.cluster.model import Service

    namespaces = [Namespace(name=n, labels=labels) for n, labels in (ns_labels or {}).items()]
    return Cluster(namespaces, list(pods), list(externals), [], [Service.model_validate(s) for s in services])


def intent(name: str, spec: dict[str, Any], namespace: str | None = "x", origin: str = "intent") -> LoadedIntent:
    meta = {"name": name} | ({"namespace": namespace} if namespace else {})
    data = {"apiVersion": "netpolx.io/v1alpha1", "kind": "NetworkIntent", "metadata": meta, "spec": spec}
    return LoadedIntent(NetworkIntent.model_validate(data), None, origin)


def ok(ev: Evaluator, src: str, dst: str, port: int = 80, proto: str = "TCP") -> bool:
    verdict = ev.allowed(src, dst, port, proto)
    assert ev.explain(src, dst, port, proto).allowed == verdict  # the trace never disagrees
    return verdict


BASIC = cluster(pod("x/a", {"app": "web"}, "10.0.0.1"), pod("x/b", {"app": "db"}, "10.0.0.2"),
                pod("y/c", {"app": "web"}, "10.0.1.1"), pod("y/d", {}, "10.0.1.2"),
                externals=(External(name="internet", ip="8.8.8.8", fqdn="dns.google"),),
                ns_labels={"x": {"team": "a"}, "y": {"team": "b"}})


def ingress_to_a(*peers: dict[str, Any], ports: Any = None, namespace: str = "x") -> LoadedIntent:
    rule: dict[str, Any] = {"peers": list(peers)}
    if ports is not None:
        rule["ports"] = ports
    return intent("to-a", {"subject": {"pods": {"matchLabels": {"app": "web"}}}, "ingress": [rule]}, namespace)


# -- no policy, isolation ------------------------------------------------------------------------------------

def test_no_policy_allows_everything() -> None:
    ev = Evaluator(BASIC, [])
    assert all(r.allowed for r in ev.matrix([Probe(80, "TCP")]))
    assert ev.semantics_name == "intent"


def test_empty_section_isolates() -> None:
    ev = Evaluator(BASIC, [intent("deny", {"subject": {}, "ingress": []})])
    assert not ok(ev, "x/b", "x/a")
    assert ok(ev, "x/a", "y/c")  # y is not selected
    assert ok(ev, "x/a", "internet")  # egress not isolated


def test_isolate_without_rules_and_non_isolating_rules() -> None:
    deny_egress = intent("deny-egress", {"subject": {}, "isolate": ["egress"]})
    assert not ok(Evaluator(BASIC, [deny_egress]), "x/a", "y/c")
    additive = intent("add", {"subject": {}, "isolate": [], "ingress": [{"peers": [{"pods": {}}]}]})
    ev = Evaluator(BASIC, [additive])
    assert ok(ev, "y/c", "x/a")  # nothing isolates: rules alone change nothing
    assert ok(ev, "x/b", "x/a")


def test_connection_needs_both_egress_and_ingress() -> None:
    ingress_ok = ingress_to_a({"pods": {"matchLabels": {"app": "db"}}})
    egress_block = intent("b-out", {"subject": {"pods": {"matchLabels": {"app": "db"}}}, "egress": []})
    assert ok(Evaluator(BASIC, [ingress_ok]), "x/b", "x/a")
    assert not ok(Evaluator(BASIC, [ingress_ok, egress_block]), "x/b", "x/a")


def test_external_endpoints_have_only_the_pod_side() -> None:
    ev = Evaluator(BASIC, [intent("deny-all", {"subject": {}, "ingress": [], "egress": []}, "x")])
    assert not ok(ev, "internet", "x/a")
    assert not ok(ev, "x/a", "internet")
    assert ok(ev, "internet", "y/c")
    assert ok(ev, "y/c", "internet")


# -- selection and namespace scoping ---------------------------------------------------------------------------

@pytest.mark.parametrize(("selector", "allowed_from"), [
    ({"matchLabels": {"app": "db"}}, {"x/b"}),
    ({"matchExpressions": [{"key": "app", "operator": "In", "values": ["db", "web"]}]}, {"x/b"}),
    ({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["db"]}]}, set()),
    ({"matchExpressions": [{"key": "app", "operator": "Exists"}]}, {"x/b"}),
    ({"matchExpressions": [{"key": "app", "operator": "DoesNotExist"}]}, set()),
    ({}, {"x/b"}),
])
def test_peer_pod_selector_own_namespace(selector: dict[str, Any], allowed_from: set[str]) -> None:
    ev = Evaluator(BASIC, [ingress_to_a({"pods": selector})])
    got = {s for s in ("x/b", "y/c", "y/d") if ok(ev, s, "x/a")}
    assert got == allowed_from


def test_not_in_matches_pods_without_the_key() -> None:
    c = cluster(pod("x/a", {"app": "web"}), pod("x/nolabel"), pod("x/other", {"app": "cache"}),
                pod("x/db", {"app": "db"}))
    ev = Evaluator(c, [ingress_to_a({"pods": {"matchExpressions": [{"key": "app", "operator": "NotIn",
                                                                     "values": ["db"]}]}})])
    assert ok(ev, "x/nolabel", "x/a")
    assert ok(ev, "x/other", "x/a")
    assert not ok(ev, "x/db", "x/a")


@pytest.mark.parametrize(("peer", "allowed_from"), [
    ({"namespaces": {}}, {"x/b", "y/c", "y/d"}),
    ({"namespaces": {"matchLabels": {"team": "b"}}}, {"y/c", "y/d"}),
    ({"namespaceNames": ["y"], "pods": {"matchLabels": {"app": "web"}}}, {"y/c"}),
    ({"namespaceNames": ["y"], "namespaces": {"matchLabels": {"team": "a"}}}, set()),
    ({"namespaces": {"matchLabels": {"kubernetes.io/metadata.name": "x"}}}, {"x/b"}),
    ({"cidr": "10.0.1.0/24"}, {"y/c", "y/d"}),
    ({"cidr": "10.0.0.0/16", "except": ["10.0.1.2/32"]}, {"x/b", "y/c"}),
    ({"entity": "cluster"}, {"x/b", "y/c", "y/d"}),
    ({"entity": "world"}, {"internet"}),
    ({"entity": "all"}, {"x/b", "y/c", "y/d", "internet"}),
    ({"entity": "host"}, set()),
    ({"fqdn": "*.google"}, {"internet"}),
    ({"fqdn": "*"}, {"internet"}),
    ({"fqdn": "*.dns.google"}, set()),
])
def test_peer_kinds(peer: dict[str, Any], allowed_from: set[str]) -> None:
    ev = Evaluator(BASIC, [ingress_to_a(peer)])
    got = {s for s in ("x/b", "y/c", "y/d", "internet") if ok(ev, s, "x/a")}
    assert got == allowed_from


def test_fqdn_star_stays_within_one_label() -> None:
    exts = tuple(External(name=n, ip=f"192.0.2.{i}", fqdn=n) for i, n in
                 enumerate(["api.example.com", "a.b.example.com", "example.com", "apiexample.com"], 1))
    c = cluster(pod("x/a", {"app": "web"}), externals=exts)
    ev = Evaluator(c, [intent("out", {"subject": {}, "egress": [{"peers": [{"fqdn": "*.example.com"}]}]})])
    assert {e.name for e in exts if ok(ev, "x/a", e.name)} == {"api.example.com"}


def test_cluster_scoped_intent_and_subject_namespaces() -> None:
    deny = intent("deny-team-b", {"scope": "Cluster", "subject": {"namespaces": {"matchLabels": {"team": "b"}}},
                                  "ingress": [{"peers": [{"pods": {"matchLabels": {"app": "web"}}}]}]}, None)
    ev = Evaluator(BASIC, [deny])
    assert ok(ev, "x/a", "y/d")  # a peer without namespaces is any namespace for a cluster-scoped intent
    assert not ok(ev, "x/b", "y/d")
    assert ok(ev, "y/d", "x/b")  # x is not team b


def test_service_accounts() -> None:
    c = cluster(pod("x/a", {"app": "web"}), pod("x/b", sa="frontend"), pod("x/c"))
    ev = Evaluator(c, [ingress_to_a({"serviceAccounts": ["frontend"]})])
    assert ok(ev, "x/b", "x/a")
    assert not ok(ev, "x/c", "x/a")
    subject_sa = intent("sa", {"subject": {"serviceAccounts": ["frontend"]}, "egress": []})
    ev = Evaluator(c, [subject_sa])
    assert not ok(ev, "x/b", "x/c")
    assert ok(ev, "x/c", "x/b")


def test_service_peer_selects_the_service_pods() -> None:
    c = cluster(pod("x/a", {"app": "web"}), pod("x/api", {"svc": "api"}), pod("x/other"),
                services=[{"namespace": "x", "name": "api", "selector": {"svc": "api"}}])
    ev = Evaluator(c, [intent("out", {"subject": {"pods": {"matchLabels": {"app": "web"}}},
                                      "egress": [{"peers": [{"service": {"name": "api"}}]}]})])
    assert ok(ev, "x/a", "x/api")
    assert not ok(ev, "x/a", "x/other")
    unknown = Evaluator(c, [intent("out", {"subject": {}, "egress": [{"peers": [{"service": {"name": "nope"}}]}]})])
    assert not ok(unknown, "x/a", "x/api")


def test_not_peers_and_not_ports() -> None:
    rule = {"peers": [{"namespaces": {}}], "notPeers": [{"pods": {"matchLabels": {"app": "db"}}}],
            "ports": [{"protocol": "TCP", "port": 1, "endPort": 1000}], "notPorts": [{"protocol": "TCP", "port": 22}]}
    ev = Evaluator(BASIC, [intent("a", {"subject": {"pods": {"matchLabels": {"app": "web"}}}, "ingress": [rule]})])
    assert not ok(ev, "x/b", "x/a")
    assert ok(ev, "y/d", "x/a")
    assert not ok(ev, "y/d", "x/a", 22)
    assert not ok(ev, "y/d", "x/a", 1001)


# -- ports -------------------------------------------------------------------------------------------------------

NAMED = cluster(pod("x/a", {"app": "web"}, ports=[{"name": "http", "port": 8080}]),
                pod("x/b", {"app": "web"}, ports=[{"name": "http", "port": 9090}]),
                pod("x/c", {"app": "web"}, ports=[{"name": "http", "port": 8080, "protocol": "UDP"}]),
                pod("x/client"))


def test_named_port_resolves_on_the_destination_pod() -> None:
    ev = Evaluator(NAMED, [intent("web", {"subject": {"pods": {"matchLabels": {"app": "web"}}},
                                          "ingress": [{"ports": [{"protocol": "TCP", "port": "http"}]}]})])
    assert ok(ev, "x/client", "x/a", 8080)
    assert not ok(ev, "x/client", "x/a", 9090)
    assert ok(ev, "x/client", "x/b", 9090)
    assert not ok(ev, "x/client", "x/b", 8080)
    assert not ok(ev, "x/client", "x/c", 8080)  # the named port is UDP there
    assert not ok(ev, "x/client", "x/c", 8080, "UDP")  # the rule says TCP


def test_named_port_in_egress_resolves_on_the_peer() -> None:
    ev = Evaluator(NAMED, [intent("out", {"subject": {"pods": {"matchLabels": {}}}, "isolate": ["egress"],
                                          "egress": [{"ports": [{"protocol": "ANY", "port": "http"}]}]})])
    assert ok(ev, "x/client", "x/a", 8080)
    assert not ok(ev, "x/client", "x/a", 9090)
    assert ok(ev, "x/client", "x/c", 8080, "UDP")


@pytest.mark.parametrize(("port", "proto", "allowed"), [
    (8999, "TCP", False), (9000, "TCP", True), (9050, "TCP", True), (9100, "TCP", True), (9101, "TCP", False),
    (9000, "UDP", False), (9000, "SCTP", False),
])
def test_end_port_range(port: int, proto: str, allowed: bool) -> None:
    ev = Evaluator(BASIC, [ingress_to_a(ports=[{"protocol": "TCP", "port": 9000, "endPort": 9100}])])
    assert ok(ev, "y/d", "x/a", port, proto) is allowed


@pytest.mark.parametrize(("proto", "allowed"), [("TCP", True), ("UDP", True), ("SCTP", True)])
def test_protocol_any_and_absent_ports(proto: str, allowed: bool) -> None:
    any_proto = Evaluator(BASIC, [ingress_to_a(ports=[{"protocol": "ANY", "port": 53}])])
    assert ok(any_proto, "y/d", "x/a", 53, proto) is allowed
    assert not ok(any_proto, "y/d", "x/a", 54, proto)
    all_ports = Evaluator(BASIC, [ingress_to_a({"namespaces": {}})])
    assert ok(all_ports, "y/d", "x/a", 12345, proto)


# -- tiers, order, actions ------------------------------------------------------------------------------------------

def rule(action: str, **kw: Any) -> dict[str, Any]:
    return {"action": action, **kw}


def web_intent(name: str, rules: list[dict[str, Any]], **spec: Any) -> LoadedIntent:
    return intent(name, {"subject": {"pods": {"matchLabels": {"app": "web"}}}, "ingress": rules, **spec})


FROM_DB = [{"pods": {"matchLabels": {"app": "db"}}}]


def test_unordered_deny_beats_allow() -> None:
    ev = Evaluator(BASIC, [web_intent("allow", [rule("allow")]), web_intent("deny", [rule("deny", peers=FROM_DB)])])
    assert not ok(ev, "x/b", "x/a")
    assert ok(ev, "x/a", "y/c")  # web in y is not selected by intents in x


def test_unordered_deny_and_allow_mix() -> None:
    ev = Evaluator(BASIC, [web_intent("allow", [rule("allow", peers=[{"namespaces": {}}])]),
                           web_intent("deny", [rule("deny", peers=FROM_DB)])])
    assert not ok(ev, "x/b", "x/a")
    assert ok(ev, "y/d", "x/a")


@pytest.mark.parametrize(("allow_order", "deny_order", "allowed"), [(1, 2, True), (2, 1, False), (1, 1, True)])
def test_ordered_first_match(allow_order: int, deny_order: int, allowed: bool) -> None:
    # Same order: ties are broken by namespace, then name ("a-allow" < "b-deny").
    ev = Evaluator(BASIC, [web_intent("b-deny", [rule("deny", peers=FROM_DB)], order=deny_order),
                           web_intent("a-allow", [rule("allow", peers=FROM_DB)], order=allow_order)])
    assert ok(ev, "x/b", "x/a") is allowed


def test_rules_in_list_order_within_an_ordered_intent() -> None:
    ev = Evaluator(BASIC, [web_intent("one", [rule("log"), rule("allow", peers=FROM_DB), rule("deny")], order=5)])
    assert ok(ev, "x/b", "x/a")
    assert not ok(ev, "y/d", "x/a")


def test_ordered_intents_before_unordered_in_a_tier() -> None:
    ev = Evaluator(BASIC, [web_intent("deny", [rule("deny", peers=FROM_DB)]),
                           web_intent("allow", [rule("allow", peers=FROM_DB)], order=100)])
    assert ok(ev, "x/b", "x/a")


def test_tiers_by_order() -> None:
    security = {"name": "security", "order": 10}
    allow_all = web_intent("allow-all", [rule("allow", peers=[{"namespaces": {}}])])
    ev = Evaluator(BASIC, [allow_all, web_intent("block-db", [rule("deny", peers=FROM_DB)], tier=security, isolate=[])])
    assert not ok(ev, "x/b", "x/a")
    assert ok(ev, "y/d", "x/a")  # not decided in the security tier, which does not isolate
    isolating = Evaluator(BASIC, [allow_all, web_intent("block-db", [rule("deny", peers=FROM_DB)], tier=security)])
    assert not ok(isolating, "y/d", "x/a")  # an isolating tier denies what it does not decide


def test_pass_skips_to_the_next_tier() -> None:
    security = {"name": "security", "order": 10}
    passing = web_intent("pass-db", [rule("pass", peers=FROM_DB), rule("deny")], tier=security, order=1)
    later_allow = web_intent("allow-db", [rule("allow", peers=FROM_DB)])
    assert ok(Evaluator(BASIC, [passing, later_allow]), "x/b", "x/a")
    later_deny = web_intent("deny-db", [rule("deny", peers=FROM_DB)])
    assert not ok(Evaluator(BASIC, [passing, later_deny]), "x/b", "x/a")
    assert not ok(Evaluator(BASIC, [passing, later_allow]), "y/d", "x/a")  # the tier's own deny


def test_pass_from_the_last_tier_allows() -> None:
    ev = Evaluator(BASIC, [web_intent("pass-db", [rule("pass", peers=FROM_DB)], order=1)])
    assert ok(ev, "x/b", "x/a")  # passed out of an isolating tier: the isolation does not apply
    assert not ok(ev, "y/d", "x/a")


def test_unordered_pass_loses_to_allow_and_deny() -> None:
    tier = {"name": "t", "order": 1}
    ev = Evaluator(BASIC, [web_intent("p", [rule("pass", peers=FROM_DB)], tier=tier, isolate=[]),
                           web_intent("d", [rule("deny", peers=FROM_DB)], tier=tier, isolate=[]),
                           web_intent("allow", [rule("allow", peers=FROM_DB)])])
    assert not ok(ev, "x/b", "x/a")


def test_non_isolating_tier_falls_through() -> None:
    tier = {"name": "t", "order": 1}
    ev = Evaluator(BASIC, [web_intent("log-only", [rule("log")], tier=tier, isolate=[])])
    assert ok(ev, "x/b", "x/a")


def test_allow_dns() -> None:
    c = cluster(pod("x/a", {"app": "web"}), pod("kube-system/dns", {"k8s-app": "kube-dns"}), pod("x/b"))
    ev = Evaluator(c, [intent("dns", {"subject": {"pods": {"matchLabels": {"app": "web"}}}, "allowDNS": True})])
    assert ok(ev, "x/a", "kube-system/dns", 53, "UDP")
    assert ok(ev, "x/a", "kube-system/dns", 53, "TCP")
    assert not ok(ev, "x/a", "kube-system/dns", 80)
    assert not ok(ev, "x/a", "x/b", 53, "UDP")
    assert ok(ev, "x/b", "x/a")  # ingress is not isolated by allowDNS


def test_http_rule_is_decided_by_its_l4_part_and_shown_in_the_trace() -> None:
    l7 = web_intent("l7", [{"ports": [{"protocol": "TCP", "port": 80}], "http": [{"method": "GET", "path": "/x"}]}])
    ev = Evaluator(BASIC, [l7])
    assert ok(ev, "x/b", "x/a", 80)
    assert not ok(ev, "x/b", "x/a", 81)
    assert any("HTTP GET /x" in line for line in ev.explain("x/b", "x/a", 80, "TCP").lines())


# -- engines and knobs -------------------------------------------------------------------------------------------

HTTP = Probe(80, "TCP")


def engine_allows(semantics: Semantics, c: Cluster, intents: list[LoadedIntent], src: str, dst: str,
                  probe: Probe = HTTP) -> bool:
    core = Engine(c, [(li, semantics) for li in intents])
    s, d = core.sel.index[src], core.sel.index[dst]
    return bool((core.decision(Direction.EGRESS, s, probe) >> d) & 1
                and (core.decision(Direction.INGRESS, d, probe) >> s) & 1)


def test_cidr_matches_pods_knob() -> None:
    policy = [ingress_to_a({"cidr": "10.0.0.0/8"})]
    assert engine_allows(INTENT_SEMANTICS, BASIC, policy, "y/d", "x/a")
    no_pods = replace(INTENT_SEMANTICS, name="no-pods", cidr_matches_pods=False)
    assert not engine_allows(no_pods, BASIC, policy, "y/d", "x/a")
    externals = [intent("out", {"subject": {}, "egress": [{"peers": [{"cidr": "8.0.0.0/8"}]}]})]
    assert engine_allows(no_pods, BASIC, externals, "x/a", "internet")


def test_fqdn_knobs() -> None:
    out = intent("out", {"subject": {"pods": {"matchLabels": {"app": "web"}}},
                         "egress": [{"peers": [{"fqdn": "dns.google"}]}]})
    dns = intent("dns", {"subject": {"pods": {"matchLabels": {"app": "web"}}},
                         "egress": [{"peers": [{"pods": {"matchLabels": {"app": "db"}}}],
                                     "ports": [{"protocol": "UDP", "port": 53}]}]})
    proxy = intent("proxy", {"subject": {}, "egress": [{"peers": [{"pods": {"matchLabels": {"app": "db"}}}],
                                                       "ports": [{"protocol": "UDP", "port": 53}], "dns": ["*"]}]})
    needs_dns = replace(INTENT_SEMANTICS, name="needs-dns", fqdn_needs_dns_rule=True)
    assert engine_allows(INTENT_SEMANTICS, BASIC, [out], "x/a", "internet")
    assert not engine_allows(needs_dns, BASIC, [out], "x/a", "internet")
    # the proxy is per pod: a DNS rule (dns) in any intent selecting the pod engages it; a plain port-53 allow
    # in another intent does not
    assert not engine_allows(needs_dns, BASIC, [out, dns], "x/a", "internet")
    assert engine_allows(needs_dns, BASIC, [out, proxy], "x/a", "internet")
    no_fqdn = replace(INTENT_SEMANTICS, name="no-fqdn", supports_fqdn=False)
    assert not engine_allows(no_fqdn, BASIC, [out, proxy], "x/a", "internet")


def test_fqdn_peers_match_only_names_the_dns_rules_let_the_pod_look_up() -> None:
    out = intent("out", {"subject": {}, "egress": [{"peers": [{"fqdn": "dns.google"}]}]})
    needs_dns = replace(INTENT_SEMANTICS, name="needs-dns", fqdn_needs_dns_rule=True)
    for names, allowed in ((["*.google"], True), (["dns.google"], True), (["*.example.com"], False)):
        proxy = intent("proxy", {"subject": {}, "egress": [{"ports": [{"protocol": "UDP", "port": 53}],
                                                             "dns": names}]})
        assert engine_allows(needs_dns, BASIC, [out, proxy], "x/a", "internet") is allowed, names
    other_ns = intent("proxy", {"subject": {}, "egress": [{"ports": [{"protocol": "UDP", "port": 53}],
                                                            "dns": ["*"]}]}, namespace="y")
    assert not engine_allows(needs_dns, BASIC, [out, other_ns], "x/a", "internet")  # selects other pods


def test_fqdn_needs_dns_trace_says_why() -> None:
    out = intent("out", {"subject": {}, "egress": [{"peers": [{"fqdn": "dns.google"}]}]})
    core = Engine(BASIC, [(out, replace(INTENT_SEMANTICS, fqdn_needs_dns_rule=True))])
    ev = Evaluator(BASIC, [out])
    ev.core = core
    lines = ev.explain("x/a", "internet", 80, "TCP").lines()
    assert any("needs a DNS rule" in line for line in lines)


def test_vanilla_order_makes_kubernetes_policies_ordered() -> None:
    k8s = intent("np", {"subject": {"pods": {"matchLabels": {"app": "web"}}}, "isolate": ["ingress"],
                        "ingress": [{"peers": FROM_DB}]}, origin="kubernetes")
    deny = web_intent("deny-db", [rule("deny", peers=FROM_DB)], order=2000)
    allow_first = replace(INTENT_SEMANTICS, name="ordered", vanilla_order=1000.0)
    assert engine_allows(allow_first, BASIC, [k8s, deny], "x/b", "x/a")
    assert not engine_allows(INTENT_SEMANTICS, BASIC, [k8s, deny], "x/b", "x/a")  # ordered deny comes first


def test_engine_selection() -> None:
    np = intent("np", {"subject": {}, "isolate": ["ingress"]}, origin="kubernetes")
    assert Evaluator(BASIC, [np]).semantics_name == "kubernetes"
    assert Evaluator(BASIC, [np, intent("i", {"subject": {}})]).semantics_name == "mixed"
    assert Evaluator(BASIC, [np], engine="azure-npm@1.2").semantics_name == "azure-npm"
    with pytest.raises(UnknownEngineError, match="did you mean"):
        Evaluator(BASIC, [np], engine="kubernets")


def test_kubernetes_semantics_ignore_fqdn() -> None:
    out = intent("out", {"subject": {}, "egress": [{"peers": [{"fqdn": "dns.google"}]}]})
    assert Evaluator(BASIC, [out]).allowed("x/a", "internet", 80, "TCP")
    assert not Evaluator(BASIC, [out], engine="kubernetes").allowed("x/a", "internet", 80, "TCP")


# -- matrix and traces ---------------------------------------------------------------------------------------------

def test_matrix_order_and_size() -> None:
    ev = Evaluator(BASIC, [ingress_to_a({"pods": {"matchLabels": {"app": "db"}}})])
    probes = [Probe(80, "TCP"), Probe(53, "UDP")]
    results = ev.matrix(probes)
    n = len(BASIC.endpoint_names)
    assert len(results) == n * (n - 1) * len(probes)
    assert [(r.src, r.dst, r.port) for r in results[:3]] == [("x/a", "x/b", 80), ("x/a", "x/b", 53),
                                                            ("x/a", "y/c", 80)]
    for r in results:
        assert r.allowed == ev.allowed(r.src, r.dst, r.port, r.protocol)


def test_trace_names_the_deciding_rule() -> None:
    ev = Evaluator(BASIC, [ingress_to_a({"pods": {"matchLabels": {"app": "db"}}})])
    allowed = "\n".join(ev.explain("x/b", "x/a", 80, "TCP").lines())
    assert "ALLOWED" in allowed and "allow by x/to-a rule 0" in allowed
    denied = "\n".join(ev.explain("y/d", "x/a", 80, "TCP").lines())
    assert "DENIED" in denied and "no match (peer differs)" in denied and "isolates this direction" in denied
    free = "\n".join(ev.explain("x/a", "y/d", 80, "TCP").lines())
    assert "no intent selects x/a for egress" in free


def test_unknown_endpoint() -> None:
    with pytest.raises(ValueError, match="unknown endpoint 'x/zz'"):
        Evaluator(BASIC, []).allowed("x/zz", "x/a", 80, "TCP")


def test_icmp_probes() -> None:
    ping = ingress_to_a({"namespaces": {}}, ports=[{"protocol": "ICMP", "icmp": {"type": 8}}])
    ev = Evaluator(BASIC, [ping])
    assert ok(ev, "y/d", "x/a", 8, "ICMP")
    assert not ok(ev, "y/d", "x/a", 0, "ICMP")
    assert not ok(ev, "y/d", "x/a", 8, "ICMPv6")
    assert not ok(ev, "y/d", "x/a", 8, "TCP")
    coded = Evaluator(BASIC, [ingress_to_a({"namespaces": {}}, ports=[{"protocol": "ICMP", "icmp": {"type": 3,
                                                                                                   "code": 1}}])])
    assert not ok(coded, "y/d", "x/a", 3, "ICMP")  # an ICMP probe carries a code no rule names
    every = Evaluator(BASIC, [ingress_to_a({"namespaces": {}})])
    assert ok(every, "y/d", "x/a", 0, "ICMP")  # no ports: every protocol, ICMP included
    any_proto = Evaluator(BASIC, [ingress_to_a({"namespaces": {}}, ports=[{"protocol": "ANY"}])])
    assert not ok(any_proto, "y/d", "x/a", 0, "ICMP")
