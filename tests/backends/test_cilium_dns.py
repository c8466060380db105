"""Cilium's DNS proxy across policies (issue 10 item 1) and DNS rules that are never dropped (item 2)."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.conftest import run_cli

ALLOW_DNS = """\
apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata: {name: allow-dns}
spec:
  endpointSelector: {}
  egress:
  - toEndpoints:
    - matchLabels: {io.kubernetes.pod.namespace: kube-system, k8s-app: kube-dns}
    toPorts:
    - ports: [{port: "53", protocol: UDP}, {port: "53", protocol: TCP}]
      rules:
        dns:
        - matchPattern: "*"
"""

APP = """\
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: app, namespace: shop}
spec:
  endpointSelector: {matchLabels: {app: web}}
  egress:
  - toFQDNs: [{matchName: api.github.com}]
    toPorts: [{ports: [{port: "443", protocol: TCP}]}]
"""


def intent(name: str, spec: dict, namespace: str | None = "shop") -> str:
    meta = {"name": name} | ({"namespace": namespace} if namespace else {})
    return yaml.safe_dump({"apiVersion": "netpolx.io/v1alpha1", "kind": "NetworkIntent", "metadata": meta,
                           "spec": spec})


APP_INTENT = intent("app", {"subject": {"pods": {"matchLabels": {"app": "web"}}},
                            "egress": [{"peers": [{"fqdn": "api.github.com"}], "ports": [{"port": 443}]}]})


def proxy_intent(names: list[str], namespace: str | None = None) -> str:
    kube_dns = {"pods": {"matchLabels": {"k8s-app": "kube-dns"}}, "namespaceNames": ["kube-system"]}
    spec: dict = {"egress": [{"peers": [kube_dns], "dns": names,
                              "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]}
    if namespace is None:
        spec["scope"] = "Cluster"
    return intent("dns", spec, namespace)


def write(tmp_path: Path, *texts: str) -> str:
    path = tmp_path / "in.yaml"
    path.write_text("---\n".join(texts))
    return str(path)


def translate(path: str, engine: str = "cilium", *extra: str):  # type: ignore[no-untyped-def]
    return run_cli("translate", "--engine", engine, "--verify", *extra, "-f", path)


def test_a_dns_policy_for_the_same_pods_engages_the_proxy_for_another_policys_fqdn_peers(tmp_path: Path) -> None:
    result = translate(write(tmp_path, ALLOW_DNS, APP))
    assert result.code == 0, result.stderr
    assert "NPX106" not in result.stderr and "NPX120" not in result.stderr
    docs = {d["metadata"]["name"]: d for d in yaml.safe_load_all(result.stdout)}
    assert docs["allow-dns"]["spec"]["egress"][0]["toPorts"][0]["rules"] == {"dns": [{"matchPattern": "*"}]}
    assert len(docs["app"]["spec"]["egress"]) == 1  # no DNS rule added: the cluster-wide one serves it


def test_intents_share_the_proxy_only_when_the_dns_rule_covers_their_pods_and_names(tmp_path: Path) -> None:
    ok = translate(write(tmp_path, APP_INTENT, proxy_intent(["*"])))
    assert ok.code == 0, ok.stderr
    app = next(d for d in yaml.safe_load_all(ok.stdout) if d["metadata"]["name"] == "app")
    assert len(app["spec"]["egress"]) == 1
    assert translate(write(tmp_path, APP_INTENT, proxy_intent(["*.github.com"]))).code == 0
    for other in (proxy_intent(["*"], namespace="other"), proxy_intent(["*.example.com"]), ""):
        refused = translate(write(tmp_path, APP_INTENT, *([other] if other else [])))
        assert refused.code == 1 and "NPX106" in refused.stderr, other
        assert "no policy of the input that selects these pods" in refused.stderr


def test_cilium_to_cilium_keeps_rules_dns(tmp_path: Path) -> None:
    result = translate(write(tmp_path, ALLOW_DNS))
    assert result.code == 0, result.stderr
    (doc,) = yaml.safe_load_all(result.stdout)
    assert doc["spec"]["egress"][0]["toPorts"][0]["rules"] == {"dns": [{"matchPattern": "*"}]}
    imported = run_cli("import", "-f", write(tmp_path, ALLOW_DNS))
    assert yaml.safe_load(imported.stdout)["spec"]["egress"][0]["dns"] == ["*"]


NAMES = """\
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: to-fqdn, namespace: default}
spec:
  endpointSelector: {matchLabels: {lrp-test: "true"}}
  egress:
  - toEndpoints:
    - matchLabels: {"k8s:io.kubernetes.pod.namespace": kube-system, "k8s:k8s-app": node-local-dns}
    toPorts:
    - ports: [{port: "53", protocol: UDP}]
      rules:
        dns:
        - matchPattern: "*.google.com"
        - matchName: "example.org"
  - toFQDNs: [{matchPattern: "*.google.com"}]
"""


def test_dns_names_are_exact_on_cilium(tmp_path: Path) -> None:
    result = translate(write(tmp_path, NAMES))
    assert result.code == 0, result.stderr
    (doc,) = yaml.safe_load_all(result.stdout)
    assert doc["spec"]["egress"][0]["toPorts"][0]["rules"]["dns"] == [{"matchPattern": "*.google.com"},
                                                                       {"matchName": "example.org"}]


def test_dns_names_elsewhere_are_a_widening_refused_unless_allowed(tmp_path: Path) -> None:
    path = write(tmp_path, NAMES.replace("  - toFQDNs: [{matchPattern: \"*.google.com\"}]\n", ""))
    for engine in ("kubernetes", "calico"):
        refused = translate(path, engine)
        assert refused.code == 1 and "NPX106" in refused.stderr, (engine, refused.stderr)
        assert "cannot filter DNS queries by name" in refused.stderr
        accepted = translate(path, engine, "--allow-widening")
        assert accepted.code == 0 and "[accepted]" in accepted.stderr, accepted.stderr


def test_a_dns_rule_allowing_every_name_is_exact_everywhere(tmp_path: Path) -> None:
    for engine in ("kubernetes", "calico", "azure-npm"):
        result = translate(write(tmp_path, ALLOW_DNS.replace("endpointSelector: {}", "endpointSelector: {}")
                                 .replace("CiliumClusterwideNetworkPolicy", "CiliumNetworkPolicy")
                                 .replace("{name: allow-dns}", "{name: allow-dns, namespace: shop}")), engine)
        assert result.code == 0, (engine, result.stderr)
        assert "dns-proxy" in result.stderr  # announced as an exact rewrite


def test_dns_names_only_in_egress(tmp_path: Path) -> None:
    bad = intent("p", {"ingress": [{"ports": [{"protocol": "UDP", "port": 53}], "dns": ["*"]}]})
    assert run_cli("translate", "--engine", "cilium", "-f", write(tmp_path, bad)).code == 2
    bad = intent("p", {"egress": [{"ports": [{"port": 443}], "dns": ["*"], "action": "deny"}]})
    assert run_cli("translate", "--engine", "cilium", "-f", write(tmp_path, bad)).code == 2


def test_fqdn_names_that_the_pods_dns_rules_do_not_allow_are_refused(tmp_path: Path) -> None:
    app = intent("app", {"subject": {"pods": {"matchLabels": {"app": "web"}}}, "egress": [
        {"peers": [{"fqdn": "api.github.com"}], "ports": [{"port": 443}]},
        {"peers": [{"pods": {"matchLabels": {"k8s-app": "kube-dns"}}, "namespaceNames": ["kube-system"]}],
         "ports": [{"protocol": "UDP", "port": 53}], "dns": ["*.example.com"]}]})
    refused = translate(write(tmp_path, app))
    assert refused.code == 1 and "do not allow api.github.com" in refused.stderr
    accepted = translate(write(tmp_path, app), "cilium", "--allow-widening")
    assert accepted.code == 0, accepted.stderr
    rules = [pr.get("rules") for e in yaml.safe_load(accepted.stdout)["spec"]["egress"] for pr in e.get("toPorts", [])]
    assert {"dns": [{"matchPattern": "*"}]} in rules and {"dns": [{"matchPattern": "*.example.com"}]} in rules
    assert translate(write(tmp_path, app.replace("'*.example.com'", "'*.github.com'"))).code == 0
