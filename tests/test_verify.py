"""verify(): equivalence of two policy sets on a given or synthesized cluster; translate --verify."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import run_cli
from tests.shared import ROOT, validate_object
from translator.cluster.model import Cluster, Namespace, Pod, Probe
from translator.diagnostics import Diagnostics
from translator.evaluator import Evaluator
from translator.evaluator.synth import synthesize_cluster
from translator.evaluator.verify import verify
from translator.load.decode import intents_from_documents
from translator.load.loaded import LoadedIntent
from translator.load.source import documents_from_text

WEB = """\
apiVersion: netpolx.io/v1alpha1
kind: NetworkIntent
metadata: {name: web, namespace: shop}
spec:
  subject: {pods: {matchLabels: {app: web}}}
  ingress:
    - peers:
        - pods: {matchLabels: {role: frontend}}
          namespaceNames: [edge]
        - cidr: 10.0.0.0/16
          except: [10.0.5.0/24]
      ports: [{protocol: TCP, port: 8080}, {protocol: TCP, port: metrics}]
  egress:
    - peers: [{pods: {matchExpressions: [{key: tier, operator: NotIn, values: [cache]}]}}]
      ports: [{protocol: UDP, port: 5000, endPort: 5100}]
"""


def load(text: str, name: str = "p.yaml") -> list[LoadedIntent]:
    diags = Diagnostics()
    out = intents_from_documents(documents_from_text(text, name, diags), diags)
    assert not diags.has_errors, [d.format() for d in diags]
    return out


def translate(text: str, engine: str = "kubernetes", tmp_path: Path | None = None) -> str:
    result = run_cli("translate", "--engine", engine, "-f", "-", stdin=text)
    assert result.code == 0, result.stderr
    for obj in yaml.safe_load_all(result.stdout):
        if obj is not None:
            validate_object(obj)
    return result.stdout


def test_a_policy_and_its_translation_are_equivalent() -> None:
    result = verify(load(WEB), load(translate(WEB), "out.yaml"))
    assert result.equivalent, [d.summary() for d in result.differences[:5]]
    assert result.synthesized
    assert result.source.semantics_name == "intent"
    assert result.target.semantics_name == "kubernetes"
    assert result.connections > 1000


@pytest.mark.parametrize(("old", "new", "example"), [
    ("role: frontend", "role: frontent", ("edge/", "shop/", 8080, "TCP")),
    ("port: 8080", "port: 8081", (None, "shop/", 8080, "TCP")),
    ("10.0.0.0/16", "10.0.0.0/17", ("10.0.128.0/17", "shop/", 8080, "TCP")),
    ("10.0.5.0/24", "10.0.5.0/25", ("10.0.5.128/25", "shop/", 8080, "TCP")),
    ("values: [cache]", "values: [cacha]", ("shop/", None, 5000, "UDP")),
    ("endPort: 5100", "endPort: 5101", ("shop/", None, 5101, "UDP")),
    ("port: metrics", "port: metricz", (None, "shop/", None, "TCP")),
    ("namespaceNames: [edge]", "namespaceNames: [edgy]", ("edge/", "shop/", 8080, "TCP")),
])
def test_a_one_character_change_is_found(old: str, new: str, example: tuple[Any, ...]) -> None:
    assert old in WEB
    result = verify(load(WEB), load(WEB.replace(old, new), "changed.yaml"))
    assert not result.equivalent
    src, dst, port, proto = example
    ips = {p.id: p.ip for p in result.cluster.pods} | {e.name: e.ip for e in result.cluster.externals}

    def matches(name: str, want: str | None) -> bool:
        if want is None:
            return True
        if "/" in want and want[0].isdigit():  # a CIDR: the endpoint's IP is inside
            return ipaddress.ip_address(ips[name]) in ipaddress.ip_network(want)
        return name.startswith(want)

    def fits(d: Any) -> bool:
        return (matches(d.src, src) and matches(d.dst, dst) and (port is None or d.port == port)
                and d.protocol == proto)
    assert any(fits(d) for d in result.differences), [d.summary() for d in result.differences[:10]]
    diff = result.differences[0]
    assert diff.source_allowed != diff.target_allowed
    assert diff.source_trace.allowed == diff.source_allowed
    assert diff.target_trace.allowed == diff.target_allowed
    assert any("changed.yaml" in line for line in diff.target_trace.lines())


def test_differences_are_in_matrix_order() -> None:
    result = verify(load(WEB), load(WEB.replace("port: 8080", "port: 8081")))
    order = {name: i for i, name in enumerate(result.cluster.endpoint_names)}
    probes = {p: i for i, p in enumerate(result.probes)}
    keys = [(order[d.src], order[d.dst], probes[Probe(d.port, d.protocol)]) for d in result.differences]
    assert keys == sorted(keys)


def test_intent_and_networkpolicy_mixed_kinds() -> None:
    np = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: edge}}
"""
    intent = """\
apiVersion: netpolx.io/v1alpha1
kind: NetworkIntent
metadata: {name: web, namespace: shop}
spec:
  subject: {pods: {matchLabels: {app: web}}}
  ingress: [{peers: [{namespaceNames: [edge]}], ports: [{protocol: ANY}]}]
"""
    assert verify(load(np), load(intent)).equivalent is False  # ANY is TCP+UDP+SCTP; NP rules without ports: all
    assert verify(load(np), load(intent.replace(", ports: [{protocol: ANY}]", ""))).equivalent


def test_verify_on_a_given_cluster_uses_its_probes() -> None:
    cluster = Cluster([Namespace(name="shop"), Namespace(name="edge")],
                      [Pod(namespace="shop", name="web", labels={"app": "web"}, ip="10.1.0.1"),
                       Pod(namespace="edge", name="fe", labels={"role": "frontend"}, ip="10.1.0.2")],
                      probes=[Probe(8080, "TCP")])
    same = verify(load(WEB), load(WEB.replace("port: 8080", "port: 8081")), cluster)
    assert not same.synthesized
    assert same.probes == [Probe(8080, "TCP")]
    assert [d.summary() for d in same.differences] == [
        "edge/fe -> shop/web 8080/TCP: allowed by the source, denied by the target"]
    cluster.probes = []
    unprobed = verify(load(WEB), load(WEB.replace("port: 8080", "port: 8081")), cluster)
    assert Probe(8081, "TCP") in unprobed.probes and not unprobed.equivalent


def test_verify_with_engines() -> None:
    fqdn = """\
apiVersion: netpolx.io/v1alpha1
kind: NetworkIntent
metadata: {name: out, namespace: shop}
spec:
  subject: {}
  egress: [{peers: [{fqdn: "*.example.com"}]}]
"""
    policies = load(fqdn)
    assert verify(policies, policies).equivalent
    differs = verify(policies, policies, target_engine="kubernetes")  # kubernetes enforces no FQDN
    assert not differs.equivalent
    assert all(d.dst.startswith("dns-") and d.source_allowed for d in differs.differences)


# -- the synthesized cover -----------------------------------------------------------------------------------------

def test_synthesized_cluster_covers_the_distinctions() -> None:
    policies = load(WEB)
    cluster = synthesize_cluster(policies)
    assert {"shop", "edge", "netpolx-other"} <= {ns.name for ns in cluster.namespaces}
    labels = [p.labels for p in cluster.pods if p.namespace == "edge"]
    assert {"role": "frontend"} in labels and {} in labels
    assert not any("tier" in lab for lab in labels)  # only selectors that look into edge matter there
    shop = [p.labels for p in cluster.pods if p.namespace == "shop"]
    assert any(lab.get("tier") == "cache" for lab in shop)
    assert any("tier" in lab and lab["tier"] != "cache" for lab in shop)  # NotIn with another value
    assert any("tier" not in lab for lab in shop)
    assert any(lab.get("app") == "web" and lab.get("tier") == "cache" for lab in shop)  # subject and peer at once
    ips = [ipaddress.ip_address(e.ip) for e in cluster.externals] + [ipaddress.ip_address(p.ip) for p in cluster.pods]
    net, hole = ipaddress.ip_network("10.0.0.0/16"), ipaddress.ip_network("10.0.5.0/24")
    assert any(ip in hole for ip in ips)
    assert any(ip in net and ip not in hole for ip in ips)
    assert any(ip not in net for ip in ips)
    for pods_ip in ([p.ip for p in cluster.pods], [e.ip for e in cluster.externals]):
        assert any(ipaddress.ip_address(ip) in hole for ip in pods_ip)
    assert {(p.port, p.protocol) for p in cluster.probes} >= {(4999, "UDP"), (5000, "UDP"), (5100, "UDP"),
                                                              (5101, "UDP"), (8079, "TCP"), (8081, "TCP")}
    metrics = {cp.port for p in cluster.pods for cp in p.ports if cp.name == "metrics"}
    assert len(metrics) == 1 and Probe(metrics.pop(), "TCP") in cluster.probes
    assert any(not p.ports for p in cluster.pods)
    assert len({p.ip for p in cluster.pods}) == len(cluster.pods)


def test_synthesized_fqdn_names_and_service_accounts() -> None:
    text = """\
apiVersion: netpolx.io/v1alpha1
kind: NetworkIntent
metadata: {name: out, namespace: shop}
spec:
  subject: {serviceAccounts: [api]}
  egress:
    - peers: [{fqdn: "*.example.com"}, {service: {name: db}}]
"""
    cluster = synthesize_cluster(load(text))
    names = {e.fqdn for e in cluster.externals if e.fqdn}
    assert {"x.example.com", "a.b.example.com", "example.com"} <= names
    assert {p.service_account for p in cluster.pods} >= {"default", "api"}
    assert cluster.service("shop", "db") is not None
    ev = Evaluator(cluster, load(text))
    backend = [p.id for p in cluster.pods if p.labels.get("netpolx.io/service") == "db" and p.namespace == "shop"]
    client = next(p.id for p in cluster.pods if p.service_account == "api" and p.namespace == "shop")
    assert backend and ev.allowed(client, backend[0], 80, "TCP")


def test_large_label_spaces_fall_back_to_variations() -> None:
    docs = [f"""\
apiVersion: netpolx.io/v1alpha1
kind: NetworkIntent
metadata: {{name: p{i}, namespace: ns{i % 3}}}
spec:
  subject: {{pods: {{matchLabels: {{k{i}: v{i}, shared: s{i % 4}}}}}}}
  ingress: [{{peers: [{{pods: {{matchLabels: {{k{(i + 1) % 12}: v{(i + 1) % 12}}}}}}}]}}]
""" for i in range(12)]
    policies = load("---\n".join(docs))
    cluster = synthesize_cluster(policies)
    assert len(cluster.pods) <= 1500
    mutated = load("---\n".join(docs).replace("k3: v3", "k3: v4"))
    assert not verify(policies, mutated).equivalent


# -- translate --verify --------------------------------------------------------------------------------------------

def test_translate_verify_passes_for_an_exact_translation(tmp_path: Path) -> None:
    path = tmp_path / "web.yaml"
    path.write_text(WEB, encoding="utf-8")
    plain = run_cli("translate", "--engine", "kubernetes", "-f", str(path))
    checked = run_cli("translate", "--engine", "kubernetes", "-f", str(path), "--verify")
    assert checked.code == 0, checked.stderr
    assert checked.stdout == plain.stdout != ""
    assert "NPX120" not in checked.stderr


def test_translate_verify_refuses_an_unannounced_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from backends.kubernetes import KubernetesBackend

    original = KubernetesBackend.generate

    def wrong(self: KubernetesBackend, intent: Any) -> list[dict[str, Any]]:
        objects = original(self, intent)
        for obj in objects:
            for rule in obj["spec"].get("ingress", []):
                for port in rule.get("ports", []):
                    if port.get("port") == 8080:
                        port["port"] = 8081
        return objects

    monkeypatch.setattr(KubernetesBackend, "generate", wrong)
    path = tmp_path / "web.yaml"
    path.write_text(WEB, encoding="utf-8")
    out_dir = tmp_path / "out"
    result = run_cli("translate", "--engine", "kubernetes", "-f", str(path), "--verify", "--output-dir", str(out_dir))
    assert result.code == 1
    assert result.stdout == "" and not out_dir.exists()
    lines = [ln for ln in result.stderr.splitlines() if "error NPX120" in ln]
    assert lines and all(ln.startswith(f"{path}:4: error NPX120: shop/web: --verify: ") and ln.endswith("(at spec)")
                         for ln in lines)
    assert any("8080/TCP is allowed by the input but denied by the kubernetes output" in ln for ln in lines)


def test_translate_verify_reports_announced_changes_as_info() -> None:
    sample = ROOT / "samples" / "intents" / "deny-rule.yaml"
    if not sample.exists():
        pytest.skip("sample missing")
    result = run_cli("translate", "--engine", "kubernetes", "-f", str(sample), "--verify", "--error-level", "warn")
    assert result.code == 0, result.stderr
    assert "info NPX120" in result.stderr
    assert "error NPX120" not in result.stderr and "warning NPX120" not in result.stderr
    assert result.stdout


# -- the verify command --------------------------------------------------------------------------------------------

def test_verify_command_exit_codes_and_json(tmp_path: Path) -> None:
    src, same, changed = tmp_path / "a.yaml", tmp_path / "b.yaml", tmp_path / "c.yaml"
    src.write_text(WEB, encoding="utf-8")
    same.write_text(translate(WEB), encoding="utf-8")
    changed.write_text(WEB.replace("port: 8080", "port: 8081"), encoding="utf-8")
    ok = run_cli("verify", "-f", str(src), "--against", str(same))
    assert ok.code == 0, ok.stderr
    assert ok.stdout.startswith("equivalent: ")
    bad = run_cli("verify", "-f", str(src), "--against", str(changed))
    assert bad.code == 1
    assert "NOT equivalent" in bad.stdout and "source: " in bad.stdout and "target: " in bad.stdout
    data = run_cli("verify", "-f", str(src), "--against", str(changed), "-o", "json")
    assert data.code == 1
    import json

    parsed = json.loads(data.stdout)
    assert parsed["equivalent"] is False and parsed["cluster"] == "synthesized"
    first = parsed["differences"][0]
    assert set(first) == {"from", "to", "port", "protocol", "source_allowed", "target_allowed", "source_trace",
                          "target_trace"}
    assert run_cli("verify", "-f", str(src), "--against", str(tmp_path / "missing.yaml")).code == 2
    assert run_cli("verify", "-f", str(src), "--against", str(same), "--target-engine", "nope").code == 2
    broken = tmp_path / "broken.yaml"
    broken.write_text("apiVersion: netpolx.io/v1alpha1\nkind: NetworkIntent\nmetadata: {name: x}\nspec: {}\n")
    assert run_cli("verify", "-f", str(src), "--against", str(broken)).code == 2


def test_verify_command_on_a_cluster_file(tmp_path: Path) -> None:
    src, changed, cluster = tmp_path / "a.yaml", tmp_path / "c.yaml", tmp_path / "cluster.yaml"
    src.write_text(WEB, encoding="utf-8")
    changed.write_text(WEB.replace("role: frontend", "role: frontent"), encoding="utf-8")
    cluster.write_text("""\
pods:
  - {namespace: shop, name: web, labels: {app: web}, ip: 192.168.0.1}
  - {namespace: edge, name: fe, labels: {role: frontend}, ip: 192.168.0.2}
  - {namespace: edge, name: other, labels: {role: backend}, ip: 192.168.0.3}
probes: [{port: 8080, protocol: TCP}]
""", encoding="utf-8")
    result = run_cli("verify", "-f", str(src), "--against", str(changed), "--cluster", str(cluster))
    assert result.code == 1
    assert "on the given cluster (3 pods" in result.stdout
    assert "edge/fe -> shop/web 8080/TCP: allowed by the source, denied by the target" in result.stdout
    assert "edge/other ->" not in result.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("pods: 3\n", encoding="utf-8")
    assert run_cli("verify", "-f", str(src), "--against", str(changed), "--cluster", str(bad)).code == 2


def test_verify_honours_pod_and_node_cidr_settings(tmp_path: Path) -> None:
    """--source-engine/--target-engine settings pod-cidr and node-cidr say where pods and nodes are, as for
    translate --verify: an ipBlock outside them cannot match a pod, so a Cilium CIDR rule is then equivalent."""
    np = tmp_path / "np.yaml"
    np.write_text("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: out, namespace: shop}\n"
                  "spec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n"
                  "  - to: [{ipBlock: {cidr: 192.168.0.0/16}}]\n", encoding="utf-8")
    cnp = tmp_path / "cnp.yaml"
    cnp.write_text("apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: out, namespace: shop}\n"
                   "spec:\n  endpointSelector: {}\n  egress:\n  - toCIDR: [192.168.0.0/16]\n", encoding="utf-8")
    default = run_cli("verify", "-f", str(np), "--against", str(cnp))
    assert default.code == 1  # 192.168.0.0/16 may hold pods: Kubernetes' ipBlock matches them, Cilium's does not
    declared = "pod-cidr=10.244.0.0/16,node-cidr=10.224.0.0/16"
    for option in ("--source-engine", "--target-engine"):
        engine = "kubernetes" if option == "--source-engine" else "cilium"
        result = run_cli("verify", "-f", str(np), "--against", str(cnp), option, f"{engine},{declared}")
        assert result.code == 0 and result.stdout.startswith("equivalent"), result.stdout
        assert "10.244.0.0/16, 10.224.0.0/16 (the declared ranges" in result.stdout
    clash = run_cli("verify", "-f", str(np), "--against", str(cnp), "--source-engine",
                    "kubernetes,pod-cidr=10.1.0.0/16", "--target-engine", "cilium,pod-cidr=10.2.0.0/16")
    assert clash.code == 2 and "pod-cidr=10.2.0.0/16 differs" in clash.stderr


CALICO_CLUSTER = ROOT / "samples" / "migration" / "calico-cluster" / "policies.yaml"


@pytest.mark.parametrize("truncated", [False, True])
def test_calico_tiers_named_by_the_output_keep_their_order_when_read_back(tmp_path: Path, truncated: bool) -> None:
    # Fuzzer seed 16, document 253: the sample cut right after allow-api's first `- action: Allow` (an allow-all
    # rule in the default tier). The security tier (order 100) still denies the threat ranges first, so the
    # translation is exact; the output names tier `security` without its Tier object (translate says it must exist
    # with order 100), and --verify must read it back with that order, not as a second default-order tier.
    text = CALICO_CLUSTER.read_text(encoding="utf-8")
    if truncated:
        head, _, tail = text.partition("kind: NetworkPolicy\nmetadata: {name: allow-api")
        text = head + "kind: NetworkPolicy\nmetadata: {name: allow-api" + tail.split("    - action: Allow\n")[0] \
            + "    - action: Allow\n"
    src = tmp_path / "policies.yaml"
    src.write_text(text, encoding="utf-8")
    plain = run_cli("translate", "--engine", "calico", "-f", str(src))
    verified = run_cli("translate", "--engine", "calico", "-f", str(src), "--verify")
    assert plain.code == verified.code == 0, verified.stderr
    assert "calico output equivalent to the input" in verified.stderr
    assert "Calico tier 'security' must exist with order 100" in verified.stderr
    if truncated:  # the allow-all is kept, and the threat ranges stay denied by the earlier tier
        assert "  ingress:\n  - action: Allow\n" in plain.stdout
    # A Tier object in the output is read as written: with the security tier after the default one, the output's
    # allow-all comes first and lets the threat ranges in, and the proof says so.
    from translator.evaluator.translation import verify_translation
    late = "apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: security}\nspec: {order: 2000000}\n---\n"
    diags = Diagnostics()
    source = load(text)
    docs = documents_from_text(late + plain.stdout, "out.yaml", diags)
    proof = verify_translation(source, [], "calico", diags, documents=docs)
    assert proof is not None and not proof.equivalent
