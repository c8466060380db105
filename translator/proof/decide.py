"""The intent semantics of docs/intent.md as diagrams: which connections a policy set allows, for every cluster.

This is the symbolic twin of translator/evaluator/engine.py: the same tiers, first-match ordered intents,
unordered deny > allow > pass, isolation per direction, and the same Semantics knobs (no engine is named here).
Where the concrete engine computes a set of peers for one endpoint, this computes one diagram over the
variables of both endpoints and the service (see space.py), so one diagram answers for every endpoint of every
possible cluster.

Assumptions (stated in every report's coverage): every endpoint has one address; a pod is any address; for
engines where FQDN peers need a DNS rule, a pod that such a rule points at exists (the DNS provider).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field

from translator.evaluator.engine import dns_patterns
from translator.load.loaded import LoadedIntent
from translator.model import (
    DEFAULT_TIER,
    DEFAULT_TIER_ORDER,
    Action,
    Direction,
    Entity,
    LabelSelector,
    NetworkIntent,
    Operator,
    Peer,
    PeerKind,
    PortSpec,
    Rule,
    expand_dns,
)
from translator.model.labels import NAMESPACE_NAME_LABEL
from translator.model.selector import Requirement
from translator.proof.mdd import FALSE, TRUE
from translator.proof.space import (
    API_SERVERS,
    EXTERNAL,
    IN_CLUSTER,
    MATCH,
    NODES,
    OUTSIDE,
    POD,
    PROTOCOLS,
    Space,
    address_range,
    fqdn_matches,
)
from translator.registry import reads_networkpolicy
from translator.semantics import Semantics

SUBJECT_SIDE = {Direction.INGRESS: "dst", Direction.EGRESS: "src"}
PEER_SIDE = {Direction.INGRESS: "src", Direction.EGRESS: "dst"}


@dataclass
class SymRule:
    """One rule's match as a diagram over (subject-independent) peer and service variables."""

    action: Action
    peers: int
    fqdn: int
    ports: int


@dataclass
class SymIntent:
    """One intent: subject per side, rules per direction, its tier and order."""

    ref: str
    tier: tuple[float, str]
    order: float | None
    intent: NetworkIntent
    semantics: Semantics
    subject: dict[str, int] = field(default_factory=dict)
    rules: dict[Direction, list[SymRule]] = field(default_factory=dict)

    def sort_key(self) -> tuple[float, str, str]:
        """(order, namespace, name), as the concrete engine sorts ordered intents."""
        return (self.order or 0.0, self.intent.metadata.namespace or "", self.intent.metadata.name)


class Compiler:
    """Builds the diagrams of one policy set under per-intent semantics."""

    def __init__(self, space: Space) -> None:
        self.space = space
        self.m = space.mdd
        self._kind: dict[tuple[str, frozenset[int]], int] = {}

    # -- atoms ---------------------------------------------------------------------------------------------------

    def kind(self, side: str, kind: int | frozenset[int]) -> int:
        """The endpoint on `side` is of this kind (or one of these kinds)."""
        kinds = frozenset({kind}) if isinstance(kind, int) else kind
        key = (side, kinds)
        found = self._kind.get(key)
        if found is None:
            found = self._kind[key] = self.space.lit("kind", side, "", kinds)
        return found

    def own_node(self, yes: bool) -> int:
        """The node on one side is (or is not) the own node of the pod on the other."""
        return self.space.lit("own-node", "", "", [int(yes)])

    def namespace_is(self, side: str, names: Sequence[str]) -> int:
        """The endpoint is a pod in one of these namespaces."""
        sp = self.space
        classes = [sp.namespaces.index(n) for n in names if n in sp.namespaces]
        return self.m.conj(self.kind(side, POD), sp.lit("namespace", side, "", classes))

    def pod_selector(self, side: str, sel: LabelSelector) -> int:
        """A pod selector on the pod on `side` (the caller adds the pod kind)."""
        out = TRUE
        for req in sel.requirements():
            values = self.space.pod_values[req.key]
            out = self.m.conj(out, self.space.lit("pod-label", side, req.key, _label_classes(values, req)))
        return out

    def node_selector(self, side: str, sel: LabelSelector) -> int:
        """A node selector on the node on `side` (the caller adds the node kind)."""
        out = TRUE
        for req in sel.requirements():
            values = self.space.node_values[req.key]
            out = self.m.conj(out, self.space.lit("node-label", side, req.key, _label_classes(values, req)))
        return out

    def namespace_selector(self, side: str, sel: LabelSelector) -> int:
        """A namespace selector on the namespace of the pod on `side`."""
        sp = self.space
        out = TRUE
        for req in sel.requirements():
            if req.key == NAMESPACE_NAME_LABEL:
                named = [sp.namespaces.index(v) for v in req.values if v in sp.namespaces]
                other = len(sp.namespaces)
                op = req.operator
                if op is Operator.IN:
                    classes: list[int] = named
                elif op is Operator.NOT_IN:
                    classes = [c for c in range(other + 1) if c not in named]
                elif op is Operator.EXISTS:
                    classes = list(range(other + 1))
                else:
                    classes = []
                atom = sp.lit("namespace", side, "", classes)
            else:
                atom = sp.lit("namespace-label", side, req.key, _label_classes(sp.ns_values[req.key], req))
            out = self.m.conj(out, atom)
        return out

    def accounts(self, side: str, names: Sequence[str]) -> int:
        """The pod runs as one of these service accounts."""
        sp = self.space
        return sp.lit("service-account", side, "", [sp.accounts.index(n) for n in names])

    # -- peers ---------------------------------------------------------------------------------------------------

    def peer(self, peer: Peer, intent: NetworkIntent, semantics: Semantics, side: str) -> tuple[int, int]:
        """(the peer's match on `side`, of which the part matched by DNS name)."""
        m, sp = self.m, self.space
        kind = peer.kind
        if kind is PeerKind.ENDPOINTS:
            out = self.kind(side, POD)
            if peer.namespaces is None and peer.namespaceNames is None:
                if not intent.is_cluster_scoped:
                    out = self.namespace_is(side, [intent.metadata.namespace or ""])
            else:
                if peer.namespaceNames is not None:
                    out = m.conj(out, self.namespace_is(side, peer.namespaceNames))
                if peer.namespaces is not None:
                    out = m.conj(out, self.namespace_selector(side, peer.namespaces))
            if peer.pods is not None:
                out = m.conj(out, self.pod_selector(side, peer.pods))
            if peer.serviceAccounts is not None:
                out = m.conj(out, self.accounts(side, peer.serviceAccounts))
            return out, FALSE
        if kind is PeerKind.CIDR:
            inside = self._block(peer, side)
            who = TRUE if semantics.cidr_matches_pods else self.kind(side, OUTSIDE)
            return m.conj(who, inside), FALSE
        if kind is PeerKind.FQDN:
            if not semantics.supports_fqdn:
                return FALSE, FALSE
            pattern = peer.fqdn or "*"
            p = sp.fqdn_patterns.index(pattern)
            classes = [c + 1 for c, (sig, _) in enumerate(sp.fqdn_table) if p in sig]
            found = m.conj(self.kind(side, EXTERNAL), sp.lit("dns-name", side, "", classes))
            return found, found
        if kind is PeerKind.ENTITY:
            assert peer.entity is not None
            return self.entity(peer.entity, side), FALSE
        if kind is PeerKind.NODES:
            assert peer.nodes is not None
            return m.conj(self.kind(side, NODES), self.node_selector(side, peer.nodes)), FALSE
        ref = peer.service
        assert ref is not None
        svc_ns = ref.namespace or intent.metadata.namespace or "default"
        if (svc_ns, ref.name) not in sp.services:
            return FALSE, FALSE
        member = sp.lit("service", side, f"{svc_ns}/{ref.name}", [1])
        return m.conj(self.namespace_is(side, [svc_ns]), member), FALSE

    def entity(self, entity: Entity, side: str) -> int:
        """The endpoints of an entity (docs/intent.md): `host` is the subject pod's own node, `remote-node` the
        other nodes."""
        if entity is Entity.ALL:
            return TRUE
        if entity is Entity.WORLD:
            return self.kind(side, OUTSIDE)
        if entity is Entity.CLUSTER:
            return self.kind(side, IN_CLUSTER)
        if entity is Entity.KUBE_APISERVER:
            return self.kind(side, API_SERVERS)
        if entity in (Entity.HOST, Entity.REMOTE_NODE):
            return self.m.conj(self.kind(side, NODES), self.own_node(entity is Entity.HOST))
        return FALSE

    def _block(self, peer: Peer, side: str) -> int:
        sp = self.space
        network = peer.network
        assert network is not None, "a CIDR peer has a network"
        lo, hi = address_range(network)
        classes = set(sp.address_classes(lo, hi))
        for text in peer.except_:
            elo, ehi = address_range(ipaddress.ip_network(text))
            classes -= set(sp.address_classes(elo, ehi))
        return sp.lit("address", side, "", classes)

    # -- ports ---------------------------------------------------------------------------------------------------

    def port_spec(self, spec: PortSpec) -> int:
        """The connections (protocol, port, ICMP code, destination's named ports) that `spec` matches."""
        m, sp = self.m, self.space
        if spec.protocol.value in ("ICMP", "ICMPv6"):
            out = sp.lit("proto", "", "", [PROTOCOLS.index(spec.protocol.value)])
            if spec.icmp is not None:
                out = m.conj(out, sp.lit("port", "", "", sp.port_classes(spec.icmp.type, spec.icmp.type)))
                if spec.icmp.code is not None:
                    out = m.conj(out, sp.lit("icmp-code", "", "", [sp.codes.index(spec.icmp.code)]))
            return out
        out = sp.lit("proto", "", "", [PROTOCOLS.index(p.value) for p in spec.protocol.expand()])
        if spec.port is None:
            return out
        if isinstance(spec.port, str):
            has = m.conj(self.kind("dst", IN_CLUSTER), sp.lit("named-port", "dst", spec.port, [MATCH]))
            return m.conj(out, has)
        last = spec.endPort if spec.endPort is not None else spec.port
        return m.conj(out, sp.lit("port", "", "", sp.port_classes(spec.port, last)))

    def ports(self, specs: Sequence[PortSpec] | None, not_specs: Sequence[PortSpec] | None) -> int:
        """A rule's ports minus its notPorts."""
        m = self.m
        out = m.any_of(self.port_spec(s) for s in specs) if specs else TRUE
        for s in not_specs or ():
            out = m.diff(out, self.port_spec(s))
        return out

    # -- intents -------------------------------------------------------------------------------------------------

    def subject(self, intent: NetworkIntent, side: str) -> int:
        """The pods on `side` that the intent applies to."""
        m = self.m
        subject = intent.spec.subject
        if intent.is_cluster_scoped:
            scope = self.kind(side, POD)
            if subject.namespaces is not None:
                scope = m.conj(scope, self.namespace_selector(side, subject.namespaces))
        else:
            scope = self.namespace_is(side, [intent.metadata.namespace or ""])
        out = m.conj(scope, self.pod_selector(side, subject.pods))
        if subject.serviceAccounts is not None:
            out = m.conj(out, self.accounts(side, subject.serviceAccounts))
        return out

    def rule(self, rule: Rule, intent: NetworkIntent, semantics: Semantics, side: str) -> SymRule:
        """One rule, its peers on `side`."""
        m = self.m
        peers, fqdn = (TRUE, FALSE) if not rule.peers else (FALSE, FALSE)
        for peer in rule.peers or ():
            matched, by_name = self.peer(peer, intent, semantics, side)
            if semantics.fqdn_needs_dns_rule:
                peers = m.disj(peers, m.diff(matched, by_name))
                fqdn = m.disj(fqdn, by_name)
            else:
                peers = m.disj(peers, matched)
        for peer in rule.notPeers or ():
            excluded = self.peer(peer, intent, semantics, side)[0]
            peers = m.diff(peers, excluded)
            fqdn = m.diff(fqdn, excluded)
        return SymRule(rule.action, peers, fqdn, self.ports(rule.ports, rule.notPorts))

    def intent(self, loaded: LoadedIntent, semantics: Semantics) -> SymIntent:
        """One intent under `semantics` (tier and order as the concrete engine computes them)."""
        intent = expand_dns(loaded.intent)
        order, tier = intent.spec.order, intent.spec.tier
        tier_key = (tier.effective_order, tier.name) if tier is not None else (DEFAULT_TIER_ORDER, DEFAULT_TIER)
        if semantics.vanilla_order is not None and reads_networkpolicy(loaded.origin):
            order, tier_key = semantics.vanilla_order, (DEFAULT_TIER_ORDER, DEFAULT_TIER)
        out = SymIntent(intent.ref, tier_key, order, intent, semantics)
        for side in ("src", "dst"):
            out.subject[side] = self.subject(intent, side)
        for direction in Direction:
            out.rules[direction] = [self.rule(r, intent, semantics, PEER_SIDE[direction])
                                    for r in intent.rules(direction)]
        return out


def _label_classes(values: Sequence[str], req: Requirement) -> list[int]:
    """The classes of a key (absent, values..., other) that a requirement accepts."""
    n = len(values) + 2
    named = [1 + values.index(v) for v in req.values]
    op = req.operator
    if op is Operator.IN:
        return named
    if op is Operator.NOT_IN:
        return [c for c in range(n) if c not in named]
    if op is Operator.EXISTS:
        return list(range(1, n))
    return [0]


class PolicySet:
    """One side of a proof: its intents compiled, and what it allows per direction and overall."""

    def __init__(self, compiler: Compiler, intents: Sequence[tuple[LoadedIntent, Semantics]]) -> None:
        self.compiler = compiler
        self.m = compiler.m
        self.intents = [compiler.intent(li, sem) for li, sem in intents]
        self._dns_ok: int | None = None

    def dns_ok(self) -> int:
        """(source pod, destination name) pairs where the pod may look the name up: a DNS rule (`dns`) of an
        intent selecting the pod allows the name (the evaluator's rule, engine.dns_patterns)."""
        if self._dns_ok is None:
            m, sp = self.m, self.compiler.space
            out = FALSE
            for si in self.intents:
                patterns = dns_patterns(si.intent)
                if not patterns:
                    continue
                classes = sorted({c + 1 for c, (_, name) in enumerate(sp.fqdn_table)
                                  if any(fqdn_matches(p, name) for p in patterns)})
                names = sp.lit("dns-name", "dst", "", classes) if classes and sp.fqdn_table else FALSE
                out = m.disj(out, m.conj(si.subject["src"], names))
            self._dns_ok = out
        return self._dns_ok

    def match(self, si: SymIntent, rule: SymRule, direction: Direction) -> int:
        """Where the rule of an intent matches: the intent selects the subject, the peer and port match."""
        m = self.m
        peers = rule.peers
        if rule.fqdn != FALSE:
            extra = rule.fqdn if direction is Direction.INGRESS else m.conj(rule.fqdn, self.dns_ok())
            peers = m.disj(peers, extra)
        return m.conj(si.subject[SUBJECT_SIDE[direction]], m.conj(peers, rule.ports))

    def allows(self, direction: Direction) -> int:
        """What the direction allows (a diagram over both endpoints and the service)."""
        m = self.m
        side = SUBJECT_SIDE[direction]
        tiers: dict[tuple[float, str], list[SymIntent]] = {}
        for si in self.intents:
            if si.intent.isolates(direction) or si.rules[direction]:
                tiers.setdefault(si.tier, []).append(si)
        allowed, undecided = FALSE, TRUE
        for key in sorted(tiers):
            members = tiers[key]
            pending, passed = undecided, FALSE
            for si in sorted((s for s in members if s.order is not None), key=SymIntent.sort_key):
                for rule in si.rules[direction]:
                    if rule.action is Action.LOG or pending == FALSE:
                        continue
                    hit = m.conj(pending, self.match(si, rule, direction))
                    if hit == FALSE:
                        continue
                    pending = m.diff(pending, hit)
                    if rule.action is Action.ALLOW:
                        allowed = m.disj(allowed, hit)
                    elif rule.action is Action.PASS:
                        passed = m.disj(passed, hit)
            unordered = [s for s in members if s.order is None]
            if unordered and pending != FALSE:
                by_action: dict[Action, list[int]] = {Action.DENY: [], Action.ALLOW: [], Action.PASS: []}
                for si in unordered:
                    for rule in si.rules[direction]:
                        if rule.action is not Action.LOG:
                            by_action[rule.action].append(self.match(si, rule, direction))
                deny = m.conj(pending, m.any_of(by_action[Action.DENY]))
                allow = m.diff(m.conj(pending, m.any_of(by_action[Action.ALLOW])), deny)
                pss = m.diff(m.diff(m.conj(pending, m.any_of(by_action[Action.PASS])), deny), allow)
                allowed = m.disj(allowed, allow)
                passed = m.disj(passed, pss)
                pending = m.diff(pending, m.disj(deny, m.disj(allow, pss)))
            isolates = m.any_of(si.subject[side] for si in members if si.intent.isolates(direction))
            undecided = m.disj(passed, m.diff(pending, isolates))
        own = m.conj(m.conj(self.compiler.kind(side, POD), self.compiler.kind(PEER_SIDE[direction], NODES)),
                     self.compiler.own_node(True))
        return m.disj(m.disj(allowed, undecided), own)  # a pod and its own node always reach each other
