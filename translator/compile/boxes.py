"""Exact set algebra on rule matches, for compiling first-match rules into additive ones
(translator/compile/ordered.py).

A Box is one product set of connections: (peer minus notPeers) x (port minus notPorts), where a missing peer is
"any peer" and a missing port is "every port of every protocol". A rule is the union of the boxes of its
(peer x port) pairs. `subtract` and `intersect` rewrite exactly, preferring plain forms (CIDR `except`, negated
label terms, split port ranges) and falling back to `notPeers`/`notPorts`, which the intent model has; what has
no exact form raises NotAdditive.

Peers are read in the context of one intent (its namespace and scope), the same for both operands: ordered.py
only combines rules of intents with identical subjects.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import TypeVar

from translator.model import (
    LabelSelector,
    NetworkIntent,
    Operator,
    Peer,
    PeerKind,
    PortSpec,
    Protocol,
    Requirement,
    network_within,
)
from translator.model.labels import NAMESPACE_NAME_LABEL as NAME_LABEL

Net = ipaddress.IPv4Network | ipaddress.IPv6Network
T = TypeVar("T")
MAX_PORT = 65535
EVERYTHING = {4: ipaddress.ip_network("0.0.0.0/0"), 6: ipaddress.ip_network("::/0")}


class NotAdditive(ValueError):
    """A difference or intersection that the intent model cannot state exactly."""


@dataclass(frozen=True)
class Box:
    """(peer - not_peers) x (port - not_ports); peer None = any peer, port None = every port of every protocol."""

    peer: Peer | None = None
    not_peers: tuple[Peer, ...] = ()
    port: PortSpec | None = None
    not_ports: tuple[PortSpec, ...] = ()

    @property
    def negated(self) -> bool:
        """Whether the box carries exclusions."""
        return bool(self.not_peers or self.not_ports)


ANY = Box()


def boxes_of(peers: tuple[Peer, ...] | None, ports: tuple[PortSpec, ...] | None,
             not_peers: tuple[Peer, ...] | None = None, not_ports: tuple[PortSpec, ...] | None = None) -> list[Box]:
    """The boxes of a rule's match (protocol ANY expanded into TCP, UDP and SCTP)."""
    concrete: list[PortSpec | None] = [_with_protocol(p, proto) for p in ports or ()
                                       for proto in p.protocol.expand()] or [None]
    negs = tuple(_with_protocol(p, proto) for p in not_ports or () for proto in p.protocol.expand())
    return [Box(peer, tuple(not_peers or ()), port, negs) for peer in (peers or (None,)) for port in concrete]


def _with_protocol(spec: PortSpec, proto: Protocol) -> PortSpec:
    return spec if spec.protocol is proto else spec.model_copy(update={"protocol": proto})


# -- CIDRs -----------------------------------------------------------------------------------------------------


def _net(text: str) -> Net:
    return ipaddress.ip_network(text)


def _peer_cidr(net: Net, excepts: list[Net]) -> Peer:
    inner = sorted({e for e in excepts if network_within(e, net) and e != net},
                   key=lambda n: (int(n.network_address), n.prefixlen))
    kept = [e for e in inner if not any(o != e and network_within(e, o) for o in inner)]
    return Peer.model_validate({"cidr": str(net), "except": [str(e) for e in kept]})


def _contains(outer: Net, inner: Net) -> bool:
    return network_within(inner, outer)


def cidr_minus(a: Peer, b: Peer) -> list[Peer]:
    """(a.cidr - a.except) - (b.cidr - b.except) as CIDR peers."""
    ca, cb = _net(a.cidr or ""), _net(b.cidr or "")
    ea, eb = [_net(e) for e in a.except_], [_net(e) for e in b.except_]
    if ca.version != cb.version or not (_contains(ca, cb) or _contains(cb, ca)):
        return [a]
    out: list[Peer] = []
    if _contains(ca, cb) and ca != cb:
        if not any(_contains(e, cb) for e in ea):
            out.append(_peer_cidr(ca, [*ea, cb]))
        else:
            out.append(a)
            return out
    # The part of b's excepts that lies in a (and not in a's excepts) stays.
    for e in eb:
        piece = e if _contains(ca, e) else (ca if _contains(e, ca) else None)
        if piece is not None and not any(_contains(x, piece) for x in ea):
            out.append(_peer_cidr(piece, ea))
    return out


def cidr_intersect(a: Peer, b: Peer) -> Peer | None:
    """a ∩ b for CIDR peers, or None when disjoint."""
    ca, cb = _net(a.cidr or ""), _net(b.cidr or "")
    if ca.version != cb.version:
        return None
    if _contains(ca, cb):
        inner, excepts = cb, [*map(_net, a.except_), *map(_net, b.except_)]
    elif _contains(cb, ca):
        inner, excepts = ca, [*map(_net, a.except_), *map(_net, b.except_)]
    else:
        return None
    if any(_contains(e, inner) for e in excepts):
        return None
    return _peer_cidr(inner, excepts)


def complement(peer: Peer) -> list[Peer]:
    """Every IP outside a CIDR peer, as CIDR peers."""
    net = _net(peer.cidr or "")
    out = [_peer_cidr(EVERYTHING[net.version], [net])] if net.prefixlen else []
    out += [Peer(cidr=e) for e in peer.except_]
    out.append(Peer(cidr=str(EVERYTHING[10 - net.version])))
    return out


# -- label selectors -----------------------------------------------------------------------------------------


def _terms(sel: LabelSelector) -> list[Requirement]:
    return list(sel.requirements())


def negations(sel: LabelSelector) -> list[Requirement]:
    """One requirement per term of `sel`, each the term's negation (their union is the complement of `sel`)."""
    flip = {Operator.IN: Operator.NOT_IN, Operator.NOT_IN: Operator.IN, Operator.EXISTS: Operator.DOES_NOT_EXIST,
            Operator.DOES_NOT_EXIST: Operator.EXISTS}
    return [Requirement(key=r.key, operator=flip[r.operator], values=r.values) for r in _terms(sel)]


def both(a: LabelSelector | None, b: LabelSelector | None) -> LabelSelector | None:
    """The AND of two selectors (None = no constraint)."""
    if a is None or b is None:
        return a if b is None else b
    return LabelSelector(matchExpressions=(*_terms(a), *_terms(b))).canonical()


def selector_empty(sel: LabelSelector) -> bool:
    """Whether the terms contradict each other (a conservative check)."""
    allowed: dict[str, set[str] | None] = {}
    absent, present = set(), set()
    for r in _terms(sel):
        if r.operator is Operator.IN:
            present.add(r.key)
            prev = allowed.get(r.key)
            allowed[r.key] = set(r.values) if prev is None else prev & set(r.values)
        elif r.operator is Operator.EXISTS:
            present.add(r.key)
        elif r.operator is Operator.DOES_NOT_EXIST:
            absent.add(r.key)
    for r in _terms(sel):
        if r.operator is Operator.NOT_IN and (prev := allowed.get(r.key)) is not None:
            allowed[r.key] = prev - set(r.values)
    return bool(present & absent) or any(v is not None and not v for v in allowed.values())


# -- endpoint peers ------------------------------------------------------------------------------------------


def namespace_constraint(peer: Peer, intent: NetworkIntent) -> LabelSelector | None:
    """An endpoints peer's namespaces as one selector over namespace labels (None = every namespace)."""
    names = peer.namespaceNames
    if peer.namespaces is None and names is None and not intent.is_cluster_scoped:
        names = (intent.metadata.namespace or "",)
    name_sel = LabelSelector(matchExpressions=(Requirement(key=NAME_LABEL, operator=Operator.IN, values=names),)) \
        if names else None
    return both(name_sel, peer.namespaces)


def _endpoints(pods: LabelSelector | None, namespaces: LabelSelector | None, accounts: tuple[str, ...] | None,
               intent: NetworkIntent) -> Peer | None:
    if (pods is not None and selector_empty(pods)) or (namespaces is not None and selector_empty(namespaces)):
        return None
    if accounts is not None and not accounts:
        return None
    if namespaces is None and not intent.is_cluster_scoped:
        namespaces = LabelSelector()  # every namespace, written explicitly in a namespaced intent
    if pods is None and namespaces is None and accounts is None:
        pods = LabelSelector()
    return Peer(pods=pods, namespaces=namespaces, serviceAccounts=accounts)


def endpoints_intersect(a: Peer, b: Peer, intent: NetworkIntent) -> Peer | None:
    """a ∩ b for endpoints peers, or None when provably empty."""
    accounts = a.serviceAccounts if b.serviceAccounts is None else (
        b.serviceAccounts if a.serviceAccounts is None else tuple(sorted(set(a.serviceAccounts)
                                                                         & set(b.serviceAccounts))))
    ns = both(namespace_constraint(a, intent), namespace_constraint(b, intent))
    return _endpoints(both(a.pods, b.pods), ns, accounts, intent)


def endpoints_minus(a: Peer, b: Peer, intent: NetworkIntent) -> list[Peer] | None:
    """a - b for endpoints peers as endpoints peers; None when it needs a negated service-account list."""
    ns_a = namespace_constraint(a, intent)
    out: list[Peer] = []
    if b.serviceAccounts is not None:
        if a.serviceAccounts is None:
            return None
        rest = tuple(sorted(set(a.serviceAccounts) - set(b.serviceAccounts)))
        p = _endpoints(a.pods, ns_a, rest, intent) if rest else None
        if p is not None:
            out.append(p)
    for neg in negations(b.pods or LabelSelector()):
        p = _endpoints(both(a.pods, LabelSelector(matchExpressions=(neg,))), ns_a, a.serviceAccounts, intent)
        if p is not None:
            out.append(p)
    ns_b = namespace_constraint(b, intent)
    for neg in negations(ns_b or LabelSelector()):
        p = _endpoints(a.pods, both(ns_a, LabelSelector(matchExpressions=(neg,))), a.serviceAccounts, intent)
        if p is not None:
            out.append(p)
    return out


# -- peers -----------------------------------------------------------------------------------------------------


def peer_minus(a: Peer | None, b: Peer | None, intent: NetworkIntent) -> tuple[list[Peer | None], Peer | None]:
    """a - b as (peers, extra notPeer): the peers' union minus the extra notPeer (None = nothing to exclude)."""
    if b is None:
        return [], None
    if a is not None and a == b:
        return [], None
    kb = b.kind
    if a is None:
        if kb is PeerKind.CIDR:
            return list(complement(b)), None
        return [None], b
    ka = a.kind
    if ka is PeerKind.CIDR and kb is PeerKind.CIDR:
        return list(cidr_minus(a, b)), None
    if ka is PeerKind.ENDPOINTS and kb is PeerKind.ENDPOINTS:
        parts = endpoints_minus(a, b, intent)
        if parts is not None:
            return list(parts), None
    if ka is not kb and {ka, kb} <= {PeerKind.FQDN, PeerKind.ENDPOINTS}:
        return [a], None  # names of external endpoints never match pods
    return [a], b


def peer_intersect(a: Peer | None, b: Peer | None, intent: NetworkIntent) -> tuple[Peer | None, tuple[Peer, ...]]:
    """a ∩ b as (peer, extra notPeers); raises NotAdditive when there is no exact form; returns (EMPTY, ()) for ∅."""
    if a is None or b is None:
        return (b if a is None else a), ()
    if a == b:
        return a, ()
    ka, kb = a.kind, b.kind
    if ka is PeerKind.CIDR and kb is PeerKind.CIDR:
        return (cidr_intersect(a, b) or EMPTY_PEER), ()
    if ka is PeerKind.ENDPOINTS and kb is PeerKind.ENDPOINTS:
        return (endpoints_intersect(a, b, intent) or EMPTY_PEER), ()
    if {ka, kb} == {PeerKind.ENDPOINTS, PeerKind.CIDR}:
        endpoints, cidr = (a, b) if ka is PeerKind.ENDPOINTS else (b, a)
        return endpoints, tuple(complement(cidr))
    if {ka, kb} == {PeerKind.ENDPOINTS, PeerKind.FQDN}:
        return EMPTY_PEER, ()
    raise NotAdditive(f"the overlap of {a} and {b} has no exact intent form")


EMPTY_PEER = Peer.model_validate({"cidr": "0.0.0.0/32", "except": []})
"""Marker for an empty intersection (never emitted)."""


# -- ports -----------------------------------------------------------------------------------------------------


def _range(p: PortSpec) -> tuple[int, int] | None:
    return p.numeric_range()


def _all_of(p: PortSpec) -> bool:
    return p.port is None and p.icmp is None


def _spec(proto: Protocol, lo: int, hi: int) -> PortSpec:
    return PortSpec(protocol=proto, port=lo, endPort=hi if hi != lo else None)


def port_minus(a: PortSpec | None, b: PortSpec | None) -> tuple[list[PortSpec | None], PortSpec | None]:
    """a - b as (ports, extra notPort)."""
    if b is None or a == b:
        return [], None
    if a is None:
        return [None], b
    if a.protocol is not b.protocol:
        return [a], None
    if _all_of(b):
        return [], None
    ra, rb = _range(a), _range(b)
    if rb is not None and (ra is not None or _all_of(a)):
        lo, hi = ra if ra is not None else (1, MAX_PORT)
        if rb[1] < lo or rb[0] > hi:
            return [a], None
        pieces = [(lo, rb[0] - 1), (rb[1] + 1, hi)]
        return [_spec(a.protocol, x, y) for x, y in pieces if x <= y], None
    if a.icmp is not None and b.icmp is not None and a.icmp.type != b.icmp.type:
        return [a], None
    if a.icmp is not None and b.icmp is not None and b.icmp.code is None:
        return [], None
    return [a], b


def port_intersect(a: PortSpec | None, b: PortSpec | None) -> tuple[PortSpec | None, tuple[PortSpec, ...]] | None:
    """a ∩ b as (port, extra notPorts); None when empty; NotAdditive when there is no exact form."""
    if a is None or b is None:
        return (b if a is None else a), ()
    if a.protocol is not b.protocol:
        return None
    if a == b or _all_of(b):
        return a, ()
    if _all_of(a):
        return b, ()
    ra, rb = _range(a), _range(b)
    if ra is not None and rb is not None:
        lo, hi = max(ra[0], rb[0]), min(ra[1], rb[1])
        return (_spec(a.protocol, lo, hi), ()) if lo <= hi else None
    if a.icmp is not None and b.icmp is not None:
        if a.icmp.type != b.icmp.type:
            return None
        return (a if a.icmp.code is not None else b), ()
    named, numeric = (a, b) if isinstance(a.port, str) else (b, a)
    if isinstance(named.port, str) and numeric is not None and (span := _range(numeric)) is not None:
        lo, hi = span
        outside = [_spec(a.protocol, x, y) for x, y in ((1, lo - 1), (hi + 1, MAX_PORT)) if x <= y]
        return named, tuple(outside)
    raise NotAdditive(f"the overlap of ports {a} and {b} has no exact intent form")


# -- boxes -----------------------------------------------------------------------------------------------------


def _empty(box: Box) -> bool:
    if box.peer is EMPTY_PEER:
        return True
    if box.peer is not None and box.peer.kind is PeerKind.CIDR:
        for n in box.not_peers:
            if n.kind is PeerKind.CIDR and not n.except_ and _contains(_net(n.cidr or ""), _net(box.peer.cidr or "")):
                return True
    if box.peer is not None and box.peer in box.not_peers:
        return True
    return box.port is not None and (box.port in box.not_ports or any(
        n.protocol is box.port.protocol and _all_of(n) for n in box.not_ports))


def intersect(a: Box, b: Box, intent: NetworkIntent) -> list[Box]:
    """a ∩ b (at most one box)."""
    peer, extra = peer_intersect(a.peer, b.peer, intent)
    ports = port_intersect(a.port, b.port)
    if peer is EMPTY_PEER or ports is None:
        return []
    port, extra_ports = ports
    box = Box(peer, _merge(a.not_peers, b.not_peers, extra), port, _merge(a.not_ports, b.not_ports, extra_ports))
    return [] if _empty(box) else [box]


def _merge(*groups: tuple[T, ...]) -> tuple[T, ...]:
    out: list[T] = []
    for g in groups:
        out.extend(x for x in g if x not in out)
    return tuple(out)


def subtract(a: Box, b: Box, intent: NetworkIntent) -> list[Box]:
    """a - b, exactly: (Pa - Pb) x Qa + (Pa ∩ Pb) x (Qa - Qb), plus what b's own exclusions give back."""
    if b.negated:
        core = subtract(a, Box(b.peer, (), b.port, ()), intent)
        back = [y for n in b.not_peers for x in intersect(a, Box(n, (), b.port, ()), intent)
                for y in intersect(x, Box(b.peer), intent)]
        back += [y for n in b.not_ports for x in intersect(a, Box(b.peer, (), n, ()), intent)
                 for y in intersect(x, Box(port=b.port), intent)]
        return _dedupe(core + back)
    out: list[Box] = []
    peers, extra_peer = peer_minus(a.peer, b.peer, intent)
    for p in peers:
        box = Box(p, _merge(a.not_peers, (extra_peer,) if extra_peer else ()), a.port, a.not_ports)
        if not _empty(box):
            out.append(box)
    ports, extra_port = port_minus(a.port, b.port)
    if ports or extra_port is not None:
        try:
            shared, extra = peer_intersect(a.peer, b.peer, intent)
        except NotAdditive:
            return _subtract_ports_first(a, b, intent)
        if shared is not EMPTY_PEER:
            for q in ports:
                box = Box(shared, _merge(a.not_peers, extra), q,
                          _merge(a.not_ports, (extra_port,) if extra_port else ()))
                if not _empty(box):
                    out.append(box)
    return _dedupe(out)


def _subtract_ports_first(a: Box, b: Box, intent: NetworkIntent) -> list[Box]:
    """a - b as Pa x (Qa - Qb) + (Pa - Pb) x (Qa ∩ Qb), when the peers' overlap has no form but the ports' has."""
    out: list[Box] = []
    ports, extra_port = port_minus(a.port, b.port)
    for q in ports:
        out.append(Box(a.peer, a.not_peers, q, _merge(a.not_ports, (extra_port,) if extra_port else ())))
    shared = port_intersect(a.port, b.port)
    if shared is not None:
        peers, extra_peer = peer_minus(a.peer, b.peer, intent)
        for p in peers:
            out.append(Box(p, _merge(a.not_peers, (extra_peer,) if extra_peer else ()), shared[0],
                           _merge(a.not_ports, shared[1])))
    return _dedupe([x for x in out if not _empty(x)])


def _dedupe(boxes: list[Box]) -> list[Box]:
    return unique(boxes)


def unique(items: list[T]) -> list[T]:
    """`items` without repeats, in order (by equality: peers hold dicts, so they do not hash)."""
    out: list[T] = []
    for x in items:
        if x not in out:
            out.append(x)
    return out
