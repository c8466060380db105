"""Pitfalls about what each engine can enforce: FQDN and L7 (P15), Cilium-only (P17) and Calico-only (P18)
constructs, API-server rules (P20), host-network pods (P21), SCTP and ICMP (P22), Azure NPM limits (P23), IMDS
(P24) and north-south ingress from `world` (P27)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from translator.compile.pipeline import uses_of
from translator.features import Feature
from translator.load.loaded import LoadedIntent
from translator.migration.finding import Finding, error, info, warning
from translator.migration.inputs import NPM_ENGINES, MigrationInput
from translator.migration.pitfalls import (
    API_SERVER_PORTS,
    IMDS,
    NPM_POD_LIMIT,
    feature_findings,
    from_origins,
    path_of,
    peer_pods,
    rules_of,
    target_backend,
)
from translator.model import Action, Direction, Entity, PeerKind, Rule

FQDN_L7 = (Feature.FQDN_EXACT, Feature.FQDN_WILDCARD, Feature.L7_HTTP, Feature.L7_HTTP_HOST_HEADERS,
           Feature.L7_HTTP_EGRESS)
CILIUM_ONLY = (Feature.DENY_RULE, Feature.ENTITY_CLUSTER, Feature.ENTITY_NODE, Feature.ENTITY_KUBE_APISERVER,
               Feature.ENTITY_OTHER, Feature.SERVICE_PEER, Feature.PROTOCOL_ICMP)
CALICO_ONLY = (Feature.CLUSTER_SCOPE, Feature.SUBJECT_NAMESPACE_SELECTOR, Feature.SUBJECT_SERVICE_ACCOUNT,
               Feature.PEER_SERVICE_ACCOUNT, Feature.NEGATED_PEER, Feature.NEGATED_PORT, Feature.PROTOCOL_ICMP,
               Feature.SERVICE_PEER)
NPM_WINDOWS = (Feature.NEGATIVE_SELECTOR, Feature.PEER_NEGATIVE_NAMESPACE_SELECTOR, Feature.CIDR_EXCEPT,
               Feature.PROTOCOL_SCTP, Feature.PROTOCOL_ANY)


def check_fqdn_l7(mi: MigrationInput) -> Iterator[Finding]:
    """P15: FQDN and L7 rules. Engines without them refuse (dropping the match would widen to L4); Cilium on AKS
    needs ACNS, allows no L7 in cluster-wide policies and no Kubernetes service names in toFQDNs."""
    cilium = mi.target_name == "cilium"
    for li in mi.loaded:
        if not cilium:
            yield from feature_findings(mi, li, FQDN_L7, "keep these rules on an engine with DNS/L7 policy (Cilium), "
                                        "or replace them by CIDRs of the destinations, reviewed by hand")
            continue
        if mi.target.platform != "aks":
            continue
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
    for li in from_origins(mi, {"cilium"}):
        yield from feature_findings(mi, li, CILIUM_ONLY, "rewrite these rules with selectors and CIDRs, or keep "
                                    "them on Cilium", quiet_when_native=True)


def check_calico_only(mi: MigrationInput) -> Iterator[Finding]:
    """P18 (Calico -> other engines): global policies, service accounts, negations, ICMP, service rules, tiers."""
    for li in from_origins(mi, {"calico"}):
        yield from feature_findings(mi, li, CALICO_ONLY, "rewrite with selectors and CIDRs the target has, or keep "
                                    "this policy on Calico")


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
        if mi.origin_engine(li) == "intent":
            for use in uses_of(li.intent):
                if use.feature is Feature.PROTOCOL_ICMP:
                    yield warning("ICMP: whether a default deny blocks ICMP differs by engine", mi.intent_location(
                        li, use.path), mi.policy_ref(li), "test ICMP reachability after the migration")
                    break


def check_npm_limits(mi: MigrationInput) -> Iterator[Finding]:
    """P23 (-> Azure NPM): Windows skips policies with negatives, except, SCTP; no IPv6; size limits."""
    for li in mi.loaded:
        if mi.target_name == "azure-npm-windows":
            yield from feature_findings(mi, li, NPM_WINDOWS, "rewrite without these constructs (Azure NPM on Windows "
                                        "skips the whole policy), or move the pool to Calico")
        yield from feature_findings(mi, li, [Feature.IPV6], "Azure NPM is IPv4-only; use Cilium or Calico for "
                                    "IPv6")
    if mi.workloads is not None and len(mi.workloads.pods) > NPM_POD_LIMIT:
        doc = mi.documents[0] if mi.documents else None
        if doc is not None:
            yield warning(f"the cluster has {len(mi.workloads.pods)} pods; Azure NPM supports at most "
                          f"{NPM_POD_LIMIT} (and 250 nodes)", doc.locate(), "cluster",
                          "choose Cilium or Calico for a cluster this size")


def _allows_imds(rule: Rule) -> bool:
    if rule.action is not Action.ALLOW:
        return False
    if not rule.peers:
        return True
    for peer in rule.peers:
        if peer.kind is PeerKind.ENTITY and peer.entity in (Entity.ALL, Entity.WORLD):
            return True
        if peer.kind is PeerKind.CIDR and peer.network is not None and IMDS.version == peer.network.version \
                and IMDS in peer.network and not any(IMDS in ipaddress.ip_network(e) for e in peer.except_
                                                     if ipaddress.ip_network(e).version == 4):
            return True
    return False


def check_imds(mi: MigrationInput) -> Iterator[Finding]:
    """P24 (Azure NPM -> Cilium on AKS): egress isolation without an IMDS allow; aad-pod-identity selectors."""
    for li in from_origins(mi, NPM_ENGINES):
        intent = li.intent
        if "aadpodidbinding" in intent.spec.subject.pods.keys():  # noqa: SIM118 (a selector, not a dict)
            yield warning("selects pods by aadpodidbinding: aad-pod-identity does not work with Cilium",
                          mi.intent_location(li, ("spec", "subject", "pods")), mi.policy_ref(li),
                          "move these workloads to Microsoft Entra Workload ID first")
        if intent.isolates(Direction.EGRESS) and not any(_allows_imds(r) for r in intent.rules(Direction.EGRESS)):
            yield warning("egress is isolated with no allow for the Azure instance metadata endpoint "
                          "169.254.169.254; Azure NPM never filtered it, Cilium likely will (inference, verify on "
                          "a test cluster), which breaks managed identity", mi.intent_location(li, ("spec",)),
                          mi.policy_ref(li), "if the pods use managed identity, allow egress to 169.254.169.254/32 "
                          "on TCP 80")


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

