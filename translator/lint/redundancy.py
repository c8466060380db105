"""Rules and policies that add nothing or never take effect: shadowed rules (NPX607), redundant rules (NPX608),
duplicate policies (NPX609) and redundant policies (NPX610).

Evaluation order follows the intent semantics within one tier: ordered intents first, by (order, namespace,
name) and then rule order, first match deciding; then all unordered intents together, where a matching deny beats
a matching allow, which beats a matching pass. Containment is checked with translator.lint.coverage, which is
sound: a finding here holds for every cluster.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import NamedTuple

from translator import codes
from translator.lint.context import Linted, LintInput
from translator.lint.coverage import rule_covers, same_tier, scope_namespace, subject_covers
from translator.lint.finding import Finding
from translator.lint.rules import rule
from translator.model import Action, Direction, Rule

UNORDERED_RANK = {Action.DENY: 0, Action.ALLOW: 1, Action.PASS: 2}
"""Among unordered intents, a matching deny beats allow, which beats pass."""
VERBS = {Action.ALLOW: "allows", Action.DENY: "denies", Action.PASS: "passes", Action.LOG: "logs"}


class _Slot(NamedTuple):
    """One rule, where it sits in the evaluation."""

    owner: Linted
    direction: Direction
    rule_index: int
    rule: Rule

    @property
    def ordered(self) -> bool:
        return self.owner.intent.is_ordered

    def sort_key(self) -> tuple[float, str, str, int]:
        i = self.owner.intent
        return (i.spec.order or 0.0, i.metadata.namespace or "", i.metadata.name, self.rule_index)

    @property
    def label(self) -> str:
        return f"{self.owner.ref} {self.direction.value}[{self.rule_index}]"


def _decides_first(s: _Slot, r: _Slot) -> bool | None:
    """Whether `s` is evaluated before `r` for the same pods (True), after (False), or with it (None)."""
    if s.ordered and r.ordered:
        return s.sort_key() < r.sort_key()
    if s.ordered != r.ordered:
        return s.ordered
    return None


def _verdict(s: _Slot, r: _Slot) -> str | None:
    """'shadowed' when `s` keeps `r` from ever taking effect, 'redundant' when `r` repeats `s`, else None.
    Assumes `s` covers `r` and applies to all of `r`'s pods in the same tier and direction."""
    if s.rule.action is Action.LOG or r.rule.action is Action.LOG:
        return None
    first = _decides_first(s, r)
    if first is False:
        return None
    same = s.rule.action is r.rule.action
    if first is None:  # both unordered: deny > allow > pass
        if same:
            mutual = rule_covers(r.rule, scope_namespace(r.owner.intent), s.rule, scope_namespace(s.owner.intent)) \
                and subject_covers(r.owner.intent, s.owner.intent)
            earlier = (s.owner.position, s.rule_index) < (r.owner.position, r.rule_index)
            return "redundant" if not mutual or earlier else None
        return "shadowed" if UNORDERED_RANK[s.rule.action] < UNORDERED_RANK[r.rule.action] else None
    return "redundant" if same else "shadowed"


def _slots(x: Linted) -> list[_Slot]:
    return [_Slot(x, d, k, r) for d in Direction for k, r in enumerate(x.intent.rules(d))]


def rules(ctx: LintInput) -> Iterator[Finding]:
    """Shadowed and redundant rules (skipping policies that are duplicates or redundant as a whole)."""
    whole = {x.position for x, _, _ in policy_pairs(ctx)}
    slots = {x.position: _slots(x) for x in ctx.intents()}
    for x in ctx.intents():
        if x.position in whole:
            continue
        candidates = [s for y in ctx.coverers(x) if y is x or (same_tier(y.intent, x.intent) and
                                                              subject_covers(y.intent, x.intent))
                      for s in slots[y.position]]
        for r in slots[x.position]:
            for s in candidates:
                if s is r or s.direction is not r.direction:
                    continue
                if not rule_covers(s.rule, scope_namespace(s.owner.intent), r.rule, scope_namespace(x.intent)):
                    continue
                verdict = _verdict(s, r)
                if verdict is not None:
                    yield _rule_finding(verdict, s, r)
                    break


def _rule_finding(verdict: str, s: _Slot, r: _Slot) -> Finding:
    where = s.owner.locate_rule(s.direction, s.rule_index)
    if verdict == "shadowed":
        why = "comes first" if s.ordered else f"is a {s.rule.action.value} rule, which wins"
        message = (f"{r.label} ({r.rule.action.value}) never takes effect: {s.label} ({s.rule.action.value}, "
                   f"at {where}) matches every connection it matches and {why}")
        hint = f"{'reorder or narrow' if s.ordered else 'narrow'} {s.label}, or delete {r.label}"
        code = codes.LINT_SHADOWED_RULE
    else:
        message = (f"{r.label} ({r.rule.action.value}) adds nothing: {s.label} (at {where}) already "
                   f"{VERBS[r.rule.action]} every connection it matches")
        hint = f"delete {r.label}, or narrow {s.label} if it {VERBS[r.rule.action]} more than meant"
        code = codes.LINT_REDUNDANT_RULE
    return Finding(rule(code), message, r.owner.locate_rule(r.direction, r.rule_index), hint, None, r.owner.ignored)


def _covers_policy(big: Linted, small: Linted) -> bool:
    """Whether `big` makes `small` unnecessary: same tier, both unordered, covers its pods, isolates at least the
    same directions, and has a rule with the same action covering each of its rules."""
    a, b = big.intent, small.intent
    if a.is_ordered or b.is_ordered or not same_tier(a, b) or not subject_covers(a, b):
        return False
    for d in Direction:
        if b.isolates(d) and not a.isolates(d):
            return False
        for r in b.rules(d):
            if not any(s.action is r.action and rule_covers(s, scope_namespace(a), r, scope_namespace(b))
                       for s in a.rules(d)):
                return False
    return True


def policy_pairs(ctx: LintInput) -> list[tuple[Linted, Linted, str]]:
    """(policy, the one it repeats, 'duplicate' | 'redundant'), each policy at most once, the later one reported."""
    if ctx.policy_pairs is None:
        ctx.policy_pairs = list(_pairs(ctx))
    return ctx.policy_pairs


def _pairs(ctx: LintInput) -> Iterator[tuple[Linted, Linted, str]]:
    key = {x.position: (x.intent.metadata.namespace, json.dumps(x.intent.spec.dump(), sort_keys=True))
           for x in ctx.intents()}
    for x in ctx.intents():
        for y in ctx.coverers(x):
            if x is y:
                continue
            if key[x.position] == key[y.position]:
                if y.position < x.position:
                    yield x, y, "duplicate"
                    break
                continue
            if _covers_policy(y, x) and (not _covers_policy(x, y) or y.position < x.position):
                yield x, y, "redundant"
                break


def policies(ctx: LintInput) -> Iterator[Finding]:
    """Duplicate and redundant policies."""
    for x, y, kind in policy_pairs(ctx):
        where = y.locate(("spec",))
        if kind == "duplicate":
            yield Finding(rule(codes.LINT_DUPLICATE_POLICY),
                          f"{x.ref} says exactly what {y.ref} (at {where}) says", x.locate(("metadata", "name")),
                          f"delete {x.ref} or {y.ref}", None, x.ignored)
        else:
            yield Finding(rule(codes.LINT_REDUNDANT_POLICY),
                          f"{x.ref} adds nothing: {y.ref} (at {where}) selects the same or more pods, isolates the "
                          "same directions and already does what each of its rules does",
                          x.locate(("metadata", "name")),
                          f"delete {x.ref}, or check whether {y.ref} allows more than meant", None, x.ignored)
