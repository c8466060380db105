"""`netpolx lint`: every rule on its sample (golden diagnostics, and exactly the objects meant to be found),
the seed example, --fix (golden fixed files, comments kept, findings gone, meaning as intended), output formats,
exit codes, suppression, and soundness of the containment checks the semantic rules rest on."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import run_cli
from tests.shared import ROOT
from translator import codes
from translator.diagnostics import Diagnostics
from translator.lint import RULES
from translator.lint.coverage import port_covers, rule_covers, selector_covers
from translator.load.decode import intents_from_documents
from translator.load.source import documents_from_text
from translator.model import LabelSelector, Operator, Peer, PortSpec, Protocol, Requirement, Rule

SAMPLES = ROOT / "samples" / "lint"
EXPECTED = ROOT / "samples" / "expected-lint"
CASES = sorted(p.stem for p in SAMPLES.glob("*.yaml"))

# The objects each sample is meant to be reported for, under its own rule's code (negative examples in the
# same file must not be).
FOUND: dict[str, set[str]] = {
    "NPX600-or-of-peers": {"payments/api-from-monitoring", "payments/api-egress"},
    "NPX601-egress-only-without-policy-types": {"jobs/worker-egress"},
    "NPX602-namespace-name-label": {"web/web-from-gateway", "web/web-to-db"},
    "NPX603-ipblock-matches-cluster": {"crawl/crawler-internet"},
    "NPX604-egress-without-dns": {"billing/default-deny", "reporting/reports"},
    "NPX605-dns-one-protocol": {"search/default-deny-udp-dns"},
    "NPX606-selects-no-pod": {"store/frontend-ingress"},
    "NPX607-shadowed-rule": {"data/db-ingress", "data/cache-allow"},
    "NPX608-redundant-rule": {"apps/api-ingress"},
    "NPX609-duplicate-policy": {"apps/allow-web-v2"},
    "NPX610-redundant-policy": {"apps/backend-canary-from-frontend"},
    "NPX611-shared-namespace-empty-selector": {"shared/default-deny"},
}
FIXABLE = sorted(c for c in CASES if any(r.fixable and c.startswith(r.code) for r in RULES))


def _args(case: str, *extra: str) -> list[str]:
    args = ["lint", "-f", f"samples/lint/{case}.yaml", *extra]
    cluster = SAMPLES / "clusters" / f"{case}.yaml"
    if cluster.exists():
        args += ["--cluster", f"samples/lint/clusters/{case}.yaml"]
    return args


def _compare(path: Path, actual: str, update: bool) -> None:
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"{path.relative_to(ROOT)} is missing; run pytest --update-golden"
    assert actual == path.read_text(encoding="utf-8"), f"{path.relative_to(ROOT)} differs; run --update-golden"


def _refs(stderr: str, code: str) -> set[str]:
    return {d["message"].split()[0].rstrip(":") for d in json.loads(stderr) if d["code"] == code}


def test_every_rule_has_a_sample() -> None:
    assert {r.code for r in RULES} == {c.split("-")[0] for c in CASES}
    assert set(FOUND) == set(CASES)


def test_rules_are_data_with_stable_unique_codes() -> None:
    assert len({r.code for r in RULES}) == len(RULES) == len({r.name for r in RULES})
    for r in RULES:
        assert r.code in codes.CODES and r.code.startswith("NPX6")
        assert r.summary.endswith(".") and r.fix.endswith(".")


@pytest.mark.parametrize("case", CASES)
def test_lint_sample_golden(case: str, update_golden: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = run_cli(*_args(case))
    assert result.code in (0, 1), result.stderr
    assert result.stdout == ""
    _compare(EXPECTED / f"{case}.txt", f"exit: {result.code}\n{result.stderr}", update_golden)


@pytest.mark.parametrize("case", CASES)
def test_lint_sample_finds_exactly_what_it_shows(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code = case.split("-")[0]
    result = run_cli(*_args(case, "--diagnostics-format", "json"))
    assert _refs(result.stderr, code) == FOUND[case]
    for d in json.loads(result.stderr):
        assert d["file"] == f"samples/lint/{case}.yaml" and isinstance(d["line"], int)
        assert "; fix: " in d["message"]


def test_cluster_rules_need_the_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    for case in ("NPX606-selects-no-pod", "NPX611-shared-namespace-empty-selector"):
        result = run_cli("lint", "-f", f"samples/lint/{case}.yaml", "--diagnostics-format", "json")
        assert _refs(result.stderr, case.split("-")[0]) == set()


def test_seed_reports_or_of_peers_and_missing_dns_with_line_and_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = run_cli("lint", "-f", "samples/seed/")
    assert result.code == 1
    lines = result.stderr.splitlines()
    or_line = next(x for x in lines if " NPX600: " in x)
    dns_line = next(x for x in lines if " NPX604: " in x)
    # The second (podSelector-only) item of the backend's `from`, and the Egress entry of the default deny.
    assert or_line.startswith("samples/seed/03-backend.yaml:20: warning NPX600: shop/backend: ")
    assert dns_line.startswith("samples/seed/00-default-deny.yaml:15: warning NPX604: shop/default-deny: ")
    for line in (or_line, dns_line):
        assert "; fix: " in line and "(netpolx lint --fix-unsafe applies this; it changes what traffic" in line
    assert "every pod in namespace shop is allowed, not only pods app=frontend" in or_line
    src = (ROOT / "samples/seed/03-backend.yaml").read_text().splitlines()
    assert src[19].strip() == "- podSelector:"
    src = (ROOT / "samples/seed/00-default-deny.yaml").read_text().splitlines()
    assert src[14].strip() == "- Egress"


def test_seed_sarif(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = run_cli("lint", "-f", "samples/seed/", "--diagnostics-format", "sarif")
    log = json.loads(result.stderr)
    results = log["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"NPX600", "NPX604"}
    first = next(r for r in results if r["ruleId"] == "NPX600")
    assert first["locations"][0]["physicalLocation"]["region"]["startLine"] == 20


@pytest.mark.parametrize("case", FIXABLE)
def test_fix_golden_and_finding_gone(case: str, tmp_path: Path, update_golden: bool,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    code = case.split("-")[0]
    target = tmp_path / f"{case}.yaml"
    shutil.copy(SAMPLES / f"{case}.yaml", target)
    monkeypatch.chdir(tmp_path)
    result = run_cli("lint", "-f", target.name, "--fix-unsafe")
    assert f"info NPX630: fixed {code}" in result.stderr
    fixed = target.read_text(encoding="utf-8")
    _compare(EXPECTED / f"{case}.fixed.yaml", fixed, update_golden)
    original = (SAMPLES / f"{case}.yaml").read_text(encoding="utf-8")
    for comment in (line.split("#", 1)[1] for line in original.splitlines() if "#" in line):
        assert comment in fixed, f"comment lost: #{comment}"
    again = run_cli("lint", "-f", target.name, "--diagnostics-format", "json")
    assert _refs(again.stderr, code) == set()


def _intents(text: str) -> dict[str, object]:
    diags = Diagnostics()
    loaded = intents_from_documents(documents_from_text(text, "x.yaml", diags), diags)
    assert not diags.has_errors, list(diags)
    return {li.intent.ref: li.intent for li in loaded}


def test_fixes_mean_what_was_meant(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for case in FIXABLE:
        shutil.copy(SAMPLES / f"{case}.yaml", tmp_path / f"{case}.yaml")
        run_cli("lint", "-f", f"{case}.yaml", "--fix-unsafe")
    ors = _intents((tmp_path / "NPX600-or-of-peers.yaml").read_text())
    peers = ors["payments/api-from-monitoring"].spec.ingress[0].peers
    assert len(peers) == 1 and peers[0].namespaceNames == ("monitoring",)
    assert peers[0].pods == LabelSelector(matchLabels={"app": "prometheus"})
    names = _intents((tmp_path / "NPX602-namespace-name-label.yaml").read_text())
    assert names["web/web-from-gateway"].spec.ingress[0].peers[0].namespaceNames == ("gateway",)
    dns = _intents((tmp_path / "NPX604-egress-without-dns.yaml").read_text())
    assert dns["reporting/reports"].spec.allowDNS is True
    assert any(r.ports and {p.port for p in r.ports} == {53} for r in dns["billing/default-deny"].spec.egress)


def test_fix_from_stdin_is_refused_and_writes_nothing() -> None:
    text = (SAMPLES / "NPX600-or-of-peers.yaml").read_text()
    result = run_cli("lint", "-f", "-", "--fix", stdin=text)
    assert "NPX631" in result.stderr and "stdin" in result.stderr
    assert result.code == 1


def test_fix_leaves_unfixable_files_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    case = "NPX601-egress-only-without-policy-types"
    target = tmp_path / "p.yaml"
    shutil.copy(SAMPLES / f"{case}.yaml", target)
    before = target.read_bytes()
    monkeypatch.chdir(tmp_path)
    result = run_cli("lint", "-f", "p.yaml", "--fix")
    assert result.code == 1 and "NPX601" in result.stderr
    assert target.read_bytes() == before


def test_ignore_annotation_select_and_ignore(tmp_path: Path) -> None:
    text = (SAMPLES / "NPX600-or-of-peers.yaml").read_text().replace(
        "  name: api-from-monitoring\n", "  name: api-from-monitoring\n  annotations:\n"
        "    netpolx.io/lint-ignore: or-of-peers\n", 1)
    path = tmp_path / "p.yaml"
    path.write_text(text)
    result = run_cli("lint", "-f", str(path), "--diagnostics-format", "json")
    assert _refs(result.stderr, "NPX600") == {"payments/api-egress"}
    result = run_cli("lint", "-f", str(path), "--ignore", "NPX600", "--diagnostics-format", "json")
    assert _refs(result.stderr, "NPX600") == set() and result.code == 0
    result = run_cli("lint", "-f", str(SAMPLES / "NPX603-ipblock-matches-cluster.yaml"), "--select", "or-of-peers")
    assert result.stderr == "" and result.code == 0


def test_exit_codes(tmp_path: Path) -> None:
    info_only = str(SAMPLES / "NPX603-ipblock-matches-cluster.yaml")
    assert run_cli("lint", "-f", info_only).code == 0
    assert run_cli("lint", "-f", info_only, "--fail-on", "info").code == 1
    assert run_cli("lint", "-f", str(SAMPLES / "NPX600-or-of-peers.yaml"), "--fail-on", "error").code == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: x\n")
    result = run_cli("lint", "-f", str(bad))
    assert result.code == 2 and f"{bad}:" in result.stderr and "NPX001" in result.stderr
    assert run_cli("lint").code == 2


def test_list_rules() -> None:
    result = run_cli("lint", "--list-rules")
    assert result.code == 0
    for r in RULES:
        assert f"{r.code}  {r.severity.value}" in result.stdout


def test_or_of_peers_on_imported_cilium_policy(tmp_path: Path) -> None:
    path = tmp_path / "cnp.yaml"
    path.write_text(
        "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: db, namespace: data}\nspec:\n"
        "  endpointSelector: {matchLabels: {app: db}}\n  ingress:\n    - fromEndpoints:\n"
        "        - matchLabels: {k8s:io.kubernetes.pod.namespace: apps}\n"
        "        - matchLabels: {app: api}\n")
    result = run_cli("lint", "-f", str(path), "--diagnostics-format", "json")
    if any(d["code"] == "NPX003" for d in json.loads(result.stderr)):
        pytest.skip("the Cilium importer is not available in this build")
    found = [d for d in json.loads(result.stderr) if d["code"] == "NPX600"]
    assert len(found) == 1 and found[0]["file"] == str(path) and found[0]["line"] >= 1


# -- soundness of the containment checks (a wrong "covers" would make lint claim a needed rule is redundant) ----

KEYS = ("a", "b")
VALUES = ("x", "y", "z")
labels_st = st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=2)


@st.composite
def selectors(draw: st.DrawFn) -> LabelSelector:
    reqs = []
    for _ in range(draw(st.integers(0, 2))):
        op = draw(st.sampled_from(list(Operator)))
        values = draw(st.lists(st.sampled_from(VALUES), min_size=1, max_size=2)) \
            if op in (Operator.IN, Operator.NOT_IN) else []
        reqs.append(Requirement(key=draw(st.sampled_from(KEYS)), operator=op, values=tuple(values)))
    return LabelSelector(matchLabels=draw(labels_st), matchExpressions=tuple(reqs))


@settings(max_examples=300, deadline=None)
@given(selectors(), selectors(), labels_st)
def test_selector_covers_is_sound(a: LabelSelector, b: LabelSelector, labels: dict[str, str]) -> None:
    if selector_covers(a, b) and b.matches(labels):
        assert a.matches(labels)


@st.composite
def port_specs(draw: st.DrawFn) -> PortSpec:
    proto = draw(st.sampled_from([Protocol.TCP, Protocol.UDP, Protocol.ANY]))
    kind = draw(st.sampled_from(["none", "one", "range", "named"]))
    if kind == "none":
        return PortSpec(protocol=proto)
    if kind == "named":
        return PortSpec(protocol=proto, port=draw(st.sampled_from(["http", "dns"])))
    port = draw(st.integers(50, 60))
    end = draw(st.integers(port, 62)) if kind == "range" else None
    return PortSpec(protocol=proto, port=port, endPort=end)


def _port_matches(spec: PortSpec, proto: Protocol, port: int, name: str | None) -> bool:
    if proto not in spec.protocol.expand():
        return False
    if spec.port is None:
        return True
    if spec.is_named:
        return spec.port == name
    lo, hi = spec.numeric_range() or (0, -1)
    return lo <= port <= hi


@settings(max_examples=300, deadline=None)
@given(port_specs(), port_specs(), st.sampled_from([Protocol.TCP, Protocol.UDP, Protocol.SCTP]),
       st.integers(48, 64), st.sampled_from([None, "http", "dns"]))
def test_port_covers_is_sound(a: PortSpec, b: PortSpec, proto: Protocol, port: int, name: str | None) -> None:
    if port_covers(a, b) and _port_matches(b, proto, port, name):
        assert _port_matches(a, proto, port, name)


def test_rule_covers_examples() -> None:
    ns_apps = Peer(namespaceNames=("apps",))
    api_in_apps = Peer(pods=LabelSelector(matchLabels={"app": "api"}), namespaceNames=("apps",))
    tcp = (PortSpec(protocol=Protocol.TCP, port=80),)
    assert rule_covers(Rule(peers=(ns_apps,)), "x", Rule(peers=(api_in_apps,), ports=tcp), "x")
    assert not rule_covers(Rule(peers=(api_in_apps,)), "x", Rule(peers=(ns_apps,)), "x")
    assert not rule_covers(Rule(peers=(ns_apps,), ports=tcp), "x", Rule(peers=(ns_apps,)), "x")
    own = Peer(pods=LabelSelector(matchLabels={"app": "api"}))
    assert rule_covers(Rule(peers=(api_in_apps,)), "x", Rule(peers=(own,)), "apps")
    assert not rule_covers(Rule(peers=(own,)), "x", Rule(peers=(own,)), "apps")
    cidr = Rule(peers=(Peer.model_validate({"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}),))
    assert not rule_covers(cidr, "x", Rule(peers=(Peer(cidr="10.1.2.0/24"),)), "x")
    assert rule_covers(cidr, "x", Rule(peers=(Peer(cidr="10.2.0.0/16"),)), "x")


# -- --cluster makes the semantic rules precise ---------------------------------------------------------------

DNS_BY_OTHER_SELECTOR = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-egress, namespace: x}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Egress]
  egress:
    - to: [{ipBlock: {cidr: 10.244.0.0/16}}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: frontend-dns, namespace: x}
spec:
  podSelector: {matchLabels: {tier: frontend}}
  policyTypes: [Egress]
  egress:
    - ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]
"""

CLUSTER = """
namespaces: [{name: x, labels: {name: x}}]
pods:
  - {namespace: x, name: web-0, labels: {app: web, tier: frontend}, ip: 10.244.1.1}
"""


def test_cluster_makes_dns_and_ipblock_rules_precise(tmp_path: Path) -> None:
    policies, cluster = tmp_path / "p.yaml", tmp_path / "c.yaml"
    policies.write_text(DNS_BY_OTHER_SELECTOR)
    cluster.write_text(CLUSTER)
    # Without the cluster, frontend-dns's selector does not provably cover web-egress's pods; a /16 is no finding.
    result = run_cli("lint", "-f", str(policies), "--diagnostics-format", "json")
    assert _refs(result.stderr, "NPX604") == {"x/web-egress"} and _refs(result.stderr, "NPX603") == set()
    # With it, the only web pod also has tier=frontend (DNS allowed), and 10.244.0.0/16 holds its IP.
    result = run_cli("lint", "-f", str(policies), "--cluster", str(cluster), "--diagnostics-format", "json")
    assert _refs(result.stderr, "NPX604") == set()
    (ip,) = [d for d in json.loads(result.stderr) if d["code"] == "NPX603"]
    assert "covers 1 pod IP(s)" in ip["message"] and "10.244.1.1" in ip["message"]


def test_seed_dns_finding_names_the_pods_with_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = run_cli("lint", "-f", "samples/seed/", "--cluster", "samples/graph/seed-cluster.yaml",
                     "--diagnostics-format", "json")
    (dns,) = [d for d in json.loads(result.stderr) if d["code"] == "NPX604"]
    assert dns["line"] == 15
    for pod in ("shop/ingress-controller-", "shop/frontend-", "shop/backend-"):
        assert pod in dns["message"]
    assert "prometheus" not in dns["message"] and "coredns" not in dns["message"]


def test_name_label_is_fine_where_namespaces_have_it(tmp_path: Path) -> None:
    cluster = tmp_path / "c.yaml"
    cluster.write_text("namespaces: [{name: gateway, labels: {name: gateway}}]\npods: []\n")
    sample = str(SAMPLES / "NPX602-namespace-name-label.yaml")
    result = run_cli("lint", "-f", sample, "--cluster", str(cluster), "--diagnostics-format", "json")
    assert _refs(result.stderr, "NPX602") == set()


# -- the shared corpus ---------------------------------------------------------------------------------------

@pytest.mark.corpus
def test_lint_and_explain_never_crash_on_the_corpus() -> None:
    from tests.shared import corpus

    files = sorted(p for p in corpus().rglob("*") if p.suffix in (".yaml", ".yml"))
    assert len(files) > 100
    for path in files:
        for command, allowed in (("lint", (0, 1, 2)), ("explain", (0, 2))):
            result = run_cli(command, "-f", str(path))
            assert result.code in allowed and "internal error" not in result.stderr, (command, path, result.stderr)


@pytest.mark.corpus
@pytest.mark.parametrize("name", ["demo/sanity/sanity-misconception-podSelector-namespaceSelector.yaml",
                                  "testcase4/testcase4-networkpolicy1.yaml"])
def test_nca_misconception_cases_are_or_of_peers(name: str) -> None:
    from tests.shared import corpus

    path = corpus("nca", "k8s_testcases", "example_policies", *name.split("/"))
    result = run_cli("lint", "-f", str(path), "--diagnostics-format", "json")
    found = _refs(result.stderr, "NPX600")
    assert found == {"default/wrong-allow-traffic-from-specific-pods-in-external-namespace"}


# -- text edits ---------------------------------------------------------------------------------------------

def _edit(text: str, make: object) -> str:
    from translator.lint.edits import LineIndex, apply
    from translator.load.source import SourceFile, SourceRef

    ref = SourceRef(SourceFile("f.yaml", text), 0)
    edit = make(ref, LineIndex(text))  # type: ignore[operator]
    assert edit is not None
    out = apply(text, [edit])
    assert out is not None
    return out


def test_edits_append_and_set_keep_the_rest() -> None:
    import yaml

    from translator.lint.edits import append_item, set_key

    block = "spec:\n  egress:\n    # keep me\n    - to: []  # and me\n  podSelector: {}\n"
    out = _edit(block, lambda ref, ix: append_item(ref, ix, ("spec",), "egress", {"ports": [{"port": 53}]}))
    assert "# keep me" in out and "# and me" in out
    assert yaml.safe_load(out)["spec"]["egress"] == [{"to": []}, {"ports": [{"port": 53}]}]
    flow = "spec:\n  egress: []  # empty\n  podSelector: {}\n"
    out = _edit(flow, lambda ref, ix: append_item(ref, ix, ("spec",), "egress", {"ports": [{"port": 53}]}))
    assert yaml.safe_load(out)["spec"] == {"egress": [{"ports": [{"port": 53}]}], "podSelector": {}}
    assert "# empty" in out
    inline = '{"spec": {"allowDNS": false, "egress": []}}'
    out = _edit(inline, lambda ref, ix: set_key(ref, ix, ("spec",), "allowDNS", True))
    assert yaml.safe_load(out) == {"spec": {"allowDNS": True, "egress": []}}
    no_newline = "spec:\n  isolate: [egress]"
    out = _edit(no_newline, lambda ref, ix: set_key(ref, ix, ("spec",), "allowDNS", True))
    assert yaml.safe_load(out) == {"spec": {"isolate": ["egress"], "allowDNS": True}}
