"""The Calico importer: every implicit Calico meaning made explicit, refusals that name the field, and the
documentation and NCA corpora (each file either imports or is refused with the feature named)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.shared import CORPUS, corpus
from translator import codes
from translator.diagnostics import Diagnostics
from translator.load.decode import intents_from_documents
from translator.load.loaded import LoadedIntent
from translator.load.source import documents_from_text, dump_yaml
from translator.model import Action, Direction

POLICY_KINDS = {"NetworkPolicy", "GlobalNetworkPolicy", "NetworkSet", "GlobalNetworkSet", "Tier"}


def load(text: str) -> tuple[list[LoadedIntent], Diagnostics]:
    diags = Diagnostics()
    return intents_from_documents(documents_from_text(text, "t.yaml", diags), diags), diags


def one(text: str):
    loaded, diags = load(text)
    assert not diags.has_errors, [d.format() for d in diags]
    assert len(loaded) == 1
    return loaded[0].intent


def np(spec: str, name: str = "p", namespace: str = "ns", kind: str = "NetworkPolicy",
       api: str = "projectcalico.org/v3") -> str:
    meta = f"{{name: {name}, namespace: {namespace}}}" if kind == "NetworkPolicy" else f"{{name: {name}}}"
    return f"apiVersion: {api}\nkind: {kind}\nmetadata: {meta}\nspec: {spec}\n"


def gnp(spec: str, name: str = "g") -> str:
    return np(spec, name, kind="GlobalNetworkPolicy")


def errors(text: str) -> list[tuple[str, str, str]]:
    _, diags = load(text)
    return [(d.code, d.location.field_path, d.message) for d in diags.errors]


# -- types, order, tiers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("spec", "isolate"), [
    ("{selector: all()}", ["ingress"]),
    ("{selector: all(), egress: [{action: Allow}]}", ["egress"]),
    ("{selector: all(), ingress: [{action: Allow}], egress: [{action: Allow}]}", ["ingress", "egress"]),
    ("{selector: all(), types: [Egress], ingress: [{action: Allow}]}", ["egress"]),
])
def test_types_default_like_calico(spec: str, isolate: list[str]) -> None:
    intent = one(np(spec))
    assert [d.value for d in intent.spec.isolate] == isolate


def test_rules_of_directions_outside_types_are_ignored_with_a_warning() -> None:
    loaded, diags = load(np("{selector: all(), types: [Egress], ingress: [{action: Allow}]}"))
    assert loaded[0].intent.spec.ingress is None
    assert any("ingress rules are ignored" in d.message for d in diags)


def test_policies_without_order_stay_unordered_when_they_only_allow() -> None:
    loaded, _ = load(np("{selector: all(), ingress: [{action: Allow}]}", "a") + "---\n"
                     + np("{order: 5, selector: all(), ingress: [{action: Deny}]}", "b"))
    assert [li.intent.spec.order for li in loaded] == [None, 5.0]


def test_policies_without_order_get_calicos_place_when_they_deny() -> None:
    text = "---\n".join([np("{selector: all(), ingress: [{action: Allow}]}", "zz"),
                         np("{selector: all(), ingress: [{action: Deny}]}", "aa"),
                         gnp("{order: 2500.5, selector: all(), ingress: [{action: Allow}]}")])
    loaded, diags = load(text)
    orders = {li.intent.metadata.name: li.intent.spec.order for li in loaded}
    # After every explicit order (and Kubernetes NetworkPolicies' 1000), in Calico's name order ("ns/aa" < "ns/zz").
    assert orders == {"zz": 2502.0, "aa": 2501.0, "g": 2500.5}
    assert sum(d.code == codes.CALICO_DEFAULT_ORDER for d in diags) == 2


def test_tiers_come_with_their_order_and_prefix() -> None:
    text = ("apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: security}\nspec: {order: 100}\n---\n"
            + gnp("{tier: security, order: 1, selector: all(), ingress: [{action: Pass}]}", "security.pass-all"))
    intent = one(text)
    assert intent.metadata.name == "pass-all"
    assert (intent.spec.tier.name, intent.spec.tier.order) == ("security", 100.0)


def test_unknown_tiers_warn_and_builtin_tiers_are_known() -> None:
    loaded, diags = load(gnp("{tier: other, selector: all(), ingress: [{action: Allow}]}"))
    assert loaded[0].intent.spec.tier.order is None
    assert any(d.code == codes.CALICO_TIER_ORDER_UNKNOWN for d in diags)
    assert one(gnp("{tier: kube-admin, selector: all()}")).spec.tier.order == 1000.0


def test_a_pass_tier_makes_its_policies_non_isolating() -> None:
    text = ("apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: t}\n"
            "spec: {order: 5, defaultAction: Pass}\n---\n"
            + gnp("{tier: t, order: 1, selector: all(), types: [Ingress], ingress: [{action: Deny, "
                  "source: {nets: [10.0.0.0/8]}}]}"))
    intent = one(text)
    assert intent.spec.isolate == () and intent.spec.ingress[0].action is Action.DENY


# -- selectors and peers ---------------------------------------------------------------------------------------


def test_rule_selectors_are_scoped_like_calico() -> None:
    intent = one(np("{selector: app == 'db', ingress: ["
                    "{action: Allow, source: {selector: app == 'api'}},"
                    "{action: Allow, source: {selector: app == 'x', namespaceSelector: all()}},"
                    "{action: Allow, source: {namespaceSelector: \"projectcalico.org/name in {'a', 'b'}\"}},"
                    "{action: Allow, source: {selector: \"projectcalico.org/orchestrator == 'k8s' && team == 't'\","
                    " namespaceSelector: \"env == 'prod' && kubernetes.io/metadata.name == 'c'\"}}]}"))
    peers = [r.peers[0] for r in intent.spec.ingress]
    assert peers[0].namespaces is None and peers[0].namespaceNames is None  # own namespace
    assert peers[1].namespaces.is_empty()  # every namespace
    assert peers[2].namespaceNames == ("a", "b") and peers[2].pods is None
    assert peers[3].pods.matchLabels == {"team": "t"}  # the orchestrator term means "pods", as intents do
    assert peers[3].namespaceNames == ("c",) and peers[3].namespaces.matchLabels == {"env": "prod"}
    assert one(np("{selector: \"projectcalico.org/namespace == 'ns' && a == 'b'\"}")).spec.subject.pods \
        .matchLabels == {"a": "b"}


def test_or_in_peer_selectors_splits_into_peers() -> None:
    intent = one(np("{selector: all(), ingress: [{action: Allow, source: {selector: \"a == 'x' || b == 'y'\"}}]}"))
    assert [str(p.pods) for p in intent.spec.ingress[0].peers] == ["a=x", "b=y"]


def test_global_policies_reach_every_namespace_and_select_by_namespace() -> None:
    intent = one(gnp("{selector: \"app == 'x' && projectcalico.org/namespace in {'a', 'b'}\", "
                     "namespaceSelector: \"env == 'prod'\", ingress: [{action: Allow, source: {selector: has(k)}}]}"))
    assert intent.is_cluster_scoped and intent.spec.subject.pods.matchLabels == {"app": "x"}
    ns = intent.spec.subject.namespaces
    assert ns.matchLabels == {"env": "prod"} and ns.matchExpressions[0].values == ("a", "b")
    peer = intent.spec.ingress[0].peers[0]
    assert peer.namespaces is None and peer.namespaceNames is None  # all namespaces for a cluster-scoped intent


def test_nets_not_nets_and_not_selector() -> None:
    intent = one(gnp("{selector: all(), egress: [{action: Allow, destination: {nets: [10.0.0.0/8, 192.168.0.0/16],"
                     " notNets: [10.1.0.0/16, 192.168.0.0/16]}}, {action: Deny, destination: {notSelector: a == 'b',"
                     " notNets: [1.2.3.4/32]}}]}"))
    allow, deny = intent.spec.egress
    assert [str(p) for p in allow.peers] == ["10.0.0.0/8 except 10.1.0.0/16"]
    assert deny.peers is None and [str(p) for p in deny.notPeers] == ["1.2.3.4/32", "pods a=b in all namespaces"]


def test_not_selector_in_a_namespaced_policy_keeps_the_rule_in_the_namespace() -> None:
    rule = one(np("{selector: all(), ingress: [{action: Deny, source: {notSelector: a == 'b'}}]}")).spec.ingress[0]
    assert rule.peers[0].pods.is_empty() and rule.peers[0].namespaces is None  # pods of this namespace only
    assert str(rule.notPeers[0]) == "pods a=b in all namespaces"


def test_network_sets_are_expanded_with_a_snapshot_warning() -> None:
    sets = ("apiVersion: projectcalico.org/v3\nkind: GlobalNetworkSet\nmetadata: {name: bad, labels: {feed: x}}\n"
            "spec: {nets: [198.51.100.0/24]}\n---\n"
            "apiVersion: projectcalico.org/v3\nkind: NetworkSet\nmetadata: {name: local, namespace: ns, "
            "labels: {feed: x}}\nspec: {nets: [192.0.2.0/24]}\n---\n")
    loaded, diags = load(sets + gnp("{selector: all(), ingress: [{action: Deny, source: {selector: feed == 'x'}}]}")
                         + "---\n" + np("{selector: all(), ingress: [{action: Deny, source: {selector: feed == 'x'}}]}")
                         + "---\n" + np("{selector: all(), ingress: [{action: Allow, source: {namespaceSelector: "
                                        "global(), selector: feed == 'x'}}]}", "q"))
    cidrs = [[p.cidr for p in li.intent.spec.ingress[0].peers if p.cidr] for li in loaded]
    assert cidrs == [["198.51.100.0/24", "192.0.2.0/24"], ["192.0.2.0/24"], ["198.51.100.0/24"]]
    assert all(p.cidr for p in loaded[2].intent.spec.ingress[0].peers)  # global(): no pods at all
    assert sum(d.code == codes.CALICO_NETWORKSET_SNAPSHOT for d in diags) == 4


def test_protocols_ports_and_negations() -> None:
    rules = one(np("{selector: all(), ingress: ["
                   "{action: Allow, protocol: TCP, destination: {ports: [80, '8000:8100', http], notPorts: [8050]}},"
                   "{action: Allow, protocol: 17},"
                   "{action: Allow, protocol: ICMP, icmp: {type: 8, code: 0}, notICMP: {type: 8, code: 1}},"
                   "{action: Allow, notProtocol: UDP},"
                   "{action: Allow, ipVersion: 4, protocol: ICMP}]}")).spec.ingress
    assert [str(p) for p in rules[0].ports] == ["80/TCP", "8000-8100/TCP", "http/TCP"]
    assert [str(p) for p in rules[0].notPorts] == ["8050/TCP"]
    assert [str(p) for p in rules[1].ports] == ["UDP (all ports)"]
    assert [str(p) for p in rules[2].ports] == ["ICMP type 8/0"] and str(rules[2].notPorts[0]) == "ICMP type 8/1"
    assert rules[3].ports is None and str(rules[3].notPorts[0]) == "UDP (all ports)"


def test_http_exact_and_prefix_paths_become_full_match_regexes() -> None:
    rule = one(np("{selector: all(), ingress: [{action: Allow, http: {methods: [GET, HEAD], "
                  "paths: [{exact: /a.b}, {prefix: /api/}]}}]}")).spec.ingress[0]
    assert [(h.method, h.path) for h in rule.http] == [("GET|HEAD", r"/a\.b"), ("GET|HEAD", "/api/.*")]
    assert [str(p) for p in rule.ports] == ["TCP (all ports)"]


def test_crd_api_group_is_read_the_same_way() -> None:
    v3 = one(np("{order: 3, selector: a == 'b', ingress: [{action: Allow}]}"))
    v1 = one(np("{order: 3, selector: a == 'b', ingress: [{action: Allow}]}", api="crd.projectcalico.org/v1"))
    assert v1 == v3


# -- refusals --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("spec", "field"), [
    ("{selector: all(), doNotTrack: true, applyOnForward: true}", "spec.doNotTrack"),
    ("{selector: all(), preDNAT: true, applyOnForward: true}", "spec.preDNAT"),
    ("{selector: all(), ingress: [{action: Allow, protocol: TCP, source: {ports: [80]}}]}",
     "spec.ingress[0].source.ports"),
    ("{selector: all(), ingress: [{action: Allow, protocol: UDPLite}]}", "spec.ingress[0].protocol"),
    ("{selector: all(), ingress: [{action: Allow, source: {selector: a contains 'x'}}]}",
     "spec.ingress[0].source.selector"),
    ("{selector: all(), ingress: [{action: Allow, source: {selector: has(a), nets: [10.0.0.0/8]}}]}",
     "spec.ingress[0].source.nets"),
    ("{selector: all(), ingress: [{action: Allow, destination: {namespaceSelector: a == 'b'}}]}",
     "spec.ingress[0].destination.namespaceSelector"),
    ("{selector: all(), egress: [{action: Allow, source: {serviceAccounts: {names: [a]}}}]}", "spec.egress[0]"),
    ("{selector: all(), ingress: [{action: Allow, destination: {serviceAccounts: {selector: a == 'b'}}}]}",
     "spec.ingress[0].destination.serviceAccounts"),
    ("{selector: all(), egress: [{action: Allow, destination: {services: {name: s}}}]}",
     "spec.egress[0].destination.services"),
    ("{selector: all(), ingress: [{action: Allow, source: {serviceAccounts: {selector: a == 'b'}}}]}",
     "spec.ingress[0].source.serviceAccounts.selector"),
    ("{selector: all(), ingress: [{action: Allow, ipVersion: 6, source: {selector: has(a)}}]}",
     "spec.ingress[0].ipVersion"),
    ("{selector: all(), egress: [{action: Allow, destination: {domains: ['*.example.com']}}]}",
     "spec.egress[0].destination.domains[0]"),
    ("{selector: all(), egress: [{action: Allow, http: {methods: [GET]}}]}", "spec.egress[0].http"),
])
def test_unrepresentable_fields_are_refused_by_name(spec: str, field: str) -> None:
    found = errors(gnp(spec))
    assert [(c, f) for c, f, _ in found] == [(codes.IMPORT_UNSUPPORTED, field)], found


@pytest.mark.parametrize(("spec", "field", "fragment"), [
    ("{selector: \"a == 'b\"}", "spec.selector", "column 6"),
    ("{selector: all(), ingress: [{action: Allow, destination: {ports: [80]}}]}",
     "spec.ingress[0].destination.ports[0]", "protocol"),
    ("{selector: all(), ingress: [{action: Accept}]}", "spec.ingress[0].action", "Allow, Deny"),
    ("{selector: all(), ingress: [{action: Allow, selector: x}]}", "spec.ingress[0].selector", "unknown field"),
])
def test_malformed_input_is_an_input_error_at_the_field(spec: str, field: str, fragment: str) -> None:
    found = errors(gnp(spec))
    assert found and all(c in (codes.INVALID_VALUE, codes.INVALID_FIELD) for c, _, _ in found)
    assert found[0][1] == field and fragment in found[0][2]


def test_selector_errors_point_at_the_yaml_line() -> None:
    text = np("\n  selector: all()\n  ingress:\n    - action: Allow\n      source:\n        selector: \"a == \"\n")
    _, diags = load(text)
    (diag,) = diags.errors
    assert diag.location.line == 9 and "column 6" in diag.message


def test_rules_that_can_never_match_are_left_out_with_a_note() -> None:
    loaded, diags = load(np("{selector: all(), ingress: [{action: Allow, source: {selector: '!all()'}}, "
                            "{action: Allow}]}"))
    assert len(loaded[0].intent.spec.ingress) == 1
    assert any(d.code == codes.CALICO_NO_MATCH for d in diags)


# -- corpora ---------------------------------------------------------------------------------------------------

def _calico_documents(path: Path) -> str | None:
    docs = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if isinstance(d, dict)]
    docs = [x for d in docs for x in (d.get("items") or [d] if str(d.get("kind", "")).endswith("List") else [d])]
    calico = [d for d in docs if isinstance(d, dict) and "projectcalico.org" in str(d.get("apiVersion", ""))
              and d.get("kind") in POLICY_KINDS]
    return dump_yaml(calico) if any(d["kind"].endswith("Policy") for d in calico) else None


# Only the corpus files that hold a Calico policy (the others are topologies, profiles, host endpoints).
DOCS = [p for p in sorted((CORPUS / "calico-docs" / "yaml").glob("*.yaml")) if _calico_documents(p)] \
    if CORPUS.exists() else []
NCA = [p for p in sorted((CORPUS / "nca" / "calico_testcases").rglob("*")) if p.suffix in (".yaml", ".yml", ".json")
       and _calico_documents(p)] if CORPUS.exists() else []
REFUSAL_CODES = {codes.IMPORT_UNSUPPORTED, codes.INVALID_VALUE, codes.INVALID_FIELD, codes.MISSING_NAMESPACE}


def _verdict(path: Path, lowercase: bool = False) -> tuple[str, list[str]]:
    text = _calico_documents(path)
    assert text is not None
    if lowercase:  # NCA names its test policies in camelCase, which no API server accepts
        docs = list(yaml.safe_load_all(text))
        for d in docs:
            d["metadata"]["name"] = d["metadata"]["name"].lower()
        text = dump_yaml(docs)
    _, diags = load(text)
    refusals = [f"{d.code} {d.location.field_path}: {d.message}" for d in diags.errors]
    for d in diags.errors:
        assert d.code in REFUSAL_CODES and d.location.line is not None, d.format()
    return ("refused" if refusals else "imported"), refusals


@pytest.mark.corpus
@pytest.mark.parametrize("path", DOCS, ids=[p.stem[:60] for p in DOCS])
def test_calico_docs_examples_import_or_are_refused_by_field(path: Path) -> None:
    corpus("calico-docs")
    verdict, refusals = _verdict(path)
    print(f"{path.name}: {verdict}", *refusals, sep="\n  ")


@pytest.mark.corpus
@pytest.mark.parametrize("path", NCA, ids=[str(p.relative_to(CORPUS / "nca" / "calico_testcases")) for p in NCA])
def test_nca_calico_inputs_import_or_are_refused_by_field(path: Path) -> None:
    corpus("nca")
    verdict, refusals = _verdict(path, lowercase=True)
    print(f"{path.name}: {verdict}", *refusals, sep="\n  ")


@pytest.mark.corpus
def test_most_corpus_policies_import() -> None:
    """A floor on how much of the corpora imports (guards against regressions that refuse too much)."""
    corpus("calico-docs")
    docs = [_verdict(p)[0] for p in DOCS if _calico_documents(p) is not None]
    nca = [_verdict(p, lowercase=True)[0] for p in NCA if _calico_documents(p) is not None]
    assert docs.count("imported") >= 45, docs.count("imported")
    assert nca.count("imported") >= 100, nca.count("imported")


def test_directions_are_independent() -> None:
    intent = one(np("{selector: all(), types: [Ingress, Egress], egress: [{action: Deny}]}"))
    assert intent.rules(Direction.INGRESS) == () and intent.rules(Direction.EGRESS)[0].action is Action.DENY
