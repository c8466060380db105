"""The kubernetes and Azure NPM backends: import, generate, round trip, schema validity, refusals."""

from __future__ import annotations

import json

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backends.azure_npm import AzureNPMBackend, AzureNPMWindowsBackend
from backends.kubernetes import KubernetesBackend
from tests.conftest import run_cli
from tests.shared import corpus, load_json, validate_networkpolicy
from translator.capabilities import Support
from translator.compile.pipeline import compile_intents
from translator.diagnostics import Diagnostics
from translator.features import Feature
from translator.load.decode import intents_from_documents
from translator.load.source import documents_from_text, dump_yaml


def import_text(text: str) -> tuple[list, Diagnostics]:
    diags = Diagnostics()
    loaded = intents_from_documents(documents_from_text(text, "t.yaml", diags), diags)
    return loaded, diags


def round_trip(policies: list[dict]) -> None:
    """NetworkPolicy -> intent -> NetworkPolicy -> intent gives the same intents, and valid NetworkPolicies."""
    first, diags = import_text(dump_yaml(policies))
    assert not diags.has_errors, [d.format() for d in diags]
    out_diags = Diagnostics()
    generated = [o for c in compile_intents(first, KubernetesBackend(), out_diags) for o in c.objects]
    assert not out_diags.has_errors, [d.format() for d in out_diags]
    for obj in generated:
        validate_networkpolicy(obj)
    second, _ = import_text(dump_yaml(generated))
    assert [li.intent for li in second] == [li.intent for li in first]


def test_policy_types_defaulting_is_explicit() -> None:
    loaded, _ = import_text("""
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: a, namespace: x}
spec:
  podSelector: {}
  egress: [{}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: b, namespace: x}
spec:
  podSelector: {}
  egress: []
""")
    a, b = (li.intent for li in loaded)
    assert [d.value for d in a.spec.isolate] == ["ingress", "egress"]  # egress rules present -> Egress added
    assert [d.value for d in b.spec.isolate] == ["ingress"]  # empty egress list does not add Egress


def test_rules_outside_policy_types_are_ignored_with_a_warning() -> None:
    loaded, diags = import_text("""
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: a, namespace: x}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  egress: [{ports: [{port: 53, protocol: UDP}]}]
""")
    assert loaded[0].intent.spec.egress is None
    assert any("egress rules are ignored" in d.message for d in diags)


def test_namespace_name_selectors_become_names_and_back() -> None:
    loaded, _ = import_text("""
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: a, namespace: x}
spec:
  podSelector: {}
  ingress:
  - from:
    - namespaceSelector:
        matchLabels: {kubernetes.io/metadata.name: y, team: t}
      podSelector: {matchLabels: {app: c}}
""")
    peer = loaded[0].intent.spec.ingress[0].peers[0]
    assert peer.namespaceNames == ("y",)
    assert peer.namespaces.matchLabels == {"team": "t"}


def test_protocol_defaults_to_tcp_and_is_explicit_in_output() -> None:
    loaded, _ = import_text("""
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: a, namespace: x}
spec:
  podSelector: {}
  ingress: [{ports: [{port: 80}, {port: 8000, endPort: 8100}, {protocol: UDP}]}]
""")
    objs = KubernetesBackend().generate(loaded[0].intent)
    assert objs[0]["spec"]["ingress"][0]["ports"] == [
        {"protocol": "TCP", "port": 80}, {"protocol": "TCP", "port": 8000, "endPort": 8100}, {"protocol": "UDP"}]


def test_recipes_manifests_round_trip() -> None:
    for path in sorted(corpus("network-policy-recipes", "manifests_verbatim").glob("*.yaml")):
        docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
        for d in docs:
            d.setdefault("metadata", {}).setdefault("namespace", "default")
        round_trip(docs)


def test_e2e_policies_round_trip() -> None:
    scenarios = sorted(corpus("k8s-e2e-netpol", "scenarios").glob("*.json"))
    assert len(scenarios) >= 29
    for path in scenarios:
        for step in load_json(path)["steps"]:
            if step["policies_in_effect"]:
                round_trip(step["policies_in_effect"])


def _nca_cases() -> list[dict]:
    data = load_json(corpus("nca", "validation_cases.json"))
    return data["configs"]


def test_nca_bad_inputs_exit_2_or_warn() -> None:
    base = corpus("nca")
    cases = _nca_cases()
    assert len(cases) >= 90
    for case in cases:
        args = ["import"]
        for f in case["networkPolicyList"]:
            args += ["-f", str(base / f)]
        result = run_cli(*args)
        assert "Traceback" not in result.stderr and result.code in (0, 2), (case["name"], result.stderr)
        if case["expectedError"]:
            assert result.code == 2 or " warning " in result.stderr, (case["name"], result.stderr)
        else:
            assert result.code == 0, (case["name"], result.stderr)


# --- property: random NetworkPolicies survive the round trip -------------------------------------------------

keys = st.sampled_from(["app", "tier", "kubernetes.io/metadata.name", "team"])
vals = st.sampled_from(["a", "b", "c"])
selectors = st.builds(
    lambda labels, exprs: {k: v for k, v in {"matchLabels": labels, "matchExpressions": exprs}.items() if v},
    st.dictionaries(keys, vals, max_size=2),
    st.lists(st.one_of(
        st.builds(lambda k, op, v: {"key": k, "operator": op, "values": v}, keys, st.sampled_from(["In", "NotIn"]),
                  st.lists(vals, min_size=1, max_size=2, unique=True)),
        st.builds(lambda k, op: {"key": k, "operator": op}, keys, st.sampled_from(["Exists", "DoesNotExist"])),
    ), max_size=2),
)
peers = st.one_of(
    st.builds(lambda p: {"podSelector": p}, selectors),
    st.builds(lambda n: {"namespaceSelector": n}, selectors),
    st.builds(lambda p, n: {"podSelector": p, "namespaceSelector": n}, selectors, selectors),
    st.sampled_from([{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}},
                     {"ipBlock": {"cidr": "0.0.0.0/0"}}, {"ipBlock": {"cidr": "fd00::/8"}}]),
)
ports = st.one_of(
    st.builds(lambda p, proto: {"port": p, "protocol": proto}, st.integers(1, 65535), st.sampled_from(["TCP", "UDP"])),
    st.builds(lambda p: {"port": p}, st.sampled_from(["http", "dns-tcp"])),
    st.builds(lambda p, n: {"port": p, "endPort": p + n}, st.integers(1, 60000), st.integers(0, 100)),
    st.just({"protocol": "SCTP"}),
)
rules = st.builds(lambda ps, pr: {k: v for k, v in {"from": ps, "ports": pr}.items() if v is not None},
                  st.none() | st.lists(peers, max_size=3), st.none() | st.lists(ports, max_size=3))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(selectors, st.lists(rules, max_size=3), st.none() | st.lists(rules, max_size=2),
       st.sampled_from([None, ["Ingress"], ["Egress"], ["Ingress", "Egress"]]))
def test_random_policies_round_trip(pod_selector: dict, ingress: list, egress: list | None, types: list | None) -> None:
    spec: dict = {"podSelector": pod_selector, "ingress": ingress}
    if egress is not None:
        spec["egress"] = [{("to" if k == "from" else k): v for k, v in r.items()} for r in egress]
    if types is not None:
        spec["policyTypes"] = types
    round_trip([{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                 "metadata": {"name": "p", "namespace": "ns"}, "spec": spec}])


# --- Azure NPM ------------------------------------------------------------------------------------------------

def test_azure_backends_only_narrow_kubernetes() -> None:
    base = KubernetesBackend.capabilities
    for cls in (AzureNPMBackend, AzureNPMWindowsBackend):
        assert issubclass(cls, KubernetesBackend)
        for feature, cap in cls.capabilities.items():
            if cap != base[feature]:
                assert base[feature].support is not Support.NOT_EXPRESSIBLE
                assert cap.support is Support.UNENFORCED, feature


@pytest.mark.parametrize(("feature", "spec"), [
    (Feature.NAMED_PORT, {"ingress": [{"ports": [{"port": "http"}]}]}),
    (Feature.PROTOCOL_SCTP, {"ingress": [{"ports": [{"protocol": "SCTP", "port": 9}]}]}),
    (Feature.CIDR_EXCEPT, {"ingress": [{"peers": [{"cidr": "10.0.0.0/8", "except": ["10.0.0.0/16"]}]}]}),
    (Feature.NEGATIVE_SELECTOR, {"subject": {"pods": {"matchExpressions": [{"key": "a", "operator": "DoesNotExist"}]}},
                                 "ingress": []}),
    (Feature.PEER_NEGATIVE_NAMESPACE_SELECTOR, {"ingress": [{"peers": [{"namespaces": {"matchExpressions": [
        {"key": "a", "operator": "NotIn", "values": ["b"]}]}}]}]}),
    (Feature.IPV6, {"ingress": [{"peers": [{"cidr": "fd00::/8"}]}]}),
])
def test_windows_npm_refuses_what_it_skips(feature: Feature, spec: dict) -> None:
    text = json.dumps({"apiVersion": "netpolx.io/v1alpha1", "kind": "NetworkIntent",
                       "metadata": {"name": "p", "namespace": "ns"}, "spec": spec})
    loaded, _ = import_text(text)
    diags = Diagnostics()
    compiled = compile_intents(loaded, AzureNPMWindowsBackend(), diags)
    assert compiled[0].refused and compiled[0].objects == []
    assert any(d.feature == feature.value and d.code == "NPX102" for d in diags.errors)
    ok = Diagnostics()
    assert compile_intents(loaded, KubernetesBackend(), ok)[0].objects or feature is Feature.IPV6


def test_diagnostics_on_imported_policies_point_at_the_native_field(tmp_path) -> None:
    path = tmp_path / "np.yaml"
    path.write_text("""apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: prod}
spec:
  podSelector:
    matchExpressions: [{key: a, operator: DoesNotExist}]
  ingress:
    - from:
        - ipBlock:
            cidr: 10.0.0.0/8
            except: [10.1.0.0/16]
      ports:
        - port: http
""")
    result = run_cli("check", "--engine", "azure-npm-windows", "-f", str(path))
    assert result.code == 1
    assert f"{path}:5: error NPX102" in result.stderr and "(at spec.podSelector)" in result.stderr
    assert f"{path}:11: error NPX102" in result.stderr
    assert "(at spec.ingress[0].from[0].ipBlock.except)" in result.stderr
    assert f"{path}:13: error NPX102" in result.stderr and "(at spec.ingress[0].ports[0].port)" in result.stderr


def test_every_invalid_field_of_a_policy_is_reported_with_its_line() -> None:
    """A bad CIDR, a bad protocol and an out-of-range port in one NetworkPolicy: three errors, each at its line
    (the first one used to hide the others)."""
    text = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: bad, namespace: shop}\n"
            "spec:\n  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock: {cidr: 10.0.0.300/8}\n    ports:\n"
            "    - {protocol: TCPX, port: 80}\n    - {protocol: TCP, port: 99999}\n")
    diags = Diagnostics()
    assert intents_from_documents(documents_from_text(text, "bad.yaml", diags), diags) == []
    found = {(d.location.line, d.location.field_path) for d in diags.errors}
    assert found == {(8, "spec.ingress[0].from[0].ipBlock"), (10, "spec.ingress[0].ports[0].protocol"),
                     (11, "spec.ingress[0].ports[1].port")}


@pytest.mark.parametrize("version", ["networking.k8s.io/v1beta1", "networking.k8s.io/v2"])
def test_networkpolicy_versions_other_than_v1_are_refused(version: str) -> None:
    text = (f"apiVersion: {version}\nkind: NetworkPolicy\nmetadata: {{name: a, namespace: x}}\n"
            "spec: {podSelector: {}}\n")
    result = run_cli("translate", "--engine", "cilium", "-f", "-", stdin=text)
    assert result.code == 2 and result.stdout == ""
    assert f"<stdin>:1: error NPX003: NetworkPolicy a: netpolx does not read {version} NetworkPolicy" in result.stderr
