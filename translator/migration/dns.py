"""DNS after an egress lock-down: P13 (no DNS allow for egress-isolated pods) and P14 (FQDN rules without the
DNS rule Cilium needs to learn the names' IPs).

A rule allows DNS when it allows UDP (resp. TCP) 53 to the resolver: kube-dns pods in kube-system, the
node-local-dns or AKS LocalDNS addresses, the host entity, or any peer. The rules considered are those of every
intent that selects the same pods: with --cluster, per pod; without, the intents of the same namespace whose
subject is empty or the same selector.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from translator.load.loaded import LoadedIntent
from translator.migration.finding import Finding, error, warning
from translator.migration.inputs import MigrationInput
from translator.model import Action, Direction, Entity, LabelSelector, Peer, PeerKind, PortSpec, Protocol, Rule
from translator.model.dns import KUBE_DNS_LABELS, KUBE_DNS_NAMESPACE, expand_dns
from translator.model.labels import NAMESPACE_NAME_LABEL as NAME_LABEL

RESOLVER_IPS = tuple(ipaddress.ip_address(a) for a in ("169.254.20.10", "169.254.10.10", "169.254.10.11"))
DNS_PORT_NAMES = {"dns": Protocol.UDP, "dns-tcp": Protocol.TCP, "domain": Protocol.UDP}
BOTH = frozenset({Protocol.UDP, Protocol.TCP})


def _kube_system_labels(mi: MigrationInput) -> dict[str, str]:
    if mi.workloads is not None:
        return mi.workloads.namespace_labels(KUBE_DNS_NAMESPACE)
    return {NAME_LABEL: KUBE_DNS_NAMESPACE}


def _endpoint_reaches(mi: MigrationInput, li: LoadedIntent, peer: Peer) -> bool:
    if peer.pods is not None and not peer.pods.matches(KUBE_DNS_LABELS):
        return False
    if peer.namespaceNames is not None:
        return KUBE_DNS_NAMESPACE in peer.namespaceNames
    if peer.namespaces is not None:
        return peer.namespaces.matches(_kube_system_labels(mi))
    return li.intent.is_cluster_scoped or li.intent.metadata.namespace == KUBE_DNS_NAMESPACE


def _cidr_reaches(mi: MigrationInput, peer: Peer) -> bool:
    net = peer.network
    if net is None:
        return False
    holes = [ipaddress.ip_network(e) for e in peer.except_]
    targets = list(RESOLVER_IPS)
    if mi.workloads is not None:
        targets += [ipaddress.ip_address(p.ip) for p in mi.workloads.select(LabelSelector(matchLabels=KUBE_DNS_LABELS),
                                                                           KUBE_DNS_NAMESPACE) if p.ip]
    return any(ip.version == net.version and ip in net and not any(ip.version == h.version and ip in h for h in holes)
               for ip in targets)


def peer_reaches_resolver(mi: MigrationInput, li: LoadedIntent, peer: Peer) -> bool:
    """Whether a peer can be the cluster's DNS resolver."""
    kind = peer.kind
    if kind is PeerKind.ENDPOINTS:
        return _endpoint_reaches(mi, li, peer)
    if kind is PeerKind.CIDR:
        return _cidr_reaches(mi, peer)
    if kind is PeerKind.ENTITY:
        return peer.entity in (Entity.ALL, Entity.CLUSTER, Entity.HOST)
    if kind is PeerKind.SERVICE and peer.service is not None:
        return peer.service.name == "kube-dns" and peer.service.namespace == KUBE_DNS_NAMESPACE
    return False


def _port_protocols(spec: PortSpec) -> set[Protocol]:
    protos = {p for p in spec.protocol.expand() if p in BOTH}
    if spec.port is None:
        return protos
    if isinstance(spec.port, str):
        named = DNS_PORT_NAMES.get(spec.port)
        return {named} & protos if named else set()
    low, high = spec.numeric_range() or (0, -1)
    return protos if low <= 53 <= high else set()


def dns_protocols(mi: MigrationInput, li: LoadedIntent, rule: Rule) -> set[Protocol]:
    """The DNS transports (UDP, TCP) an egress rule allows to the resolver."""
    if rule.action is not Action.ALLOW:
        return set()
    if rule.peers and not any(peer_reaches_resolver(mi, li, p) for p in rule.peers):
        return set()
    if not rule.ports:
        return set(BOTH)
    return set().union(*(_port_protocols(p) for p in rule.ports))


@dataclass
class Selected:
    """Which intents select which pods of the cluster facts, and the indexes that keep the DNS checks linear."""

    pods: list[set[str]]
    """Per intent (in `mi.loaded` order): the pods of the cluster facts it selects (empty without facts)."""
    by_pod: dict[str, list[int]] = field(default_factory=dict)
    """Pod -> the intents that select it."""
    by_namespace: dict[str | None, list[int]] = field(default_factory=dict)
    """Namespace -> its namespaced intents; None -> the cluster-scoped ones."""
    allows: dict[int, set[Protocol]] = field(default_factory=dict)
    """Intent -> the DNS transports its egress allow rules allow (filled as asked)."""


def _co_selecting(mi: MigrationInput, index: int, sel: Selected) -> list[int]:
    """Intents that select (at least) the pods intent `index` selects, without cluster facts."""
    mine = mi.loaded[index].intent
    out = []
    scopes = dict.fromkeys((None, None if mine.is_cluster_scoped else mine.metadata.namespace))
    for i in sorted(i for scope in scopes for i in sel.by_namespace.get(scope, ())):
        subject = mi.loaded[i].intent.spec.subject
        broad = subject.pods.is_empty() and subject.namespaces is None and subject.serviceAccounts is None
        if i == index or broad or subject == mine.spec.subject:
            out.append(i)
    return out


def selections(mi: MigrationInput) -> Selected:
    """For each intent (in `mi.loaded` order) the pods of the cluster facts it selects, and the indexes."""
    wl = mi.workloads
    pods: list[set[str]] = []
    for li in mi.loaded:
        s = li.intent.spec.subject
        chosen = [] if wl is None else wl.select(s.pods, li.intent.metadata.namespace, s.namespaces)
        pods.append({p.ref for p in chosen if not p.host_network})
    sel = Selected(pods)
    for i, li in enumerate(mi.loaded):
        for ref in pods[i]:
            sel.by_pod.setdefault(ref, []).append(i)
        scope = None if li.intent.is_cluster_scoped else li.intent.metadata.namespace
        sel.by_namespace.setdefault(scope, []).append(i)
    return sel


def dns_allowed(mi: MigrationInput, intents: list[LoadedIntent]) -> set[Protocol]:
    """The DNS transports the egress allow rules of `intents` (DNS switch written out) allow together."""
    found: set[Protocol] = set()
    for other in intents:
        for rule in expand_dns(other.intent).rules(Direction.EGRESS):
            found |= dns_protocols(mi, other, rule)
    return found


def _allowed(mi: MigrationInput, sel: Selected, indexes: Iterable[int]) -> set[Protocol]:
    """dns_allowed of these intents, each intent's part computed once."""
    found: set[Protocol] = set()
    for i in indexes:
        mine = sel.allows.get(i)
        if mine is None:
            mine = sel.allows[i] = dns_allowed(mi, [mi.loaded[i]])
        found |= mine
    return found


def missing_dns(mi: MigrationInput, index: int, sel: Selected) -> tuple[set[Protocol], list[str]]:
    """The DNS transports missing for the pods intent `index` selects, and (with cluster facts) which pods."""
    pods = sorted(sel.pods[index])
    if not pods:
        return set(BOTH) - _allowed(mi, sel, _co_selecting(mi, index, sel)), []
    missing: set[Protocol] = set()
    lacking = []
    for ref in pods:
        gap = set(BOTH) - _allowed(mi, sel, sel.by_pod.get(ref, ()))
        if gap:
            missing |= gap
            lacking.append(ref)
    return missing, lacking


def _describe(missing: set[Protocol], pods: list[str]) -> str:
    what = " and ".join(sorted(p.value for p in missing))
    where = f" (pods {', '.join(pods[:3])}{' ...' if len(pods) > 3 else ''})" if pods else ""
    return f"no rule allows {what} 53 to the DNS resolver{where}"


def _catch_all(rule: Rule) -> bool:
    """An allow or pass of everything: the intent itself then blocks nothing (a pass defers to later tiers)."""
    return rule.action in (Action.ALLOW, Action.PASS) and not rule.peers and not rule.ports and not rule.notPeers \
        and not rule.notPorts


def check_dns(mi: MigrationInput) -> Iterator[Finding]:
    """P13: egress-isolated pods without a DNS allow (UDP and TCP 53) to the resolver."""
    sel = selections(mi)
    for index, li in enumerate(mi.loaded):
        intent = expand_dns(li.intent)
        if not intent.isolates(Direction.EGRESS) or any(_catch_all(r) for r in intent.rules(Direction.EGRESS)):
            continue
        missing, pods = missing_dns(mi, index, sel)
        if missing:
            yield warning(f"egress is isolated and {_describe(missing, pods)}, so name resolution times out",
                          mi.intent_location(li, ("spec", "egress")), mi.policy_ref(li),
                          "allow UDP and TCP 53 to kube-dns in kube-system (allowDNS: true in an intent); on AKS "
                          "with LocalDNS also to 169.254.10.0/24 and the host entity")


def check_fqdn_dns(mi: MigrationInput) -> Iterator[Finding]:
    """P14 (-> Cilium): DNS-name egress needs a DNS rule for the same pods, or the names' IPs are never learned."""
    sel = selections(mi)
    for index, li in enumerate(mi.loaded):
        fqdn = any(p.kind is PeerKind.FQDN for r in li.intent.rules(Direction.EGRESS) for p in r.peers or ())
        if not fqdn:
            continue
        missing, pods = missing_dns(mi, index, sel)
        if Protocol.UDP in missing:
            yield error(f"DNS-name egress but {_describe(missing, pods)}: Cilium learns the names' IPs only from DNS "
                        "answers it proxies, so every DNS-name connection is dropped",
                        mi.intent_location(li, ("spec", "egress")), mi.policy_ref(li),
                        "add allowDNS: true (the Cilium translation then carries the DNS proxy rule)")
