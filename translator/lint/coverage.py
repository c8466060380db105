"""Sound containment checks between selectors, peers, ports, rules and subjects ("does A match everything B
matches?"). They answer True only when the containment holds for every possible cluster, so a lint built on
them never claims a rule is redundant when it is not; they may miss containments that need a cluster to see."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import assert_never

from translator.model import (
    DEFAULT_TIER_ORDER,
    Entity,
    LabelSelector,
    NetworkIntent,
    Operator,
    Peer,
    PeerKind,
    PortSpec,
    Protocol,
    Rule,
    network_within,
)
from translator.model.labels import NAMESPACE_NAME_LABEL as NAME_LABEL

# -- label selectors ---------------------------------------------------------------------------------------------

Term = tuple[str, Operator, frozenset[str]]


def _implies(b: Term, a: Term) -> bool:
    """Whether every object satisfying term `b` satisfies term `a` (same key)."""
    key_a, op_a, values_a = a
    key_b, op_b, values_b = b
    if key_a != key_b:
        return False
    if op_a is Operator.IN:
        return op_b is Operator.IN and values_b <= values_a
    if op_a is Operator.NOT_IN:
        return (op_b is Operator.IN and not values_b & values_a) or \
            (op_b is Operator.NOT_IN and values_b >= values_a) or op_b is Operator.DOES_NOT_EXIST
    if op_a is Operator.EXISTS:
        return op_b in (Operator.IN, Operator.EXISTS)
    return op_b is Operator.DOES_NOT_EXIST


_TERMS: dict[int, tuple[LabelSelector, tuple[Term, ...]]] = {}


def terms(sel: LabelSelector) -> tuple[Term, ...]:
    """A selector's terms, matchLabels as single-value In (cached per selector object; selectors are frozen)."""
    hit = _TERMS.get(id(sel))
    if hit is not None and hit[0] is sel:
        return hit[1]
    out = tuple((k, Operator.IN, frozenset((v,))) for k, v in sel.matchLabels.items()) + \
        tuple((r.key, r.operator, frozenset(r.values)) for r in sel.matchExpressions)
    if len(_TERMS) > 100_000:
        _TERMS.clear()
    _TERMS[id(sel)] = (sel, out)  # keeps `sel` alive, so its id is not reused while cached
    return out


def selector_covers(a: LabelSelector | None, b: LabelSelector | None) -> bool:
    """Whether selector `a` selects every object `b` selects (None = everything)."""
    if a is None or a.is_empty():
        return True
    if b is None:
        return False
    if not a.matchExpressions and not b.matchExpressions:  # fast path: equality terms only
        return a.matchLabels.items() <= b.matchLabels.items()
    terms_b = terms(b)
    return all(any(_implies(tb, ta) for tb in terms_b) for ta in terms(a))


# -- namespace scope ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class NamespaceScope:
    """The namespaces a peer or subject covers: by names, by a label selector (ANDed), or all (both None)."""

    names: frozenset[str] | None = None
    selector: LabelSelector | None = None

    def covers(self, other: NamespaceScope) -> bool:
        """Whether every namespace of `other` is in this scope."""
        if self.names is not None and (other.names is None or not other.names <= self.names):
            return False
        if self.selector is None or self.selector.is_empty():
            return True
        if other.selector is not None and selector_covers(self.selector, other.selector):
            return True
        # Namespaces known by name: a selector on the name label alone decides for them.
        return other.names is not None and self.selector.keys() == {NAME_LABEL} and \
            all(self.selector.matches({NAME_LABEL: n}) for n in other.names)


def peer_scope(peer: Peer, namespace: str | None) -> NamespaceScope:
    """Where an endpoint peer's pods are (own namespace = `namespace`; None = cluster-scoped, all)."""
    names = frozenset(peer.namespaceNames) if peer.namespaceNames is not None else None
    if peer.namespaces is None and names is None:
        return NamespaceScope(frozenset({namespace}) if namespace is not None else None)
    return NamespaceScope(names, peer.namespaces)


def subject_scope(intent: NetworkIntent) -> NamespaceScope:
    """The namespaces whose pods an intent may select."""
    if intent.is_cluster_scoped:
        return NamespaceScope(None, intent.spec.subject.namespaces)
    return NamespaceScope(frozenset({intent.metadata.namespace or ""}))


def _accounts_cover(a: tuple[str, ...] | None, b: tuple[str, ...] | None) -> bool:
    return a is None or (b is not None and set(b) <= set(a))


def subject_covers(a: NetworkIntent, b: NetworkIntent) -> bool:
    """Whether intent `a` applies to every pod intent `b` applies to."""
    sa, sb = a.spec.subject, b.spec.subject
    if not a.is_cluster_scoped:  # fast path: a namespace covers only itself
        if b.is_cluster_scoped or a.metadata.namespace != b.metadata.namespace:
            return False
    elif not subject_scope(a).covers(subject_scope(b)):
        return False
    return selector_covers(sa.pods, sb.pods) and _accounts_cover(sa.serviceAccounts, sb.serviceAccounts)


def same_tier(a: NetworkIntent, b: NetworkIntent) -> bool:
    """Whether two intents are evaluated in the same tier."""
    def key(i: NetworkIntent) -> tuple[str, float]:
        tier = i.spec.tier
        return ("default", DEFAULT_TIER_ORDER) if tier is None else (tier.name, tier.effective_order)
    return key(a) == key(b)


# -- peers -------------------------------------------------------------------------------------------------------

def _fqdn_covers(a: str, b: str) -> bool:
    if a == b or a == "*":
        return True
    if "*" in b:
        return False
    pattern = "".join("[^.]*" if ch == "*" else re.escape(ch) for ch in a)
    return re.fullmatch(pattern, b) is not None


def _cidr_covers(a: Peer, b: Peer) -> bool:
    na, nb = a.network, b.network
    if na is None or nb is None or not network_within(nb, na):
        return False
    holes_b = [ipaddress.ip_network(e) for e in b.except_]
    for e in (ipaddress.ip_network(x) for x in a.except_):
        if e.overlaps(nb) and not any(network_within(e, h) for h in holes_b):
            return False
    return True


def peer_covers(a: Peer, a_ns: str | None, b: Peer, b_ns: str | None) -> bool:
    """Whether peer `a` (of an intent in namespace `a_ns`) matches every endpoint peer `b` matches."""
    ka, kb = a.kind, b.kind
    if ka is PeerKind.ENTITY and a.entity is Entity.ALL:
        return True
    if ka is PeerKind.ENTITY and a.entity is Entity.CLUSTER and kb is PeerKind.ENDPOINTS:
        return True
    if ka is not kb:
        return False
    if ka is PeerKind.ENDPOINTS:
        return peer_scope(a, a_ns).covers(peer_scope(b, b_ns)) and selector_covers(a.pods, b.pods) and \
            _accounts_cover(a.serviceAccounts, b.serviceAccounts)
    if ka is PeerKind.CIDR:
        return _cidr_covers(a, b)
    if ka is PeerKind.FQDN:
        return _fqdn_covers(a.fqdn or "", b.fqdn or "")
    if ka is PeerKind.NODES:
        return selector_covers(a.nodes, b.nodes)
    if ka is PeerKind.SERVICE:
        sa, sb = a.service, b.service
        return sa is not None and sb is not None and sa.name == sb.name and \
            (sa.namespace or a_ns) == (sb.namespace or b_ns)
    if ka is PeerKind.ENTITY:
        return a.entity == b.entity
    assert_never(ka)


def peers_cover(a: tuple[Peer, ...] | None, a_ns: str | None, b: tuple[Peer, ...] | None, b_ns: str | None) -> bool:
    """Whether the peer list `a` matches every endpoint `b` matches (empty/absent = any peer)."""
    if not a:
        return True
    if not b:
        return any(p.kind is PeerKind.ENTITY and p.entity is Entity.ALL for p in a)
    return all(any(peer_covers(pa, a_ns, pb, b_ns) for pa in a) for pb in b)


# -- ports -------------------------------------------------------------------------------------------------------

def _protocol_covers(a: Protocol, b: Protocol) -> bool:
    return a is b or (a is Protocol.ANY and b.has_ports)


def port_covers(a: PortSpec, b: PortSpec) -> bool:
    """Whether port spec `a` matches every (protocol, port) `b` matches."""
    if not _protocol_covers(a.protocol, b.protocol):
        return False
    if a.icmp is not None:
        return b.icmp is not None and a.icmp.type == b.icmp.type and a.icmp.code in (None, b.icmp.code)
    if a.port is None:
        return True
    if b.port is None:
        return False
    if a.is_named or b.is_named:
        return a.port == b.port
    ra, rb = a.numeric_range(), b.numeric_range()
    return ra is not None and rb is not None and ra[0] <= rb[0] and rb[1] <= ra[1]


def ports_cover(a: tuple[PortSpec, ...] | None, b: tuple[PortSpec, ...] | None) -> bool:
    """Whether the port list `a` matches every port `b` matches (empty/absent = every port and protocol)."""
    if not a:
        return True
    if not b:
        return False
    for pb in b:
        parts = [pb.model_copy(update={"protocol": p}) for p in pb.protocol.expand()] \
            if pb.protocol is Protocol.ANY else [pb]
        if not all(any(port_covers(pa, part) for pa in a) for part in parts):
            return False
    return True


# -- rules -------------------------------------------------------------------------------------------------------

def rule_covers(a: Rule, a_ns: str | None, b: Rule, b_ns: str | None) -> bool:
    """Whether rule `a` matches every connection rule `b` matches (actions are not compared)."""
    # Exclusions: only the same ones, seen from the same namespace, keep the containment certain.
    if (a.notPeers or a.notPorts) and (a.notPeers, a.notPorts, a_ns) != (b.notPeers, b.notPorts, b_ns):
        return False
    if a.http is not None and (b.http is None or not set(b.http) <= set(a.http)):
        return False
    return ports_cover(a.ports, b.ports) and peers_cover(a.peers, a_ns, b.peers, b_ns)


def scope_namespace(intent: NetworkIntent) -> str | None:
    """The namespace peers without namespaces refer to (None = all namespaces, for cluster-scoped intents)."""
    return None if intent.is_cluster_scoped else intent.metadata.namespace
