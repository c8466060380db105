"""Rewrites of an intent into the shapes a CiliumNetworkPolicy can hold (model to model).

Each pass keeps the allowed traffic the same; the capability table announces each one (LOWERED), except the
DNS rule added for FQDN peers, which allows more and is announced as a change (pitfalls.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from backends.cilium.ports import NotSubtractable, remaining_ports
from translator.model import (
    DNS_RULE,
    Action,
    Direction,
    Entity,
    ICMPMatch,
    NetworkIntent,
    Peer,
    PeerKind,
    PortSpec,
    Protocol,
    Rule,
    is_dns_rule,
    network_within,
)

RANGE_EXPANSION_LIMIT = 40
"""Port ranges of at most this many ports are written as single ports for Cilium < 1.17 (which has no
`endPort`); wider ranges are refused. 40 is also the most ports one Cilium PortRule may list."""

ICMP_TYPES = range(256)
FQDN_DNS_DESCRIPTION = "DNS to kube-dns, added so Cilium can learn the IPs of the FQDN peers"


def map_rules(intent: NetworkIntent, fn: Callable[[Rule, Direction], Iterable[Rule]]) -> NetworkIntent:
    """The intent with `fn(rule, direction) -> list[Rule]` applied to every rule."""
    update: dict[str, tuple[Rule, ...] | None] = {}
    changed = False
    for direction in Direction:
        rules = intent.rules(direction)
        if intent.has_section(direction):
            mapped = tuple(r for rule in rules for r in fn(rule, direction))
            changed = changed or len(mapped) != len(rules) or any(m is not r for m, r in zip(mapped, rules))
            update[direction.value] = mapped
    if not changed:  # most passes change nothing: keep the intent (a copy of it would be equal)
        return intent
    spec = intent.spec.model_copy(update=update)
    return intent.model_copy(update={"spec": spec})


def drop_log_rules(rule: Rule, direction: Direction) -> list[Rule]:
    """Log rules have no traffic effect."""
    return [] if rule.action is Action.LOG else [rule]


CLUSTER_PEER = Peer(entity=Entity.CLUSTER)
"""`notPeers: [{entity: cluster}]` next to CIDR peers says "these addresses, but no pod or node": exactly what a
Cilium CIDR rule means (the importer writes it for CIDRs that may hold in-cluster addresses)."""


_EXCLUDES: dict[int, tuple[Rule, bool]] = {}


def excludes_cluster(rule: Rule) -> bool:
    """Whether the rule's peers are CIDRs and its notPeers exclude the cluster entity (Cilium's CIDR meaning).
    Asked once per CIDR peer of the rule, so the answer is remembered (with the rule, so its id is not reused)."""
    if CLUSTER_PEER not in (rule.notPeers or ()):
        return False
    hit = _EXCLUDES.get(id(rule))
    if hit is not None and hit[0] is rule:
        return hit[1]
    peers = rule.peers or ()
    answer = bool(peers) and all(p.kind is PeerKind.CIDR for p in peers)
    if len(_EXCLUDES) >= 64:
        _EXCLUDES.clear()
    _EXCLUDES[id(rule)] = (rule, answer)
    return answer


def can_fold_not_peers(rule: Rule) -> bool:
    """Whether `notPeers` can be written for Cilium: every peer is a CIDR, and every negated peer is a CIDR (it
    becomes an except block) or the cluster entity (implicit: Cilium CIDRs never match pods or nodes)."""
    peers, negated = rule.peers or (), rule.notPeers or ()
    return bool(peers) and all(p.kind is PeerKind.CIDR for p in peers) \
        and all(p.kind is PeerKind.CIDR or p == CLUSTER_PEER for p in negated)


def fold_not_peers(rule: Rule, direction: Direction) -> list[Rule]:
    """CIDR peers minus CIDR notPeers: a covered peer disappears, a contained block becomes an except."""
    if not rule.notPeers or not can_fold_not_peers(rule):
        return [rule]
    negated = [p.network for p in rule.notPeers if p.kind is PeerKind.CIDR]
    peers: list[Peer] = []
    for peer in rule.peers or ():
        net = peer.network
        assert net is not None
        if any(n is not None and network_within(net, n) for n in negated):
            continue
        inside = [str(n) for n in negated if n is not None and n != net and network_within(n, net)]
        peers.append(Peer.model_validate({"cidr": peer.cidr, "except": sorted({*peer.except_, *inside})}))
    if not peers:
        return []  # every peer is excluded: the rule matches nothing
    return [rule.model_copy(update={"peers": tuple(peers), "notPeers": None})]


def fold_not_ports(rule: Rule, direction: Direction) -> list[Rule]:
    """Ports minus notPorts as plain port specs (ports.py); a rule left with no port matches nothing."""
    if not rule.notPorts:
        return [rule]
    try:
        ports = remaining_ports(rule)
    except NotSubtractable:
        return [rule]  # refused by the capability check
    if not ports:
        return []
    return [rule.model_copy(update={"ports": ports, "notPorts": None})]


def range_size(port: PortSpec) -> int:
    """How many ports a numeric spec covers (0 for named or all-ports specs)."""
    rng = port.numeric_range()
    return rng[1] - rng[0] + 1 if rng else 0


def expand_ranges(rule: Rule, direction: Direction) -> list[Rule]:
    """Port ranges as single ports (for Cilium < 1.17); only called when every range is small enough."""
    if not rule.ports or not any(p.is_range for p in rule.ports):
        return [rule]
    ports: list[PortSpec] = []
    for spec in rule.ports:
        rng = spec.numeric_range()
        if spec.is_range and rng is not None:
            ports.extend(PortSpec(protocol=spec.protocol, port=n) for n in range(rng[0], rng[1] + 1))
        else:
            ports.append(spec)
    return [rule.model_copy(update={"ports": tuple(dict.fromkeys(ports))})]


def expand_icmp_types(rule: Rule, direction: Direction) -> list[Rule]:
    """An ICMP port spec without a type (every ICMP message) as every type 0-255: Cilium needs a type."""
    if not rule.ports or not any(p.protocol in (Protocol.ICMP, Protocol.ICMPV6) and p.icmp is None
                                 for p in rule.ports):
        return [rule]
    ports: list[PortSpec] = []
    for spec in rule.ports:
        if spec.protocol in (Protocol.ICMP, Protocol.ICMPV6) and spec.icmp is None:
            ports.extend(PortSpec(protocol=spec.protocol, icmp=ICMPMatch(type=t)) for t in ICMP_TYPES)
        else:
            ports.append(spec)
    return [rule.model_copy(update={"ports": tuple(dict.fromkeys(ports))})]


def has_fqdn(intent: NetworkIntent) -> bool:
    """Whether an egress allow rule names a DNS peer."""
    return any(p.kind is PeerKind.FQDN for r in intent.rules(Direction.EGRESS) if r.action is Action.ALLOW
               for p in r.peers or ())


def is_fqdn_dns_rule(rule: Rule) -> bool:
    """An egress rule that can carry Cilium's DNS L7 rule: an allow of port 53 only, to pods (the intent model's
    DNS rule), to any peer or to IP blocks and entities, without HTTP."""
    if rule.action is not Action.ALLOW or rule.http is not None or not rule.ports:
        return False
    if is_dns_rule(rule):
        return True
    ports_53 = all(p.port == 53 and p.endPort in (None, 53) for p in rule.ports)
    l3 = all(p.kind in (PeerKind.ENDPOINTS, PeerKind.CIDR, PeerKind.ENTITY) for p in rule.peers or ())
    return ports_53 and l3


def needs_dns_rule(intent: NetworkIntent) -> bool:
    """Whether FQDN peers are used but no egress rule allows DNS to carry `rules.dns` (one will be added)."""
    return has_fqdn(intent) and not any(is_fqdn_dns_rule(r) for r in intent.rules(Direction.EGRESS))


def add_fqdn_dns_rule(intent: NetworkIntent, force: bool = False) -> NetworkIntent:
    """The intent with the kube-dns egress rule Cilium needs to learn FQDN IPs, when it has none (`force`: also
    when its DNS rules do not allow the FQDN names)."""
    if not force and not needs_dns_rule(intent):
        return intent
    rule = DNS_RULE.model_copy(update={"description": FQDN_DNS_DESCRIPTION})
    spec = intent.spec.model_copy(update={"egress": (*intent.rules(Direction.EGRESS), rule)})
    return intent.model_copy(update={"spec": spec})


def lower(intent: NetworkIntent, endport: bool, add_dns: bool = True, force_dns: bool = False) -> NetworkIntent:
    """Every exact rewrite, in order; `endport` says whether the target has `endPort` (Cilium >= 1.17);
    `add_dns`: add the DNS rule FQDN peers need (not when another intent's DNS rule serves them)."""
    intent = map_rules(intent, drop_log_rules)
    intent = map_rules(intent, fold_not_peers)
    intent = map_rules(intent, fold_not_ports)
    if not endport:
        intent = map_rules(intent, expand_ranges)
    intent = map_rules(intent, expand_icmp_types)
    return add_fqdn_dns_rule(intent, force_dns) if add_dns else intent
