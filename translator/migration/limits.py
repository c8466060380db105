"""Pitfalls about what each engine can enforce: FQDN and L7 (P15), API-server rules (P20), host-network pods (P21),
SCTP and ICMP (P22) and north-south ingress from `world` (P27). The engine-only constructs (P17, P18), Azure NPM's
limits (P23) and IMDS (P24) are their backends' (backends/<engine>/migration.py)."""

from __future__ import annotations

from collections.abc import Iterator

from translator.compile.pipeline import uses_of
from translator.features import Feature
from translator.migration.finding import Finding, error, info, warning
from translator.migration.inputs import INTENT_SOURCE, MigrationInput
from translator.migration.pitfalls import (
    API_SERVER_PORTS,
    feature_findings,
    path_of,
    peer_pods,
    rules_of,
    target_backend,
)
from translator.model import Direction, Entity, PeerKind, Rule

FQDN_L7 = (Feature.FQDN_EXACT, Feature.FQDN_WILDCARD, Feature.L7_HTTP, Feature.L7_HTTP_HOST_HEADERS,
           Feature.L7_HTTP_EGRESS)


def check_fqdn_l7(mi: MigrationInput) -> Iterator[Finding]:
    """P15: FQDN and L7 rules, by the target's verdict: engines without them refuse (dropping the match would widen
    to L4). An engine with its own P15 detector replaces this one (backends/cilium/migration.py: the AKS profile)."""
    for li in mi.loaded:
        yield from feature_findings(mi, li, FQDN_L7, "keep these rules on an engine with DNS/L7 policy (Cilium), "
                                    "or replace them by CIDRs of the destinations, reviewed by hand")


def _api_server_rule(rule: Rule) -> bool:
    ports = {p.port for p in rule.ports or () if isinstance(p.port, int)}
    ranges = [p.numeric_range() for p in rule.ports or () if p.is_range]
    return bool(ports & API_SERVER_PORTS) or any(r and r[0] <= q <= r[1] for r in ranges for q in API_SERVER_PORTS)


def check_api_server(mi: MigrationInput) -> Iterator[Finding]:
    """P20 (-> Cilium): API-server access written as single-address CIDRs on 443/6443; the kube-apiserver entity on
    ingress (AKS)."""
    for li in mi.loaded:
        for direction, i, rule in rules_of(li):
            cidrs = [(j, p) for j, p in enumerate(rule.peers or ()) if p.kind is PeerKind.CIDR and p.network
                     is not None and p.network.prefixlen == p.network.max_prefixlen]
            if direction is Direction.EGRESS and cidrs and _api_server_rule(rule):
                j, peer = cidrs[0]
                yield warning(f"egress to host {peer.cidr} on an API server port: if this is the Kubernetes API, "
                              "Cilium does not match it by CIDR when the API server runs on nodes (and AKS does not "
                              "let you set policy-cidr-match-mode: nodes)",
                              mi.intent_location(li, path_of(direction, i, "peers", j, "cidr")), mi.policy_ref(li),
                              "allow the kube-apiserver entity instead (post-migration)")
            if direction is Direction.INGRESS and mi.target.platform == "aks" and any(
                    p.entity is Entity.KUBE_APISERVER for p in rule.peers or ()):
                yield warning("ingress from the kube-apiserver entity: on AKS webhook calls arrive as remote-node, so "
                              "the entity works for egress only", mi.intent_location(li, path_of(direction, i)),
                              mi.policy_ref(li), "allow remote-node on the webhook port as well")


def check_host_network(mi: MigrationInput) -> Iterator[Finding]:
    """P21: selectors that match hostNetwork pods (from --cluster), which no engine polices."""
    wl = mi.workloads
    if wl is None or not any(p.host_network for p in wl.pods):
        return
    for li in mi.loaded:
        intent = li.intent
        subject = [p for p in wl.select(intent.spec.subject.pods, intent.metadata.namespace,
                                        intent.spec.subject.namespaces) if p.host_network]
        if subject:
            yield warning(f"selects host-network pods ({', '.join(p.ref for p in subject[:3])}), which no engine "
                          "polices; the policy has no effect on them", mi.intent_location(li, ("spec", "subject")),
                          mi.policy_ref(li), "protect these pods with a host firewall policy, or drop them from the "
                          "selector")
        for direction, i, rule in rules_of(li):
            hits = [p for peer in rule.peers or () if peer.kind is PeerKind.ENDPOINTS
                    for p in peer_pods(mi, li, peer) if p.host_network]
            if hits:
                yield warning(f"{direction.value} peer matches host-network pods ({', '.join(p.ref for p in hits[:3])})"
                              ", whose traffic carries the node's identity, so the rule does not match them",
                              mi.intent_location(li, path_of(direction, i, "peers")), mi.policy_ref(li),
                              "allow the node (host/remote-node entities, or node CIDRs) instead")
                break


def check_sctp_icmp(mi: MigrationInput) -> Iterator[Finding]:
    """P22 (-> Cilium): SCTP needs a beta agent option (not settable on AKS); ICMP under deny-all differs."""
    for li in mi.loaded:
        for use in uses_of(li.intent):
            where = mi.intent_location(li, use.path)
            if use.feature is Feature.PROTOCOL_SCTP:
                if mi.target.platform == "aks":
                    yield error("SCTP: Cilium on AKS has no SCTP support", where, mi.policy_ref(li),
                                "keep SCTP workloads on another engine")
                else:
                    yield warning("SCTP: Cilium enforces it only with the beta option sctp.enabled", where,
                                  mi.policy_ref(li), "enable SCTP in the Cilium agent")
                break
        if mi.origin_engine(li) == INTENT_SOURCE:
            for use in uses_of(li.intent):
                if use.feature is Feature.PROTOCOL_ICMP:
                    yield warning("ICMP: whether a default deny blocks ICMP differs by engine", mi.intent_location(
                        li, use.path), mi.policy_ref(li), "test ICMP reachability after the migration")
                    break


def check_world_ingress(mi: MigrationInput) -> Iterator[Finding]:
    """P27 (-> Cilium): north-south ingress from world arrives as remote-node in direct routing."""
    for li in mi.loaded:
        for direction, i, rule in rules_of(li):
            if direction is Direction.INGRESS and any(p.entity is Entity.WORLD for p in rule.peers or ()):
                yield info("ingress from world: in direct-routing mode traffic forwarded by another node carries the "
                           "remote-node identity, not world", mi.intent_location(li, path_of(direction, i)),
                           mi.policy_ref(li), "allow remote-node on the same ports where nodes forward traffic")
                break


def has_target_backend(mi: MigrationInput) -> bool:
    """Whether the target engine's backend is installed (used by the report)."""
    return target_backend(mi) is not None

