"""The migration checks as data: one row per check, one stable code each.

MS1-MS5 are the five checks of Microsoft's azure-npm-to-cilium-validator (same logic, offline); Pnn are the
pitfalls of migration-pitfalls.md. A row says for which source -> target pairs each of its detectors runs;
detectors live in `validator` (MS1-MS5 on NetworkPolicy documents), `native` (other document-level checks),
`pitfalls`, `limits`, `dns` and `ordering` (on the imported intents, so every source kind is covered).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from translator import codes
from translator.migration import dns, document_pitfalls, limits, ordering, pitfalls, validator
from translator.migration.finding import Finding
from translator.migration.inputs import KNOWN_ENGINES, NP_ENGINES, NPM_ENGINES, MigrationInput

Detector = Callable[[MigrationInput], Iterable[Finding]]
ANY = frozenset({"*"})
CILIUM = frozenset({"cilium"})
CALICO = frozenset({"calico"})
NOT_CALICO = frozenset(KNOWN_ENGINES) - CALICO
UNORDERED = NP_ENGINES | CILIUM


@dataclass(frozen=True)
class When:
    """Run `detector` when the source engine is in `sources` (and not in `not_sources`) and the target in
    `targets`; `*` matches any engine."""

    detector: Detector
    sources: frozenset[str] = ANY
    targets: frozenset[str] = ANY
    not_sources: frozenset[str] = frozenset()

    def applies(self, source: str, target: str) -> bool:
        """Whether the detector runs for this migration."""
        return (("*" in self.sources or source in self.sources) and source not in self.not_sources
                and ("*" in self.targets or target in self.targets))


@dataclass(frozen=True)
class Check:
    """One migration check: its code, ids (MSn for Microsoft's validator, Pnn for pitfalls), a title, why it
    matters, where the fact comes from, and when each of its detectors runs."""

    code: str
    ids: tuple[str, ...]
    title: str
    why: str
    citation: str
    when: tuple[When, ...] = ()

    @property
    def microsoft(self) -> bool:
        """Whether this is one of the validator's five checks."""
        return any(i.startswith("MS") for i in self.ids)

    def applies(self, source: str, target: str) -> bool:
        """Whether any detector of the check runs for this migration."""
        return any(w.applies(source, target) for w in self.when)


VALIDATOR = "Azure/azure-container-networking tools/azure-npm-to-cilium-validator"
MS_DOC = "learn.microsoft.com/azure/aks/migrate-from-npm-to-cilium-network-policy"

CHECKS: tuple[Check, ...] = (
    Check(codes.MIG_ENDPORT, ("MS1", "P06"), "NetworkPolicy with endPort",
          "Cilium before 1.17 does not support port ranges; AKS Kubernetes 1.31 ships Cilium 1.16.",
          f"{VALIDATOR} getEndportNetworkPolicies; {MS_DOC}",
          (When(validator.check_endport, targets=CILIUM), When(pitfalls.check_port_ranges, targets=CILIUM))),
    Check(codes.MIG_IPBLOCK, ("MS2", "P01"), "NetworkPolicy with CIDR",
          "Cilium ipBlocks never match pod or node IPs, even 0.0.0.0/0; Azure NPM and Calico match any IP.",
          f"{VALIDATOR} getCIDRNetworkPolicies; cilium/cilium#9209, #35212",
          (When(validator.check_cidr, targets=CILIUM, not_sources=CILIUM),
           When(pitfalls.check_cidr_to_cilium, targets=CILIUM, not_sources=CILIUM))),
    Check(codes.MIG_NAMED_PORT, ("MS3", "P05"), "NetworkPolicy with named port",
          "Cilium mis-enforces a port name that maps to different numbers; Azure NPM on Windows skips the policy.",
          f"{VALIDATOR} getNamedPortPolicies; cilium/cilium#30003",
          (When(validator.check_named_ports, targets=CILIUM),
           When(pitfalls.check_named_ports, targets=CILIUM | {"azure-npm-windows"}))),
    Check(codes.MIG_EGRESS_NODE, ("MS4", "P03"), "NetworkPolicy with egress (not allow-all egress)",
          "Azure NPM implicitly allows egress to the pod's own node; Cilium does not.",
          f"{VALIDATOR} getEgressPolicies; {MS_DOC}",
          (When(validator.check_egress, sources=NPM_ENGINES, targets=CILIUM),)),
    Check(codes.MIG_ETP_CLUSTER, ("MS5", "P04"), "Service with externalTrafficPolicy=Cluster",
          "Azure NPM does not enforce ingress policy on LoadBalancer/NodePort traffic with externalTrafficPolicy "
          "Cluster; Cilium does.",
          f"{VALIDATOR} getUnsafeExternalTrafficPolicyClusterServices; {MS_DOC}",
          (When(validator.check_services, sources=NPM_ENGINES, targets=CILIUM),)),
    Check(codes.MIG_CIDR_WIDENS, ("P02",), "Cilium CIDR or world becomes an ipBlock",
          "Calico and Azure NPM apply ipBlocks to pod IPs too, so 'world' grows to include the cluster.",
          "projectcalico/calico#6634",
          (When(pitfalls.check_cidr_widens, sources=CILIUM, targets=NP_ENGINES | CALICO),)),
    Check(codes.MIG_PROTOCOL_DEFAULT, ("P07",), "Port protocol defaults",
          "A NetworkPolicy port without protocol is TCP; a Cilium one is any protocol.",
          "Cilium PortProtocol doc; Kubernetes NetworkPolicyPort",
          (When(document_pitfalls.check_protocol_default, targets=CILIUM, not_sources=CILIUM),
           When(pitfalls.check_protocol_any, sources=CILIUM, targets=NP_ENGINES))),
    Check(codes.MIG_IMPLICIT_INGRESS, ("P08",), "policyTypes absent with only egress rules",
          "Kubernetes then also isolates ingress, which is usually unintended.",
          "Kubernetes NetworkPolicySpec.policyTypes", (When(document_pitfalls.check_implicit_ingress),)),
    Check(codes.MIG_EMPTY_SELECTOR, ("P09",), "Empty selectors",
          "podSelector: {} alone is the policy's namespace, namespaceSelector: {} every namespace; in Cilium an "
          "empty endpoint selector is the policy's namespace only.", "cilium/cilium#14580, #4513",
          (When(document_pitfalls.check_empty_selectors, targets=CILIUM, not_sources=CILIUM),)),
    Check(codes.MIG_AND_OR, ("P10",), "Namespace and pod peers: OR, not AND",
          "Separate namespaceSelector and podSelector peers mean either one.",
          "ahmetb/kubernetes-network-policy-recipes#98", (When(pitfalls.check_and_or),)),
    Check(codes.MIG_NAMESPACE_LABEL, ("P11",), "Namespace label keys",
          "`name` does not exist on namespaces; projectcalico.org/* labels exist only where Calico runs.",
          "projectcalico/calico#6898; k3s-io/docs#334", (When(pitfalls.check_namespace_labels),)),
    Check(codes.MIG_CNP_NAMESPACE_LABELS, ("P12",), "Namespace labels in a namespaced CNP",
          "Cilium documents namespace labels as honoured only in cluster-wide policies; newer releases differ.",
          "cilium/cilium#26134, #18865",
          (When(pitfalls.check_cnp_namespace_labels, targets=CILIUM, not_sources=CILIUM),)),
    Check(codes.MIG_NO_DNS, ("P13",), "Egress lock-down without DNS",
          "Egress-isolated pods need UDP and TCP 53 to the resolver, or name resolution times out.",
          "aws/aws-network-policy-agent#230; AKS network-policy-best-practices", (When(dns.check_dns),)),
    Check(codes.MIG_FQDN_DNS, ("P14",), "DNS-name egress without a DNS rule",
          "Cilium learns FQDN IPs only from DNS answers it proxies.", "cilium/cilium#11767",
          (When(dns.check_fqdn_dns, targets=CILIUM),)),
    Check(codes.MIG_L7_FQDN, ("P15",), "FQDN and L7 rules",
          "Dropping an L7 or FQDN match widens the rule; on AKS Cilium needs ACNS, and no L7 in cluster-wide "
          "policies.", "AKS FQDN/L7 concept docs; docs.tigera.io domain-based policy",
          (When(limits.check_fqdn_l7),)),
    Check(codes.MIG_ORDER_DENY, ("P16",), "Deny, pass, log and order",
          "Cilium has no order and deny always wins; NetworkPolicy and Azure NPM have no deny.",
          "Calico tier docs; cilium/design-cfps#84", (When(ordering.check_order, targets=UNORDERED),)),
    Check(codes.MIG_CILIUM_ONLY, ("P17",), "Cilium-only constructs",
          "Deny rules, entities, toServices and ICMP have no NetworkPolicy equivalent.", "Cilium policy docs",
          (When(limits.check_cilium_only, sources=CILIUM, targets=NP_ENGINES | CALICO),)),
    Check(codes.MIG_CALICO_ONLY, ("P18",), "Calico-only constructs",
          "Global policies, network sets, service accounts, negations, ICMP, service rules and host options are "
          "partly or not expressible elsewhere.", "Calico GlobalNetworkPolicy reference; cybozu-go/neco-apps#2317",
          (When(document_pitfalls.check_calico_objects, sources=CALICO, targets=NOT_CALICO),
           When(limits.check_calico_only, sources=CALICO, targets=NOT_CALICO))),
    Check(codes.MIG_GNP_EMPTY_NAMESPACE, ("P19",), "GlobalNetworkPolicy rule without namespaceSelector",
          "It matches pods of every namespace plus non-namespaced endpoints.", "Calico automatic labels doc",
          (When(document_pitfalls.check_gnp_empty_namespace, sources=CALICO, targets=NOT_CALICO),)),
    Check(codes.MIG_APISERVER, ("P20",), "API server by CIDR",
          "Cilium matches the API server by CIDR only with policy-cidr-match-mode nodes; on AKS webhooks arrive "
          "as remote-node.", "cilium/cilium#20550, #32464",
          (When(limits.check_api_server, targets=CILIUM, not_sources=CILIUM),)),
    Check(codes.MIG_HOST_NETWORK, ("P21",), "Host-network pods",
          "No engine polices host-network pods.", "kubernetes/website#39875", (When(limits.check_host_network),)),
    Check(codes.MIG_SCTP_ICMP, ("P22",), "SCTP and ICMP",
          "SCTP needs a beta Cilium option (none on AKS); ICMP under default deny differs by engine.",
          "antrea-io/antrea#4132; Cilium NetworkPolicy doc", (When(limits.check_sctp_icmp, targets=CILIUM),)),
    Check(codes.MIG_NPM_LIMITS, ("P23",), "Azure NPM limits",
          "Windows skips policies with negative selectors, except, named ports or SCTP; NPM is IPv4-only and "
          "supports 250 nodes / 20,000 pods.", "learn.microsoft.com/azure/aks/use-network-policies",
          (When(limits.check_npm_limits, targets=NPM_ENGINES),)),
    Check(codes.MIG_IMDS, ("P24",), "Azure IMDS after egress isolation",
          "Azure NPM never filtered IMDS; aad-pod-identity does not work with Cilium.", "Azure/AKS#3170",
          (When(limits.check_imds, sources=NPM_ENGINES, targets=CILIUM),)),
    Check(codes.MIG_NO_NAMESPACE, ("P25",), "Policy without namespace",
          "kubectl applies it to the current context's namespace.", "awslabs k8s-network-policy-migrator",
          (When(document_pitfalls.check_missing_namespace),)),
    Check(codes.MIG_SELF_CHECK, ("P26",), "Translator self-check",
          "Lost CIDRs, ports or peers, or toCIDR next to toCIDRSet voiding except; run by `migrate` on its output.",
          "awslabs nets[0]; cmcconnell policy_converter.py"),
    Check(codes.MIG_WORLD_INGRESS, ("P27",), "Ingress from world",
          "In direct routing, north-south traffic forwarded by another node carries the remote-node identity.",
          "cilium/cilium Documentation/security/policy/caveats.rst",
          (When(limits.check_world_ingress, targets=CILIUM),)),
)

BY_CODE: dict[str, Check] = {c.code: c for c in CHECKS}


def applicable(source: str, target: str) -> list[Check]:
    """The checks that run for a migration from `source` to `target`."""
    return [c for c in CHECKS if c.applies(source, target)]


FindingKey = tuple[str, int, str, str, str]
"""A finding's place in the report: file, line, code, subject, message."""


def _sort_key(f: Finding) -> FindingKey:
    return (f.location.file, f.location.line or 0, f.code, f.subject, f.message)


def run_checks(mi: MigrationInput) -> list[Finding]:
    """Every finding of every applicable check, each tagged with its check, in a stable order."""
    out: dict[FindingKey, Finding] = {}
    for check in CHECKS:
        for when in check.when:
            if not when.applies(mi.source, mi.target_name):
                continue
            for found in when.detector(mi):
                tagged = replace(found, code=found.code or check.code, ids=check.ids, title=check.title)
                out.setdefault(_sort_key(tagged), tagged)
    return sorted(out.values(), key=_sort_key)
