"""`netpolx explain`: golden explanations (the seed as written, in every format and under other engines; every
sample intent), what the words say about real semantics (OR of peers, isolation, allowDNS), engine notes from the
semantics knobs, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.shared import ROOT
from translator.diagnostics import Diagnostics
from translator.explain import EngineView, explain_policy
from translator.explain.words import peer_phrase, port_phrase, ports_phrase
from translator.load.decode import intents_from_documents
from translator.load.source import documents_from_text
from translator.model import LabelSelector, Operator, Peer, PortSpec, Protocol, Requirement
from translator.registry import all_backends
from translator.semantics import Semantics

EXPECTED = ROOT / "samples" / "expected-explain"
INTENT_CASES = sorted(p.stem for p in (ROOT / "samples" / "intents").glob("*.yaml"))
SEED_RUNS = {
    "seed.txt": ("-o", "text"),
    "seed.md": ("-o", "markdown"),
    "seed.json": ("-o", "json"),
    "seed.cilium.txt": ("--engine", "cilium"),
    "seed.calico.txt": ("--engine", "calico"),
    "seed.kubernetes.txt": ("--engine", "kubernetes"),
}


def _compare(path: Path, actual: str, update: bool) -> None:
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"{path.relative_to(ROOT)} is missing; run pytest --update-golden"
    assert actual == path.read_text(encoding="utf-8"), f"{path.relative_to(ROOT)} differs; run --update-golden"


def _need_engine(args: tuple[str, ...]) -> None:
    if "--engine" in args and args[args.index("--engine") + 1] not in all_backends():
        pytest.skip(f"engine {args[args.index('--engine') + 1]} is not in this build")


@pytest.mark.parametrize("name", sorted(SEED_RUNS))
def test_seed_golden(name: str, update_golden: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    _need_engine(SEED_RUNS[name])
    monkeypatch.chdir(ROOT)
    result = run_cli("explain", "-f", "samples/seed/", *SEED_RUNS[name])
    assert result.code == 0, result.stderr
    assert result.stderr == ""
    _compare(EXPECTED / name, result.stdout, update_golden)


@pytest.mark.parametrize("case", INTENT_CASES)
def test_intent_samples_golden(case: str, update_golden: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = run_cli("explain", "-f", f"samples/intents/{case}.yaml")
    assert result.code == 0, result.stderr
    _compare(EXPECTED / "intents" / f"{case}.txt", result.stdout, update_golden)


def _seed_json() -> list[dict]:
    result = run_cli("explain", "-f", str(ROOT / "samples" / "seed"), "-o", "json")
    assert result.code == 0
    return json.loads(result.stdout)


def test_seed_words_show_the_or_mistake_and_isolation() -> None:
    policies = {p["policy"]: p for p in _seed_json()}
    assert list(policies) == ["shop/default-deny", "shop/ingress-controller", "shop/frontend", "shop/backend"]
    backend = policies["shop/backend"]
    ingress = backend["directions"][0]
    assert ingress["isolated"] is True
    (rule,) = ingress["rules"]
    # Two peers, ORed: the whole namespace, or the frontend pods.
    assert rule["peers"] == ["every pod in namespace shop", "pods with app=frontend in namespace shop"]
    assert " or " in rule["text"] and rule["ports"] == ["TCP port 8080"]
    assert rule["location"].endswith("03-backend.yaml:16")
    assert backend["directions"][1]["isolated"] is False
    deny = policies["shop/default-deny"]
    assert [d["isolated"] for d in deny["directions"]] == [True, True]
    assert all(not d["rules"] for d in deny["directions"])


def test_allow_dns_is_spelled_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = run_cli("explain", "-f", "samples/intents/seed.yaml", "-o", "json")
    deny = json.loads(result.stdout)[0]
    (rule,) = deny["directions"][1]["rules"]
    assert rule["peers"] == ["pods with k8s-app=kube-dns in namespace kube-system"]
    assert rule["ports"] == ["UDP port 53", "TCP port 53"]
    assert rule["location"] == "samples/intents/seed.yaml:11"  # the allowDNS line


def _loaded(text: str) -> list:
    diags = Diagnostics()
    loaded = intents_from_documents(documents_from_text(text, "p.yaml", diags), diags)
    assert not diags.has_errors
    return loaded


POLICY = """
apiVersion: netpolx.io/v1alpha1
kind: NetworkIntent
metadata: {name: p, namespace: ns}
spec:
  subject: {pods: {matchLabels: {app: a}}}
  egress:
    - peers: [{cidr: 10.0.0.0/8}]
    - peers: [{fqdn: api.example.com}]
      ports: [{protocol: TCP, port: 443}]
  ingress:
    - peers: [{pods: {}}]
      ports: [{protocol: TCP, port: 80}]
      http: [{method: GET}]
"""


def test_engine_notes_follow_the_semantics_knobs() -> None:
    (li,) = _loaded(POLICY)
    strict = EngineView("x", Semantics(name="x", cidr_matches_pods=False, supports_fqdn=False, supports_l7=False),
                        None)
    plain = EngineView("y", Semantics(name="y"), None)
    dns_needed = EngineView("z", Semantics(name="z", fqdn_needs_dns_rule=True), None)

    def notes(view: EngineView) -> str:
        return " | ".join(n for d in explain_policy(li, view, "NetworkIntent").directions for r in d.rules
                          for n in r.notes)
    assert "10.0.0.0/8 matches no pod" in notes(strict)
    assert "does not enforce DNS-name peers" in notes(strict)
    assert "does not enforce HTTP rules" in notes(strict)
    assert notes(plain) == ""
    assert "no rule of this policy allows DNS" in notes(dns_needed)


def test_cilium_explains_cidr_does_not_match_pods(monkeypatch: pytest.MonkeyPatch) -> None:
    _need_engine(("--engine", "cilium"))
    monkeypatch.chdir(ROOT)
    result = run_cli("explain", "-f", "samples/seed/01-ingress-controller.yaml", "--engine", "cilium", "-o", "json")
    rule = json.loads(result.stdout)[0]["directions"][0]["rules"][0]
    assert any("matches no pod" in n for n in rule["notes"])


def test_words() -> None:
    assert port_phrase(PortSpec(protocol=Protocol.UDP, port=53)) == "UDP port 53"
    assert port_phrase(PortSpec(port=8000, endPort=8100)) == "TCP ports 8000-8100"
    assert port_phrase(PortSpec(protocol=Protocol.ANY)) == "every TCP, UDP and SCTP port"
    assert "named http" in port_phrase(PortSpec(port="http"))
    assert ports_phrase(None) == "on any port and protocol"
    sel = LabelSelector(matchLabels={"app": "a"},
                        matchExpressions=(Requirement(key="tier", operator=Operator.NOT_IN, values=("x",)),))
    assert peer_phrase(Peer(pods=sel, namespaces=LabelSelector()), "ns") == \
        "pods with app=a and tier not in (x) in every namespace"
    assert peer_phrase(Peer(pods=LabelSelector()), "ns") == "every pod in namespace ns"
    assert peer_phrase(Peer(namespaceNames=("a", "b")), None) == "every pod in namespaces a or b"
    assert peer_phrase(Peer(fqdn="*.example.com"), "ns").startswith("DNS names matching *.example.com")
    assert peer_phrase(Peer.model_validate({"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}), "ns") == \
        "IP addresses in 10.0.0.0/8 except 10.1.0.0/16"


def test_bad_input_and_unknown_engine(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: x, namespace: y}\n"
                   "spec:\n  ingress:\n    - ports: [{port: 70000}]\n")
    result = run_cli("explain", "-f", str(bad))
    assert result.code == 2 and result.stdout == "" and f"{bad}:6:" in result.stderr
    result = run_cli("explain", "-f", str(ROOT / "samples" / "seed"), "--engine", "cilum")
    assert result.code == 2 and "NPX006" in result.stderr and result.stdout == ""
