"""The evaluator core: the intent semantics of docs/intent.md, decided for sets of peers at once.

For one endpoint E and one direction, the applicable intents are grouped by tier. In each tier the ordered
intents' rules are applied first-match, then all unordered intents together (deny beats allow beats pass), and
an isolating tier denies what nothing decided. This module computes that for a whole *set* of peers in one pass
(bitsets, see selection.py): the decision for E is the set of peers it allows. Endpoints that share the same
applicable intents (and, where it matters, the same container ports or DNS ability) share one decision.

Engines differ only through the knobs of translator.semantics.Semantics; no engine is named here:

* `cidr_matches_pods=False`: CIDR peers match external endpoints only, never pods;
* `supports_fqdn=False`: FQDN peers match nothing;
* `fqdn_needs_dns_rule=True`: an FQDN peer only matches names the source pod looks up through the engine's DNS
  proxy: names that an egress DNS rule (`dns`) of some intent selecting the pod allows. The proxy is per pod, not
  per policy (Cilium engages it for a pod when any policy selecting the pod has a DNS rule). An intent with FQDN
  peers counts its own port-53 allow rules as `dns: ['*']`, since the backend writes them so;
* `supports_l7=False`: HTTP rules act on their L4 part only (as they do everywhere here: the L4 part decides
  reach; the trace shows the HTTP constraints);
* `vanilla_order`: intents imported from Kubernetes NetworkPolicies (origin `kubernetes`) become ordered with
  this order in the default tier (how Calico enforces them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from translator.cluster.model import Cluster, Probe
from translator.evaluator.selection import Selection
from translator.evaluator.trace import Recorder, RuleStep, format_order
from translator.load.loaded import LoadedIntent
from translator.model import (
    DEFAULT_TIER,
    DEFAULT_TIER_ORDER,
    Action,
    Direction,
    Entity,
    NetworkIntent,
    PeerKind,
    PortSpec,
    Rule,
    expand_dns,
)
from translator.output.progress import progress
from translator.registry import reads_networkpolicy
from translator.semantics import Semantics

NODE_ENTITIES = (Entity.HOST, Entity.REMOTE_NODE)


@dataclass
class CompiledRule:
    """One rule with its peers precomputed as bitsets."""

    uid: int
    index: int
    rule: Rule
    peers: int
    """Endpoints the rule's peers match (notPeers removed), FQDN matches included unless they need DNS."""
    fqdn: int
    """FQDN matches that only count when the source may resolve names (Semantics.fqdn_needs_dns_rule)."""
    loaded: LoadedIntent
    path: tuple[str | int, ...]
    note: str = ""
    port_key: int = 0
    """Index of the rule's (ports, notPorts) among the engine's distinct port lists."""
    node_peers: tuple[Entity, ...] = ()
    """`host` / `remote-node` peers: which nodes they match depends on the pod that asks (added by `match`)."""
    node_not_peers: tuple[Entity, ...] = ()
    excluded: int = 0
    """What the other notPeers exclude (also from the `host` / `remote-node` peers added by `match`)."""
    """`host` / `remote-node` notPeers (removed by `match`)."""

    @property
    def where(self) -> str:
        """`file:line` of the rule (looked up only when a trace needs it)."""
        return str(self.loaded.locate(self.path))

    @property
    def action(self) -> Action:
        """The rule's action."""
        return self.rule.action

    @property
    def named_ports(self) -> bool:
        """Whether the rule's ports depend on the destination's container ports."""
        return any(isinstance(p.port, str) for p in (*(self.rule.ports or ()), *(self.rule.notPorts or ())))


@dataclass
class CompiledIntent:
    """One intent, its semantics, its subject and its rules, precomputed."""

    position: int
    loaded: LoadedIntent
    intent: NetworkIntent
    semantics: Semantics
    subject: int
    tier: tuple[float, str]
    order: float | None
    rules: dict[Direction, list[CompiledRule]] = field(default_factory=dict)

    @property
    def ref(self) -> str:
        """`namespace/name` (cluster-scoped: `name`)."""
        return self.intent.ref

    def applies(self, direction: Direction) -> bool:
        """Whether the intent takes part in `direction` (it isolates it or has rules in it)."""
        return self.intent.isolates(direction) or bool(self.rules[direction])

    def sort_key(self) -> tuple[float, str, str]:
        """(order, namespace, name): the order of ordered intents in a tier."""
        return (self.order or 0.0, self.intent.metadata.namespace or "", self.intent.metadata.name)

    def label(self, direction: Direction) -> str:
        """How the trace names this intent."""
        kind = f"ordered {format_order(self.order)}" if self.order is not None else "unordered"
        iso = ", isolates" if self.intent.isolates(direction) else ""
        return f"{self.ref} ({kind}{iso})"


@dataclass(frozen=True)
class TierGroup:
    """The applicable intents of one tier for one endpoint and direction."""

    name: str
    order: float
    ordered: tuple[CompiledIntent, ...]
    unordered: tuple[CompiledIntent, ...]
    isolates: bool


def dns_patterns(intent: NetworkIntent) -> list[str]:
    """The DNS names an intent's egress DNS rules allow; an intent with FQDN peers counts its own port-53 allow
    rules toward pods, entities, IP blocks or any peer as allowing every name (the backend gives them the DNS
    proxy rule)."""
    egress = [r for r in intent.rules(Direction.EGRESS) if r.action is Action.ALLOW]
    out = [name for r in egress if r.dns is not None for name in r.dns]
    has_fqdn = any(p.kind is PeerKind.FQDN for r in egress for p in r.peers or ())
    if has_fqdn and any(r.dns is None and r.http is None and r.ports
                        and all(p.port == 53 and p.endPort in (None, 53) for p in r.ports)
                        and all(p.kind in (PeerKind.ENDPOINTS, PeerKind.CIDR, PeerKind.ENTITY) for p in r.peers or ())
                        for r in egress):
        out.append("*")
    return list(dict.fromkeys(out))


def compile_intent(position: int, loaded: LoadedIntent, semantics: Semantics, sel: Selection,
                   uid_start: int) -> CompiledIntent:
    """Precompute an intent's subject and rule peers under `semantics`."""
    intent = expand_dns(loaded.intent)
    order, tier = intent.spec.order, intent.spec.tier
    tier_key = (tier.effective_order, tier.name) if tier is not None else (DEFAULT_TIER_ORDER, DEFAULT_TIER)
    if semantics.vanilla_order is not None and reads_networkpolicy(loaded.origin):
        order, tier_key = semantics.vanilla_order, (DEFAULT_TIER_ORDER, DEFAULT_TIER)
    out = CompiledIntent(position, loaded, intent, semantics, sel.subject(intent), tier_key, order)
    uid = uid_start
    for direction in Direction:
        compiled = []
        written = len(loaded.intent.rules(direction))
        for i, rule in enumerate(intent.rules(direction)):
            path = ("spec", direction.value, i) if i < written else ("spec", "allowDNS")
            compiled.append(_compile_rule(uid, i, rule, intent, semantics, sel, loaded, path))
            uid += 1
        out.rules[direction] = compiled
    return out


def _compile_rule(uid: int, index: int, rule: Rule, intent: NetworkIntent, semantics: Semantics, sel: Selection,
                  loaded: LoadedIntent, path: tuple[str | int, ...]) -> CompiledRule:
    peers, fqdn, all_excluded = (sel.all, 0, 0) if not rule.peers else (0, 0, 0)
    for peer in rule.peers or ():
        matched, by_name = sel.peer(peer, intent, semantics)
        peers |= matched & ~by_name if semantics.fqdn_needs_dns_rule else matched
        fqdn |= by_name if semantics.fqdn_needs_dns_rule else 0
    for peer in rule.notPeers or ():
        excluded = sel.peer(peer, intent, semantics)[0]
        peers &= ~excluded
        fqdn &= ~excluded
        all_excluded |= excluded
    node_peers = tuple(p.entity for p in rule.peers or () if p.entity in NODE_ENTITIES)
    node_not_peers = tuple(p.entity for p in rule.notPeers or () if p.entity in NODE_ENTITIES)
    note = ""
    if rule.http is not None:
        shapes = "; ".join(str(h) for h in rule.http) or "any request"
        note = (f"HTTP {shapes} (the L4 part decides reach)" if semantics.supports_l7
                else f"HTTP {shapes} not enforced by {semantics.name}; L4 only")
    return CompiledRule(uid, index, rule, peers, fqdn, loaded, path, note,
                        node_peers=node_peers, node_not_peers=node_not_peers,
                        excluded=all_excluded)


class Engine:
    """Decisions for every endpoint of a cluster under a list of compiled intents."""

    def __init__(self, cluster: Cluster, intents: Sequence[tuple[LoadedIntent, Semantics]]) -> None:
        self.sel = Selection(cluster)
        self.intents: list[CompiledIntent] = []
        uid = 0
        report = progress()
        report.phase("compiling policies", len(intents))
        for position, (loaded, semantics) in enumerate(intents):
            report.advance()
            compiled = compile_intent(position, loaded, semantics, self.sel, uid)
            uid += sum(len(r) for r in compiled.rules.values())
            self.intents.append(compiled)
        self.n = len(self.sel.names)
        self._port_lists: dict[tuple[tuple[PortSpec, ...] | None, tuple[PortSpec, ...] | None], int] = {}
        for ci in self.intents:
            for cr in (*ci.rules[Direction.INGRESS], *ci.rules[Direction.EGRESS]):
                key = (cr.rule.ports, cr.rule.notPorts)
                cr.port_key = self._port_lists.setdefault(key, len(self._port_lists))
        self._applicable = {d: self._applicable_lists(d) for d in Direction}
        self._groups: dict[tuple[Direction, tuple[int, ...]], tuple[TierGroup, ...]] = {}
        self._port_bits: dict[Probe, list[int]] = {}
        self._signatures: dict[tuple[int, ...], int] = {}
        self._probe_signature: dict[Probe, int] = {}
        self._classes: dict[Direction, tuple[list[int], list[int]]] = {}
        self._decisions: dict[tuple[Direction, int, int], int] = {}
        self.dns_names = self._dns_names() if any(ci.semantics.fqdn_needs_dns_rule for ci in self.intents) else {}
        """Per pod, the external endpoints whose names it may look up through a DNS rule (absent: none)."""
        self.node_relative = bool(self.sel.nodes) and any(
            cr.node_peers or cr.node_not_peers for ci in self.intents for rules in ci.rules.values() for cr in rules)
        """Whether some rule names `host` / `remote-node`, so decisions depend on the pod's node."""

    # -- which intents apply where ---------------------------------------------------------------------------

    def _applicable_lists(self, direction: Direction) -> list[tuple[int, ...]]:
        lists: list[list[int]] = [[] for _ in range(self.n)]
        for ci in self.intents:
            if not ci.applies(direction):
                continue
            bits = ci.subject
            while bits:
                low = bits & -bits
                lists[low.bit_length() - 1].append(ci.position)
                bits ^= low
        return [tuple(x) for x in lists]

    def groups_positions(self, direction: Direction, endpoint: int) -> tuple[int, ...]:
        """Positions of the intents that apply to `endpoint` in `direction`."""
        return self._applicable[direction][endpoint]

    def groups(self, direction: Direction, endpoint: int) -> tuple[TierGroup, ...]:
        """The tier groups that apply to `endpoint` in `direction`, in evaluation order."""
        key = (direction, self._applicable[direction][endpoint])
        found = self._groups.get(key)
        if found is None:
            found = self._groups[key] = self._make_groups(direction, key[1])
        return found

    def _make_groups(self, direction: Direction, positions: tuple[int, ...]) -> tuple[TierGroup, ...]:
        by_tier: dict[tuple[float, str], list[CompiledIntent]] = {}
        for pos in positions:
            ci = self.intents[pos]
            by_tier.setdefault(ci.tier, []).append(ci)
        out = []
        for (order, name), members in sorted(by_tier.items()):
            ordered = tuple(sorted((c for c in members if c.order is not None), key=CompiledIntent.sort_key))
            unordered = tuple(c for c in members if c.order is None)
            out.append(TierGroup(name, order, ordered, unordered, any(c.intent.isolates(direction) for c in members)))
        return tuple(out)

    def _dns_names(self) -> dict[int, int]:
        """Per pod, the externals named by the DNS rules of the intents selecting it (see the module docstring)."""
        out: dict[int, int] = {}
        for ci in self.intents:
            patterns = dns_patterns(ci.intent)
            if not patterns:
                continue
            names = 0
            for pattern in patterns:
                names |= self.sel.fqdn(pattern)
            bits = ci.subject
            while bits:
                low = bits & -bits
                e = low.bit_length() - 1
                out[e] = out.get(e, 0) | names
                bits ^= low
        return out

    def dns_ok(self, endpoint: int, names: int) -> int:
        """Of the externals `names`, those whose names `endpoint` may look up."""
        return names & self.dns_names.get(endpoint, 0)

    # -- ports -----------------------------------------------------------------------------------------------

    def _bits_for(self, probe: Probe) -> list[int]:
        found = self._port_bits.get(probe)
        if found is None:
            found = self._port_bits[probe] = [self.sel.ports(ports, not_ports, probe)
                                              for ports, not_ports in self._port_lists]
        return found

    def ports(self, cr: CompiledRule, probe: Probe) -> int:
        """The destinations on which the rule's ports match the probe (cached per probe)."""
        return self._bits_for(probe)[cr.port_key]

    def signature(self, probe: Probe) -> int:
        """An id shared by probes that every rule's ports treat alike (they get the same decisions)."""
        found = self._probe_signature.get(probe)
        if found is None:
            key = tuple(self._bits_for(probe))
            found = self._probe_signature[probe] = self._signatures.setdefault(key, len(self._signatures))
        return found

    # -- decisions -------------------------------------------------------------------------------------------

    def _class_table(self, direction: Direction) -> tuple[list[int], list[int]]:
        """Per endpoint, the id of its class of endpoints that get the same decision (-1: no intent applies), and
        a representative endpoint per class."""
        found = self._classes.get(direction)
        if found is not None:
            return found
        ids: list[int] = []
        reps: list[int] = []
        index: dict[tuple[tuple[int, ...], object, str | None], int] = {}
        named: dict[tuple[int, ...], bool] = {}
        for e in range(self.n):
            positions = self._applicable[direction][e] if (self.sel.pods >> e) & 1 else ()
            if not positions:
                ids.append(-1)
                continue
            if direction is Direction.EGRESS:
                variant: object = self.dns_names.get(e, 0)
            else:
                if positions not in named:
                    named[positions] = any(cr.named_ports for p in positions for cr in self.intents[p].rules[direction])
                variant = self.sel.cluster.pods[e].ports if named[positions] else None
            key = (positions, variant, self.sel.pod_node[e] if self.node_relative else None)
            cid = index.get(key)
            if cid is None:
                cid = index[key] = len(reps)
                reps.append(e)
            ids.append(cid)
        self._classes[direction] = (ids, reps)
        return ids, reps

    def _class_decision(self, direction: Direction, signature: int, cid: int, rep: int, probe: Probe) -> int:
        key = (direction, signature, cid)
        found = self._decisions.get(key)
        if found is None:
            found = self._decisions[key] = self.decide(self.groups(direction, rep), direction, rep, probe, self.sel.all)
        return found

    def decision(self, direction: Direction, endpoint: int, probe: Probe) -> int:
        """The peers `endpoint` allows in `direction` for `probe` (ingress: sources; egress: destinations)."""
        ids, reps = self._class_table(direction)
        cid = ids[endpoint]
        if cid < 0:
            return self.sel.all  # no intent applies (external endpoints and nodes carry no pod policy)
        return self._class_decision(direction, self.signature(probe), cid, reps[cid], probe) \
            | self.sel.local_node(endpoint)

    def decisions(self, direction: Direction, probe: Probe) -> list[int]:
        """`decision` for every endpoint, computed once per class of alike endpoints. A pod and its own node
        always reach each other (see docs/intent.md)."""
        ids, reps = self._class_table(direction)
        sig = self.signature(probe)
        values = [self._class_decision(direction, sig, cid, rep, probe) for cid, rep in enumerate(reps)]
        everything, local = self.sel.all, self.sel.local_node
        return [everything if cid < 0 else values[cid] | local(e) for e, cid in enumerate(ids)]

    def peers(self, cr: CompiledRule, endpoint: int) -> int:
        """The endpoints rule `cr` names as seen by `endpoint` (its own node for `host`, the others for
        `remote-node`), FQDN matches not included."""
        peers = cr.peers
        for entity in cr.node_peers:
            peers |= self.sel.node_entity(entity, endpoint) & ~cr.excluded
        for entity in cr.node_not_peers:
            peers &= ~self.sel.node_entity(entity, endpoint)
        return peers

    def match(self, cr: CompiledRule, direction: Direction, endpoint: int, probe: Probe) -> int:
        """The peers for which rule `cr` of an intent selecting `endpoint` matches."""
        ports = self.ports(cr, probe)
        peers = self.peers(cr, endpoint) if cr.node_peers or cr.node_not_peers else cr.peers
        if direction is Direction.INGRESS:
            return (peers | cr.fqdn) if (ports >> endpoint) & 1 else 0
        if cr.fqdn:
            peers |= self.dns_ok(endpoint, cr.fqdn)
        return peers & ports

    def decide(self, groups: Sequence[TierGroup], direction: Direction, endpoint: int, probe: Probe,
               candidates: int, rec: Recorder | None = None) -> int:
        """The subset of `candidates` that the tiers allow (see the module docstring)."""
        allowed, undecided = 0, candidates
        for group in groups:
            if rec is not None:
                rec.tier(group.name, group.order, [c.label(direction) for c in (*group.ordered, *group.unordered)])
            pending, passed = undecided, 0
            for ci in group.ordered:
                for cr in ci.rules[direction]:
                    if not pending:
                        break
                    m = pending & self.match(cr, direction, endpoint, probe)
                    if rec is not None:
                        self._record(rec, ci, cr, direction, endpoint, probe, candidates)
                    if not m or cr.action is Action.LOG:
                        continue
                    pending &= ~m
                    if cr.action is Action.ALLOW:
                        allowed |= m
                    elif cr.action is Action.PASS:
                        passed |= m
                    if rec is not None:
                        rec.outcome(f"{cr.action.value} by {ci.ref} rule {cr.index} (first match)")
            if pending and group.unordered:
                deny = allow = pss = 0
                for ci in group.unordered:
                    for cr in ci.rules[direction]:
                        if cr.action is Action.LOG:
                            if rec is not None:
                                self._record(rec, ci, cr, direction, endpoint, probe, candidates)
                            continue
                        m = pending & self.match(cr, direction, endpoint, probe)
                        if rec is not None:
                            self._record(rec, ci, cr, direction, endpoint, probe, candidates)
                        if cr.action is Action.DENY:
                            deny |= m
                        elif cr.action is Action.ALLOW:
                            allow |= m
                        else:
                            pss |= m
                allow &= ~deny
                pss &= ~(deny | allow)
                allowed |= allow
                passed |= pss
                pending &= ~(deny | allow | pss)
                if rec is not None:
                    self._unordered_outcome(rec, deny, allow, pss)
            undecided = passed if group.isolates else passed | pending
            if rec is not None and pending:
                rec.outcome("no rule matched; the tier isolates this direction: deny" if group.isolates
                            else "no rule matched and no intent here isolates this direction: next tier")
            if not undecided:
                break
        return allowed | undecided

    def _record(self, rec: Recorder, ci: CompiledIntent, cr: CompiledRule, direction: Direction, endpoint: int,
                probe: Probe, peer_bits: int) -> None:
        ports = self.ports(cr, probe)
        named = self.peers(cr, endpoint)
        if direction is Direction.INGRESS:
            port_ok, peers = bool((ports >> endpoint) & 1), named | cr.fqdn
        else:
            port_ok = bool(ports & peer_bits)
            peers = named | self.dns_ok(endpoint, cr.fqdn)
        note = cr.note
        if direction is Direction.EGRESS and cr.fqdn & peer_bits and not self.dns_ok(endpoint, cr.fqdn & peer_bits):
            note = (note + "; " if note else "") + ("the FQDN peer needs a DNS rule (dns) allowing the name in a "
                                                    "policy that selects this pod")
        rec.rule(RuleStep(ci.ref, cr.where, cr.index, cr.action.value, bool(peers & peer_bits), port_ok, note))

    @staticmethod
    def _unordered_outcome(rec: Recorder, deny: int, allow: int, pss: int) -> None:
        for bits, action in ((deny, "deny"), (allow, "allow"), (pss, "pass")):
            if bits:
                step = rec.first_matched(action)
                by = f" by {step.intent} rule {step.index}" if step else ""
                rec.outcome(f"{action}{by}")
                return
