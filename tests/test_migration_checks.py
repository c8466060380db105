"""`check --from/--to`: Microsoft's five validator checks with the validator's logic, the pitfalls, output
formats, exit codes and bad input."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from backends.kubernetes.api import NetworkPolicy, NPPort
from tests.conftest import run_cli
from tests.shared import ROOT
from translator import codes
from translator.cluster.model import ServicePort
from translator.cluster.services import ServiceInfo
from translator.diagnostics import Diagnostics
from translator.load.source import documents_from_text
from translator.migration.checks import applicable, checks
from translator.migration.ordering import ports_may_overlap, selectors_may_overlap
from translator.migration.validator import ports_cover_service, selector_covers_service, service_is_covered
from translator.model import LabelSelector, PortSpec, Protocol

NPM = ROOT / "samples" / "migration" / "npm-cluster"


def np(name: str, spec: str, namespace: str = "shop") -> str:
    """A NetworkPolicy document with an indented spec."""
    body = textwrap.indent(textwrap.dedent(spec).strip(), "  ")
    return f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: {name}, namespace: " \
           f"{namespace}}}\nspec:\n{body}\n"


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def findings(tmp_path: Path, policies: str, *extra: str, source: str = "azure-npm",
             target: str = "cilium") -> tuple[int, list[dict]]:
    """Run the migration check; (exit code, JSON diagnostics)."""
    result = run_cli("check", "--from", source, "--to", target, "-f", write(tmp_path, "p.yaml", policies), *extra,
                     "--diagnostics-format", "json")
    assert result.code in (0, 1), result.stderr
    return result.code, json.loads(result.stderr) if result.stderr.strip() else []


def by_code(diags: list[dict], code: str) -> list[dict]:
    return [d for d in diags if d["code"] == code]


# -- the check table ---------------------------------------------------------------------------------------------


def test_every_check_has_its_own_code_in_the_assigned_range() -> None:
    own = [c.code for c in checks()]
    assert len(own) == len(set(own))
    for code in own:
        assert code in codes.CODES
        assert 500 <= int(code[3:]) <= 549
    ids = [i for c in checks() for i in c.ids]
    assert {f"MS{n}" for n in range(1, 6)} <= set(ids)
    assert {f"P{n:02d}" for n in range(1, 28)} <= set(ids), "every pitfall P01-P27 has a check"


def test_microsofts_checks_apply_to_azure_npm_to_cilium_only_where_they_should() -> None:
    npm = {i for c in applicable("azure-npm", "cilium") for i in c.ids}
    assert {"MS1", "MS2", "MS3", "MS4", "MS5"} <= npm
    vanilla = {i for c in applicable("kubernetes", "cilium") for i in c.ids}
    assert {"MS1", "MS2", "MS3"} <= vanilla and not {"MS4", "MS5"} & vanilla
    assert not {"MS4", "MS5", "MS1"} & {i for c in applicable("azure-npm", "calico") for i in c.ids}


# -- MS1: endPort ------------------------------------------------------------------------------------------------

RANGE = np("range", """
    podSelector: {}
    policyTypes: [Egress]
    egress:
      - ports: [{protocol: TCP, port: 8000, endPort: 8100}]
""")


@pytest.mark.parametrize(("target", "severity", "code"), [("cilium", "warning", 0), ("cilium@1.16", "error", 1),
                                                          ("cilium@1.17", "info", 0)])
def test_endport_severity_follows_the_cilium_version(tmp_path: Path, target: str, severity: str, code: int) -> None:
    exit_code, diags = findings(tmp_path, RANGE, target=target)
    hits = by_code(diags, codes.MIG_ENDPORT)
    assert [d["severity"] for d in hits] == [severity]
    assert hits[0]["path"] == "spec.egress[0].ports[0].endPort"
    assert exit_code == code


# -- MS2: ipBlock ------------------------------------------------------------------------------------------------


def test_ipblock_all_addresses_is_an_error_other_ranges_a_warning(tmp_path: Path) -> None:
    text = np("wide", """
        podSelector: {}
        policyTypes: [Egress]
        egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}]}]
    """) + "---\n" + np("narrow", """
        podSelector: {}
        policyTypes: [Ingress]
        ingress: [{from: [{ipBlock: {cidr: 203.0.113.0/24}}]}]
    """)
    _, diags = findings(tmp_path, text)
    hits = {re.search(r"NetworkPolicy shop/(\w+)", d["message"]).group(1): d["severity"]
            for d in by_code(diags, codes.MIG_IPBLOCK)}
    assert hits == {"wide": "error", "narrow": "warning"}


def test_ipblock_with_a_cluster_names_the_pods_it_matches(tmp_path: Path) -> None:
    _, diags = findings(tmp_path, np("to-db", """
        podSelector: {matchLabels: {app: backend}}
        policyTypes: [Egress]
        egress: [{to: [{ipBlock: {cidr: 10.244.2.10/32}}], ports: [{port: 5432}]}]
    """), "--cluster", str(NPM / "cluster.yaml"))
    (hit,) = by_code(diags, codes.MIG_IPBLOCK)
    assert hit["severity"] == "error" and "shop/db-1" in hit["message"]


def test_kubernetes_to_kubernetes_has_no_ipblock_finding(tmp_path: Path) -> None:
    _, diags = findings(tmp_path, np("wide", """
        podSelector: {}
        egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}]}]
    """), source="kubernetes", target="calico")
    assert not by_code(diags, codes.MIG_IPBLOCK)


# -- MS3: named ports --------------------------------------------------------------------------------------------


def test_named_port_resolving_to_two_numbers_is_an_error(tmp_path: Path) -> None:
    cluster = write(tmp_path, "c.yaml", """
pods:
  - {namespace: shop, name: a, labels: {app: web}, ip: 10.0.0.1, ports: [{name: http, port: 8080}]}
  - {namespace: shop, name: b, labels: {app: web}, ip: 10.0.0.2, ports: [{name: http, port: 9090}]}
""")
    policy = np("web", """
        podSelector: {matchLabels: {app: web}}
        ingress: [{ports: [{port: http}]}]
    """)
    _, plain = findings(tmp_path, policy)
    assert [d["severity"] for d in by_code(plain, codes.MIG_NAMED_PORT)] == ["warning"]
    _, sharp = findings(tmp_path, policy, "--cluster", cluster)
    (hit,) = by_code(sharp, codes.MIG_NAMED_PORT)
    assert hit["severity"] == "error" and "8080" in hit["message"] and "9090" in hit["message"]


def test_named_ports_of_intents_are_judged_like_networkpolicies_per_protocol(tmp_path: Path) -> None:
    """One named-port pitfall for every source kind: the same verdict and words as MS3, and only the container
    ports of the rule's protocol count (a UDP port of the same name is another port)."""
    cluster = write(tmp_path, "c.yaml", """
pods:
  - {namespace: app, name: a, labels: {app: web}, ip: 10.0.0.1, ports: [{name: http, port: 8080}]}
  - {namespace: app, name: b, labels: {app: web}, ip: 10.0.0.2, ports: [{name: http, port: 9090, protocol: UDP}]}
  - {namespace: app, name: c, labels: {app: web}, ip: 10.0.0.3, ports: [{name: http, port: 9090}]}
""")
    tcp = intent("web", "subject: {pods: {matchLabels: {app: web}}}\ningress: [{ports: [{port: http}]}]")
    _, diags = findings(tmp_path, tcp, "--cluster", cluster, source="intent")
    (hit,) = by_code(diags, codes.MIG_NAMED_PORT)
    assert hit["severity"] == "error" and "is a named port that resolves to different numbers" in hit["message"]
    assert "8080 on app/a" in hit["message"] and "9090 on app/c" in hit["message"]
    assert "app/b" not in hit["message"], "the UDP port named http is not the TCP port http"
    udp = intent("web", "subject: {pods: {matchLabels: {app: web}}}\ningress: [{ports: [{port: http, protocol: UDP}]}]")
    _, diags = findings(tmp_path, udp, "--cluster", cluster, source="intent")
    (hit,) = by_code(diags, codes.MIG_NAMED_PORT)
    assert hit["severity"] == "warning" and "resolves to 9090 on every matching pod" in hit["message"]


def test_named_ports_to_azure_npm_windows_are_refused(tmp_path: Path) -> None:
    _, diags = findings(tmp_path, np("web", "podSelector: {}\ningress: [{ports: [{port: http}]}]"),
                        source="azure-npm", target="azure-npm-windows")
    assert [d["severity"] for d in by_code(diags, codes.MIG_NAMED_PORT)] == ["error"]


# -- MS4: egress -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("spec", "flagged"), [
    ("podSelector: {}\npolicyTypes: [Egress]", True),
    ("podSelector: {}\npolicyTypes: [Egress]\negress: [{}]", False),
    ("podSelector: {}\negress: [{ports: [{port: 53, protocol: UDP}]}]", True),
    ("podSelector: {}\npolicyTypes: [Ingress]", False),
    ("podSelector: {}\npolicyTypes: [Ingress]\negress: [{to: [{podSelector: {}}]}]", True),
])
def test_egress_check_is_the_validators_rule(tmp_path: Path, spec: str, flagged: bool) -> None:
    _, diags = findings(tmp_path, np("p", spec))
    assert bool(by_code(diags, codes.MIG_EGRESS_NODE)) is flagged


def test_egress_check_is_npm_specific(tmp_path: Path) -> None:
    _, diags = findings(tmp_path, np("p", "podSelector: {}\npolicyTypes: [Egress]"), source="kubernetes")
    assert not by_code(diags, codes.MIG_EGRESS_NODE)


# -- MS5: Services with externalTrafficPolicy Cluster -------------------------------------------------------------


def service(selector: dict | None = None, target: int | str = 8080, protocol: str = "TCP") -> ServiceInfo:
    return ServiceInfo("shop", "web", "LoadBalancer", "", selector if selector is not None else {"app": "web"},
                       (ServicePort(port=80, targetPort=target, protocol=protocol),))


def policy(spec: str) -> NetworkPolicy:
    doc = documents_from_text(np("p", spec), "p.yaml", Diagnostics())[0]
    return NetworkPolicy.model_validate(doc.data)


@pytest.mark.parametrize(("spec", "covered"), [
    ("podSelector: {}\ningress: [{}]", True),
    ("podSelector: {matchLabels: {app: web}}\ningress: [{ports: [{port: 8080}]}]", True),
    ("podSelector: {matchLabels: {app: web}}\ningress: [{ports: [{port: 80}]}]", False),
    ("podSelector: {matchLabels: {app: web}}\ningress: [{ports: [{protocol: TCP}]}]", True),
    ("podSelector: {matchLabels: {app: web}}\ningress: [{ports: [{protocol: UDP}]}]", False),
    ("podSelector: {matchLabels: {app: web, tier: x}}\ningress: [{}]", False),
    ("podSelector: {matchExpressions: [{key: app, operator: In, values: [web]}]}\ningress: [{}]", False),
    ("podSelector: {}\ningress: [{from: [{podSelector: {}}]}]", False),
    ("podSelector: {}\npolicyTypes: [Ingress]", False),
])
def test_service_covering_rules(spec: str, covered: bool) -> None:
    assert service_is_covered(service(), [policy(spec)]) is covered


def test_named_or_zero_target_ports_are_never_covered_by_ports() -> None:
    ports = [NPPort(protocol="TCP", port=8080)]
    assert ports_cover_service(service(), ports)
    assert not ports_cover_service(service(target="http"), ports)
    assert not ports_cover_service(service(target=0), ports)
    assert selector_covers_service(None, LabelSelector())
    assert not selector_covers_service(None, LabelSelector(matchLabels={"app": "web"}))


SERVICES = """apiVersion: v1
kind: List
items:
  - {apiVersion: v1, kind: Service, metadata: {name: lb, namespace: shop},
     spec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}}
  - {apiVersion: v1, kind: Service, metadata: {name: local, namespace: shop},
     spec: {type: LoadBalancer, externalTrafficPolicy: Local, selector: {app: web}, ports: [{port: 80}]}}
  - {apiVersion: v1, kind: Service, metadata: {name: np, namespace: shop},
     spec: {type: NodePort, selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}}
  - {apiVersion: v1, kind: Service, metadata: {name: internal, namespace: shop},
     spec: {selector: {app: web}, ports: [{port: 80}]}}
  - {apiVersion: v1, kind: Service, metadata: {name: other, namespace: elsewhere},
     spec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 80}]}}
"""


def test_services_at_risk_are_the_cluster_policy_external_ones_in_namespaces_with_ingress_policy(
        tmp_path: Path) -> None:
    services = write(tmp_path, "svc.yaml", SERVICES)
    restricted = np("web", "podSelector: {matchLabels: {app: web}}\ningress: [{from: [{podSelector: {}}]}]")
    code, diags = findings(tmp_path, restricted, "--services", services)
    flagged = sorted(re.search(r"Service (\S+):", d["message"]).group(1) for d in by_code(diags, codes.MIG_ETP_CLUSTER))
    assert flagged == ["shop/lb", "shop/np"]
    assert code == 1
    allow_all = np("web", "podSelector: {matchLabels: {app: web}}\ningress: [{ports: [{port: 8080}]}]")
    _, diags = findings(tmp_path, allow_all, "--services", services)
    assert not by_code(diags, codes.MIG_ETP_CLUSTER)


def test_without_services_the_service_check_says_it_did_not_run(tmp_path: Path) -> None:
    _, diags = findings(tmp_path, np("web", "podSelector: {}\ningress: [{from: [{podSelector: {}}]}]"))
    (note,) = by_code(diags, codes.MIG_NOT_CHECKED)
    assert note["severity"] == "info" and "--services" in note["message"]


def test_services_in_the_policy_inputs_are_used(tmp_path: Path) -> None:
    text = np("web", "podSelector: {}\ningress: [{from: [{podSelector: {}}]}]") + "---\n" + SERVICES
    _, diags = findings(tmp_path, text)
    assert len(by_code(diags, codes.MIG_ETP_CLUSTER)) == 2


# -- the NPM sample: all five, formats, fail-on -------------------------------------------------------------------


def npm_sample(*extra: str) -> object:
    return run_cli("check", "--from", "azure-npm", "--to", "cilium", "-f", str(NPM / "policies.yaml"), "--services",
                   str(NPM / "services.yaml"), "--cluster", str(NPM / "cluster.yaml"), *extra)


def test_npm_sample_has_all_five_findings_in_text_json_and_sarif() -> None:
    text = npm_sample()
    assert text.code == 1 and text.stdout == ""
    for label in ("MS1/P06", "MS2/P01", "MS3/P05", "MS4/P03", "MS5/P04"):
        assert label in text.stderr
    assert re.search(r"policies\.yaml:\d+: error NPX501: MS2/P01", text.stderr)
    as_json = json.loads(npm_sample("--diagnostics-format", "json").stderr)
    assert {codes.MIG_ENDPORT, codes.MIG_IPBLOCK, codes.MIG_NAMED_PORT, codes.MIG_EGRESS_NODE,
            codes.MIG_ETP_CLUSTER} <= {d["code"] for d in as_json}
    sarif = json.loads(npm_sample("--diagnostics-format", "sarif").stderr)
    rules = {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert codes.MIG_ETP_CLUSTER in rules
    results = sarif["runs"][0]["results"]
    assert all(loc["physicalLocation"]["artifactLocation"]["uri"] for r in results for loc in r["locations"])
    assert sum(bool(r["locations"]) for r in results) >= 5  # every finding about a file names it


def test_fail_on_sets_the_threshold(tmp_path: Path) -> None:
    warn_only = np("p", "podSelector: {}\npolicyTypes: [Egress]\negress: [{ports: [{port: 443}]}]")
    assert findings(tmp_path, warn_only)[0] == 0
    result = run_cli("check", "--from", "azure-npm", "--to", "cilium", "-f", write(tmp_path, "w.yaml", warn_only),
                     "--fail-on", "warning")
    assert result.code == 1


# -- pitfalls on intents -----------------------------------------------------------------------------------------


def intent(name: str, spec: str, namespace: str = "app") -> str:
    body = textwrap.indent(textwrap.dedent(spec).strip(), "  ")
    return f"apiVersion: netpolx.io/v1alpha1\nkind: NetworkIntent\nmetadata: {{name: {name}, namespace: " \
           f"{namespace}}}\nspec:\n{body}\n"


def test_carve_out_of_a_later_deny_is_an_error_for_cilium(tmp_path: Path) -> None:
    allow = intent("allow-admin", """
        order: 10
        ingress: [{peers: [{pods: {matchLabels: {role: admin}}}], ports: [{port: 22}]}]
    """)
    deny = intent("deny-ssh", """
        order: 20
        ingress: [{action: deny, ports: [{port: 22}]}]
    """)
    _, diags = findings(tmp_path, allow + "---\n" + deny, source="intent", target="cilium")
    carve = [d for d in by_code(diags, codes.MIG_ORDER_DENY) if "takes precedence" in d["message"]]
    assert len(carve) == 1 and "allow-admin" in carve[0]["message"]
    other_port = allow.replace("port: 22", "port: 443")
    _, diags = findings(tmp_path, other_port + "---\n" + deny, source="intent", target="cilium")
    assert not [d for d in by_code(diags, codes.MIG_ORDER_DENY) if "takes precedence" in d["message"]]


def test_egress_isolation_without_dns_is_flagged_unless_dns_is_allowed(tmp_path: Path) -> None:
    locked = intent("locked", "egress: [{peers: [{cidr: 203.0.113.0/24}]}]")
    _, diags = findings(tmp_path, locked, source="intent", target="kubernetes")
    assert "UDP" in by_code(diags, codes.MIG_NO_DNS)[0]["message"]
    _, diags = findings(tmp_path, locked.replace("spec:\n", "spec:\n  allowDNS: true\n"), source="intent",
                        target="kubernetes")
    assert not by_code(diags, codes.MIG_NO_DNS)


def test_fqdn_needs_dns_for_cilium_and_acns_on_aks(tmp_path: Path) -> None:
    fqdn = intent("api", "egress: [{peers: [{fqdn: api.example.com}], ports: [{port: 443}]}]")
    _, diags = findings(tmp_path, fqdn, source="intent", target="cilium")
    assert by_code(diags, codes.MIG_FQDN_DNS)[0]["severity"] == "error"
    with_dns = fqdn.replace("spec:\n", "spec:\n  allowDNS: true\n")
    _, diags = findings(tmp_path, with_dns, "--platform", "aks", source="intent", target="cilium")
    assert not by_code(diags, codes.MIG_FQDN_DNS)
    assert "ACNS" in by_code(diags, codes.MIG_L7_FQDN)[0]["message"]
    _, diags = findings(tmp_path, with_dns, "--platform", "aks", "--acns", source="intent", target="cilium")
    assert not by_code(diags, codes.MIG_L7_FQDN)
    _, diags = findings(tmp_path, with_dns, source="intent", target="kubernetes")
    assert by_code(diags, codes.MIG_L7_FQDN)[0]["severity"] == "error"


def test_selector_lints(tmp_path: Path) -> None:
    text = np("p", """
        podSelector: {}
        ingress:
          - from:
              - namespaceSelector: {matchLabels: {name: monitoring}}
              - podSelector: {matchLabels: {app: prometheus}}
    """)
    _, diags = findings(tmp_path, text, source="kubernetes", target="cilium")
    assert by_code(diags, codes.MIG_AND_OR) and by_code(diags, codes.MIG_NAMESPACE_LABEL)
    assert by_code(diags, codes.MIG_AND_OR)[0]["line"] is not None


def test_implicit_ingress_and_missing_namespace(tmp_path: Path) -> None:
    text = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: out}\nspec:\n  podSelector: {}\n"
            "  egress: [{ports: [{port: 443}]}]\n")
    _, diags = findings(tmp_path, text, source="kubernetes", target="calico")
    assert by_code(diags, codes.MIG_IMPLICIT_INGRESS) and by_code(diags, codes.MIG_NO_NAMESPACE)
    assert not by_code(diags, codes.MISSING_NAMESPACE), "the importer's note is folded into P25"


def test_windows_npm_limits_and_aad_pod_identity(tmp_path: Path) -> None:
    text = np("p", """
        podSelector: {matchLabels: {aadpodidbinding: app}}
        policyTypes: [Egress]
        egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]}]
    """)
    _, diags = findings(tmp_path, text, target="azure-npm-windows")
    assert by_code(diags, codes.MIG_NPM_LIMITS)[0]["severity"] == "error"
    _, diags = findings(tmp_path, text)
    assert any("aad-pod-identity" in d["message"] for d in by_code(diags, codes.MIG_IMDS))


def test_cilium_cidrs_widen_as_ipblocks(tmp_path: Path) -> None:
    cnp = """apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: out, namespace: app}
spec:
  endpointSelector: {}
  egress: [{toCIDR: [0.0.0.0/0]}]
"""
    _, diags = findings(tmp_path, cnp, source="cilium", target="kubernetes")
    assert by_code(diags, codes.MIG_CIDR_WIDENS)[0]["severity"] == "error"


# -- overlap helpers ---------------------------------------------------------------------------------------------


def sel(labels: dict | None = None, *exprs: tuple) -> LabelSelector:
    return LabelSelector.model_validate({"matchLabels": labels or {}, "matchExpressions": [
        {"key": k, "operator": op, "values": list(v)} for k, op, v in exprs]})


@pytest.mark.parametrize(("a", "b", "overlap"), [
    (sel({"app": "a"}), sel({"app": "b"}), False),
    (sel({"app": "a"}), sel({"tier": "x"}), True),
    (sel({"app": "a"}), sel(None, ("app", "NotIn", ["a"])), False),
    (sel({"app": "a"}), sel(None, ("app", "DoesNotExist", [])), False),
    (sel(None, ("app", "DoesNotExist", [])), sel(None, ("tier", "Exists", [])), True),
    (sel(None, ("app", "In", ["a", "b"])), sel(None, ("app", "In", ["b", "c"])), True),
    (sel(None, ("app", "In", ["a"])), sel(None, ("app", "NotIn", ["a"])), False),
    (sel(), sel({"app": "a"}), True),
])
def test_selectors_may_overlap(a: LabelSelector, b: LabelSelector, overlap: bool) -> None:
    assert selectors_may_overlap(a, b) is overlap
    assert selectors_may_overlap(b, a) is overlap


def test_ports_may_overlap() -> None:
    tcp80 = (PortSpec(protocol=Protocol.TCP, port=80),)
    assert ports_may_overlap(tcp80, None)
    assert not ports_may_overlap(tcp80, (PortSpec(protocol=Protocol.UDP, port=80),))
    assert ports_may_overlap(tcp80, (PortSpec(protocol=Protocol.ANY, port=70, endPort=90),))
    assert not ports_may_overlap(tcp80, (PortSpec(protocol=Protocol.TCP, port=81, endPort=90),))


# -- bad input ---------------------------------------------------------------------------------------------------


def test_bad_input_exits_2_with_a_location(tmp_path: Path) -> None:
    policies = write(tmp_path, "p.yaml", np("p", "podSelector: {}"))
    bad_svc = write(tmp_path, "s.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: x, namespace: a}\n"
                    "spec:\n  type: LoadBalancer\n  ports: [{port: eighty}]\n")
    result = run_cli("check", "--from", "azure-npm", "--to", "cilium", "-f", policies, "--services", bad_svc)
    assert result.code == 2 and re.search(r"s\.yaml:6: error NPX004", result.stderr), result.stderr
    unknown = run_cli("check", "--from", "azure-npm", "--to", "cillium", "-f", policies)
    assert unknown.code == 2 and "NPX006" in unknown.stderr
    syntax = run_cli("check", "--from", "azure-npm", "--to", "cilium", "-f", write(tmp_path, "b.yaml", "a: [\n"))
    assert syntax.code == 2 and "Traceback" not in syntax.stderr


# -- cluster facts from a kubectl List ----------------------------------------------------------------------------

KUBECTL_CLUSTER = """apiVersion: v1
kind: List
items:
  - {apiVersion: v1, kind: Namespace, metadata: {name: shop}}
  - apiVersion: v1
    kind: Pod
    metadata: {name: exporter, namespace: shop, labels: {app: exporter}}
    spec: {hostNetwork: true, containers: [{name: c, ports: [{containerPort: 9100, name: metrics}]}]}
    status: {podIP: 10.244.0.4}
  - apiVersion: v1
    kind: Pod
    metadata: {name: web, namespace: shop, labels: {app: web}}
    spec: {containers: [{name: c, ports: [{containerPort: 8080, name: http}]}]}
    status: {podIP: 10.244.0.7}
  - apiVersion: v1
    kind: Service
    metadata: {name: web, namespace: shop}
    spec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
"""


def test_kubectl_cluster_list_gives_host_network_pods_pod_ips_and_services(tmp_path: Path) -> None:
    cluster = write(tmp_path, "cluster.yaml", KUBECTL_CLUSTER)
    exporter = np("exporter", "podSelector: {matchLabels: {app: exporter}}\ningress: [{from: [{podSelector: {}}]}]")
    wide = np("wide", "podSelector: {}\npolicyTypes: [Egress]\negress: [{to: [{ipBlock: {cidr: 10.244.0.0/16}}]}]")
    text = exporter + "---\n" + wide
    _, diags = findings(tmp_path, text, "--cluster", cluster)
    assert "shop/exporter" in by_code(diags, codes.MIG_HOST_NETWORK)[0]["message"]
    (cidr,) = by_code(diags, codes.MIG_IPBLOCK)
    assert cidr["severity"] == "error" and "shop/web" in cidr["message"] and "exporter" not in cidr["message"]
    assert [d["message"] for d in by_code(diags, codes.MIG_ETP_CLUSTER)], "Services come from the cluster List too"
    assert not by_code(diags, codes.MIG_NOT_CHECKED)
