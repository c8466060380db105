"""P16: deny, pass, log and order. Engines without order (Cilium: deny always wins; NetworkPolicy and Azure NPM:
no deny at all) cannot keep a carve-out: an allow that takes precedence over a deny for overlapping traffic.

Overlap is decided conservatively (two selectors overlap unless a label forces them apart; two CIDRs when their
ranges meet; two port lists when a protocol and a port range meet), so a carve-out is never missed; `migrate`
proves the actual difference with the evaluator.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from translator.features import Feature
from translator.load.loaded import LoadedIntent
from translator.migration.finding import Finding, error
from translator.migration.inputs import MigrationInput
from translator.migration.pitfalls import feature_findings, path_of
from translator.model import Action, Direction, Entity, LabelSelector, Operator, Peer, PeerKind, PortSpec, Rule

ORDER_FEATURES = (Feature.DENY_RULE, Feature.PASS_RULE, Feature.LOG_RULE, Feature.ORDERED, Feature.TIER)


def _constraint(sel: LabelSelector, key: str) -> tuple[set[str] | None, set[str], bool]:
    """What a selector allows for one label key: (values allowed when present, None = any; values forbidden;
    whether the label may be absent)."""
    allowed: set[str] | None = None
    forbidden: set[str] = set()
    absent_ok = True
    if key in sel.matchLabels:
        allowed, absent_ok = {sel.matchLabels[key]}, False
    for req in sel.matchExpressions:
        if req.key != key:
            continue
        if req.operator is Operator.IN:
            allowed = set(req.values) if allowed is None else allowed & set(req.values)
            absent_ok = False
        elif req.operator is Operator.NOT_IN:
            forbidden |= set(req.values)
        elif req.operator is Operator.EXISTS:
            absent_ok = False
        else:
            allowed = set()
    return allowed, forbidden, absent_ok


def _key_compatible(a: LabelSelector, b: LabelSelector, key: str) -> bool:
    a_in, a_out, a_absent = _constraint(a, key)
    b_in, b_out, b_absent = _constraint(b, key)
    if a_absent and b_absent:
        return True
    if a_in is None:
        if b_in is None:
            return True
        values = b_in
    else:
        values = a_in if b_in is None else a_in & b_in
    return bool(values - a_out - b_out)


def selectors_may_overlap(a: LabelSelector | None, b: LabelSelector | None) -> bool:
    """False only when no label set can satisfy both selectors."""
    if a is None or b is None:
        return True
    return all(_key_compatible(a, b, key) for key in sorted(a.keys() | b.keys()))


def _namespaces_may_overlap(a: Peer, b: Peer, a_ns: str | None, b_ns: str | None) -> bool:
    def names(p: Peer, own: str | None) -> set[str] | None:
        if p.namespaceNames is not None:
            return set(p.namespaceNames)
        if p.namespaces is None and own is not None:
            return {own}
        return None

    na, nb = names(a, a_ns), names(b, b_ns)
    return na is None or nb is None or bool(na & nb)


def peers_may_overlap(a: Peer, b: Peer, a_ns: str | None, b_ns: str | None) -> bool:
    """Whether two peers can match the same endpoint (CIDRs may match pods, so they overlap endpoint peers)."""
    if PeerKind.ENTITY in (a.kind, b.kind):
        entity = a.entity if a.kind is PeerKind.ENTITY else b.entity
        other = b if a.kind is PeerKind.ENTITY else a
        if entity is Entity.ALL:
            return True
        if entity is Entity.WORLD:
            return other.kind in (PeerKind.CIDR, PeerKind.FQDN, PeerKind.ENTITY)
        return other.kind in (PeerKind.ENDPOINTS, PeerKind.CIDR, PeerKind.ENTITY, PeerKind.SERVICE)
    if a.kind is PeerKind.CIDR and b.kind is PeerKind.CIDR and a.network and b.network:
        return a.network.version == b.network.version and a.network.overlaps(b.network)
    if a.kind is PeerKind.ENDPOINTS and b.kind is PeerKind.ENDPOINTS:
        return selectors_may_overlap(a.pods, b.pods) and _namespaces_may_overlap(a, b, a_ns, b_ns)
    if PeerKind.FQDN in (a.kind, b.kind):
        return PeerKind.ENDPOINTS not in (a.kind, b.kind) and PeerKind.SERVICE not in (a.kind, b.kind)
    return True


def ports_may_overlap(a: tuple[PortSpec, ...] | None, b: tuple[PortSpec, ...] | None) -> bool:
    """Whether two port lists share a protocol and port."""
    if not a or not b:
        return True
    for pa in a:
        for pb in b:
            if not set(pa.protocol.expand()) & set(pb.protocol.expand()):
                continue
            ra, rb = pa.numeric_range(), pb.numeric_range()
            if ra is None or rb is None or (ra[0] <= rb[1] and rb[0] <= ra[1]):
                return True
    return False


def rules_may_overlap(a: Rule, b: Rule, a_ns: str | None, b_ns: str | None) -> bool:
    """Whether one connection can match both rules."""
    peers = not a.peers or not b.peers or any(peers_may_overlap(x, y, a_ns, b_ns) for x in a.peers for y in b.peers)
    return peers and ports_may_overlap(a.ports, b.ports)


@dataclass(frozen=True)
class _Ranked:
    li: LoadedIntent
    direction: Direction
    index: int
    rule: Rule

    @property
    def tier(self) -> float:
        tier = self.li.intent.spec.tier
        return tier.effective_order if tier is not None else 1_000_000.0

    def precedes(self, other: _Ranked) -> bool:
        """Whether this rule is evaluated before `other` under the intent semantics (and can decide first)."""
        if self.tier != other.tier:
            return self.tier < other.tier
        mine, theirs = self.li.intent, other.li.intent
        if mine.is_ordered and not theirs.is_ordered:
            return True
        if not mine.is_ordered:
            return False
        if self.li is other.li:
            return self.index < other.index
        return (mine.spec.order, mine.metadata.namespace or "", mine.metadata.name) < (
            theirs.spec.order, theirs.metadata.namespace or "", theirs.metadata.name)


def _subjects_may_overlap(a: LoadedIntent, b: LoadedIntent) -> bool:
    ia, ib = a.intent, b.intent
    if not ia.is_cluster_scoped and not ib.is_cluster_scoped and ia.metadata.namespace != ib.metadata.namespace:
        return False
    return selectors_may_overlap(ia.spec.subject.pods, ib.spec.subject.pods)


def carve_outs(mi: MigrationInput) -> Iterator[tuple[_Ranked, _Ranked]]:
    """(allow, deny) pairs where the allow takes precedence over the deny for traffic both can match."""
    ranked = [_Ranked(li, d, i, r) for li in mi.loaded for d in Direction for i, r in enumerate(li.intent.rules(d))]
    allows = [r for r in ranked if r.rule.action is Action.ALLOW]
    for deny in (r for r in ranked if r.rule.action is Action.DENY):
        for allow in allows:
            if allow.direction is not deny.direction or not allow.precedes(deny):
                continue
            if _subjects_may_overlap(allow.li, deny.li) and rules_may_overlap(
                    allow.rule, deny.rule, allow.li.intent.metadata.namespace, deny.li.intent.metadata.namespace):
                yield allow, deny
                break


def check_order(mi: MigrationInput) -> Iterator[Finding]:
    """P16: deny/pass/log/order features by the target's verdict."""
    for li in mi.loaded:
        yield from feature_findings(mi, li, ORDER_FEATURES, "rewrite the allow as an exception of the deny "
                                    "(except / NotIn), or keep these policies on Calico", quiet_when_native=True)


def check_carve_outs(mi: MigrationInput) -> Iterator[Finding]:
    """P16 (-> an engine where deny always wins, e.g. Cilium): an allow that carves traffic out of a deny."""
    for allow, deny in carve_outs(mi):
        where = mi.intent_location(deny.li, path_of(deny.direction, deny.index, "action"))
        yield error(f"{deny.direction.value} deny rule {deny.index} is overridden for some traffic by allow rule "
                    f"{allow.index} of {mi.policy_ref(allow.li)}, which takes precedence; in Cilium deny always wins, "
                    "so that carved-out traffic would be dropped", where, mi.policy_ref(deny.li),
                    "narrow the deny with except blocks or NotIn selectors so it no longer covers the allowed traffic")
