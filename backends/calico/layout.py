"""How intents become Calico policies when the intent semantics and Calico's first-match model differ.

Calico evaluates, per tier, every policy that selects the endpoint by (order, name), rules first-match, policies
without order last; nothing decided at the end of a tier that selected the endpoint = Deny. The intent semantics
evaluate ordered intents first (the same way), then all unordered intents together (any deny wins, else any
allow, else any pass), and deny at the end of the tier only if an applicable intent *isolates* the direction.

Per tier, three layouts keep the meaning exactly:

* plain: every unordered intent only allows (or logs) and every intent isolates each direction it has rules for.
  Unordered intents become policies without order (Calico puts them last; a sequence of allows is their union).
* single: one unordered intent in the tier. Its policy (no order, so after every ordered one) lists its deny
  rules, then its allow and log rules, then its pass rules; for a direction it does not isolate, a trailing
  `Pass` rule turns the tier-end deny into "continue with the next tier". Only when no other intent of the tier
  isolates that direction or leaves it un-isolated.
* split: anything else. Unordered intents are cut into parts with explicit orders after every ordered intent of
  the tier: deny rules (D), allow and log rules (A), pass rules (P); then, for directions where some intent of the
  tier does not isolate, a catch-all `Deny` part (X) for each intent that does isolate, and a catch-all `Pass`
  part (E) for each that does not. D < A < P < X < E reproduces "deny wins, then allow, then pass, then isolation".
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from translator.model import DEFAULT_TIER, Action, Direction, NetworkIntent


@dataclass(frozen=True)
class Part:
    """One Calico policy made from an intent.

    kind: `all` (every rule as written), `sorted` (deny, allow/log, pass rules, then a trailing Pass for `tail`),
    `deny` / `allow` / `pass` (only those rules; `allow` also carries log rules and the isolation), `isolate`
    (a catch-all Deny for `tail`), `end` (a catch-all Pass for `tail`).
    """

    suffix: str
    order: float | None
    kind: str
    tail: tuple[Direction, ...] = ()


@dataclass
class Plan:
    """The parts of every intent, by intent ref, and which tiers needed a non-plain layout."""

    parts: dict[str, list[Part]] = field(default_factory=dict)
    layouts: dict[str, str] = field(default_factory=dict)


def tier_name(intent: NetworkIntent) -> str:
    """The intent's tier name (the default tier when absent)."""
    return intent.spec.tier.name if intent.spec.tier is not None else DEFAULT_TIER


def _actions(intent: NetworkIntent) -> set[Action]:
    return {r.action for d in Direction for r in intent.rules(d)}


def _non_isolating(members: Iterable[NetworkIntent]) -> dict[Direction, list[NetworkIntent]]:
    return {d: [i for i in members if i.rules(d) and not i.isolates(d)] for d in Direction}


def plan(intents: Iterable[NetworkIntent]) -> Plan:
    """The layout of every intent (see the module docstring)."""
    tiers: dict[str, list[NetworkIntent]] = {}
    for intent in intents:
        tiers.setdefault(tier_name(intent), []).append(intent)
    out = Plan()
    for name, members in tiers.items():
        layout, parts = _plan_tier(members)
        out.layouts[name] = layout
        out.parts.update(parts)
    return out


def _plan_tier(members: list[NetworkIntent]) -> tuple[str, dict[str, list[Part]]]:
    unordered = [i for i in members if not i.is_ordered]
    noniso = _non_isolating(members)
    deciding = any(_actions(i) & {Action.DENY, Action.PASS} for i in unordered)
    as_written = {i.ref: [Part("", i.spec.order, "all")] for i in members}
    if not deciding and not any(noniso.values()):
        return "plain", as_written
    if len(unordered) == 1 and _single_ok(unordered[0], members, noniso):
        u = unordered[0]
        tail = tuple(d for d in Direction if u in noniso[d])
        return "single", {**as_written, u.ref: [Part("", None, "sorted", tail)]}
    return "split", _split(members, noniso)


def _single_ok(u: NetworkIntent, members: list[NetworkIntent], noniso: dict[Direction, list[NetworkIntent]]) -> bool:
    for d in Direction:
        if any(i is not u for i in noniso[d]):
            return False
        if u in noniso[d] and any(i is not u and i.isolates(d) for i in members):
            return False
    return True


def _split(members: list[NetworkIntent], noniso: dict[Direction, list[NetworkIntent]]) -> dict[str, list[Part]]:
    top = max((i.spec.order for i in members if i.spec.order is not None), default=0.0)
    deny, allow, pss, isolate, end = (float(math.floor(top) + k) for k in range(1, 6))
    out: dict[str, list[Part]] = {}
    for i in members:
        actions = _actions(i)
        if i.is_ordered:
            parts = [Part("", i.spec.order, "all")]
        else:
            parts = [Part("-deny", deny, "deny")] if Action.DENY in actions else []
            parts.append(Part("", allow, "allow"))
            if Action.PASS in actions:
                parts.append(Part("-pass", pss, "pass"))
        isolated = tuple(d for d in Direction if i.isolates(d) and noniso[d])
        if isolated:
            parts.append(Part("-isolate", isolate, "isolate", isolated))
        passing = tuple(d for d in Direction if i in noniso[d])
        if passing:
            parts.append(Part("-end", end, "end", passing))
        out[i.ref] = parts
    return out
