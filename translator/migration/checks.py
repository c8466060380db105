"""The migration checks as data: one row per check, one stable code each.

MS1-MS5 are the five checks of Microsoft's azure-npm-to-cilium-validator (same logic, offline); Pnn are the
pitfalls of migration-pitfalls.md. The catalogue below holds every check with the detectors that apply to any pair
of engines; each backend adds the detectors that concern it (`Backend.migration_module`, a module with
`CHECKS: {code: (When(...), ...)}`, e.g. backends/cilium/migration.py), saying for which source -> target pairs
each runs. Detectors live in `validator` (MS1-MS5 on NetworkPolicy documents), `document_pitfalls` (other
document-level checks), `pitfalls`, `limits`, `dns` and `ordering` (on the imported intents, so every source kind
is covered), and in the backends' own modules.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache

from translator import codes
from translator.capabilities import Support
from translator.features import Feature
from translator.migration import dns, document_pitfalls, limits, ordering, pitfalls
from translator.migration.finding import Finding
from translator.migration.inputs import MigrationInput
from translator.output.progress import progress
from translator.registry import all_backends

Detector = Callable[[MigrationInput], Iterable[Finding]]
ANY = frozenset({"*"})


@dataclass(frozen=True)
class When:
    """Run `detector` when the source engine is in `sources` (and not in `not_sources`) and the target in
    `targets` (and not in `not_targets`); `*` matches any engine. `source_is` / `target_is` add a test on the
    engine's name (e.g. `reads_networkpolicy`). An `override` row of the target's backend replaces the
    catalogue's own detectors for its check."""

    detector: Detector
    sources: frozenset[str] = ANY
    targets: frozenset[str] = ANY
    not_sources: frozenset[str] = frozenset()
    not_targets: frozenset[str] = frozenset()
    source_is: Callable[[str], bool] | None = None
    target_is: Callable[[str], bool] | None = None
    override: bool = False

    def applies(self, source: str, target: str) -> bool:
        """Whether the detector runs for this migration."""
        return (("*" in self.sources or source in self.sources) and source not in self.not_sources
                and ("*" in self.targets or target in self.targets) and target not in self.not_targets
                and (self.source_is is None or self.source_is(source))
                and (self.target_is is None or self.target_is(target)))


@dataclass(frozen=True)
class Check:
    """One migration check: its code, ids (MSn for Microsoft's validator, Pnn for pitfalls), a title, why it
    matters, where the fact comes from, and when each of its detectors runs (`when`: for any engines; `engines`:
    the rows the backends add)."""

    code: str
    ids: tuple[str, ...]
    title: str
    why: str
    citation: str
    when: tuple[When, ...] = ()
    engines: tuple[When, ...] = field(default=(), compare=False)

    @property
    def microsoft(self) -> bool:
        """Whether this is one of the validator's five checks."""
        return any(i.startswith("MS") for i in self.ids)

    def detectors(self, source: str, target: str) -> list[When]:
        """The rows that run for this migration (an applying `override` row replaces the generic ones)."""
        own = [w for w in self.engines if w.applies(source, target)]
        generic = [] if any(w.override for w in own) else [w for w in self.when if w.applies(source, target)]
        return [*generic, *own]

    def applies(self, source: str, target: str) -> bool:
        """Whether any detector of the check runs for this migration."""
        return bool(self.detectors(source, target))


def unordered(engine: str) -> bool:
    """Whether the engine has no first-match order of its own (its capability table lowers or refuses it)."""
    cls = all_backends().get(engine)
    return cls is not None and cls.capabilities[Feature.ORDERED].support is not Support.NATIVE


VALIDATOR = "Azure/azure-container-networking tools/azure-npm-to-cilium-validator"
MS_DOC = "learn.microsoft.com/azure/aks/migrate-from-npm-to-cilium-network-policy"

CATALOGUE: tuple[Check, ...] = (
    Check(codes.MIG_ENDPORT, ("MS1", "P06"), "NetworkPolicy with endPort",
          "Cilium before 1.17 does not support port ranges; AKS Kubernetes 1.31 ships Cilium 1.16.",
          f"{VALIDATOR} getEndportNetworkPolicies; {MS_DOC}"),
    Check(codes.MIG_IPBLOCK, ("MS2", "P01"), "NetworkPolicy with CIDR",
          "Cilium ipBlocks never match pod or node IPs, even 0.0.0.0/0; Azure NPM and Calico match any IP.",
          f"{VALIDATOR} getCIDRNetworkPolicies; cilium/cilium#9209, #35212"),
    Check(codes.MIG_NAMED_PORT, ("MS3", "P05"), "NetworkPolicy with named port",
          "Cilium mis-enforces a port name that maps to different numbers; Azure NPM on Windows skips the policy.",
          f"{VALIDATOR} getNamedPortPolicies; cilium/cilium#30003"),
    Check(codes.MIG_EGRESS_NODE, ("MS4", "P03"), "NetworkPolicy with egress (not allow-all egress)",
          "Azure NPM implicitly allows egress to the pod's own node; Cilium does not.",
          f"{VALIDATOR} getEgressPolicies; {MS_DOC}"),
    Check(codes.MIG_ETP_CLUSTER, ("MS5", "P04"), "Service with externalTrafficPolicy=Cluster",
          "Azure NPM does not enforce ingress policy on LoadBalancer/NodePort traffic with externalTrafficPolicy "
          "Cluster; Cilium does.",
          f"{VALIDATOR} getUnsafeExternalTrafficPolicyClusterServices; {MS_DOC}"),
    Check(codes.MIG_CIDR_WIDENS, ("P02",), "Cilium CIDR or world becomes an ipBlock",
          "Calico and Azure NPM apply ipBlocks to pod IPs too, so 'world' grows to include the cluster.",
          "projectcalico/calico#6634"),
    Check(codes.MIG_PROTOCOL_DEFAULT, ("P07",), "Port protocol defaults",
          "A NetworkPolicy port without protocol is TCP; a Cilium one is any protocol.",
          "Cilium PortProtocol doc; Kubernetes NetworkPolicyPort"),
    Check(codes.MIG_IMPLICIT_INGRESS, ("P08",), "policyTypes absent with only egress rules",
          "Kubernetes then also isolates ingress, which is usually unintended.",
          "Kubernetes NetworkPolicySpec.policyTypes", (When(document_pitfalls.check_implicit_ingress),)),
    Check(codes.MIG_EMPTY_SELECTOR, ("P09",), "Empty selectors",
          "podSelector: {} alone is the policy's namespace, namespaceSelector: {} every namespace; in Cilium an "
          "empty endpoint selector is the policy's namespace only.", "cilium/cilium#14580, #4513"),
    Check(codes.MIG_AND_OR, ("P10",), "Namespace and pod peers: OR, not AND",
          "Separate namespaceSelector and podSelector peers mean either one.",
          "ahmetb/kubernetes-network-policy-recipes#98", (When(pitfalls.check_and_or),)),
    Check(codes.MIG_NAMESPACE_LABEL, ("P11",), "Namespace label keys",
          "`name` does not exist on namespaces; projectcalico.org/* labels exist only where Calico runs.",
          "projectcalico/calico#6898; k3s-io/docs#334", (When(pitfalls.check_namespace_labels),)),
    Check(codes.MIG_CNP_NAMESPACE_LABELS, ("P12",), "Namespace labels in a namespaced CNP",
          "Cilium documents namespace labels as honoured only in cluster-wide policies; newer releases differ.",
          "cilium/cilium#26134, #18865"),
    Check(codes.MIG_NO_DNS, ("P13",), "Egress lock-down without DNS",
          "Egress-isolated pods need UDP and TCP 53 to the resolver, or name resolution times out.",
          "aws/aws-network-policy-agent#230; AKS network-policy-best-practices", (When(dns.check_dns),)),
    Check(codes.MIG_FQDN_DNS, ("P14",), "DNS-name egress without a DNS rule",
          "Cilium learns FQDN IPs only from DNS answers it proxies.", "cilium/cilium#11767"),
    Check(codes.MIG_L7_FQDN, ("P15",), "FQDN and L7 rules",
          "Dropping an L7 or FQDN match widens the rule; on AKS Cilium needs ACNS, and no L7 in cluster-wide "
          "policies.", "AKS FQDN/L7 concept docs; docs.tigera.io domain-based policy",
          (When(limits.check_fqdn_l7),)),
    Check(codes.MIG_ORDER_DENY, ("P16",), "Deny, pass, log and order",
          "Cilium has no order and deny always wins; NetworkPolicy and Azure NPM have no deny.",
          "Calico tier docs; cilium/design-cfps#84", (When(ordering.check_order, target_is=unordered),)),
    Check(codes.MIG_CILIUM_ONLY, ("P17",), "Cilium-only constructs",
          "Deny rules, entities, toServices and ICMP have no NetworkPolicy equivalent.", "Cilium policy docs"),
    Check(codes.MIG_CALICO_ONLY, ("P18",), "Calico-only constructs",
          "Global policies, network sets, service accounts, negations, ICMP, service rules and host options are "
          "partly or not expressible elsewhere.", "Calico GlobalNetworkPolicy reference; cybozu-go/neco-apps#2317"),
    Check(codes.MIG_GNP_EMPTY_NAMESPACE, ("P19",), "GlobalNetworkPolicy rule without namespaceSelector",
          "It matches pods of every namespace plus non-namespaced endpoints.", "Calico automatic labels doc"),
    Check(codes.MIG_APISERVER, ("P20",), "API server by CIDR",
          "Cilium matches the API server by CIDR only with policy-cidr-match-mode nodes; on AKS webhooks arrive "
          "as remote-node.", "cilium/cilium#20550, #32464"),
    Check(codes.MIG_HOST_NETWORK, ("P21",), "Host-network pods",
          "No engine polices host-network pods.", "kubernetes/website#39875", (When(limits.check_host_network),)),
    Check(codes.MIG_SCTP_ICMP, ("P22",), "SCTP and ICMP",
          "SCTP needs a beta Cilium option (none on AKS); ICMP under default deny differs by engine.",
          "antrea-io/antrea#4132; Cilium NetworkPolicy doc"),
    Check(codes.MIG_NPM_LIMITS, ("P23",), "Azure NPM limits",
          "Windows skips policies with negative selectors, except, named ports or SCTP; NPM is IPv4-only and "
          "supports 250 nodes / 20,000 pods.", "learn.microsoft.com/azure/aks/use-network-policies"),
    Check(codes.MIG_IMDS, ("P24",), "Azure IMDS after egress isolation",
          "Azure NPM never filtered IMDS; aad-pod-identity does not work with Cilium.", "Azure/AKS#3170"),
    Check(codes.MIG_NO_NAMESPACE, ("P25",), "Policy without namespace",
          "kubectl applies it to the current context's namespace.", "awslabs k8s-network-policy-migrator",
          (When(document_pitfalls.check_missing_namespace),)),
    Check(codes.MIG_SELF_CHECK, ("P26",), "Translator self-check",
          "Lost CIDRs, ports or peers, or toCIDR next to toCIDRSet voiding except; run by `migrate` on its output.",
          "awslabs nets[0]; cmcconnell policy_converter.py"),
    Check(codes.MIG_WORLD_INGRESS, ("P27",), "Ingress from world",
          "In direct routing, north-south traffic forwarded by another node carries the remote-node identity.",
          "cilium/cilium Documentation/security/policy/caveats.rst"),
)


def engine_rows() -> dict[str, tuple[When, ...]]:
    """Every backend's rows by check code, in the registry's order (a module shared by two backends counts once)."""
    out: dict[str, dict[When, None]] = {}
    modules = dict.fromkeys(cls.migration_module for cls in all_backends().values() if cls.migration_module)
    for name in modules:
        rows: Mapping[str, tuple[When, ...]] = importlib.import_module(str(name)).CHECKS
        for code, whens in rows.items():
            if code not in {c.code for c in CATALOGUE}:
                raise ValueError(f"{name}: rows for {code}, which is no migration check")
            out.setdefault(code, {}).update(dict.fromkeys(whens))
    return {code: tuple(rows) for code, rows in out.items()}


@cache
def checks() -> tuple[Check, ...]:
    """The catalogue with every installed backend's rows."""
    rows = engine_rows()
    return tuple(replace(c, engines=rows.get(c.code, ())) for c in CATALOGUE)


def by_code() -> dict[str, Check]:
    """The checks by code."""
    return {c.code: c for c in checks()}


def applicable(source: str, target: str) -> list[Check]:
    """The checks that run for a migration from `source` to `target`."""
    return [c for c in checks() if c.applies(source, target)]


FindingKey = tuple[str, int, str, str, str]
"""A finding's place in the report: file, line, code, subject, message."""


def _sort_key(f: Finding) -> FindingKey:
    return (f.location.file, f.location.line or 0, f.code, f.subject, f.message)


def run_checks(mi: MigrationInput) -> list[Finding]:
    """Every finding of every applicable check, each tagged with its check, in a stable order."""
    out: dict[FindingKey, Finding] = {}
    applicable = checks()
    report = progress()  # on a terminal, after 2 s: `running migration checks 3/40`
    report.phase("running migration checks", len(applicable))
    for check in applicable:
        report.advance()
        for when in check.detectors(mi.source, mi.target_name):
            for found in when.detector(mi):
                tagged = replace(found, code=found.code or check.code, ids=check.ids, title=check.title)
                out.setdefault(_sort_key(tagged), tagged)
    return sorted(out.values(), key=_sort_key)
