"""The Cilium generator: every mapping of issue 4 item 1, version gates, refusals; every object schema-validated."""

from __future__ import annotations

import pytest

from backends.cilium import CiliumBackend
from backends.cilium.lower import RANGE_EXPANSION_LIMIT
from tests.backends.cilium_helpers import codes_of, compile_for, find, intent, load, only, reimport
from tests.conftest import run_cli
from translator import codes
from translator.capabilities import Support
from translator.features import Feature, features_used
from translator.model import Direction, PortSpec, Protocol

NS = "k8s:io.kubernetes.pod.namespace"
EXISTS = {"key": NS, "operator": "Exists"}


def ingress_peers(peers: str, cluster: bool = False) -> dict:
    scope = "scope: Cluster," if cluster else ""
    text = intent(f"{{{scope} subject: {{pods: {{}}}}, ingress: [{{peers: {peers}, ports: [{{port: 80}}]}}]}}",
                  namespace=None if cluster else "ns")
    objects, diags = compile_for(text)
    assert not diags.has_errors
    return only(objects)


# -- selectors and namespaces --------------------------------------------------------------------------------

@pytest.mark.parametrize(("peer", "selector"), [
    ("{pods: {matchLabels: {app: a}}}", {"matchLabels": {"k8s:app": "a"}}),
    ("{pods: {}}", {}),  # Cilium pins an endpoint selector without namespace key to the policy namespace
    ("{namespaceNames: [x]}", {"matchLabels": {NS: "x"}}),
    ("{namespaceNames: [x, y]}", {"matchExpressions": [{"key": NS, "operator": "In", "values": ["x", "y"]}]}),
    ("{namespaces: {}}", {"matchExpressions": [EXISTS]}),
    ("{namespaces: {matchLabels: {env: prod}}}",
     {"matchLabels": {"k8s:io.cilium.k8s.namespace.labels.env": "prod"}, "matchExpressions": [EXISTS]}),
    ("{pods: {matchLabels: {app: a}}, namespaceNames: [x]}", {"matchLabels": {"k8s:app": "a", NS: "x"}}),
    ("{serviceAccounts: [sa]}", {"matchLabels": {"k8s:io.cilium.k8s.policy.serviceaccount": "sa"}}),
])
def test_endpoint_peers_in_a_cnp(peer: str, selector: dict) -> None:
    assert ingress_peers(f"[{peer}]")["ingress"][0]["fromEndpoints"] == [selector]


def test_ccnp_peers_and_subject_are_limited_to_pods_of_every_namespace() -> None:
    spec = ingress_peers("[{pods: {matchLabels: {app: a}}}]", cluster=True)
    assert spec["endpointSelector"] == {"matchExpressions": [EXISTS]}
    assert spec["ingress"][0]["fromEndpoints"] == [{"matchLabels": {"k8s:app": "a"}, "matchExpressions": [EXISTS]}]


def test_ccnp_subject_namespaces_and_service_accounts() -> None:
    text = intent("{scope: Cluster, subject: {pods: {matchLabels: {app: a}}, namespaces: {matchLabels: {env: prod}},"
                  " serviceAccounts: [x]}, isolate: [ingress]}", namespace=None)
    objects, _ = compile_for(text)
    assert objects[0]["kind"] == "CiliumClusterwideNetworkPolicy"
    assert "namespace" not in objects[0]["metadata"]
    assert objects[0]["spec"]["endpointSelector"] == {
        "matchLabels": {"k8s:app": "a", "k8s:io.cilium.k8s.namespace.labels.env": "prod",
                        "k8s:io.cilium.k8s.policy.serviceaccount": "x"},
        "matchExpressions": [EXISTS]}


def test_a_pod_selector_on_a_key_cilium_derives_is_refused() -> None:
    text = intent("{subject: {pods: {}}, "
                  "ingress: [{peers: [{pods: {matchLabels: {io.kubernetes.pod.namespace: x}}}]}]}")
    objects, diags = compile_for(text)
    assert objects == []
    assert any(d.code == codes.NOT_EXPRESSIBLE and "io.kubernetes.pod.namespace" in d.message for d in diags.errors)


# -- rule shapes ---------------------------------------------------------------------------------------------

def test_one_l3_kind_per_rule_same_ports() -> None:
    spec = ingress_peers("[{pods: {matchLabels: {app: a}}}, {cidr: 203.0.113.0/24}, {entity: world},"
                         " {pods: {matchLabels: {app: b}}}]")
    rules = spec["ingress"]
    assert [sorted(k for k in r if k != "toPorts") for r in rules] == [["fromEndpoints"], ["fromCIDRSet"],
                                                                          ["fromEntities"]]
    assert len(rules[0]["fromEndpoints"]) == 2
    assert all(r["toPorts"] == [{"ports": [{"port": "80", "protocol": "TCP"}]}] for r in rules)


def test_icmp_and_ports_go_to_sibling_rules() -> None:
    text = intent("{subject: {pods: {}}, egress: [{peers: [{entity: world}], "
                  "ports: [{protocol: TCP, port: 443}, {protocol: ICMP, icmp: {type: 8}}, "
                  "{protocol: ICMPv6, icmp: {type: 128}}]}]}")
    spec = only(compile_for(text)[0])
    assert spec["egress"] == [
        {"toEntities": ["world"], "toPorts": [{"ports": [{"port": "443", "protocol": "TCP"}]}]},
        {"toEntities": ["world"], "icmps": [{"fields": [{"type": 8, "family": "IPv4"},
                                                          {"type": 128, "family": "IPv6"}]}]},
    ]


def test_icmp_without_type_lists_every_type_and_code_is_refused() -> None:
    objects, diags = compile_for(intent("{subject: {pods: {}}, ingress: [{ports: [{protocol: ICMP}]}]}"))
    icmps = only(objects)["ingress"][0]["icmps"]
    assert [len(r["fields"]) for r in icmps] == [40] * 6 + [16]
    assert sorted(f["type"] for r in icmps for f in r["fields"]) == list(range(256))
    assert codes.LOWERED in codes_of(diags)
    back = reimport(objects)[0].intent.rules(Direction.INGRESS)
    assert [r.ports for r in back] == [(PortSpec(protocol=Protocol.ICMP),)]
    objects, diags = compile_for(intent("{subject: {pods: {}}, ingress: [{ports: [{protocol: ICMP, "
                                        "icmp: {type: 3, code: 4}}]}]}"))
    assert objects == [] and codes_of(diags, "error") == [codes.NOT_EXPRESSIBLE]


@pytest.mark.parametrize(("port", "entry"), [
    ("{protocol: TCP, port: 80}", {"port": "80", "protocol": "TCP"}),
    ("{protocol: UDP}", {"port": "0", "protocol": "UDP"}),
    ("{protocol: ANY, port: 53}", {"port": "53", "protocol": "ANY"}),
    ("{protocol: SCTP, port: 3868}", {"port": "3868", "protocol": "SCTP"}),
    ("{protocol: TCP, port: http}", {"port": "http", "protocol": "TCP"}),
    ("{protocol: TCP, port: 8000, endPort: 8100}", {"port": "8000", "endPort": 8100, "protocol": "TCP"}),
])
def test_ports_always_carry_their_protocol(port: str, entry: dict) -> None:
    spec = only(compile_for(intent(f"{{subject: {{pods: {{}}}}, ingress: [{{ports: [{port}]}}]}}"))[0])
    assert spec["ingress"] == [{"toPorts": [{"ports": [entry]}]}]


def test_more_than_40_ports_are_chunked() -> None:
    ports = ", ".join(f"{{port: {p}}}" for p in range(1000, 1045))
    spec = only(compile_for(intent(f"{{subject: {{pods: {{}}}}, ingress: [{{ports: [{ports}]}}]}}"))[0])
    assert [len(pr["ports"]) for pr in spec["ingress"][0]["toPorts"]] == [40, 5]


def test_port_ranges_by_version() -> None:
    text = intent("{subject: {pods: {}}, ingress: [{ports: [{port: 8000, endPort: 8003}]}]}")
    new, _ = compile_for(text, "cilium@1.17")
    assert only(new)["ingress"][0]["toPorts"][0]["ports"] == [{"port": "8000", "endPort": 8003, "protocol": "TCP"}]
    old, diags = compile_for(text, "cilium@1.16")
    assert [p["port"] for p in only(old)["ingress"][0]["toPorts"][0]["ports"]] == ["8000", "8001", "8002", "8003"]
    assert any(d.code == codes.LOWERED and "4 single ports" in d.message for d in diags)
    end = RANGE_EXPANSION_LIMIT + 1
    wide = intent(f"{{subject: {{pods: {{}}}}, ingress: [{{ports: [{{port: 1, endPort: {end}}}]}}]}}")
    refused, diags = compile_for(wide, "cilium@1.16")
    assert refused == []
    assert any(d.code == codes.ENGINE_TOO_OLD and f"at most {RANGE_EXPANSION_LIMIT}" in d.message for d in diags)


# -- isolation, any peer, deny -------------------------------------------------------------------------------

def test_isolation_without_rules_is_an_empty_rule() -> None:
    spec = only(compile_for(intent("{subject: {pods: {}}, isolate: [ingress, egress]}"))[0])
    assert spec == {"endpointSelector": {}, "ingress": [{}], "egress": [{}]}


def test_any_peer_any_port_is_entity_all_and_any_peer_with_ports_has_no_l3() -> None:
    spec = only(compile_for(intent("{subject: {pods: {}}, ingress: [{}], egress: [{ports: [{port: 53}]}]}"))[0])
    assert spec["ingress"] == [{"fromEntities": ["all"]}]
    assert spec["egress"] == [{"toPorts": [{"ports": [{"port": "53", "protocol": "TCP"}]}]}]


def test_deny_rules_and_isolation() -> None:
    text = intent("{subject: {pods: {}}, isolate: [egress], egress: [{action: deny, peers: [{entity: world}], "
                  "ports: [{port: 25}]}]}")
    spec = only(compile_for(text)[0])
    ports = [{"ports": [{"port": "25", "protocol": "TCP"}]}]
    assert spec == {"endpointSelector": {}, "egressDeny": [{"toEntities": ["world"], "toPorts": ports}]}
    non_isolating = intent("{subject: {pods: {}}, isolate: [], egress: [{action: deny, peers: [{entity: world}]}]}")
    assert only(compile_for(non_isolating)[0])["enableDefaultDeny"] == {"egress": False}


def test_non_isolating_rules_need_cilium_1_16() -> None:
    text = intent("{subject: {pods: {}}, isolate: [], ingress: [{peers: [{pods: {}}]}]}")
    assert only(compile_for(text, "cilium@1.16")[0])["enableDefaultDeny"] == {"ingress": False}
    objects, diags = compile_for(text, "cilium@1.15")
    assert objects == [] and codes_of(diags, "error") == [codes.ENGINE_TOO_OLD]


def test_non_isolating_http_is_refused() -> None:
    text = intent("{subject: {pods: {}}, isolate: [], ingress: [{ports: [{port: 80}], http: [{method: GET}]}]}")
    objects, diags = compile_for(text)
    assert objects == [] and any("403" in d.message for d in diags.errors)


def test_log_rules_are_dropped() -> None:
    spec = only(compile_for(intent("{subject: {pods: {}}, ingress: [{action: log}, {peers: [{pods: {}}]}]}"))[0])
    assert spec["ingress"] == [{"fromEndpoints": [{}]}]


def _support(spec: str, feature: Feature) -> Support:
    [li] = load(intent(spec))[0]
    uses = [u for u in features_used(li.intent) if u.feature is feature]
    return CiliumBackend().support_for(uses[0], li.intent).support


@pytest.mark.parametrize(("spec", "feature", "support"), [
    ("{order: 1, subject: {pods: {}}, ingress: [{peers: [{pods: {}}]}]}", Feature.ORDERED, Support.LOWERED),
    ("{order: 1, subject: {pods: {}}, ingress: [{action: deny, peers: [{entity: world}]}]}", Feature.ORDERED,
     Support.NOT_EXPRESSIBLE),
    ("{tier: {name: default}, subject: {pods: {}}, ingress: [{peers: [{pods: {}}]}]}", Feature.TIER, Support.LOWERED),
    ("{tier: {name: security, order: 10}, subject: {pods: {}}, ingress: [{peers: [{pods: {}}]}]}", Feature.TIER,
     Support.NOT_EXPRESSIBLE),
    ("{subject: {pods: {}}, ingress: [{action: pass}]}", Feature.PASS_RULE, Support.NOT_EXPRESSIBLE),
])
def test_order_tiers_and_pass_in_the_table(spec: str, feature: Feature, support: Support) -> None:
    """What the Cilium backend itself can say; the ordered -> additive pass of the pipeline may rewrite such intents
    first (its result is checked against the evaluator in test_cilium_semantics)."""
    assert _support(spec, feature) is support


def test_negated_cidr_peers_fold_into_except_others_are_refused() -> None:
    text = intent("{subject: {pods: {}}, egress: [{peers: [{cidr: 203.0.113.0/24}, {cidr: 198.51.100.0/24}], "
                  "notPeers: [{cidr: 203.0.113.128/25}, {cidr: 198.51.100.0/23}]}]}")
    spec = only(compile_for(text)[0])
    assert spec["egress"] == [{"toCIDRSet": [{"cidr": "203.0.113.0/24", "except": ["203.0.113.128/25"]}]}]
    objects, diags = compile_for(intent("{subject: {pods: {}}, egress: [{notPeers: [{pods: {}}]}]}"))
    assert objects == [] and codes.NOT_EXPRESSIBLE in codes_of(diags, "error")


def test_negated_ports_are_subtracted() -> None:
    text = intent("{subject: {pods: {}}, ingress: [{ports: [{protocol: ANY, port: 1000, endPort: 2000}], "
                  "notPorts: [{protocol: UDP, port: 1500}, {protocol: ANY, port: 2000}]}]}")
    objects, diags = compile_for(text)
    assert only(objects)["ingress"][0]["toPorts"][0]["ports"] == [
        {"port": "1000", "endPort": 1999, "protocol": "TCP"},
        {"port": "1000", "endPort": 1499, "protocol": "UDP"}, {"port": "1501", "endPort": 1999, "protocol": "UDP"},
        {"port": "1000", "endPort": 1999, "protocol": "SCTP"}]
    assert codes.LOWERED in codes_of(diags) and not diags.has_errors
    same = intent("{subject: {pods: {}}, ingress: [{ports: [{protocol: ANY}], notPorts: [{protocol: ANY, port: 22}]}]}")
    assert only(compile_for(same)[0])["ingress"][0]["toPorts"][0]["ports"] == [
        {"port": "1", "endPort": 21, "protocol": "ANY"}, {"port": "23", "endPort": 65535, "protocol": "ANY"}]


def test_every_port_but_some_is_a_change_for_allow_and_refused_for_deny() -> None:
    objects, diags = compile_for(intent("{subject: {pods: {}}, ingress: [{notPorts: [{port: 22}]}]}"))
    rules = only(objects)["ingress"]
    assert {"port": "0", "protocol": "UDP"} in rules[0]["toPorts"][0]["ports"]
    assert sum(len(r["fields"]) for r in rules[1]["icmps"]) == 512  # every ICMP and ICMPv6 type
    assert any(d.code == codes.CHANGED and "GRE" in d.message for d in diags)
    objects, diags = compile_for(intent("{subject: {pods: {}}, ingress: [{action: deny, notPorts: [{port: 22}]}, {}]}"))
    assert objects == [] and codes.NOT_EXPRESSIBLE in codes_of(diags, "error")
    named = intent("{subject: {pods: {}}, ingress: [{ports: [{port: 1}], notPorts: [{port: ssh}]}]}")
    objects, diags = compile_for(named)
    assert objects == [] and any("named ports" in d.message for d in diags.errors)
    wide = intent("{subject: {pods: {}}, ingress: [{ports: [{protocol: TCP}], notPorts: [{port: 22}]}]}")
    assert codes.ENGINE_TOO_OLD in codes_of(compile_for(wide, "cilium@1.16")[1], "error")


# -- CIDRs and the in-cluster divergence ---------------------------------------------------------------------

def test_allow_cidr_that_can_hold_pods_is_a_change_naming_the_cidr() -> None:
    objects, diags = compile_for(intent("{subject: {pods: {}}, ingress: [{peers: [{cidr: 0.0.0.0/0}]}]}"))
    assert only(objects)["ingress"] == [{"fromCIDRSet": [{"cidr": "0.0.0.0/0"}]}]
    [warning] = [d for d in find(diags, codes.CHANGED) if d.severity.value == "warning"]
    assert "0.0.0.0/0" in warning.message and "{namespaces: {}}" in warning.message
    assert "remote-node" in warning.message and warning.feature == "cidr"


def test_deny_cidr_that_can_hold_pods_is_refused_unless_the_cluster_ranges_say_otherwise() -> None:
    text = intent("{subject: {pods: {}}, ingress: [{action: deny, peers: [{cidr: 10.99.0.0/16}]}, {}]}")
    objects, diags = compile_for(text)
    [error] = diags.errors
    assert objects == [] and error.code == codes.WIDENED and error.feature == "cidr"
    assert "from pods and nodes with addresses in 10.99.0.0/16 would no longer be denied" in error.message
    objects, diags = compile_for(text, "cilium,pod-cidr=10.244.0.0/16,node-cidr=10.224.0.0/16;10.225.0.0/16")
    assert only(objects)["ingressDeny"] == [{"fromCIDRSet": [{"cidr": "10.99.0.0/16"}]}]
    assert not diags.has_errors
    assert any(d.code == codes.CHANGED and d.severity.value == "info" for d in diags)


def test_deny_cidr_that_can_hold_pods_is_a_widening_the_user_may_accept() -> None:
    # Egress, with an except: the message names exactly the in-cluster part that stops being denied.
    text = intent("{subject: {pods: {}}, egress: [{action: deny, peers: [{cidr: 10.0.0.0/8, except: [10.128.0.0/9]}]},"
                  " {}]}")
    objects, diags = compile_for(text, "cilium,pod-cidr=10.244.0.0/16,node-cidr=10.0.0.0/16")
    [error] = diags.errors
    assert objects == [] and error.code == codes.WIDENED
    assert "to pods and nodes with addresses in 10.0.0.0/16 would no longer be denied" in error.message
    objects, diags = compile_for(text, "cilium,pod-cidr=10.244.0.0/16,node-cidr=10.0.0.0/16",
                                 accepted=frozenset({codes.WIDENED}))
    assert only(objects)["egressDeny"] == [{"toCIDRSet": [{"cidr": "10.0.0.0/8", "except": ["10.128.0.0/9"]}]}]
    [warning] = find(diags, codes.WIDENED)
    assert warning.severity.value == "warning" and warning.message.endswith("[accepted]")


def test_external_cidrs_and_cluster_exclusion_are_exact() -> None:
    _, diags = compile_for(intent("{subject: {pods: {}}, egress: [{peers: [{cidr: 203.0.113.0/24}]}]}"))
    assert [d.severity.value for d in find(diags, codes.CHANGED)] == ["info"]
    text = intent("{subject: {pods: {}}, egress: [{peers: [{cidr: 0.0.0.0/0}], notPeers: [{entity: cluster}]}]}")
    objects, diags = compile_for(text)
    assert only(objects)["egress"] == [{"toCIDRSet": [{"cidr": "0.0.0.0/0"}]}]
    assert find(diags, codes.CHANGED) == []


def test_bad_cluster_range_setting_is_an_input_error() -> None:
    _, diags = compile_for(intent("{subject: {pods: {}}, isolate: [ingress]}"), "cilium,pod-cidr=nonsense")
    assert codes.INVALID_VALUE in codes_of(diags, "error")


# -- FQDN and DNS --------------------------------------------------------------------------------------------

def test_fqdn_with_dns_allow_gets_rules_dns_on_the_dns_rule() -> None:
    text = intent("{subject: {pods: {}}, allowDNS: true, egress: [{peers: [{fqdn: api.github.com}, "
                  "{fqdn: '*.example.com'}], ports: [{port: 443}]}]}")
    objects, diags = compile_for(text)
    fqdn_rule, dns_rule = only(objects)["egress"]
    assert fqdn_rule["toFQDNs"] == [{"matchName": "api.github.com"}, {"matchPattern": "*.example.com"}]
    assert dns_rule["toPorts"][0]["rules"] == {"dns": [{"matchPattern": "*"}]}
    assert dns_rule["toPorts"][0]["ports"] == [{"port": "53", "protocol": "UDP"}, {"port": "53", "protocol": "TCP"}]
    assert find(diags, codes.CHANGED) == []


def test_fqdn_without_dns_rule_is_refused_unless_widening_is_accepted() -> None:
    text = intent("{subject: {pods: {}}, egress: [{peers: [{fqdn: a.io}]}]}")
    objects, diags = compile_for(text)
    [error] = find(diags, codes.WIDENED)
    assert objects == [] and error.severity.value == "error" and "--allow-widening" in error.message
    objects, diags = compile_for(text, accepted=frozenset({codes.WIDENED}))
    rules = only(objects)["egress"]
    assert rules[1]["toEndpoints"] == [{"matchLabels": {NS: "kube-system", "k8s:k8s-app": "kube-dns"}}]
    assert rules[1]["toPorts"][0]["rules"] == {"dns": [{"matchPattern": "*"}]}
    [warning] = find(diags, codes.WIDENED)
    assert warning.severity.value == "warning" and "kube-dns" in warning.message and "UDP and TCP 53" in warning.message


def test_an_l4_dns_rule_to_any_peer_carries_rules_dns() -> None:
    text = intent("{subject: {pods: {}}, egress: [{ports: [{protocol: ANY, port: 53}]}, {peers: [{fqdn: a.io}]}]}")
    objects, diags = compile_for(text)
    assert only(objects)["egress"][0] == {"toPorts": [{"ports": [{"port": "53", "protocol": "ANY"}],
                                                       "rules": {"dns": [{"matchPattern": "*"}]}}]}
    assert find(diags, codes.CHANGED) == []


@pytest.mark.parametrize("spec", [
    "{subject: {pods: {}}, ingress: [{peers: [{fqdn: a.io}]}]}",
    "{subject: {pods: {}}, egress: [{action: deny, peers: [{fqdn: a.io}]}]}",
])
def test_fqdn_in_ingress_or_deny_is_refused(spec: str) -> None:
    objects, diags = compile_for(intent(spec))
    assert objects == [] and codes.NOT_EXPRESSIBLE in codes_of(diags, "error")


# -- L7, services --------------------------------------------------------------------------------------------

def test_http_rules() -> None:
    text = intent("{subject: {pods: {}}, egress: [{peers: [{pods: {matchLabels: {app: b}}}], "
                  "ports: [{port: 80}, {port: 8080}], http: [{method: 'GET|HEAD', path: '/v1/.*', host: 'b\\.io', "
                  "headers: [{name: X-A}, {name: X-B, value: v}]}, {}]}]}")
    port_rule = only(compile_for(text)[0])["egress"][0]["toPorts"][0]
    assert port_rule["ports"] == [{"port": "80", "protocol": "TCP"}, {"port": "8080", "protocol": "TCP"}]
    assert port_rule["rules"] == {"http": [{"method": "GET|HEAD", "path": "/v1/.*", "host": "b\\.io",
                                            "headers": ["X-A"], "headerMatches": [{"name": "X-B", "value": "v"}]},
                                           {}]}


def test_service_peers_egress_only_and_since_1_17() -> None:
    text = intent("{subject: {pods: {}}, egress: [{peers: [{service: {name: db}}], ports: [{port: 5432}]}]}")
    spec = only(compile_for(text)[0])
    assert spec["egress"][0] == {"toServices": [{"k8sService": {"serviceName": "db", "namespace": "ns"}}],
                                 "toPorts": [{"ports": [{"port": "5432", "protocol": "TCP"}]}]}
    assert compile_for(text, "cilium@1.16")[0] == []
    objects, diags = compile_for(intent("{subject: {pods: {}}, ingress: [{peers: [{service: {name: db}}]}]}"))
    assert objects == [] and codes.NOT_EXPRESSIBLE in codes_of(diags, "error")


# -- determinism, metadata, capability table -----------------------------------------------------------------

def test_output_is_deterministic_and_keys_are_ordered() -> None:
    text = intent("{subject: {pods: {matchLabels: {b: '2', a: '1'}}}, isolate: [ingress], "
                  "egress: [{action: deny, peers: [{entity: world}]}, {peers: [{pods: {}}]}]}")
    first, _ = compile_for(text)
    second, _ = compile_for(text)
    assert first == second
    spec = first[0]["spec"]
    assert list(spec) == ["endpointSelector", "enableDefaultDeny", "ingress", "egress", "egressDeny"]
    assert list(spec["endpointSelector"]["matchLabels"]) == ["k8s:a", "k8s:b"]


def test_metadata_and_description_annotation() -> None:
    text = intent("{subject: {pods: {}}, isolate: [ingress]}").replace(
        "metadata:\n", "metadata:\n  labels: {team: x}\n  annotations: {netpolx.io/description: hello, a: b}\n")
    obj = compile_for(text)[0][0]
    assert obj["metadata"] == {"name": "p", "namespace": "ns", "labels": {"team": "x"}, "annotations": {"a": "b"}}
    assert obj["spec"]["description"] == "hello"


def test_capability_table_is_total_and_claims_only_what_generates() -> None:
    for feature in Feature:
        assert feature in CiliumBackend.capabilities
    assert CiliumBackend.capabilities[Feature.PASS_RULE].support is Support.NOT_EXPRESSIBLE
    assert CiliumBackend.capabilities[Feature.PORT_RANGE].since == (1, 17)


def test_translate_cli_on_the_samples_gives_fqdn_and_http(tmp_path: object) -> None:
    result = run_cli("translate", "--engine", "cilium", "-f", "samples/intents/fqdn-egress.yaml",
                     "-f", "samples/intents/l7-http.yaml")
    assert result.code == 0, result.stderr
    assert "toFQDNs" in result.stdout and "matchPattern: '*'" in result.stdout and "http:" in result.stdout


def test_in_cluster_overlap_fast_path_agrees_with_the_exact_one() -> None:
    from backends.cilium.cidr import cluster_ranges, in_cluster_overlap
    from translator.cluster.ranges import overlap
    from translator.model import Peer
    from translator.target import parse_target

    blocks = ["10.0.0.0/8", "10.1.2.3/32", "0.0.0.0/0", "11.0.0.0/8", "172.15.255.255/32", "172.16.0.0/32",
              "172.31.255.255/32", "172.32.0.0/11", "192.168.0.0/15", "100.63.255.255/32", "100.128.0.0/9", "::/0",
              "fc00::/6", "fe00::/7", "fd12::1/128", "2001:db8::/32", "8.0.0.0/5"]
    for engine in ("cilium", "cilium,pod-cidr=10.244.0.0/16,node-cidr=10.224.0.0/16;172.20.0.0/14"):
        ranges, _ = cluster_ranges(parse_target(engine))
        for block in blocks:
            assert in_cluster_overlap(Peer(cidr=block), ranges) == overlap(block, (), ranges), (engine, block)
