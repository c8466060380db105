"""Intents -> ClusterNetworkPolicy v1alpha2.

One tier of the intent model is a first-match program per pod and direction: the ordered intents' rules, then
every unordered deny, every unordered allow, every unordered pass, then a deny-all for the pods an isolating
intent selects. A ClusterNetworkPolicy tier is a first-match program too (policies by priority, rules in order),
so each intent tier is written as that sequence of policies, each at its own priority: ordered intents first, then
the unordered intents' Deny parts, Accept parts and Pass parts, then one "isolate" policy per isolating intent
(egress: Deny to 0.0.0.0/0 and ::/0). Every policy gets a distinct priority, so no two policies of a tier tie.

Intent tiers are mapped to the two ClusterNetworkPolicy tiers: those up to the default tier to Admin, later ones to
Baseline (no NetworkPolicy is written, so what the Admin tier leaves undecided reaches Baseline). Several intent
tiers can share one ClusterNetworkPolicy tier when no Pass must land between them; a Pass jumps to the next
ClusterNetworkPolicy tier. When the tiers cannot be placed so, the set is refused.

Ingress peers are pods only: traffic from nodes and from outside the cluster never matches an ingress rule, so it
is allowed. The translation is exact when the intents allow that traffic too: no ingress isolation that can be
reached, and no ingress deny that matches it (both refused as widening); Accept and Pass rules then keep their pod
part (`namespaces: {}` for "any peer").
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from backends.cluster_network_policy.api import (
    ADMIN,
    BASELINE,
    CNP_KIND,
    MAX_PRIORITY,
    MAX_RULES,
    V1ALPHA2,
)
from translator import codes
from translator.model import (
    DEFAULT_TIER_ORDER,
    Action,
    Direction,
    Entity,
    LabelSelector,
    Network,
    NetworkIntent,
    Peer,
    PeerKind,
    PortSpec,
    Protocol,
    Rule,
    namespace_selector,
    network_minus,
    selector_json,
)
from translator.model.labels import NAMESPACE_NAME_LABEL

Path = tuple[str | int, ...]
ANY_NETWORKS = ("0.0.0.0/0", "::/0")
ALL_PORTS = {"range": {"start": 1, "end": 65535}}
ACTIONS = {Action.ALLOW: "Accept", Action.DENY: "Deny", Action.PASS: "Pass"}
POD_ENTITIES = (Entity.ALL, Entity.CLUSTER)
"""Entities whose pod part is every pod (the rest of them is not a pod)."""


@dataclass(frozen=True)
class Options:
    """Output options from the target settings."""

    experimental: bool = False


@dataclass(frozen=True)
class Problem:
    """Something the layout cannot write exactly, at an intent field path."""

    path: Path
    message: str
    code: str = codes.NOT_EXPRESSIBLE


@dataclass
class Part:
    """One ClusterNetworkPolicy of an intent: what it holds, where it sits."""

    kind: str
    """ordered, deny, accept, pass or isolate."""
    tier: str = ADMIN
    priority: int = 0
    suffix: str = ""
    rules: dict[Direction, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass
class Plan:
    """The layout of a whole intent set: the parts of every intent, the problems found."""

    parts: dict[str, list[Part]] = field(default_factory=dict)
    problems: dict[str, list[Problem]] = field(default_factory=dict)


# -- rules ------------------------------------------------------------------------------------------------------


def catch_all(rule: Rule) -> bool:
    """Whether the rule matches every connection."""
    return not rule.peers and not rule.notPeers and not rule.ports and not rule.notPorts and not rule.http


def needs_isolation(intent: NetworkIntent, direction: Direction) -> bool:
    """Whether the intent's tier-end deny can be reached: it isolates and no rule of its own decides everything."""
    return intent.isolates(direction) and not any(
        catch_all(r) for r in intent.rules(direction) if r.action is not Action.LOG)


def own_namespace(intent: NetworkIntent) -> LabelSelector:
    """The namespaces a peer without namespaces means: the intent's own, or every one (cluster scope)."""
    ns = intent.metadata.namespace
    return LabelSelector(matchLabels={NAMESPACE_NAME_LABEL: ns}) if ns else LabelSelector()


def endpoints(peer: Peer, intent: NetworkIntent) -> dict[str, Any]:
    """A pods or namespaces peer."""
    ns = namespace_selector(peer)
    if ns is None:
        ns = own_namespace(intent)
    if peer.pods is None:
        return {"namespaces": selector_json(ns)}
    return {"pods": {"namespaceSelector": selector_json(ns), "podSelector": selector_json(peer.pods)}}


def subject(intent: NetworkIntent) -> dict[str, Any]:
    """The policy's subject."""
    s = intent.spec.subject
    ns = s.namespaces if intent.is_cluster_scoped else own_namespace(intent)
    if s.pods.is_empty():
        return {"namespaces": selector_json(ns or LabelSelector())}
    return {"pods": {"namespaceSelector": selector_json(ns or LabelSelector()), "podSelector": selector_json(s.pods)}}




def networks(peer: Peer) -> list[str]:
    """The block minus its exceptions, as CIDRs."""
    assert peer.cidr is not None
    nets: list[Network] = [ipaddress.ip_network(peer.cidr)]
    for e in peer.except_:
        sub = ipaddress.ip_network(e)
        nets = [piece for n in nets for piece in network_minus(n, sub)]
    return [str(n) for n in sorted(nets, key=lambda n: (n.version, int(n.network_address)))]


def _chunks(items: Sequence[Any], size: int = MAX_RULES) -> list[list[Any]]:
    return [list(items[i:i + size]) for i in range(0, len(items), size)] or [[]]


@dataclass
class _Peers:
    written: list[dict[str, Any]] = field(default_factory=list)
    non_pods: list[Path] = field(default_factory=list)
    """Ingress: paths of peers (or the rule) that also name traffic that is not from a pod."""
    addressed: bool = False
    """Egress: whether a peer is networks, nodes or domainNames (no named ports there)."""


def _ingress_peers(rule: Rule, path: Path, intent: NetworkIntent, problems: list[Problem]) -> _Peers:
    out = _Peers()
    if not rule.peers:
        out.written.append({"namespaces": {}})
        out.non_pods.append(path)
        return out
    for j, p in enumerate(rule.peers):
        where = (*path, "peers", j)
        if p.kind is PeerKind.ENDPOINTS:
            out.written.append(endpoints(p, intent))
        elif p.kind is PeerKind.ENTITY and p.entity in POD_ENTITIES:
            out.written.append({"namespaces": {}})
            out.non_pods.append(where)
        elif p.kind in (PeerKind.ENTITY, PeerKind.NODES, PeerKind.FQDN):
            out.non_pods.append(where)
    return out


def _egress_peers(rule: Rule, path: Path, intent: NetworkIntent, problems: list[Problem]) -> _Peers:
    out = _Peers()
    if not rule.peers:
        out.written.append({"networks": list(ANY_NETWORKS)})
        out.addressed = True
        return out
    names: list[str] = []
    nets: list[str] = []
    for j, p in enumerate(rule.peers):
        where = (*path, "peers", j)
        if p.kind is PeerKind.ENDPOINTS:
            out.written.append(endpoints(p, intent))
        elif p.kind is PeerKind.CIDR:
            nets += networks(p)
        elif p.kind is PeerKind.ENTITY and p.entity is Entity.ALL:
            nets += ANY_NETWORKS
        elif p.kind is PeerKind.ENTITY and p.entity is Entity.CLUSTER:
            out.written += [{"namespaces": {}}, {"nodes": {}}]
            out.addressed = True
        elif p.kind is PeerKind.NODES:
            assert p.nodes is not None
            out.written.append({"nodes": selector_json(p.nodes)})
            out.addressed = True
        elif p.kind is PeerKind.FQDN and p.fqdn is not None:
            if rule.action is not Action.ALLOW:
                problems.append(Problem((*where, "fqdn"), f"domainNames are allowed on Accept rules only, not "
                                        f"{ACTIONS.get(rule.action, rule.action.value)}"))
            names.append(p.fqdn)
    nets = list(dict.fromkeys(nets))
    out.written += [{"networks": c} for c in _chunks(nets)] if nets else []
    out.written += [{"domainNames": c} for c in _chunks(list(dict.fromkeys(names)))] if names else []
    out.addressed = out.addressed or bool(nets or names)
    return out


def protocols(ports: Sequence[PortSpec], path: Path, problems: list[Problem]) -> list[dict[str, Any]]:
    """The protocols list of a rule's ports (empty = every protocol)."""
    out: list[dict[str, Any]] = []
    named: dict[str, set[Protocol]] = {}
    first: dict[str, int] = {}
    for j, spec in enumerate(ports):
        if not spec.protocol.has_ports:
            continue  # ICMP: refused by the capability table
        for proto in spec.protocol.expand():
            if spec.is_named:
                assert isinstance(spec.port, str)
                named.setdefault(spec.port, set()).add(proto)
                first.setdefault(spec.port, j)
                continue
            if spec.port is None:
                dest: dict[str, Any] = dict(ALL_PORTS)
            elif spec.is_range:
                dest = {"range": {"start": spec.port, "end": spec.endPort}}
            else:
                dest = {"number": spec.port}
            entry = {proto.value.lower(): {"destinationPort": dest}}
            if entry not in out:
                out.append(entry)
    for name, protos in named.items():
        missing = [p.value for p in (Protocol.TCP, Protocol.UDP, Protocol.SCTP) if p not in protos]
        if missing:
            problems.append(Problem((*path, "ports", first[name], "port"), f"destinationNamedPort {name!r} matches "
                                    f"the container port of that name whatever its protocol, so it would also "
                                    f"match {' and '.join(missing)} ports named {name!r}; name it for TCP, UDP and "
                                    "SCTP (protocol ANY) or use the port number"))
        out.append({"destinationNamedPort": name})
    return out


def convert_rule(rule: Rule, direction: Direction, index: int, intent: NetworkIntent,
                 problems: list[Problem]) -> list[dict[str, Any]]:
    """The native rules of one intent rule (several when peers or protocols exceed 25); none for log rules."""
    if rule.action is Action.LOG:
        return []
    path: Path = ("spec", direction.value, index)
    if direction is Direction.INGRESS:
        peers = _ingress_peers(rule, path, intent, problems)
        if peers.non_pods and rule.action is Action.DENY:
            problems.append(Problem(peers.non_pods[0], "this deny also matches traffic from nodes or from outside "
                                    "the cluster, which ingress rules cannot name: that traffic would stay allowed",
                                    codes.WIDENED))
    else:
        peers = _egress_peers(rule, path, intent, problems)
    protos = protocols(rule.ports or (), path, problems)
    if peers.addressed and any("destinationNamedPort" in p for p in protos):
        problems.append(Problem((*path, "ports"), "destinationNamedPort cannot be used with networks, nodes or "
                                "domainNames peers (there are no named ports there): give the port number"))
    if not peers.written:
        return []  # nothing of the rule can be named: only traffic that is not from pods (allowed anyway)
    key = "from" if direction is Direction.INGRESS else "to"
    out = []
    for peer_chunk in _chunks(peers.written):
        for proto_chunk in _chunks(protos):
            native: dict[str, Any] = {"action": ACTIONS[rule.action], key: peer_chunk}
            if proto_chunk:
                native["protocols"] = proto_chunk
            out.append(native)
    return out


def isolation_rule(direction: Direction) -> dict[str, Any]:
    """The deny-all that ends a tier for an isolating intent (ingress: its pod part only)."""
    if direction is Direction.INGRESS:
        return {"action": "Deny", "from": [{"namespaces": {}}]}
    return {"action": "Deny", "to": [{"networks": list(ANY_NETWORKS)}]}


# -- layout -----------------------------------------------------------------------------------------------------

TierKey = tuple[float, str]


def _tier_key(intent: NetworkIntent) -> TierKey:
    tier = intent.spec.tier
    return (DEFAULT_TIER_ORDER, "default") if tier is None else (tier.effective_order, tier.name)


def _has_pass(intents: Sequence[NetworkIntent]) -> bool:
    return any(r.action is Action.PASS for i in intents for d in Direction for r in i.rules(d))


def place_tiers(keys: list[TierKey], passes: dict[TierKey, bool]) -> tuple[list[TierKey], list[TierKey]] | None:
    """Intent tiers -> (Admin, Baseline) groups; None when a Pass would have to land inside one group."""
    def ok(group: list[TierKey]) -> bool:
        return not any(passes[k] for k in group[:-1])

    admin = [k for k in keys if k[0] <= DEFAULT_TIER_ORDER]
    baseline = [k for k in keys if k[0] > DEFAULT_TIER_ORDER]
    if ok(admin) and ok(baseline):
        return admin, baseline
    if not baseline:
        first = next(i for i, k in enumerate(admin) if passes[k])
        admin, baseline = admin[:first + 1], admin[first + 1:]
        if ok(baseline):
            return admin, baseline
    return None


def _sections(intent: NetworkIntent, action: Action | None, problems: list[Problem]
              ) -> dict[Direction, list[dict[str, Any]]]:
    out: dict[Direction, list[dict[str, Any]]] = {}
    for d in Direction:
        rules = [x for i, r in enumerate(intent.rules(d)) if action is None or r.action is action
                 for x in convert_rule(r, d, i, intent, problems)]
        if rules:
            out[d] = rules
    return out


def _tier_parts(intents: list[NetworkIntent], members: list[int], plan: Plan) -> list[tuple[int, Part]]:
    """The parts of one intent tier, in evaluation order."""
    out: list[tuple[int, Part]] = []

    def add(i: int, kind: str, suffix: str, rules: dict[Direction, list[dict[str, Any]]]) -> None:
        if rules:
            out.append((i, Part(kind, suffix=suffix, rules=rules)))

    def problems(i: int) -> list[Problem]:
        return plan.problems.setdefault(intents[i].ref, [])

    ordered = sorted((i for i in members if intents[i].is_ordered), key=lambda i: (
        intents[i].spec.order, intents[i].metadata.namespace or "", intents[i].metadata.name))
    unordered = [i for i in members if not intents[i].is_ordered]
    for i in ordered:
        add(i, "ordered", "", _sections(intents[i], None, problems(i)))
    sections = {i: {a: _sections(intents[i], a, problems(i)) for a in (Action.DENY, Action.ALLOW, Action.PASS)}
                for i in unordered}
    for action, kind, suffix in ((Action.DENY, "deny", "-deny"), (Action.ALLOW, "accept", ""),
                                 (Action.PASS, "pass", "-pass")):
        for i in unordered:
            add(i, kind, suffix, sections[i][action])
    for i in members:
        rules = {d: [isolation_rule(d)] for d in Direction if needs_isolation(intents[i], d)}
        add(i, "isolate", "-isolate", rules)
    return out


def _split(part: Part) -> list[Part]:
    """A part with more than 25 rules in a direction, as consecutive parts (first match is kept)."""
    chunks = {d: _chunks(rules) for d, rules in part.rules.items()}
    count = max(len(c) for c in chunks.values())
    if count == 1:
        return [part]
    return [Part(part.kind, part.tier, 0, part.suffix + (f"-{n + 1}" if n else ""),
                 {d: c[n] for d, c in chunks.items() if n < len(c) and c[n]}) for n in range(count)]


def plan(intents: list[NetworkIntent]) -> Plan:
    """Lay out every intent of the set (the tiers and priorities depend on all of them)."""
    result = Plan(parts={i.ref: [] for i in intents})
    tiers: dict[TierKey, list[int]] = {}
    for n, intent in enumerate(intents):
        tiers.setdefault(_tier_key(intent), []).append(n)
    keys = sorted(tiers)
    passes = {k: _has_pass([intents[n] for n in tiers[k]]) for k in keys}
    placed = place_tiers(keys, passes)
    if placed is None:
        reason = ("ClusterNetworkPolicy has two tiers (Admin, Baseline) and a Pass jumps to the next one; these "
                  f"{len(keys)} tiers ({', '.join(k[1] for k in keys)}) need a Pass to land between tiers that "
                  "would share one")
        for intent in intents:
            if intent.spec.tier is not None:
                result.problems.setdefault(intent.ref, []).append(Problem(("spec", "tier"), reason))
        placed = (keys, [])
    for tier_name, group in zip((ADMIN, BASELINE), placed):
        parts: list[tuple[int, Part]] = []
        for key in group:
            parts += [(i, piece) for i, part in _tier_parts(intents, tiers[key], result) for piece in _split(part)]
        step = 10 if len(parts) * 10 <= MAX_PRIORITY + 1 else 1
        for n, (i, part) in enumerate(parts):
            part.tier, part.priority = tier_name, min(n * step, MAX_PRIORITY)
            result.parts[intents[i].ref].append(part)
        if len(parts) > MAX_PRIORITY + 1:
            for i in {i for i, _ in parts}:
                result.problems.setdefault(intents[i].ref, []).append(Problem(
                    ("spec",), f"the {tier_name} tier would need {len(parts)} policies, more than the 1001 distinct "
                    "priorities (0-1000) that keep their order"))
    return result


def base_name(intent: NetworkIntent) -> str:
    """The policy name: `namespace.name` for a namespaced intent (the policy is cluster-scoped)."""
    ns = intent.metadata.namespace
    return f"{ns}.{intent.metadata.name}" if ns else intent.metadata.name


def generate(intent: NetworkIntent, parts: list[Part]) -> list[dict[str, Any]]:
    """The ClusterNetworkPolicies of one intent."""
    out = []
    for part in parts:
        meta: dict[str, Any] = {"name": base_name(intent) + part.suffix}
        if intent.metadata.labels:
            meta["labels"] = dict(intent.metadata.labels)
        if intent.metadata.annotations:
            meta["annotations"] = dict(intent.metadata.annotations)
        spec: dict[str, Any] = {"tier": part.tier, "priority": part.priority, "subject": subject(intent)}
        for d in Direction:
            if part.rules.get(d):
                spec[d.value] = part.rules[d]
        out.append({"apiVersion": V1ALPHA2, "kind": CNP_KIND, "metadata": meta, "spec": spec})
    return out
