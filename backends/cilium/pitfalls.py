"""Migration pitfalls reported when the target is Cilium (migration-pitfalls.md P05, P06, P13, P14, P20, P22).

The ipBlock divergence (P01) and `endPort` below 1.17 (P06) come from the capability checks themselves
(CiliumBackend.support_for); this module adds the warnings that do not change the translation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from backends.cilium.cidr import Network, in_cluster_overlap
from backends.cilium.lower import excludes_cluster, needs_dns_rule
from translator import codes
from translator.diagnostics import Diagnostics, SourceLocation
from translator.load.loaded import LoadedIntent
from translator.model import (
    Action,
    Direction,
    Entity,
    LabelSelector,
    NetworkIntent,
    PeerKind,
    PortSpec,
    Protocol,
    Rule,
    expand_dns,
)

Locate = Callable[[tuple[str | int, ...]], SourceLocation]


def _ports(intent: NetworkIntent) -> Iterator[tuple[tuple[str | int, ...], PortSpec]]:
    for direction in Direction:
        for i, rule in enumerate(intent.rules(direction)):
            for j, port in enumerate(rule.ports or ()):
                yield ("spec", direction.value, i, "ports", j), port


def named_ports(intent: NetworkIntent, locate: Locate, diags: Diagnostics) -> None:
    """P05: named ports (Cilium misbehaves when one name maps to different numbers on the selected pods)."""
    for path, port in _ports(intent):
        if port.is_named:
            diags.warning(codes.CILIUM_NAMED_PORT, f"{intent.ref}: named port {port.port!r}: Cilium enforces it "
                          "wrongly when pods use the same name for different port numbers (cilium/cilium#30003); "
                          "prefer the number if every pod uses the same one", locate((*path, "port")),
                          feature="named-port")


def sctp(intent: NetworkIntent, locate: Locate, diags: Diagnostics) -> None:
    """P22: SCTP needs Cilium's SCTP support (beta, off by default)."""
    for path, port in _ports(intent):
        if port.protocol is Protocol.SCTP:
            diags.warning(codes.CILIUM_SCTP, f"{intent.ref}: {port}: Cilium enforces SCTP only with its SCTP "
                          "support enabled (`sctp.enabled=true`, beta); without it this SCTP traffic is dropped",
                          locate((*path, "protocol")), feature="protocol-sctp")


def apiserver_ingress(intent: NetworkIntent, locate: Locate, diags: Diagnostics) -> None:
    """P20: on AKS and GKE control-plane traffic reaches pods through the nodes, not as kube-apiserver."""
    for i, rule in enumerate(intent.rules(Direction.INGRESS)):
        for j, peer in enumerate(rule.peers or ()):
            if peer.entity is Entity.KUBE_APISERVER:
                diags.warning(codes.CILIUM_APISERVER_INGRESS, f"{intent.ref}: ingress from the kube-apiserver "
                              "entity may not match on AKS and GKE (the API server's calls arrive through the nodes, "
                              "with the remote-node identity); allow remote-node as well, or use the cluster entity",
                              locate(("spec", "ingress", i, "peers", j, "entity")), feature="entity-kube-apiserver")


def fqdn_dns(intent: NetworkIntent, locate: Locate, diags: Diagnostics) -> None:
    """P14: FQDN peers without a DNS rule, here or in another intent selecting the same pods: one is added (a
    change, announced here)."""
    if needs_dns_rule(expand_dns(intent)):
        diags.error(codes.WIDENED, f"{intent.ref}: DNS-name peers need Cilium's DNS proxy to see the pods' "
                    "queries, and no policy of the input that selects these pods has a DNS rule (dns) allowing "
                    "their names, so Cilium needs an egress rule that the intent does not have: allow UDP and TCP 53 "
                    "to pods k8s-app=kube-dns in kube-system, with rules.dns matchPattern '*'. Add `allowDNS: true` to "
                    "the intent, or pass --allow-widening to have it added", locate(("spec", "egress")),
                    feature="fqdn-exact")


def cidr_assumptions(intent: NetworkIntent, ranges: tuple[list[Network], bool], locate: Locate,
                     diags: Diagnostics) -> None:
    """P01, the quiet half: a CIDR outside the in-cluster ranges is exact only if no pod or node uses it (info, one
    per rule, at its first such CIDR: a rule may list thousands).

    CIDRs that overlap those ranges get a CHANGED warning or a refusal from the capability check instead.
    """
    networks, given = ranges
    facts = "the pod/node/service ranges given" if given else "the private ranges clusters use for pods and nodes"
    for direction in Direction:
        for i, rule in enumerate(intent.rules(direction)):
            if rule.action not in (Action.ALLOW, Action.DENY) or excludes_cluster(rule):
                continue
            outside = [(j, peer) for j, peer in enumerate(rule.peers or ())
                       if peer.kind is PeerKind.CIDR and not in_cluster_overlap(peer, networks)]
            if not outside:
                continue
            shown = ", ".join(str(peer) for _, peer in outside[:5])
            more = f" (+{len(outside) - 5:,} more)" if len(outside) > 5 else ""
            many = len(outside) > 1
            diags.info(codes.CHANGED, f"{intent.ref}: Cilium CIDR rules never match pods or nodes: {shown}{more} "
                       f"{'are' if many else 'is'} translated exactly as long as no pod or node has an address in "
                       f"{'them' if many else 'it'} ({'they are' if many else 'it is'} outside {facts}: "
                       f"{', '.join(map(str, networks))})",
                       locate(("spec", direction.value, i, "peers", outside[0][0], "cidr")), feature="cidr")


def _covers(rule: Rule, protocol: Protocol) -> bool:
    """Whether an allow rule's ports include port 53 of `protocol` (named ports count, to stay quiet)."""
    if rule.action is not Action.ALLOW:
        return False
    if not rule.ports:
        return True
    for spec in rule.ports:
        if spec.protocol not in (protocol, Protocol.ANY):
            continue
        rng = spec.numeric_range()
        if spec.port is None or spec.is_named or (rng is not None and rng[0] <= 53 <= rng[1]):
            return True
    return False


def allows_dns(intent: NetworkIntent) -> bool:
    """Whether the intent allows egress UDP and TCP 53 (to any peer)."""
    rules = intent.rules(Direction.EGRESS)
    return all(any(_covers(r, proto) for r in rules) for proto in (Protocol.UDP, Protocol.TCP))


def _may_select_same_pods(provider: NetworkIntent, intent: NetworkIntent) -> bool:
    """A lenient guess (no cluster facts): cluster-wide intents, or same namespace with a subject at least as wide."""
    if provider.is_cluster_scoped:
        return True
    if provider.metadata.namespace != intent.metadata.namespace:
        return False
    pods, sub = provider.spec.subject, intent.spec.subject
    return (pods.pods.is_empty() or pods.pods == sub.pods) and pods.serviceAccounts in (None, sub.serviceAccounts)


def _selector_key(sel: LabelSelector | None) -> object:
    """A hashable key equal for equal selectors."""
    return None if sel is None else (tuple(sorted(sel.matchLabels.items())), sel.matchExpressions)


def egress_without_dns(loaded: list[LoadedIntent], diags: Diagnostics) -> None:
    """P13: egress isolated, but no intent that may select the same pods allows DNS."""
    intents = [expand_dns(li.intent) for li in loaded]
    # Only cluster-wide providers and those of the same namespace can select the same pods.
    providers: dict[str | None, list[NetworkIntent]] = {}
    for i in intents:
        if allows_dns(i):
            providers.setdefault(None if i.is_cluster_scoped else i.metadata.namespace, []).append(i)
    # Indexed by subject, so that each intent is checked against the few providers that can match it (a scan of
    # the namespace's providers would make this quadratic in the policies of a namespace).
    wide: dict[str | None, list[NetworkIntent]] = {}
    by_subject: dict[tuple[str | None, object], list[NetworkIntent]] = {}
    for group, members in providers.items():
        for p in members:
            if p.is_cluster_scoped or p.spec.subject.pods.is_empty():
                wide.setdefault(group, []).append(p)
            else:
                by_subject.setdefault((group, _selector_key(p.spec.subject.pods)), []).append(p)
    for li, intent in zip(loaded, intents, strict=True):
        if not intent.isolates(Direction.EGRESS):
            continue
        key = _selector_key(intent.spec.subject.pods)
        candidates = [*wide.get(None, ()), *by_subject.get((None, key), ()),
                      *wide.get(intent.metadata.namespace, ()), *by_subject.get((intent.metadata.namespace, key), ())]
        if any(_may_select_same_pods(p, intent) for p in candidates):
            continue
        path = ("spec", "isolate") if intent.spec.isolate is not None else ("spec", "egress")
        advice = "Add `allowDNS: true`" if li.origin == "intent" else \
            "Allow egress to pods k8s-app=kube-dns in namespace kube-system on UDP and TCP 53"
        diags.warning(codes.CILIUM_EGRESS_WITHOUT_DNS, f"{intent.ref} isolates egress, but no policy for the same "
                      f"pods allows DNS (UDP and TCP 53): name resolution will time out. {advice}",
                      li.locate(path), feature="default-deny")


def check(intent: NetworkIntent, locate: Locate, diags: Diagnostics, aks: bool, needs_dns: bool = True) -> None:
    """Every per-intent pitfall (`needs_dns`: no other intent's DNS rule serves this one's FQDN peers)."""
    named_ports(intent, locate, diags)
    if not aks:  # on AKS SCTP is refused outright
        sctp(intent, locate, diags)
    apiserver_ingress(intent, locate, diags)
    if needs_dns:
        fqdn_dns(intent, locate, diags)
