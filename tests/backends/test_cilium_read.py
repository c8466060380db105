"""The Cilium importer: every implicit meaning made explicit, refusals naming the field, round trips."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.backends.cilium_helpers import codes_of, compile_for, load, reimport
from tests.shared import ROOT
from translator import codes
from translator.load.source import dump_yaml
from translator.model import Direction, Entity, LabelSelector, NetworkIntent, Peer, PortSpec, Protocol


def cnp(spec: str, kind: str = "CiliumNetworkPolicy", name: str = "p", namespace: str | None = "ns",
        key: str = "spec") -> str:
    meta = {"name": name, **({"namespace": namespace} if namespace else {})}
    return yaml.safe_dump({"apiVersion": "cilium.io/v2", "kind": kind, "metadata": meta, key: yaml.safe_load(spec)})


def one(text: str) -> NetworkIntent:
    loaded, diags = load(text)
    assert not diags.has_errors, [d.format() for d in diags]
    assert len(loaded) == 1
    return loaded[0].intent


def peer_of(spec: str, kind: str = "CiliumNetworkPolicy") -> Peer:
    intent = one(cnp(spec, kind, namespace=None if kind != "CiliumNetworkPolicy" else "ns"))
    [rule] = intent.rules(Direction.INGRESS)
    [peer] = rule.peers or ()
    return peer


# -- names, isolation ----------------------------------------------------------------------------------------

def test_spec_and_specs_give_one_intent_per_rule() -> None:
    text = cnp("[{endpointSelector: {}, ingress: [{}]}, {endpointSelector: {}, egress: [{}]}]", key="specs")
    loaded, _ = load(text)
    assert [li.intent.metadata.name for li in loaded] == ["p-0", "p-1"]
    assert [li.intent.spec.isolate for li in loaded] == [(Direction.INGRESS,), (Direction.EGRESS,)]
    assert loaded[0].intent.spec.ingress is None  # `{}` isolates and allows nothing


@pytest.mark.parametrize(("spec", "isolate"), [
    ("{endpointSelector: {}, ingress: [{fromEntities: [world]}]}", ("ingress",)),
    ("{endpointSelector: {}, ingressDeny: [{fromEntities: [world]}]}", ("ingress",)),
    ("{endpointSelector: {}, enableDefaultDeny: {ingress: false}, ingress: [{fromEntities: [world]}]}", ()),
    ("{endpointSelector: {}, enableDefaultDeny: {egress: true}, ingress: [{fromEntities: [world]}]}",
     ("ingress", "egress")),
])
def test_isolation_by_section_presence_and_enable_default_deny(spec: str, isolate: tuple[str, ...]) -> None:
    assert tuple(d.value for d in one(cnp(spec)).spec.isolate or ()) == isolate


def test_a_rule_without_sections_is_invalid() -> None:
    _, diags = load(cnp("{endpointSelector: {}, ingress: []}"))
    assert codes_of(diags, "error") == [codes.INVALID_VALUE]


# -- selectors -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("selector", "expected"), [
    ("{}", Peer(pods=LabelSelector())),  # this namespace only
    ("{matchLabels: {'k8s:app': a}}", Peer(pods=LabelSelector(matchLabels={"app": "a"}))),
    ("{matchLabels: {'any:app': a}}", Peer(pods=LabelSelector(matchLabels={"app": "a"}))),
    ("{matchLabels: {'k8s:io.kubernetes.pod.namespace': x, app: a}}",
     Peer(pods=LabelSelector(matchLabels={"app": "a"}), namespaceNames=("x",))),
    ("{matchExpressions: [{key: io.kubernetes.pod.namespace, operator: Exists}]}", Peer(namespaces=LabelSelector())),
    ("{matchLabels: {'k8s:io.cilium.k8s.namespace.labels.env': prod}}",
     Peer(namespaces=LabelSelector(matchLabels={"env": "prod"}))),
    ("{matchLabels: {'k8s:io.cilium.k8s.policy.serviceaccount': sa}}", Peer(serviceAccounts=("sa",))),
    ("{matchLabels: {'reserved:host': ''}}", Peer(entity=Entity.HOST)),
    ("{matchExpressions: [{key: io.cilium.k8s.policy.cluster, operator: Exists}]}", Peer(pods=LabelSelector())),
])
def test_cnp_peer_selectors(selector: str, expected: Peer) -> None:
    assert peer_of(f"{{endpointSelector: {{}}, ingress: [{{fromEndpoints: [{selector}]}}]}}") == expected


def test_ccnp_peer_without_namespace_key_covers_every_namespace() -> None:
    intent = one(cnp("{endpointSelector: {matchLabels: {'k8s:io.kubernetes.pod.namespace': x}}, "
                     "ingress: [{fromEndpoints: [{}]}]}", "CiliumClusterwideNetworkPolicy", namespace=None))
    assert intent.is_cluster_scoped
    assert intent.spec.subject.namespaces == LabelSelector(matchLabels={"kubernetes.io/metadata.name": "x"})
    assert intent.rules(Direction.INGRESS)[0].peers == (Peer(pods=LabelSelector()),)


def test_namespace_label_selector_without_namespace_key_is_read_as_cilium_1_16_reads_it() -> None:
    loaded, diags = load(cnp("{endpointSelector: {}, ingress: [{fromEndpoints: "
                             "[{matchLabels: {'io.cilium.k8s.namespace.labels.team': a}}]}]}"))
    assert loaded[0].intent.rules(Direction.INGRESS)[0].peers == (Peer(namespaces=LabelSelector(
        matchLabels={"team": "a"})),)
    assert any("1.16" in d.message for d in diags)


# -- ports ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("port", "expected"), [
    ("{port: '80'}", PortSpec(protocol=Protocol.ANY, port=80)),
    ("{port: '80', protocol: tcp}", PortSpec(protocol=Protocol.TCP, port=80)),
    ("{port: '0', protocol: UDP}", PortSpec(protocol=Protocol.UDP)),
    ("{port: HTTP, protocol: TCP}", PortSpec(protocol=Protocol.TCP, port="http")),
    ("{port: '8000', endPort: 8010, protocol: TCP}", PortSpec(protocol=Protocol.TCP, port=8000, endPort=8010)),
])
def test_ports(port: str, expected: PortSpec) -> None:
    intent = one(cnp(f"{{endpointSelector: {{}}, ingress: [{{toPorts: [{{ports: [{port}]}}]}}]}}"))
    assert intent.rules(Direction.INGRESS)[0].ports == (expected,)


def test_icmp_names_and_port_rules_with_http_become_their_own_rules() -> None:
    intent = one(cnp("{endpointSelector: {}, ingress: [{toPorts: [{ports: [{port: '80', protocol: TCP}], "
                     "rules: {http: [{method: GET, headers: ['X-A', 'X-B: v']}]}}, {ports: [{port: '81'}]}]}, "
                     "{icmps: [{fields: [{type: EchoRequest}, {type: EchoReply, family: IPv6}]}]}]}"))
    plain, http_rule, icmp = intent.rules(Direction.INGRESS)
    assert [str(h) for h in http_rule.http or ()] == ["GET header X-A header X-B=v"]
    assert plain.ports == (PortSpec(protocol=Protocol.ANY, port=81),) and plain.http is None
    assert [(p.protocol, p.icmp.type) for p in icmp.ports or () if p.icmp] == [(Protocol.ICMP, 8),
                                                                              (Protocol.ICMPV6, 129)]


def test_the_fqdn_dns_rule_is_read_as_plain_l4_and_fqdn_without_it_is_noted() -> None:
    intent = one(cnp("{endpointSelector: {}, egress: [{toPorts: [{ports: [{port: '53', protocol: ANY}], "
                     "rules: {dns: [{matchPattern: '*'}]}}]}, {toFQDNs: [{matchName: A.io.}]}]}"))
    dns, fqdn = intent.rules(Direction.EGRESS)
    assert dns.ports == (PortSpec(protocol=Protocol.ANY, port=53),) and dns.http is None
    assert fqdn.peers == (Peer(fqdn="a.io"),)
    _, diags = load(cnp("{endpointSelector: {}, egress: [{toFQDNs: [{matchPattern: '*.a.io'}]}]}"))
    assert any(d.code == codes.IMPORT_NOTE and "DNS rule" in d.message for d in diags)


def test_cidrs_that_may_hold_pods_keep_ciliums_meaning() -> None:
    intent = one(cnp("{endpointSelector: {}, egress: [{toCIDR: [0.0.0.0/0, 10.0.0.1]}, "
                     "{toCIDRSet: [{cidr: 203.0.113.0/24, except: [203.0.113.0/25]}]}]}"))
    private, public = intent.rules(Direction.EGRESS)
    assert [p.cidr for p in private.peers or ()] == ["0.0.0.0/0", "10.0.0.1/32"]
    assert private.notPeers == (Peer(entity=Entity.CLUSTER),)
    assert public.notPeers is None and public.peers == (Peer.model_validate(
        {"cidr": "203.0.113.0/24", "except": ["203.0.113.0/25"]}),)


# -- refusals ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("spec", "field"), [
    ("{endpointSelector: {}, ingress: [{toPorts: [{ports: [{port: '9092'}], rules: {kafka: [{topic: t}]}}]}]}",
     "kafka"),
    ("{endpointSelector: {}, ingress: [{fromRequires: [{matchLabels: {a: b}}]}]}", "fromRequires"),
    ("{endpointSelector: {}, egress: [{toRequires: [{matchLabels: {a: b}}]}]}", "toRequires"),
    ("{endpointSelector: {}, ingress: [{fromEndpoints: [{}], authentication: {mode: required}}]}", "authentication"),
    ("{endpointSelector: {}, egress: [{toGroups: [{aws: {securityGroupsIds: [sg]}}]}]}", "toGroups"),
    ("{endpointSelector: {}, egress: [{toCIDRSet: [{cidrGroupRef: g}]}]}", "cidrGroupRef"),
    ("{endpointSelector: {}, ingress: [{fromNodes: [{matchLabels: {'reserved:host': ''}}]}]}", "reserved:host"),
    ("{endpointSelector: {}, egress: [{toPorts: [{ports: [{port: '0'}], rules: {dns: [{matchName: a.io}]}}]}]}",
     "rules.dns"),
    ("{endpointSelector: {}, egress: [{toPorts: [{ports: [{port: '53'}], rules: {dns: []}}]}]}", "rules.dns"),
    ("{endpointSelector: {}, ingress: [{toPorts: [{ports: [{port: '80', protocol: TCP}], rules: {http: "
     "[{headerMatches: [{name: a, secret: {name: s}}]}]}}]}]}", "secret"),
    ("{endpointSelector: {}, ingress: [{toPorts: [{ports: [{port: '80', protocol: TCP}], rules: {http: "
     "[{headerMatches: [{name: a, value: b, mismatch: LOG}]}]}}]}]}", "mismatch"),
    ("{endpointSelector: {}, egress: [{toServices: [{k8sServiceSelector: {selector: {}}}]}]}", "k8sServiceSelector"),
    ("{endpointSelector: {}, ingress: [{fromEndpoints: [{matchLabels: {io.cilium.k8s.policy.cluster: c1}}]}]}",
     "io.cilium.k8s.policy.cluster"),
    ("{endpointSelector: {}, ingress: [{fromEndpoints: []}]}", "fromEndpoints"),
    ("{endpointSelector: {}, egress: [{toFQDNs: [{matchPattern: '**.a.io'}]}]}", "matchPattern"),
    ("{endpointSelector: {}, ingress: [{toPorts: [{ports: [{port: '0', protocol: VRRP}]}]}]}", "protocol"),
    ("{endpointSelector: {}, ingress: [{toPorts: [{ports: [{port: '443'}], serverNames: [a.io]}]}]}", "serverNames"),
    ("{endpointSelector: {matchLabels: {'reserved:health': ''}}, ingress: [{}]}", "endpointSelector"),
])
def test_unrepresentable_fields_are_refused_by_name(spec: str, field: str) -> None:
    loaded, diags = load(cnp(spec))
    assert loaded == []
    assert codes_of(diags, "error") == [codes.IMPORT_UNSUPPORTED]
    assert f": {field}: " in diags.errors[0].message


@pytest.mark.parametrize("spec", [
    "{endpointSelector: {}, ingress: [{fromEndpoints: [{}], fromEntities: [world]}]}",
    "{endpointSelector: {}, egress: [{toPorts: [{ports: [{port: '53'}]}], icmps: [{fields: [{type: 8}]}]}]}",
    "{endpointSelector: {}, ingress: [{toPorts: [{ports: [{port: '53'}], rules: {dns: [{matchPattern: '*'}]}}]}]}",
    "{endpointSelector: {}, ingress: [{toPorts: [{ports: [{port: '80', protocol: UDP}], rules: {http: [{}]}}]}]}",
])
def test_rules_cilium_itself_rejects_are_invalid_input(spec: str) -> None:
    loaded, diags = load(cnp(spec))
    assert loaded == [] and codes_of(diags, "error") == [codes.INVALID_VALUE]


def test_node_selector_and_unknown_fields() -> None:
    _, diags = load(cnp("{nodeSelector: {}, ingress: [{}]}", "CiliumClusterwideNetworkPolicy", namespace=None))
    assert "nodeSelector" in diags.errors[0].message and diags.errors[0].code == codes.IMPORT_UNSUPPORTED
    _, diags = load(cnp("{endpointSelector: {}, egress: [{toEndpoints: [{}], auth: {type: 'null'}}]}"))
    assert diags.errors[0].code == codes.INVALID_FIELD and "'auth'" in diags.errors[0].message
    assert diags.errors[0].location.line is not None


def test_one_refused_spec_refuses_the_whole_object() -> None:
    text = cnp("[{endpointSelector: {}, ingress: [{}]}, {endpointSelector: {}, ingress: [{fromRequires: [{}]}]}]",
               key="specs")
    loaded, diags = load(text)
    assert loaded == [] and "fromRequires" in diags.errors[0].message


# -- round trips ---------------------------------------------------------------------------------------------

SAMPLES = sorted((ROOT / "samples" / "cilium").glob("*.yaml"))


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_cilium_samples_round_trip_exactly(path: Path) -> None:
    """CNP -> intent -> CNP gives the same objects (canonical keys) and CNP -> intent -> CNP -> intent the same
    intents."""
    first, diags = load(path.read_text(encoding="utf-8"))
    assert not diags.has_errors
    objects, diags = compile_for(dump_yaml([li.intent.dump() for li in first]))
    assert not diags.has_errors, [d.format() for d in diags]
    assert [li.intent for li in reimport(objects)] == [li.intent for li in first]
    again, _ = compile_for(dump_yaml([li.intent.dump() for li in reimport(objects)]))
    assert again == objects


def test_description_survives_and_labels_log_are_noted() -> None:
    text = cnp("{description: hi, labels: [{key: a, value: b}], log: {value: x}, endpointSelector: {}, "
               "ingress: [{}]}")
    loaded, diags = load(text)
    assert loaded[0].intent.metadata.annotations == {"netpolx.io/description": "hi"}
    assert sum(1 for d in diags if d.code == codes.IMPORT_NOTE and "ignored" in d.message) == 2
    assert compile_for(dump_yaml([loaded[0].intent.dump()]))[0][0]["spec"]["description"] == "hi"
