"""The ClusterNetworkPolicy engine: exact layouts (checked with the evaluator on every possible cluster, not by
string), refusals naming file, line and field, schema validity against the v1alpha2 CRDs, round trips through the
importer, ClusterNetworkPolicy / AdminNetworkPolicy / BaselineAdminNetworkPolicy import and migration to other
engines with --verify."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from backends.cluster_network_policy import ClusterNetworkPolicyBackend
from tests.conftest import run_cli
from tests.shared import ROOT, validate_crd
from translator import codes
from translator.compile.pipeline import compile_intents
from translator.diagnostics import Diagnostics
from translator.load.decode import intents_from_documents
from translator.load.loaded import LoadedIntent
from translator.load.source import documents_from_text, dump_yaml
from translator.target import parse_target

verify_mod = pytest.importorskip("translator.evaluator.verify")

ENGINE = "cluster-network-policy"
SAMPLES = ROOT / "samples" / "cluster-network-policy"
STANDARD = "clusternetworkpolicy-v1alpha2-standard.yaml"
EXPERIMENTAL = "clusternetworkpolicy-v1alpha2-experimental.yaml"


def load(text: str) -> tuple[list[LoadedIntent], Diagnostics]:
    diags = Diagnostics()
    return intents_from_documents(documents_from_text(text, "t.yaml", diags), diags), diags


def intent(spec: dict[str, Any] | str, name: str = "p", namespace: str | None = "ns") -> str:
    meta = {"name": name, **({"namespace": namespace} if namespace else {})}
    body = yaml.safe_load(spec) if isinstance(spec, str) else spec
    return yaml.safe_dump({"apiVersion": "netpolx.io/v1alpha1", "kind": "NetworkIntent", "metadata": meta,
                           "spec": body}, sort_keys=False)


def validate(obj: dict[str, Any]) -> None:
    """Against the standard channel CRD, or the experimental one when the object uses its peers."""
    text = json.dumps(obj)
    validate_crd(obj, EXPERIMENTAL if '"nodes"' in text or '"domainNames"' in text else STANDARD)
    validate_crd(obj, EXPERIMENTAL)


def compile_cnp(text: str, engine: str = ENGINE) -> tuple[list[dict[str, Any]], Diagnostics]:
    source, diags = load(text)
    assert not diags.has_errors, [d.format() for d in diags]
    objects = [o for c in compile_intents(source, ClusterNetworkPolicyBackend(parse_target(engine)), diags)
               for o in c.objects]
    for obj in objects:
        validate(obj)
    return objects, diags


def exact(text: str, engine: str = ENGINE) -> list[dict[str, Any]]:
    """Compile, then prove the output (read back by the importer) equivalent to the input."""
    objects, diags = compile_cnp(text, engine)
    assert not diags.has_errors, [d.format() for d in diags]
    source, _ = load(text)
    back, read = load(dump_yaml(objects))
    assert not read.has_errors, [d.format() for d in read]
    result = verify_mod.verify(source, back)
    assert result.equivalent, [d.summary() for d in result.differences[:5]]
    return objects


def errors(text: str, engine: str = ENGINE) -> list[str]:
    _, diags = compile_cnp(text, engine)
    return [d.format() for d in diags if d.severity.value == "error"]


def specs(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o["spec"] for o in objects}


# -- exact layouts ----------------------------------------------------------------------------------------------


def test_egress_allow_lists_of_several_policies_stay_a_union() -> None:
    """NetworkPolicy semantics across objects: every Accept comes before every isolating Deny, so one policy's
    deny-all never hides another's allow for the pods both select."""
    text = (intent({"subject": {"pods": {"matchLabels": {"app": "a"}}},
                    "egress": [{"peers": [{"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}],
                                "ports": [{"port": 443}]}]}, "a")
            + "---\n" + intent({"subject": {"pods": {}}, "egress": [{"peers": [{"pods": {}}],
                                                                      "ports": [{"protocol": "UDP", "port": 53}]}]},
                               "all")
            + "---\n" + intent({"subject": {"pods": {"matchLabels": {"app": "a"}}},
                                "egress": [{"peers": [{"namespaceNames": ["db"]}]}]}, "b"))
    objects = exact(text)
    by_name = specs(objects)
    accepts = [o["spec"]["priority"] for o in objects if not o["metadata"]["name"].endswith("-isolate")]
    denies = [o["spec"]["priority"] for o in objects if o["metadata"]["name"].endswith("-isolate")]
    assert max(accepts) < min(denies)
    assert len({o["spec"]["priority"] for o in objects}) == len(objects)  # no ties
    assert by_name["ns.a"]["egress"][0]["to"] == [{"networks": [
        "10.0.0.0/16", "10.2.0.0/15", "10.4.0.0/14", "10.8.0.0/13", "10.16.0.0/12", "10.32.0.0/11", "10.64.0.0/10",
        "10.128.0.0/9"]}]
    assert by_name["ns.a-isolate"]["egress"] == [{"action": "Deny", "to": [{"networks": ["0.0.0.0/0", "::/0"]}]}]


def test_unordered_deny_beats_allow_from_another_intent() -> None:
    text = (intent({"isolate": [], "subject": {"pods": {}},
                    "egress": [{"action": "deny", "peers": [{"cidr": "192.0.2.0/24"}]}]}, "deny")
            + "---\n" + intent({"subject": {"pods": {}}, "egress": [{"peers": [{"cidr": "192.0.0.0/16"}]}]}, "allow"))
    objects = exact(text)
    assert [o["metadata"]["name"] for o in sorted(objects, key=lambda o: o["spec"]["priority"])] == \
        ["ns.deny-deny", "ns.allow", "ns.allow-isolate"]


def test_ordered_intents_keep_first_match_and_non_isolating_rules_fall_through() -> None:
    text = (intent({"order": 10, "isolate": [], "egress": [
                {"action": "allow", "peers": [{"cidr": "203.0.113.0/28"}], "ports": [{"port": 22}]},
                {"action": "deny", "peers": [{"cidr": "203.0.113.0/24"}]}]}, "first")
            + "---\n" + intent({"order": 20, "egress": [{"peers": [{"cidr": "203.0.0.0/16"}],
                                                          "ports": [{"protocol": "ANY", "port": 443}]}]}, "second"))
    objects = exact(text)
    assert [o["spec"]["tier"] for o in objects] == ["Admin"] * 3


def test_calico_tiers_with_pass_split_into_admin_and_baseline() -> None:
    objects = exact((SAMPLES / "calico-egress-tiers.yaml").read_text(encoding="utf-8"))
    assert {o["metadata"]["name"]: o["spec"]["tier"] for o in objects} == {
        "block-threats": "Admin", "payments-carve-out": "Baseline", "payments-carve-out-isolate": "Baseline",
        "payments-dns": "Baseline", "payments-dns-isolate": "Baseline"}


def test_three_tiers_that_pass_between_them_are_refused() -> None:
    def tiered(name: str, order: int) -> str:
        return intent({"scope": "Cluster", "tier": {"name": name, "order": order}, "order": 1, "egress": [
            {"action": "deny", "peers": [{"cidr": f"192.0.{order}.0/24"}]}, {"action": "pass"}]}, name, None)
    found = errors(tiered("one", 1) + "---\n" + tiered("two", 2) + "---\n" + tiered("three", 3))
    assert found and all("ClusterNetworkPolicy has two tiers" in e and "(at spec.tier)" in e for e in found)


def test_log_rules_are_dropped_and_allow_dns_is_written_out() -> None:
    objects = exact(intent({"allowDNS": True, "egress": [{"action": "log"}, {"peers": [{"pods": {}}]}]}))
    egress = specs(objects)["ns.p"]["egress"]
    assert [r["action"] for r in egress] == ["Accept", "Accept"]
    assert {"udp": {"destinationPort": {"number": 53}}} in egress[1]["protocols"]


def test_more_than_25_rules_and_ports_are_split_in_order() -> None:
    rules = [{"action": "deny" if i % 2 else "allow", "peers": [{"cidr": f"10.{i}.0.0/16"}],
              "ports": [{"port": 1000 + j} for j in range(30)]} for i in range(30)]
    objects = exact(intent({"order": 1, "isolate": [], "egress": rules}))
    assert len(objects) > 1 and all(len(o["spec"]["egress"]) <= 25 for o in objects)


def test_accept_and_pass_from_anywhere_keep_their_pod_part_on_ingress() -> None:
    objects = exact(intent({"isolate": [], "order": 5, "ingress": [
        {"action": "pass", "peers": [{"entity": "world"}, {"namespaceNames": ["a"]}]},
        {"action": "allow", "peers": [{"entity": "all"}], "ports": [{"port": 80}]}]}))
    assert specs(objects)["ns.p"]["ingress"] == [
        {"action": "Pass", "from": [{"namespaces": {"matchLabels": {"kubernetes.io/metadata.name": "a"}}}]},
        {"action": "Accept", "from": [{"namespaces": {}}], "protocols": [{"tcp": {"destinationPort": {"number": 80}}}]}]


def test_named_ports_for_every_protocol_are_exact() -> None:
    objects = exact(intent({"isolate": [], "ingress": [{"action": "deny", "peers": [{"pods": {}}],
                                                        "ports": [{"protocol": "ANY", "port": "metrics"}]}]}))
    assert specs(objects)["ns.p-deny"]["ingress"][0]["protocols"] == [{"destinationNamedPort": "metrics"}]


def test_experimental_channel_writes_nodes_and_domain_names() -> None:
    text = intent({"egress": [{"peers": [{"fqdn": "api.github.com"}], "ports": [{"port": 443}]},
                              {"peers": [{"nodes": {"matchLabels": {"role": "infra"}}}, {"entity": "cluster"}]}]})
    assert any("NPX105" in e and "channel=experimental" in e for e in errors(text))
    objects, diags = compile_cnp(text, f"{ENGINE},channel=experimental")
    assert not diags.has_errors
    egress = specs(objects)["ns.p"]["egress"]
    assert egress[0]["to"] == [{"domainNames": ["api.github.com"]}]
    assert egress[1]["to"] == [{"nodes": {"matchLabels": {"role": "infra"}}}, {"namespaces": {}}, {"nodes": {}}]


# -- refusals -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("spec", "code", "field", "words"), [
    ({"subject": {"pods": {}}, "ingress": [{"peers": [{"pods": {}}]}]}, "NPX106", "spec.ingress",
     "traffic from nodes and from outside the cluster"),
    ({"isolate": [], "ingress": [{"peers": [{"cidr": "10.0.0.0/8"}]}]}, "NPX100", "spec.ingress[0].peers[0].cidr",
     "no networks peer"),
    ({"isolate": [], "ingress": [{"action": "deny"}]}, "NPX106", "spec.ingress[0]", "this deny also matches"),
    ({"isolate": [], "ingress": [{"peers": [{"pods": {}}], "ports": [{"port": "http"}]}]}, "NPX100",
     "spec.ingress[0].ports[0].port", "UDP and SCTP ports named 'http'"),
    ({"isolate": [], "egress": [{"peers": [{"cidr": "10.0.0.0/8"}], "ports": [{"protocol": "ANY", "port": "web"}]}]},
     "NPX100", "spec.egress[0].ports", "cannot be used with networks"),
    ({"isolate": [], "egress": [{"action": "deny", "peers": [{"fqdn": "example.com"}]}]}, "NPX100",
     "spec.egress[0].peers[0].fqdn", "Accept rules only"),
    ({"egress": [{"peers": [{"fqdn": "*.example.com"}]}]}, "NPX100", "spec.egress[0].peers[0].fqdn",
     "one or more DNS labels"),
    ({"egress": [{"peers": [{"entity": "world"}]}]}, "NPX100", "spec.egress[0].peers[0].entity", "outside"),
    ({"egress": [{"ports": [{"protocol": "ICMP"}]}]}, "NPX100", "spec.egress[0].ports[0].protocol", "ICMP"),
])
def test_refusals_name_file_line_and_field(spec: dict[str, Any], code: str, field: str, words: str) -> None:
    found = errors(intent(spec), f"{ENGINE},channel=experimental")
    assert any(e.startswith("t.yaml:") and f" {code}: " in e and f"(at {field})" in e and words in e
               for e in found), found


def test_widening_is_accepted_only_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(intent({"ingress": [{"peers": [{"pods": {"matchLabels": {"app": "x"}}}]}]}), encoding="utf-8")
    refused = run_cli("translate", "--engine", ENGINE, "-f", str(path))
    assert refused.code == 1 and refused.stdout == "" and "NPX106" in refused.stderr
    widened = run_cli("translate", "--engine", ENGINE, "-f", str(path), "--allow-widening")
    assert widened.code == 0
    isolate = specs(list(yaml.safe_load_all(widened.stdout)))["ns.p-isolate"]
    assert isolate["ingress"] == [{"action": "Deny", "from": [{"namespaces": {}}]}]


# -- samples, schemas, round trips --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_samples_translate_exactly_and_verify(path: Path) -> None:
    result = run_cli("translate", "--engine", ENGINE, "-f", str(path), "--verify")
    assert result.code == 0, result.stderr
    assert "output equivalent to the input" in result.stderr
    objects = [o for o in yaml.safe_load_all(result.stdout) if o]
    for obj in objects:
        validate(obj)
    again = run_cli("translate", "--engine", ENGINE, "-f", "-", stdin=result.stdout)
    assert again.code == 0 and again.stdout == result.stdout  # its own output reads back to the same objects


@pytest.mark.parametrize("case", sorted(p.stem for p in (ROOT / "samples" / "intents").glob("*.yaml")))
def test_every_sample_intent_translates_exactly_or_refuses(case: str) -> None:
    path = ROOT / "samples" / "intents" / f"{case}.yaml"
    result = run_cli("translate", "--engine", f"{ENGINE},channel=experimental", "-f", str(path), "--verify")
    assert result.code in (0, 1), result.stderr
    if result.code == 1:
        assert result.stdout == "" and " error " in result.stderr
        return
    assert "output equivalent to the input" in result.stderr
    for obj in yaml.safe_load_all(result.stdout):
        if obj:
            validate(obj)


def test_translate_the_samples_folder() -> None:
    result = run_cli("translate", "--engine", ENGINE, "-f", str(ROOT / "samples"))
    assert result.code == 1 and result.stdout == ""  # the tour set has ingress isolation: refused, with reasons
    assert "samples/seed.yaml" in result.stderr and "NPX106" in result.stderr


# -- import ------------------------------------------------------------------------------------------------------


ANP = """
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: anp}
spec:
  priority: 3
  subject: {pods: {namespaceSelector: {matchLabels: {team: a}}, podSelector: {matchLabels: {app: web}}}}
  ingress:
    - {name: r0, action: Deny, from: [{pods: {namespaceSelector: {}, podSelector: {matchLabels: {bad: "true"}}}}]}
    - {name: r1, action: Pass, from: [{namespaces: {matchLabels: {team: a}}}],
       ports: [{portNumber: {protocol: UDP, port: 53}}, {portRange: {start: 80, end: 90}}]}
  egress:
    - {name: r2, action: Allow, to: [{networks: [192.0.2.0/24]}, {nodes: {}}]}
    - {name: r3, action: Deny, to: [{namespaces: {}}], ports: [{namedPort: http}]}
"""
BANP = """
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  subject: {namespaces: {}}
  ingress:
    - {action: Deny, from: [{namespaces: {matchLabels: {team: b}}}]}
"""


def test_anp_and_banp_import_to_tiers_around_network_policies() -> None:
    result = run_cli("import", "-f", "-", stdin=ANP + "---\n" + BANP)
    assert result.code == 0, result.stderr
    anp, banp = [o for o in yaml.safe_load_all(result.stdout) if o]
    assert anp["spec"]["tier"] == {"name": "admin", "order": 1000} and anp["spec"]["order"] == 3
    assert banp["spec"]["tier"] == {"name": "baseline", "order": 10000000} and banp["spec"]["isolate"] == []
    assert anp["spec"]["ingress"][1]["ports"] == [{"protocol": "UDP", "port": 53}, {"port": 80, "endPort": 90}]
    assert anp["spec"]["egress"][1]["ports"] == [{"protocol": "ANY", "port": "http"}]
    assert anp["spec"]["egress"][0]["peers"] == [{"cidr": "192.0.2.0/24"}, {"nodes": {}}]


SIMPLE_ANP = """
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: team-a}
spec:
  priority: 1
  subject: {namespaces: {matchLabels: {team: a}}}
  egress:
    - {action: Deny, to: [{namespaces: {matchLabels: {team: b}}}]}
    - {action: Allow, to: [{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: db}}}}],
       ports: [{portNumber: {protocol: TCP, port: 5432}}]}
"""


@pytest.mark.parametrize(("source", "engine"), [
    ("sample", "calico"), ("sample", ENGINE), ("fixture", f"{ENGINE},channel=experimental"), ("simple", "cilium"),
    ("simple", "calico"), ("simple", ENGINE)])
def test_anp_banp_migrate_with_verify(source: str, engine: str) -> None:
    text = {"sample": (SAMPLES / "anp-banp.yaml").read_text(encoding="utf-8"), "fixture": ANP + "---\n" + BANP,
            "simple": SIMPLE_ANP}[source]
    result = run_cli("translate", "--engine", engine, "-f", "-", "--verify", stdin=text)
    assert result.code == 0, result.stderr
    assert "output equivalent to the input" in result.stderr


def test_anp_nodes_peer_needs_the_experimental_channel() -> None:
    result = run_cli("translate", "--engine", ENGINE, "-f", "-", stdin=ANP)
    assert result.code == 1 and result.stdout == ""
    assert any(" NPX105: " in line and "(at spec.egress[0].to[1].nodes)" in line and line.startswith("<stdin>:13:")
               for line in result.stderr.splitlines()), result.stderr


def test_network_policies_sit_between_admin_and_baseline() -> None:
    """Admin Accept wins over a NetworkPolicy's isolation; a NetworkPolicy overrides a Baseline Deny."""
    cnp = """
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: admin}
spec:
  tier: Admin
  priority: 1
  subject: {namespaces: {}}
  ingress: [{action: Accept, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: ops}}}]}]
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: baseline}
spec:
  tier: Baseline
  priority: 1
  subject: {namespaces: {}}
  ingress: [{action: Deny, from: [{namespaces: {}}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {}
  ingress: [{from: [{podSelector: {}}]}]
"""
    cluster = {"namespaces": [{"name": n, "labels": {"kubernetes.io/metadata.name": n}} for n in ("ops", "shop", "x")],
               "pods": [{"namespace": n, "name": n, "labels": {"app": n}} for n in ("ops", "shop", "x")],
               "probes": [{"port": 80, "protocol": "TCP"}]}
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        yaml.safe_dump(cluster, f)
    result = run_cli("reach", "-f", "-", "--cluster", f.name, "-o", "json", stdin=cnp)
    assert result.code == 0, result.stderr
    allowed = {(r["from"], r["to"]) for r in json.loads(result.stdout)["results"] if r["allowed"]}
    assert ("ops/ops", "shop/shop") in allowed  # Admin Accept beats the NetworkPolicy's isolation
    assert ("x/x", "shop/shop") not in allowed  # the NetworkPolicy isolates shop
    assert ("x/x", "ops/ops") not in allowed and ("shop/shop", "x/x") not in allowed  # Baseline Deny


@pytest.mark.parametrize(("doc", "code", "words"), [
    (BANP.replace("action: Deny", "action: Pass"), codes.INVALID_VALUE, "action must be one of Allow, Deny"),
    (ANP.replace("nodes: {}", "domainNames: ['*.example.com']"), codes.IMPORT_UNSUPPORTED, "one or more DNS labels"),
    (ANP.replace("from: [{namespaces", "from: [{networks: [10.0.0.0/8], namespaces"), codes.INVALID_VALUE,
     "exactly one of"),
    (ANP.replace("priority: 3", "priority: 3000"), codes.INVALID_VALUE, "priority"),
    (ANP.replace("    - {name: r2, action: Allow, to:", "    - {name: r2, action: Allow, from:"),
     codes.INVALID_FIELD, "unknown field 'from'"),
])
def test_bad_policies_are_refused_at_the_field(doc: str, code: str, words: str) -> None:
    result = run_cli("import", "-f", "-", stdin=doc)
    assert result.code in (1, 2) and result.stdout == ""
    assert any(f" {code}: " in line and words in line and line.startswith("<stdin>:")
               for line in result.stderr.splitlines()), result.stderr


def test_same_priority_in_one_tier_is_reported() -> None:
    doc = ANP + "---\n" + ANP.replace("name: anp", "name: anp2")
    result = run_cli("import", "-f", "-", stdin=doc)
    assert "same tier and priority as anp" in result.stderr
