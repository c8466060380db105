"""Ordered -> additive: compile first-match rules (ordered intents, tiers, deny and pass rules) into an equivalent
set of unordered allow-only intents, for engines that only add allows (Kubernetes) or have no order (Cilium).

For one endpoint E and one direction, the intent semantics are a first-match program: per tier, the ordered
intents' rules in order, then every unordered deny, every unordered allow, every unordered pass; at the end of a
tier, a deny-all if an applicable intent isolates; after the last tier, allow. A connection is allowed iff the
first item it matches allows (pass jumps to the next tier). The allowed set is therefore the union, over allow
items, of "the item, within what reaches its tier, minus every earlier deny, pass or allow of that tier"; that
union is what the additive set allows, with the direction isolated unless it allows everything. Differences are
exact (translator/compile/boxes.py: CIDR except, negated label terms, split port ranges, else notPeers/notPorts).

This is only sound when every intent whose rules can meet on one endpoint is compiled together. Intents are
grouped by identical subject; a group that needs compiling (deny or pass rules, or several tiers) must be
provably disjoint from every other group active in the same direction, and overlapping plain groups must share a
tier. Otherwise the set is refused, naming the intents and rules that meet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import assert_never

from translator import codes
from translator.backend import Backend
from translator.capabilities import Support
from translator.compile.boxes import ANY, Box, NotAdditive, boxes_of, intersect, selector_empty, subtract, unique
from translator.diagnostics import Diagnostics
from translator.features import Feature, features_used
from translator.load.loaded import LoadedIntent
from translator.model import (
    DEFAULT_TIER,
    Action,
    Direction,
    LabelSelector,
    NetworkIntent,
    Operator,
    Rule,
    Scope,
    expand_dns,
)
from translator.model.labels import NAMESPACE_NAME_LABEL as NAME_LABEL

MAX_BOXES = 2000
_EXACT = (Support.NATIVE, Support.LOWERED)


@dataclass(frozen=True)
class RuleRef:
    """Where a rule comes from: the intent's position in the input, the direction, the rule's index."""

    position: int
    direction: Direction
    index: int


@dataclass
class Allowed:
    """One allowed box, the allow rule it comes from (None = nothing decided) and the rules that carved it."""

    box: Box
    origin: RuleRef | None
    carved: set[RuleRef] = field(default_factory=set)


@dataclass
class Group:
    """Intents with the same subject (they apply to exactly the same pods)."""

    positions: list[int]

    def active(self, intents: list[NetworkIntent], d: Direction) -> list[int]:
        """Members that take part in direction `d`."""
        return [p for p in self.positions if intents[p].isolates(d) or intents[p].rules(d)]


# -- when -----------------------------------------------------------------------------------------------------


def _tier_key(intent: NetworkIntent) -> tuple[float, str]:
    tier = intent.spec.tier
    return (tier.effective_order, tier.name) if tier is not None else (1_000_000.0, DEFAULT_TIER)


def _uses(intents: Iterable[NetworkIntent]) -> set[Feature]:
    found: set[Feature] = set()
    for i in intents:
        if i.is_ordered:
            found.add(Feature.ORDERED)
        if i.spec.tier is not None:
            found.add(Feature.TIER)
        for d in Direction:
            for r in i.rules(d):
                found |= {Action.DENY: {Feature.DENY_RULE}, Action.PASS: {Feature.PASS_RULE},
                          Action.LOG: {Feature.LOG_RULE}}.get(r.action, set())
    return found


def needs_additive(loaded: list[LoadedIntent], backend: Backend) -> bool:
    """Whether the set uses order, tiers, deny or pass rules that `backend` does not support natively."""
    used = _uses(li.intent for li in loaded) - {Feature.LOG_RULE}
    return any(backend.capability(f).support is not Support.NATIVE for f in used)


def lower_ordered(loaded: list[LoadedIntent], backend: Backend, diags: Diagnostics,
                  refused: set[int] | None = None) -> list[LoadedIntent]:
    """The pipeline hook: `to_additive` when the backend cannot express the set's order, deny or pass rules.
    Intents that cannot be lowered stay as they are, after an error that says why, and their positions are added
    to `refused` (the backend's own check may refuse their order, deny or pass rules too)."""
    if not needs_additive(loaded, backend):
        return list(loaded)
    hopeless = {i for i, li in enumerate(loaded) if _subject_refused(li.intent, backend)}
    rest = [i for i in range(len(loaded)) if i not in hopeless]
    failed: list[int] = []
    lowered = lower([loaded[i] for i in rest], diags, lambda f: backend.capability(f).support in _EXACT,
                    backend.name, True, failed)
    if refused is not None:
        refused.update(rest[i] for i in failed)
    by_position = dict(zip(rest, lowered))
    return [by_position.get(i, li) or li for i, li in enumerate(loaded)]


def _subject_refused(intent: NetworkIntent, backend: Backend) -> bool:
    """Whether the backend refuses the intent whatever its rules (its scope or subject): not worth lowering."""
    return any(use.path[:2] in (("spec", "scope"), ("spec", "subject"))
               and backend.support_for(use, intent).support not in _EXACT for use in features_used(intent))


def catch_all(rule: Rule) -> bool:
    """Whether the rule matches every connection (no peers, ports or exclusions)."""
    return rule.peers is None and not rule.notPeers and rule.ports is None and not rule.notPorts and not rule.http


def effectively_isolates(intent: NetworkIntent, d: Direction) -> bool:
    """Whether the intent can put its pods into default deny in `d`: it isolates the direction and its rules do not
    end in a catch-all Pass (which hands every undecided connection to the next tier)."""
    if not intent.isolates(d):
        return False
    return not any(r.action is Action.PASS and catch_all(r) for r in intent.rules(d))


# -- disjointness ----------------------------------------------------------------------------------------------


SubjectKey = tuple[Scope, str | None, str, str | None, tuple[str, ...] | None]
"""An intent's subject (scope, namespace, pods, namespaces, service accounts) as a hashable value."""


def _subject_key(intent: NetworkIntent) -> SubjectKey:
    s = intent.spec.subject
    return (intent.spec.scope, intent.metadata.namespace, repr(s.pods.canonical()),
            repr(s.namespaces.canonical()) if s.namespaces is not None else None, s.serviceAccounts)


def _namespace_sel(intent: NetworkIntent) -> LabelSelector | None:
    if not intent.is_cluster_scoped:
        return LabelSelector(matchLabels={NAME_LABEL: intent.metadata.namespace or ""})
    return intent.spec.subject.namespaces


def disjoint(a: NetworkIntent, b: NetworkIntent) -> bool:
    """Whether the two intents provably select no common pod (a conservative check)."""
    sa, sb = a.spec.subject, b.spec.subject
    if sa.serviceAccounts is not None and sb.serviceAccounts is not None \
            and not set(sa.serviceAccounts) & set(sb.serviceAccounts):
        return True
    ns_a, ns_b = _namespace_sel(a), _namespace_sel(b)
    if ns_a is not None and ns_b is not None and _contradicts(ns_a, ns_b):
        return True
    return _contradicts(sa.pods, sb.pods)


def _contradicts(a: LabelSelector, b: LabelSelector) -> bool:
    both = LabelSelector(matchExpressions=(*a.requirements(), *b.requirements()))
    return selector_empty(both) or any(
        r.operator is Operator.NOT_IN and set(q.values) <= set(r.values)
        for r in both.matchExpressions for q in both.matchExpressions
        if q.key == r.key and q.operator is Operator.IN)


# -- the program ---------------------------------------------------------------------------------------------


@dataclass
class Item:
    """One rule of the first-match program."""

    action: Action
    boxes: list[Box]
    ref: RuleRef | None


def _rule_boxes(rule: Rule) -> list[Box]:
    return boxes_of(rule.peers, rule.ports, rule.notPeers, rule.notPorts)


def program(intents: list[NetworkIntent], positions: list[int], d: Direction) -> list[tuple[list[Item], bool]]:
    """Per tier (in order): the items in first-match order, and whether the tier ends with a deny-all."""
    tiers: dict[tuple[float, str], list[int]] = {}
    for p in positions:
        tiers.setdefault(_tier_key(intents[p]), []).append(p)
    out = []
    for key in sorted(tiers):
        members = tiers[key]
        ordered = sorted((p for p in members if intents[p].is_ordered),
                         key=lambda p: (intents[p].spec.order, intents[p].metadata.namespace or "",
                                        intents[p].metadata.name))
        items = [Item(r.action, _rule_boxes(r), RuleRef(p, d, i))
                 for p in ordered for i, r in enumerate(intents[p].rules(d)) if r.action is not Action.LOG]
        unordered = [p for p in members if not intents[p].is_ordered]
        for action in (Action.DENY, Action.ALLOW, Action.PASS):
            items += [Item(action, _rule_boxes(r), RuleRef(p, d, i))
                      for p in unordered for i, r in enumerate(intents[p].rules(d)) if r.action is action]
        out.append((items, any(intents[p].isolates(d) for p in members)))
    return out


def _minus(boxes: list[Allowed], blocker: Item, intent: NetworkIntent) -> list[Allowed]:
    out: list[Allowed] = []
    for a in boxes:
        pieces = [a.box]
        for b in blocker.boxes:
            pieces = [x for piece in pieces for x in subtract(piece, b, intent)]
        changed = pieces != [a.box]
        for piece in pieces:
            carved = a.carved | ({blocker.ref} if changed and blocker.ref else set())
            out.append(Allowed(piece, a.origin, carved))
    if len(out) > MAX_BOXES:
        raise NotAdditive(f"the compiled rules exceed {MAX_BOXES} parts")
    return out


def run(intents: list[NetworkIntent], positions: list[int], d: Direction,
        without_denies: bool = False) -> tuple[list[Allowed], bool]:
    """The allowed boxes of the group's program and whether the result allows everything.

    Only deny and pass items are subtracted from later items: traffic an earlier allow took is allowed anyway,
    so leaving it in later boxes (or in what passes or falls through to the next tier) changes no union.
    `without_denies`: the program with its deny items left out (see `denied`)."""
    intent = intents[positions[0]]
    reach = [Allowed(ANY, None)]
    allowed: list[Allowed] = []
    for items, isolating in program(intents, positions, d):
        if not reach:
            break
        earlier: list[Item] = []
        passed: list[Allowed] = []
        for item in items:
            if without_denies and item.action is Action.DENY:
                continue
            eff = [Allowed(x, item.ref if item.action is Action.ALLOW else r.origin, set(r.carved))
                   for r in reach for b in item.boxes for x in intersect(r.box, b, intent)]
            for blocker in earlier:
                eff = _minus(eff, blocker, intent)
            action = item.action
            if action is Action.ALLOW:
                allowed += eff
                continue  # allowed traffic may stay in later sets: the result is a union of allows
            if action is Action.PASS:
                passed += eff
            elif action is not Action.DENY and action is not Action.LOG:  # program() leaves LOG out
                assert_never(action)
            earlier.append(item)
        fallthrough: list[Allowed] = []
        if not isolating:
            fallthrough = reach
            for blocker in earlier:
                fallthrough = _minus(fallthrough, blocker, intent)
        reach = passed + fallthrough
    everything = any(r.box == ANY for r in reach)
    return allowed + [Allowed(r.box, None, r.carved) for r in reach], everything


def denied(intents: list[NetworkIntent], positions: list[int], d: Direction) -> list[Allowed]:
    """The connections a deny item of the group's program decides (it is their first match), as boxes whose
    origin is the deny rule.

    With these as native deny rules (which beat every allow, as in Cilium), the program is exactly the same as
    the program without its deny items (`run(..., without_denies=True)`) minus the denied boxes: a connection a
    deny decides is denied either way, and one no deny decides takes the same path through both programs. Unlike
    `run`, every earlier item (allows too) is subtracted, so that a deny never takes what an allow decided."""
    intent = intents[positions[0]]
    reach = [Allowed(ANY, None)]
    out: list[Allowed] = []
    for items, isolating in program(intents, positions, d):
        if not reach:
            break
        earlier: list[Item] = []
        passed: list[Allowed] = []
        for item in items:
            eff = [Allowed(x, item.ref, set()) for r in reach for b in item.boxes for x in intersect(r.box, b, intent)]
            for blocker in earlier:
                eff = _minus(eff, blocker, intent)
            if item.action is Action.DENY:
                out += eff
            elif item.action is Action.PASS:
                passed += eff
            earlier.append(item)
        fallthrough: list[Allowed] = []
        if not isolating:
            fallthrough = reach
            for blocker in earlier:
                fallthrough = _minus(fallthrough, blocker, intent)
        reach = passed + fallthrough
    return out


# -- output --------------------------------------------------------------------------------------------------


def rules_of(boxes: list[Allowed]) -> list[tuple[Rule, Allowed]]:
    """Allow rules for boxes: boxes that differ only in port share a rule."""
    merged: dict[str, list[Allowed]] = {}
    for a in boxes:
        key = repr((a.box.peer, a.box.not_peers, a.box.not_ports, a.origin))
        merged.setdefault(key, []).append(a)
    out = []
    for members in merged.values():
        box = members[0].box
        ports = unique([m.box.port for m in members])
        specs = tuple(p for p in ports if p is not None)
        rule = Rule(peers=(box.peer,) if box.peer is not None else None, notPeers=box.not_peers or None,
                    ports=None if len(specs) < len(ports) else specs, notPorts=box.not_ports or None)
        out.append((rule, Allowed(members[0].box, members[0].origin, set().union(*(m.carved for m in members)))))
    return out


@dataclass
class Compiled:
    """What one direction of one group compiled to: allow rules (and, for an engine with native deny, deny rules)
    by intent position, and whether the direction is isolated."""

    rules: dict[int, list[tuple[Rule, Allowed]]]
    isolated: bool

    def count(self, action: Action) -> int:
        """How many rules of `action`."""
        return sum(1 for rules in self.rules.values() for r, _ in rules if r.action is action)


def compile_group(intents: list[NetworkIntent], group: Group, d: Direction, native_deny: bool = False) -> Compiled:
    """The allow rules (by intent position) and isolation of one direction of a group; with `native_deny`, the
    decisive deny rules stay deny rules (see `denied`) and the rest is compiled without them."""
    active = group.active(intents, d)
    allowed, everything = run(intents, active, d, without_denies=native_deny)
    by_intent: dict[int, list[tuple[Rule, Allowed]]] = {}
    owned: dict[int, list[Allowed]] = {}
    for a in ([] if everything else allowed):
        owner = a.origin.position if a.origin is not None else active[0]
        owned.setdefault(owner, []).append(a)
    for p, boxes in owned.items():
        by_intent.setdefault(p, []).extend(rules_of(boxes))
    if native_deny:
        blocked: dict[int, list[Allowed]] = {}
        for a in denied(intents, active, d):
            blocked.setdefault(a.origin.position if a.origin else active[0], []).append(a)
        for p, boxes in blocked.items():
            by_intent.setdefault(p, []).extend((r.model_copy(update={"action": Action.DENY}), a)
                                               for r, a in rules_of(boxes))
    return Compiled(by_intent, not everything)


# -- the whole set -------------------------------------------------------------------------------------------


@dataclass
class Context:
    """The set being lowered, with where each rule came from (for messages)."""

    loaded: list[LoadedIntent]
    intents: list[NetworkIntent]
    diags: Diagnostics
    engine: str
    native_deny: bool = False
    """Whether the engine has deny rules that beat every allow (then unordered deny rules are kept as written)."""

    def where(self, ref: RuleRef) -> str:
        """`intent direction[index] (file:line)`."""
        li = self.loaded[ref.position]
        where = li.locate(("spec", ref.direction.value, ref.index))
        return f"{li.intent.ref} {ref.direction.value}[{ref.index}] ({where})"

    def refuse(self, position: int, message: str, path: tuple[str | int, ...] = ()) -> None:
        """An error at an intent."""
        li = self.loaded[position]
        self.diags.error(codes.ORDERED_NOT_ADDITIVE, f"{li.intent.ref}: {message}", li.locate(path),
                         engine=self.engine)


def _actions(ctx: Context, group: Group, d: Direction) -> set[Action]:
    return {r.action for p in group.active(ctx.intents, d) for r in ctx.intents[p].rules(d)}


def _ordered(ctx: Context, group: Group, d: Direction) -> bool:
    return any(ctx.intents[p].is_ordered for p in group.active(ctx.intents, d))


def _needs_compile(ctx: Context, group: Group, d: Direction) -> bool:
    """Whether the group's first-match program differs from what the engine does with its rules as written.

    An engine with native deny (Cilium: deny beats every allow) already means what unordered intents of one tier
    mean, deny rules included; ordered intents, pass rules and several tiers always need compiling."""
    active = group.active(ctx.intents, d)
    actions = _actions(ctx, group, d)
    if Action.PASS in actions or len({_tier_key(ctx.intents[p]) for p in active}) > 1:
        return True
    return Action.DENY in actions and (not ctx.native_deny or _ordered(ctx, group, d))


def _first_decisive(ctx: Context, group: Group, d: Direction) -> str:
    for p in group.active(ctx.intents, d):
        for i, r in enumerate(ctx.intents[p].rules(d)):
            if r.action in (Action.DENY, Action.PASS):
                return f"{r.action.value} rule {ctx.where(RuleRef(p, d, i))}"
    p = group.active(ctx.intents, d)[0]
    return f"tier {_tier_key(ctx.intents[p])[1]!r} of {ctx.loaded[p].intent.ref}"


def _check_overlaps(ctx: Context, groups: list[Group], compiled: dict[tuple[int, Direction], bool]) -> set[int]:
    """Groups whose rules can meet another group's on one pod when that changes the outcome: refused.

    The group refused is the one whose own rewrite would be wrong: one that needs compiling (its deny, pass or
    tiers would have to act on the other's rules), or, of two plain groups in different tiers, the later one when
    the earlier isolates (the earlier tier's end hides the later allows). The other keeps its exact translation.
    """
    conflicts: dict[tuple[int, Direction], list[int]] = {}
    for d in Direction:
        active = [g for g, grp in enumerate(groups) if grp.active(ctx.intents, d)]
        for x, g in enumerate(active):
            for h in active[x + 1:]:
                ia, ib = ctx.intents[groups[g].positions[0]], ctx.intents[groups[h].positions[0]]
                if disjoint(ia, ib) or _twins(ctx, groups[g], groups[h], d):
                    continue
                for k, other in _culprits(ctx, groups, compiled, d, g, h):
                    conflicts.setdefault((k, d), []).append(other)
    for (k, d), others in conflicts.items():
        _refuse_overlap(ctx, groups, k, others, d, compiled[(k, d)])
    return {k for k, _ in conflicts}


def _program_key(ctx: Context, group: Group, d: Direction) -> list[str]:
    return sorted(repr((_tier_key(i), i.spec.order, i.isolates(d), i.rules(d)))
                  for i in (ctx.intents[p] for p in group.active(ctx.intents, d)))


def _twins(ctx: Context, a: Group, b: Group, d: Direction) -> bool:
    """Whether two groups run the same program (same tiers, orders, isolation and rules; e.g. the pieces of a
    Calico selector with '||'): on a pod both select, each rule comes twice, which changes no first match, so
    each compiled alone is exact there too."""
    return _program_key(ctx, a, d) == _program_key(ctx, b, d)


def _culprits(ctx: Context, groups: list[Group], compiled: dict[tuple[int, Direction], bool], d: Direction,
              g: int, h: int) -> list[tuple[int, int]]:
    if compiled[(g, d)] or compiled[(h, d)]:
        return [(k, o) for k, o in ((g, h), (h, g)) if compiled[(k, d)]]
    denies = [Action.DENY in _actions(ctx, groups[k], d) for k in (g, h)]
    tg, th = (_tier_key(ctx.intents[groups[k].positions[0]]) for k in (g, h))
    if tg == th:
        # Native deny rules beat every allow, but an ordered intent's allows come first in the intent semantics.
        return [(k, o) for k, o, deny in ((g, h, denies[1]), (h, g, denies[0])) if deny and _ordered(ctx, groups[k], d)]
    early, late = (g, h) if tg < th else (h, g)
    isolates = any(ctx.intents[p].isolates(d) for p in groups[early].active(ctx.intents, d))
    # A later tier's native deny would also beat the earlier tier's allows.
    return [(late, early)] if isolates or any(denies) else []


def _refuse_overlap(ctx: Context, groups: list[Group], k: int, others: list[int], d: Direction,
                    compiled: bool) -> None:
    names = ", ".join(f"{ctx.loaded[groups[o].positions[0]].intent.ref} "
                      f"({ctx.loaded[groups[o].positions[0]].locate()})" for o in dict.fromkeys(others))
    if compiled:
        why = (f"its {_first_decisive(ctx, groups[k], d)} would have to act on the rules of {names}, whose pods "
               "it may also select")
    elif _tier_key(ctx.intents[groups[k].positions[0]]) == _tier_key(ctx.intents[groups[others[0]].positions[0]]):
        why = (f"its ordered allows come before the deny rules of {names} (same tier, pods it may also select), "
               f"but in {ctx.engine} every deny beats every allow")
    else:
        tier = _tier_key(ctx.intents[groups[k].positions[0]])[1]
        why = (f"it is in tier {tier!r}, after the tier of {names}, which may select the same pods and isolates "
               f"{d.value} or denies: its rules only apply to what that tier leaves undecided")
    message = f"{d.value}: {why}; {ctx.engine} has no first-match order across policies, so there is no equivalent"
    for p in groups[k].positions:
        ctx.refuse(p, message)


def _unsupported(ctx: Context, position: int, d: Direction, rules: list[tuple[Rule, Allowed]],
                 supports: Callable[[Feature], bool]) -> list[str]:
    """Why the compiled rules of one intent cannot be written for the engine (nothing when they can)."""
    intent = ctx.intents[position]
    probe = intent.model_copy(update={"spec": intent.spec.model_copy(
        update={d.value: tuple(r for r, _ in rules), "order": None, "tier": None})})
    problems: list[str] = []
    for use in features_used(probe):
        if use.direction is not d or len(use.path) < 3 or supports(use.feature):
            continue
        rule, info = rules[int(use.path[2])]
        if info.origin is not None and use.feature in _rule_features(ctx, info.origin):
            continue  # already in the written rule: the engine's own check reports it
        origin = f"{rule.action.value} rule {ctx.where(info.origin)}" if info.origin \
            else "the traffic no rule decides"
        carved = ", ".join(ctx.where(c) for c in sorted(info.carved, key=lambda c: (c.position, c.index)))
        problems.append(f"{origin} minus {carved or 'the earlier rules'} leaves {use.feature.description} "
                        f"({use.feature.value}), which {ctx.engine} cannot express")
    return problems


def _compile_for(ctx: Context, grp: Group, d: Direction,
                 supports: Callable[[Feature], bool] | None) -> tuple[Compiled | None, dict[int, list[str]]]:
    """The group's direction compiled into rules the engine can write, or None and why not (by intent).

    On an engine with native deny rules (Cilium), the deny rules that decide are kept as deny rules when no earlier
    rule carves them: a deny of a set followed by Pass becomes a non-isolating deny, and no allow has to be carved
    into "everything but the set" (CIDR complements, which Cilium would no longer match against pods). Otherwise
    (a deny of "everything but" what an earlier allow or pass took) allow rules only: a pass-list then Deny
    becomes the plain allows; the deny form is the fallback when the allow rules cannot be written."""
    hoisted: Compiled | None = None
    if supports is not None and ctx.native_deny and Action.DENY in _actions(ctx, grp, d):
        try:
            hoisted = compile_group(ctx.intents, grp, d, native_deny=True)
        except NotAdditive:
            hoisted = None
        if hoisted is not None and any(_unsupported(ctx, p, d, rules, supports) for p, rules in hoisted.rules.items()):
            hoisted = None
        if hoisted is not None and all(not a.carved for rules in hoisted.rules.values() for r, a in rules
                                       if r.action is Action.DENY):
            return hoisted, {}  # every deny as written (nothing earlier carved it): the closest form
    result = compile_group(ctx.intents, grp, d)
    if supports is None:
        return result, {}
    problems = {p: m for p, rules in result.rules.items() if (m := _unsupported(ctx, p, d, rules, supports))}
    if problems and hoisted is not None:
        return hoisted, {}
    return (None if problems else result), problems


def _rule_features(ctx: Context, ref: RuleRef) -> set[Feature]:
    intent = ctx.intents[ref.position]
    return {u.feature for u in features_used(intent)
            if u.direction is ref.direction and u.path[:3] == ("spec", ref.direction.value, ref.index)}


def to_additive(loaded: list[LoadedIntent], diags: Diagnostics, supports: Callable[[Feature], bool] | None = None,
                engine: str = "the target") -> list[LoadedIntent]:
    """An equivalent set of unordered allow-only intents (see the module docstring), or errors naming the rules
    that cannot be made additive; intents that could not be lowered are left out of the result. `supports`
    tells which features the target can express (rules needing others are refused with the rules named)."""
    return [li for li in lower(loaded, diags, supports, engine) if li is not None]


def lower(loaded: list[LoadedIntent], diags: Diagnostics, supports: Callable[[Feature], bool] | None = None,
          engine: str = "the target", keep_refused: bool = False,
          failed: list[int] | None = None) -> list[LoadedIntent | None]:
    """`to_additive`, aligned with `loaded`: where an intent could not be lowered, None, or the intent itself
    with `keep_refused`."""
    if not _uses(li.intent for li in loaded):
        return list(loaded)
    intents = [expand_dns(li.intent) for li in loaded]
    ctx = Context(loaded, intents, diags, engine, supports is not None and supports(Feature.DENY_RULE))
    keyed: dict[SubjectKey, Group] = {}
    for p, intent in enumerate(intents):
        keyed.setdefault(_subject_key(intent), Group([])).positions.append(p)
    groups = list(keyed.values())
    need = {(g, d): _needs_compile(ctx, grp, d) for g, grp in enumerate(groups) for d in Direction}
    refused = _check_overlaps(ctx, groups, need)
    specs: dict[int, dict[str, object]] = {p: {} for p in range(len(intents))}
    for g, grp in enumerate(groups):
        if g in refused:
            continue
        for d in Direction:
            if not need[(g, d)]:
                _keep(ctx, grp, d, specs)
                continue
            try:
                result, problems = _compile_for(ctx, grp, d, supports)
            except NotAdditive as exc:
                for p in grp.positions:
                    ctx.refuse(p, f"{d.value}: {exc}", ("spec", d.value))
                refused.add(g)
                break
            if result is None:
                for p, messages in problems.items():
                    for message in messages:
                        ctx.refuse(p, message, ("spec", d.value))
                refused.add(g)
                break
            _store(ctx, grp, d, result, specs)
    if failed is not None:
        failed.extend(sorted(p for g in refused for p in groups[g].positions))
    return _outputs(ctx, groups, refused, specs, keep_refused)


def _keep(ctx: Context, grp: Group, d: Direction, specs: dict[int, dict[str, object]]) -> None:
    for p in grp.positions:
        intent = ctx.intents[p]
        specs[p][d.value] = tuple(r for r in intent.rules(d) if r.action is not Action.LOG) \
            if intent.has_section(d) else None
        specs[p][f"isolate-{d.value}"] = intent.isolates(d)


def _store(ctx: Context, grp: Group, d: Direction, result: Compiled, specs: dict[int, dict[str, object]]) -> None:
    active = grp.active(ctx.intents, d)
    for p in grp.positions:
        rules = tuple(r for r, _ in result.rules.get(p, []))
        specs[p][d.value] = rules if p in active else None
        specs[p][f"isolate-{d.value}"] = result.isolated and p in active
    for p in active:
        specs[p]["compiled"] = True
        li = ctx.loaded[p]
        n = sum(1 for r, _ in result.rules.get(p, []) if r.action is Action.ALLOW)
        denies = sum(1 for r, _ in result.rules.get(p, []) if r.action is Action.DENY)
        extra = f" and {denies} deny rule(s) that beat every allow" if denies else ""
        ctx.diags.info(codes.ORDERED_LOWERED, f"{li.intent.ref}: {d.value} first-match rules compiled for "
                       f"{ctx.engine} into {n} equivalent allow rule(s){extra}"
                       f"{', isolated' if result.isolated else ', not isolated'}",
                       li.locate(("spec", d.value)), engine=ctx.engine)


def _outputs(ctx: Context, groups: list[Group], refused: set[int], specs: dict[int, dict[str, object]],
             keep_refused: bool) -> list[LoadedIntent | None]:
    dropped = {p for g in refused for p in groups[g].positions}
    out: list[LoadedIntent | None] = []
    for p, li in enumerate(ctx.loaded):
        if p in dropped:
            out.append(li if keep_refused else None)
            continue
        fields = specs[p]
        base = ctx.intents[p]
        if not fields.get("compiled") and (base.spec.order is not None or base.spec.tier is not None):
            # Nothing was compiled for it (see _needs_compile): what is dropped is exact, and said so.
            ctx.diags.info(codes.ORDERED_LOWERED, f"{li.intent.ref}: order and tier dropped for {ctx.engine}: they "
                           "change nothing here (one tier, no pass rule, no deny rule an order would have to place)",
                           li.locate(("spec",)), engine=ctx.engine)
        update: dict[str, object] = {"order": None, "tier": None, "allowDNS": False,
                                     "isolate": tuple(d for d in Direction if fields.get(f"isolate-{d.value}"))}
        for d in Direction:
            update[d.value] = fields.get(d.value)
        intent = base.model_copy(update={"spec": base.spec.model_copy(update=update)})
        out.append(replace(li, intent=intent))
    return out
