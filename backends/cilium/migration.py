"""Cilium's migration pitfalls (translator/migration/checks.py's catalogue): what changes when policies move onto
Cilium (ipBlocks never match pods, named ports, port ranges, protocol defaults, empty selectors, namespace labels,
DNS for FQDN rules, the AKS profile of FQDN/L7 rules, deny that always wins, API server and world identities,
SCTP), and what Cilium-only constructs become when they move away."""

from __future__ import annotations

from collections.abc import Iterator

from translator import codes
from translator.compile.pipeline import uses_of
from translator.features import Feature
from translator.load.loaded import LoadedIntent
from translator.migration import dns, document_pitfalls, limits, ordering, pitfalls, validator
from translator.migration.checks import When
from translator.migration.finding import Finding, error
from translator.migration.inputs import MigrationInput
from translator.migration.limits import FQDN_L7
from translator.migration.pitfalls import feature_findings, from_origins, path_of, rules_of
from translator.registry import reads_networkpolicy

CILIUM = frozenset({"cilium"})
CILIUM_ONLY = (Feature.DENY_RULE, Feature.ENTITY_CLUSTER, Feature.ENTITY_NODE, Feature.ENTITY_KUBE_APISERVER,
               Feature.ENTITY_OTHER, Feature.SERVICE_PEER, Feature.PROTOCOL_ICMP)
"""Constructs with no NetworkPolicy equivalent (declared: the capability tables also mark FQDN, L7 and cluster
scope, which P15 and the translation report themselves)."""


def check_aks_fqdn_l7(mi: MigrationInput) -> Iterator[Finding]:
    """P15 (-> Cilium, replacing the generic detector): Cilium enforces FQDN and L7 rules; on AKS it needs ACNS,
    allows no L7 in cluster-wide policies and no Kubernetes service names in toFQDNs."""
    if mi.target.platform != "aks":
        return
    for li in mi.loaded:
        yield from _aks_cilium(mi, li)


def _aks_cilium(mi: MigrationInput, li: LoadedIntent) -> Iterator[Finding]:
    acns = mi.target.flag("acns")
    for use in uses_of(li.intent):
        if use.feature not in FQDN_L7:
            continue
        where = mi.intent_location(li, use.path)
        if not acns:
            yield error(f"{use.feature.description}: Cilium on AKS enforces FQDN and L7 rules only with Advanced "
                        "Container Networking Services", where, mi.policy_ref(li),
                        "enable ACNS (az aks update --enable-acns --acns-advanced-networkpolicies FQDN, or L7 for "
                        "HTTP) and pass --acns")
            return
        if use.feature is Feature.L7_HTTP and li.intent.is_cluster_scoped:
            yield error("L7 HTTP rules are not supported in cluster-wide policies on AKS", where, mi.policy_ref(li),
                        "move the HTTP rule into a namespaced policy")
    for direction, i, rule in rules_of(li):
        for j, peer in enumerate(rule.peers or ()):
            if peer.fqdn and (peer.fqdn.endswith(".cluster.local") or peer.fqdn.endswith(".svc")):
                yield error(f"{direction.value} FQDN {peer.fqdn}: AKS FQDN policies do not resolve Kubernetes "
                            "service names", mi.intent_location(li, path_of(direction, i, "peers", j, "fqdn")),
                            mi.policy_ref(li), "select the service's pods with a pod/namespace peer")


def check_cilium_only(mi: MigrationInput) -> Iterator[Finding]:
    """P17 (Cilium -> NetworkPolicy, Azure NPM, Calico): deny rules, entities, service peers, ICMP."""
    for li in from_origins(mi, {mi.source}):
        yield from feature_findings(mi, li, CILIUM_ONLY, "rewrite these rules with selectors and CIDRs, or keep "
                                    "them on Cilium", quiet_when_native=True)


CHECKS = {
    codes.MIG_ENDPORT: (When(validator.check_endport, targets=CILIUM),
                        When(pitfalls.check_port_ranges, targets=CILIUM)),
    codes.MIG_IPBLOCK: (When(validator.check_cidr, targets=CILIUM, not_sources=CILIUM),
                        When(pitfalls.check_cidr_to_cilium, targets=CILIUM, not_sources=CILIUM)),
    codes.MIG_NAMED_PORT: (When(validator.check_named_ports, targets=CILIUM),
                           When(pitfalls.check_named_ports, targets=CILIUM)),
    codes.MIG_CIDR_WIDENS: (When(pitfalls.check_cidr_widens, sources=CILIUM, not_targets=CILIUM),),
    codes.MIG_PROTOCOL_DEFAULT: (When(document_pitfalls.check_protocol_default, targets=CILIUM, not_sources=CILIUM),
                                 When(pitfalls.check_protocol_any, sources=CILIUM, target_is=reads_networkpolicy)),
    codes.MIG_EMPTY_SELECTOR: (When(document_pitfalls.check_empty_selectors, targets=CILIUM, not_sources=CILIUM),),
    codes.MIG_CNP_NAMESPACE_LABELS: (When(pitfalls.check_cnp_namespace_labels, targets=CILIUM,
                                          not_sources=CILIUM),),
    codes.MIG_FQDN_DNS: (When(dns.check_fqdn_dns, targets=CILIUM),),
    codes.MIG_L7_FQDN: (When(check_aks_fqdn_l7, targets=CILIUM, override=True),),
    codes.MIG_ORDER_DENY: (When(ordering.check_carve_outs, targets=CILIUM),),
    codes.MIG_CILIUM_ONLY: (When(check_cilium_only, sources=CILIUM, not_targets=CILIUM),),
    codes.MIG_APISERVER: (When(limits.check_api_server, targets=CILIUM, not_sources=CILIUM),),
    codes.MIG_SCTP_ICMP: (When(limits.check_sctp_icmp, targets=CILIUM),),
    codes.MIG_WORLD_INGRESS: (When(limits.check_world_ingress, targets=CILIUM),),
}
