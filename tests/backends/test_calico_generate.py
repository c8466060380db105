"""The Calico generator: exact output (checked with the evaluator, not by string), layouts for Calico's
first-match order, target settings, schema validity (v3 and crd v1), round trips, Calico's own k8s conversion
cases, and the Kubernetes e2e scenarios reproduced under `reach --engine calico`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backends.calico import CalicoBackend
from tests.conftest import run_cli
from tests.shared import CORPUS, ROOT, corpus, load_json, validate_object
from translator import codes
from translator.cluster.ranges import cluster_ranges
from translator.compile.pipeline import compile_intents
from translator.diagnostics import Diagnostics
from translator.load.decode import intents_from_documents
from translator.load.loaded import LoadedIntent
from translator.load.source import documents_from_text, dump_yaml
from translator.target import parse_target

verify_mod = pytest.importorskip("translator.evaluator.verify")


def load(text: str) -> tuple[list[LoadedIntent], Diagnostics]:
    diags = Diagnostics()
    return intents_from_documents(documents_from_text(text, "t.yaml", diags), diags), diags


def intent(spec: dict[str, Any] | str, name: str = "p", namespace: str | None = "ns") -> str:
    meta = {"name": name, **({"namespace": namespace} if namespace else {})}
    body = yaml.safe_load(spec) if isinstance(spec, str) else spec
    return yaml.safe_dump({"apiVersion": "netpolx.io/v1alpha1", "kind": "NetworkIntent", "metadata": meta,
                           "spec": body}, sort_keys=False)


def compile_calico(text: str, engine: str = "calico") -> tuple[list[dict[str, Any]], Diagnostics, list[LoadedIntent]]:
    source, diags = load(text)
    assert not diags.has_errors, [d.format() for d in diags]
    target = parse_target(engine)
    objects = [o for c in compile_intents(source, CalicoBackend(target), diags) for o in c.objects]
    for obj in objects:
        if "domains" not in json.dumps(obj):  # destination.domains is Calico Enterprise, not in the OSS schema
            validate_object(obj)
    return objects, diags, source


def tiers_of(intents: list[LoadedIntent]) -> list[dict[str, Any]]:
    """The Tier objects the generated policies need (netpolx notes them; the cluster must have them)."""
    found = {li.intent.spec.tier.name: li.intent.spec.tier.effective_order for li in intents
             if li.intent.spec.tier is not None and li.intent.spec.tier.name != "default"}
    return [{"apiVersion": "projectcalico.org/v3", "kind": "Tier", "metadata": {"name": name},
             "spec": {"order": order}} for name, order in sorted(found.items())]


def assert_exact(text: str, engine: str = "calico") -> list[dict[str, Any]]:
    """Compile, read the output back (with the tiers it names), and check it decides every connection as the
    input does (on a cluster whose pods and nodes are in the ranges the engine settings declare)."""
    objects, diags, source = compile_calico(text, engine)
    assert not diags.has_errors, [d.format() for d in diags]
    back, read = load(dump_yaml([*tiers_of(source), *objects]))
    assert not read.has_errors, [d.format() for d in read]
    result = verify_mod.verify(source, back, ranges=cluster_ranges(parse_target(engine).settings))
    assert result.equivalent, [d.summary() for d in result.differences[:5]]
    return objects


def specs(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o["spec"] for o in objects}


# -- samples ---------------------------------------------------------------------------------------------------

SAMPLES = sorted((ROOT / "samples" / "intents").glob("*.yaml"))


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_every_translated_sample_means_what_the_intent_means(path: Path) -> None:
    source, diags = load(path.read_text(encoding="utf-8"))
    objects = [o for c in compile_intents(source, CalicoBackend(), diags) for o in c.objects]
    if diags.has_errors:
        assert any(d.code in (codes.NOT_EXPRESSIBLE, codes.NEEDS_ADDON) for d in diags.errors)
        return
    assert_exact(path.read_text(encoding="utf-8"))
    assert objects


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_crd_api_output_is_valid_and_reads_back_the_same(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    v3, diags, _ = compile_calico(text)
    if diags.has_errors:
        return
    crd, _, _ = compile_calico(text, "calico,api=crd")
    assert {o["apiVersion"] for o in crd} == {"crd.projectcalico.org/v1"}
    assert [li.intent for li in load(dump_yaml(crd))[0]] == [li.intent for li in load(dump_yaml(v3))[0]]


def test_cluster_wide_intent_is_a_global_network_policy_selecting_pods_only() -> None:
    (obj,) = assert_exact((ROOT / "samples/intents/cluster-wide.yaml").read_text())
    assert obj["kind"] == "GlobalNetworkPolicy"
    assert obj["spec"]["namespaceSelector"] == "env == 'prod'"
    assert obj["spec"]["egress"][-1] == {"action": "Pass"}  # egress is not isolated: continue, don't deny
    (everyone,) = assert_exact(intent({"scope": "Cluster", "ingress": [{"peers": [{"pods": {}}]}]}, namespace=None))
    assert everyone["spec"]["namespaceSelector"] == "all()"  # not host endpoints


def test_fqdn_is_refused_for_open_source_and_exact_names_allowed_for_enterprise() -> None:
    text = intent({"egress": [{"peers": [{"fqdn": "api.github.com"}], "ports": [{"port": 443}]}]})
    _, diags, _ = compile_calico(text)
    assert [d.code for d in diags.errors] == [codes.NEEDS_ADDON]
    objects, diags, _ = compile_calico(text, "calico,edition=enterprise")
    assert not diags.has_errors
    assert objects[0]["spec"]["egress"][0]["destination"]["domains"] == ["api.github.com"]
    wildcard = intent({"egress": [{"peers": [{"fqdn": "*.github.com"}]}]})
    assert [d.code for d in compile_calico(wildcard, "calico,edition=enterprise")[1].errors] == [
        codes.NOT_EXPRESSIBLE]
    deny = intent({"egress": [{"action": "deny", "peers": [{"fqdn": "a.io"}]}]})
    assert compile_calico(deny, "calico,edition=enterprise")[1].has_errors


def test_http_needs_application_layer_policy_and_literal_paths() -> None:
    ok = intent({"ingress": [{"ports": [{"port": 80}], "http": [{"method": "GET|HEAD", "path": "/api/.*"},
                                                                  {"path": r"/a\.b"}]}]})
    assert [d.code for d in compile_calico(ok)[1].errors] == [codes.NEEDS_ADDON]
    objects, diags, _ = compile_calico(ok, "calico,alp=true")
    assert not diags.has_errors
    assert [r["http"] for r in objects[0]["spec"]["ingress"]] == [
        {"methods": ["GET", "HEAD"], "paths": [{"prefix": "/api/"}]}, {"paths": [{"exact": "/a.b"}]}]
    regex = intent({"ingress": [{"ports": [{"port": 80}], "http": [{"path": "/v[0-9]+/.*"}]}]})
    (err,) = compile_calico(regex, "calico,alp=true")[1].errors
    assert "neither a literal" in err.message


def test_protocol_any_is_three_rules_and_no_ports_is_no_protocol() -> None:
    objects = assert_exact(intent({"ingress": [{"ports": [{"protocol": "ANY", "port": 53}]}, {}]}))
    rules = objects[0]["spec"]["ingress"]
    assert [r.get("protocol") for r in rules] == ["TCP", "UDP", "SCTP", None]


def test_ports_ranges_named_ports_icmp_and_negations() -> None:
    objects = assert_exact(intent({"ingress": [
        {"ports": [{"port": 80}, {"port": 8000, "endPort": 8100}, {"port": "http"}],
         "notPorts": [{"port": 8050}]},
        {"ports": [{"protocol": "ICMP", "icmp": {"type": 8, "code": 0}}, {"protocol": "ICMPv6"}]},
        {"notPorts": [{"protocol": "TCP", "port": 22}]},
    ]}))
    rules = objects[0]["spec"]["ingress"]
    assert rules[0] == {"action": "Allow", "protocol": "TCP",
                        "destination": {"notPorts": [8050], "ports": [80, "8000:8100", "http"]}}
    assert rules[1] == {"action": "Allow", "ipVersion": 4, "protocol": "ICMP", "icmp": {"type": 8, "code": 0}}
    assert rules[2] == {"action": "Allow", "ipVersion": 6, "protocol": "ICMPv6"}
    assert rules[3:] == [{"action": "Allow", "notProtocol": "TCP"},
                         {"action": "Allow", "protocol": "TCP", "destination": {"notPorts": [22]}}]


def test_negated_peers() -> None:
    objects = assert_exact(intent({"ingress": [{"peers": [{"pods": {"matchLabels": {"app": "a"}}}],
                                                "notPeers": [{"pods": {"matchLabels": {"team": "x"}}},
                                                             {"cidr": "10.0.0.0/24"}]}]}))
    source = objects[0]["spec"]["ingress"][0]["source"]
    assert source["notNets"] == ["10.0.0.0/24"]
    assert source["notSelector"] == ("projectcalico.org/orchestrator == 'k8s' && team == 'x' && "
                                     "projectcalico.org/namespace == 'ns'")
    # In a namespaced NetworkPolicy a notSelector also confines the rule to the policy's namespace:
    cidr = intent({"ingress": [{"peers": [{"cidr": "0.0.0.0/0"}], "notPeers": [{"pods": {}}]}]})
    (err,) = compile_calico(cidr)[1].errors
    assert "notSelector also limits the rule" in err.message
    assert_exact(intent({"scope": "Cluster", "ingress": [{"peers": [{"cidr": "0.0.0.0/0"}],
                                                          "notPeers": [{"pods": {}}]}]}, namespace=None))


def test_world_is_exact_only_in_a_global_policy_that_knows_the_node_ranges() -> None:
    world = intent({"scope": "Cluster", "ingress": [{"peers": [{"entity": "world"}]}]}, namespace=None)
    (obj,) = assert_exact(world, "calico,node-cidr=10.224.0.0/16,pod-cidr=10.244.0.0/16")
    assert obj["spec"]["ingress"][0]["source"] == {"notSelector": "projectcalico.org/orchestrator == 'k8s'",
                                                    "notNets": ["10.224.0.0/16"]}
    _, diags, _ = compile_calico(intent({"ingress": [{"peers": [{"entity": "world"}]}]}),
                                 "calico,node-cidr=10.224.0.0/16")
    assert [d.code for d in diags.errors] == [codes.NOT_EXPRESSIBLE]


def test_world_without_node_ranges_is_refused_because_calico_would_also_match_nodes() -> None:
    world = intent({"scope": "Cluster", "ingress": [{"peers": [{"entity": "world"}]}]}, namespace=None)
    _, diags, _ = compile_calico(world)
    assert [d.code for d in diags.errors] == [codes.NOT_EXPRESSIBLE]
    assert "host endpoints" in diags.errors[0].message and "node-cidr" in diags.errors[0].message
    # and the evaluator sees why: Calico's notSelector alone lets a node in where world does not
    source, _ = load(world)
    lowered, _ = load(dump_yaml([{"apiVersion": "projectcalico.org/v3", "kind": "GlobalNetworkPolicy",
                                  "metadata": {"name": "p"}, "spec": {"selector": "all()", "types": ["Ingress"],
                                  "ingress": [{"action": "Allow", "source": {
                                      "notSelector": "projectcalico.org/orchestrator == 'k8s'"}}]}}]))
    result = verify_mod.verify(source, lowered)
    assert result.differences and all(d.src.startswith("node/") for d in result.differences)


def test_services_are_ingress_sources_only() -> None:
    objects, diags, _ = compile_calico(intent({"ingress": [{"peers": [{"service": {"name": "web"}}]}]}))
    assert not diags.has_errors and objects[0]["spec"]["ingress"][0]["source"] == {"services": {"name": "web"}}
    _, diags, _ = compile_calico(intent({"egress": [{"peers": [{"service": {"name": "web"}}]}]}))
    assert "Service's ports" in diags.errors[0].message


def test_tiers_name_the_tier_prefix_the_name_and_note_the_tier_object() -> None:
    objects, diags, _ = compile_calico(intent({"tier": {"name": "security", "order": 10}, "order": 5,
                                               "ingress": [{"action": "deny"}]}))
    assert objects[0]["metadata"]["name"] == "security.p"
    assert objects[0]["spec"]["tier"] == "security" and objects[0]["spec"]["order"] == 5
    assert any(d.code == codes.CALICO_TIER and "order 10" in d.message for d in diags)
    back, _ = load(dump_yaml(objects))
    assert back[0].intent.metadata.name == "p"


# -- layouts ---------------------------------------------------------------------------------------------------


def test_unordered_deny_goes_first_in_its_policy() -> None:
    objects = assert_exact(intent({"ingress": [{"peers": [{"pods": {}}]},
                                               {"action": "deny", "peers": [{"cidr": "10.0.0.0/8"}]}]}))
    assert [r["action"] for r in objects[0]["spec"]["ingress"]] == ["Deny", "Allow"]
    assert "order" not in objects[0]["spec"]


def test_several_unordered_intents_with_deny_are_split_into_ordered_parts() -> None:
    text = intent({"ingress": [{"peers": [{"cidr": "10.0.0.0/8"}]}]}, "a") + "---\n" + intent(
        {"isolate": [], "ingress": [{"action": "deny", "peers": [{"cidr": "10.1.0.0/16"}]},
                                    {"action": "pass", "peers": [{"cidr": "10.2.0.0/16"}]}]}, "b") + "---\n" + intent(
        {"order": 7, "ingress": [{"action": "allow", "peers": [{"cidr": "10.1.2.0/24"}]}]}, "c")
    objects = assert_exact(text)
    orders = {name: s.get("order") for name, s in specs(objects).items()}
    assert orders == {"a": 9, "a-isolate": 11, "b-deny": 8, "b-pass": 10, "b-end": 12, "c": 7,
                      "c-isolate": 11}


def test_non_isolating_ordered_intent_gets_an_end_pass() -> None:
    text = intent({"order": 1, "isolate": [], "ingress": [{"action": "deny", "peers": [{"cidr": "1.0.0.0/8"}]}]},
                  "a") + "---\n" + intent({"ingress": [{"peers": [{"pods": {}}]}]}, "b")
    assert_exact(text)


# -- random intent sets ----------------------------------------------------------------------------------------

_labels = st.dictionaries(st.sampled_from(["app", "tier"]), st.sampled_from(["a", "b"]), max_size=2)
_peers = st.one_of(
    st.builds(lambda p: {"pods": {"matchLabels": p}}, _labels),
    st.builds(lambda n: {"namespaceNames": [n]}, st.sampled_from(["x", "ns"])),
    st.just({"namespaces": {}}),
    st.sampled_from([{"cidr": "10.0.0.0/8"}, {"cidr": "10.1.0.0/16"}, {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]}]),
)
_ports = st.sampled_from([{"port": 80}, {"port": 80, "endPort": 90}, {"protocol": "UDP"}, {"protocol": "ANY",
                                                                                         "port": 53}])
_rules = st.builds(lambda a, p, q: {"action": a, **({"peers": p} if p else {}), **({"ports": q} if q else {})},
                   st.sampled_from(["allow", "allow", "deny", "pass", "log"]),
                   st.lists(_peers, max_size=2), st.lists(_ports, max_size=2))
_intents = st.builds(
    lambda sub, iso, ing, eg, order, tier: {
        "subject": {"pods": {"matchLabels": sub}}, **({"isolate": iso} if iso is not None else {}),
        **({"ingress": ing} if ing is not None else {}), **({"egress": eg} if eg is not None else {}),
        **({"order": order} if order is not None else {}), **({"tier": tier} if tier else {})},
    _labels, st.sampled_from([None, [], ["ingress"], ["egress"]]), st.none() | st.lists(_rules, max_size=3),
    st.none() | st.lists(_rules, max_size=2), st.sampled_from([None, None, 1, 2]),
    st.sampled_from([None, None, {"name": "t", "order": 10}]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_intents, min_size=1, max_size=3))
def test_random_intent_sets_translate_exactly(bodies: list[dict[str, Any]]) -> None:
    text = "---\n".join(intent(b, f"i{n}") for n, b in enumerate(bodies))
    assert_exact(text)


# -- round trips -----------------------------------------------------------------------------------------------


def _calico_round_trip(text: str) -> None:
    """Calico -> intent -> Calico means the same, and a second pass gives the same objects (a fixpoint)."""
    first, diags = load(text)
    if diags.has_errors:
        return
    objects = [o for c in compile_intents(first, CalicoBackend(), diags) for o in c.objects]
    if diags.has_errors:
        return
    for obj in objects:
        validate_object(obj)
    second, read = load(dump_yaml([*tiers_of(first), *objects]))
    assert not read.has_errors, [d.format() for d in read]
    result = verify_mod.verify(first, second)
    assert result.equivalent, [d.summary() for d in result.differences[:5]]
    again = [o for c in compile_intents(second, CalicoBackend(), Diagnostics()) for o in c.objects]
    assert dump_yaml(again) == dump_yaml(objects)


@pytest.mark.parametrize("path", sorted((ROOT / "samples" / "calico").glob("*.yaml")), ids=lambda p: p.stem)
def test_native_samples_round_trip(path: Path) -> None:
    _calico_round_trip(path.read_text(encoding="utf-8"))


def _has_calico_policy(path: Path) -> bool:
    docs = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if isinstance(d, dict)]
    return any("projectcalico.org" in str(d.get("apiVersion")) and d.get("kind", "").endswith("Policy") for d in docs)


DOCS = [p for p in sorted((CORPUS / "calico-docs" / "yaml").glob("*.yaml")) if _has_calico_policy(p)] \
    if CORPUS.exists() else []


@pytest.mark.corpus
@pytest.mark.parametrize("path", DOCS, ids=[p.stem[:50] for p in DOCS])
def test_calico_docs_examples_round_trip(path: Path) -> None:
    corpus("calico-docs")
    docs = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if isinstance(d, dict)]
    _calico_round_trip(dump_yaml(docs))


# -- Calico's own conversion of Kubernetes NetworkPolicies ---------------------------------------------------


def _conversion_cases() -> list[Any]:
    path = CORPUS / "calico-k8s-conversion" / "k8s_networkpolicy_to_calico.json"
    if not path.exists():
        return [pytest.param(None, id="corpus-missing")]
    return [pytest.param(c, id=c["id"]) for c in load_json(path)["cases"]]


def _plain(value: Any) -> Any:
    """Go's numorstring values as extracted ({"string": "TCP"}) as plain YAML values."""
    if isinstance(value, dict):
        if set(value) == {"string"}:
            return value["string"]
        return {k: _plain(v) for k, v in value.items()}
    return [_plain(v) for v in value] if isinstance(value, list) else value


def _expected_rule(rule: dict[str, Any], ours: list[dict[str, Any]]) -> dict[str, Any]:
    """A rule of Calico's expected output, with what the test leaves unasserted taken from Calico's converter:
    action Allow always; the protocol (which Calico makes explicit, TCP by default) from our rule with the same
    destination ports when the test does not assert it."""
    rule = _plain(rule)
    out = {"action": "Allow", **rule}
    if out.get("protocol") is None:
        out.pop("protocol", None)
        ports = rule.get("destination", {}).get("ports")
        protocols = {o.get("protocol") for o in ours if o.get("destination", {}).get("ports") == ports}
        if len(protocols) == 1 and None not in protocols:
            out["protocol"] = protocols.pop()
    for side in ("source", "destination"):
        if side in out:
            out[side] = {k: v for k, v in out[side].items() if v not in ("", None, [])}
    return out


def _expected_policy(partial: dict[str, Any], ours: dict[str, Any]) -> dict[str, Any]:
    """Calico's expected object: the asserted spec fields, our metadata (names are not compared)."""
    spec = {k: v for k, v in _plain(partial["spec"]).items() if k in ("selector", "types", "ingress", "egress")}
    for d in ("ingress", "egress"):
        if d in spec:
            spec[d] = [_expected_rule(r, ours["spec"].get(d, [])) for r in spec[d]] or None
    spec.setdefault("selector", ours["spec"]["selector"])
    return {"apiVersion": "projectcalico.org/v3", "kind": "NetworkPolicy", "metadata": ours["metadata"],
            "spec": {k: v for k, v in spec.items() if v is not None}}


@pytest.mark.corpus
@pytest.mark.parametrize("case", _conversion_cases())
def test_calico_k8s_conversion_cases_mean_the_same(case: dict[str, Any] | None) -> None:
    """Each k8s NetworkPolicy converted by netpolx selects and allows what Calico's converter output does
    (compared by meaning: Calico's orchestrator term and order 1000 carry no difference for pods)."""
    corpus("calico-k8s-conversion")
    assert case is not None
    policies = [v for v in case["inputs"].values() if isinstance(v, dict) and v.get("kind") == "NetworkPolicy"]
    if not policies:
        pytest.skip("a bare peer conversion (k8sPeerToCalicoFields)")
    k8s, diags = load(dump_yaml(policies))
    expects_error = any(a["path"] == "err" and not a.get("negated") for a in case["assertions"])
    if expects_error or diags.has_errors:
        assert diags.has_errors, "Calico rejects this input; netpolx must not import it silently"
        return
    ours = [o for c in compile_intents(k8s, CalicoBackend(), diags) for o in c.objects]
    assert not diags.has_errors, [d.format() for d in diags]
    partials = [v for k, v in case["expected_calico_partial"].items() if isinstance(v, dict) and "spec" in v]
    expected = [_expected_policy(p, o) for p, o in zip(partials, ours)]
    theirs, read = load(dump_yaml(expected))
    assert not read.has_errors, [d.format() for d in read]
    mine, _ = load(dump_yaml(ours))
    assert verify_mod.verify(k8s, mine).equivalent
    if all("types" in p["spec"] and ("ingress" in p["spec"] or "egress" in p["spec"]) for p in partials):
        result = verify_mod.verify(theirs, mine)
        assert result.equivalent, [d.summary() for d in result.differences[:5]]



# -- the Kubernetes e2e scenarios under Calico ---------------------------------------------------------------


def _e2e_steps() -> list[Any]:
    root = CORPUS / "k8s-e2e-netpol" / "scenarios"
    if not root.exists():
        return [pytest.param(None, None, id="corpus-missing")]
    return [pytest.param(p.name, s["step"], id=f"{p.stem[:6]}-step{s['step']}")
            for p in sorted(root.glob("*.json")) for s in load_json(p)["steps"]]


@pytest.mark.corpus
@pytest.mark.parametrize(("name", "step_no"), _e2e_steps())
def test_e2e_matrices_hold_under_calico(name: str | None, step_no: int | None, tmp_path: Path) -> None:
    """The e2e policies, as Kubernetes NetworkPolicies enforced by Calico and translated to Calico objects,
    reproduce every expected matrix under `reach --engine calico`."""
    assert name is not None
    step = next(s for s in load_json(corpus("k8s-e2e-netpol", "scenarios", name))["steps"] if s["step"] == step_no)
    cluster = tmp_path / "cluster.json"
    cluster.write_text(json.dumps(step["state_after_actions"]), encoding="utf-8")
    k8s = tmp_path / "k8s.yaml"
    k8s.write_text(dump_yaml(step["policies_in_effect"]) if step["policies_in_effect"] else "", encoding="utf-8")
    translated = run_cli("translate", "--engine", "calico", "-f", str(k8s))
    assert translated.code == 0, translated.stderr
    for obj in yaml.safe_load_all(translated.stdout):
        if obj:
            validate_object(obj)
    calico = tmp_path / "calico.yaml"
    calico.write_text(translated.stdout, encoding="utf-8")
    for check in step["checks"]:
        probe = f"{check['port']}/{check['protocol']}"
        for policies in (k8s, calico):
            result = run_cli("reach", "-f", str(policies), "--cluster", str(cluster), "--engine", "calico",
                             "-o", "json", "--probe", probe)
            assert result.code == 0, result.stderr
            got = {(r["from"], r["to"]): r["allowed"] for r in json.loads(result.stdout)["results"]
                   if r["port"] == check["port"] and r["protocol"] == check["protocol"]}
            wrong = [(s, d) for s, row in check["expected"].items() for d, want in row.items()
                     if s != d and got.get((s, d)) != want]
            assert not wrong, (policies.name, probe, wrong[:5])


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_error_level_warn_emits_what_calico_can_express(path: Path) -> None:
    result = run_cli("translate", "--engine", "calico", "--error-level", "warn", "-f", str(path))
    assert result.code == 0 and "internal error" not in result.stderr, result.stderr
    for obj in yaml.safe_load_all(result.stdout):
        if obj:
            validate_object(obj)
