"""Building the explanation of each policy: what it selects, what it isolates, and each rule in words."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from translator.compile.ordered import effectively_isolates
from translator.explain.engine import EngineView, capability_notes, policy_notes, rule_notes
from translator.explain.model import DirectionExplanation, PolicyExplanation, RuleExplanation
from translator.explain.words import (
    http_phrase,
    join_or,
    namespace_phrase,
    peer_phrase,
    peers_phrase,
    pods_phrase,
    port_phrase,
    ports_phrase,
)
from translator.load.loaded import LoadedIntent
from translator.model import Action, Direction, NetworkIntent, Rule, expand_dns
from translator.model.base import format_order

IN_OUT = {Direction.INGRESS: "in", Direction.EGRESS: "out"}
FROM_TO = {Direction.INGRESS: "from", Direction.EGRESS: "to"}


def own_namespace(intent: NetworkIntent) -> str | None:
    """The namespace peers without namespaces refer to (None: every namespace)."""
    return None if intent.is_cluster_scoped else intent.metadata.namespace


def selects_phrase(intent: NetworkIntent) -> str:
    """The pods the policy applies to."""
    subject = intent.spec.subject
    where = namespace_phrase(None, subject.namespaces, None) if intent.is_cluster_scoped \
        else f"in namespace {intent.metadata.namespace}"
    text = f"{pods_phrase(subject.pods)} {where}"
    if subject.serviceAccounts is not None:
        text += f" running as service account {join_or(list(subject.serviceAccounts))}"
    return text


def order_phrase(intent: NetworkIntent) -> str | None:
    """Ordering and tier, when the policy has any."""
    parts = []
    if intent.spec.tier is not None:
        parts.append(f"in tier {intent.spec.tier.name} (order {format_order(intent.spec.tier.effective_order)})")
    if intent.spec.order is not None:  # intent.is_ordered
        parts.append(f"ordered (order {format_order(intent.spec.order)}): its rules are checked in order, before the "
                     "unordered policies of its tier, and the first match decides")
    return "; ".join(parts) or None


def rule_sentence(rule: Rule, direction: Direction, own: str | None) -> str:
    """The rule as one sentence."""
    side = FROM_TO[direction]
    anything = "any source" if direction is Direction.INGRESS else "any destination"
    what = f"connections {side} {peers_phrase(rule.peers, own, anything)} {ports_phrase(rule.ports)}"
    if rule.notPeers:
        what += f", except {side} {join_or([peer_phrase(p, own) for p in rule.notPeers])}"
    if rule.notPorts:
        what += f", except on {join_or([port_phrase(p) for p in rule.notPorts])}"
    if rule.http is not None:
        what += f", {http_phrase(rule.http)}"
    sentence = {
        Action.ALLOW: f"Allows {what}.",
        Action.DENY: f"Denies {what}.",
        Action.PASS: f"Passes {what} to the next tier (the rest of this tier is skipped).",
        Action.LOG: f"Logs {what} (no effect on traffic).",
    }[rule.action]
    if rule.description:
        sentence = f"{sentence[:-1]} (\"{rule.description}\")."
    return sentence


def _direction_summary(intent: NetworkIntent, direction: Direction, rules: Sequence[Rule]) -> str:
    way = IN_OUT[direction]
    if intent.isolates(direction) and not effectively_isolates(intent, direction):
        return (f"not isolated: a catch-all Pass hands every connection its earlier rules do not decide to the next "
                f"tier, whose policies decide it (allowed {way} if none isolates these pods)")
    if intent.isolates(direction):
        if not rules:
            return (f"isolated (default deny) and this policy allows nothing: only what other policies selecting "
                    f"these pods allow gets {way}")
        return f"isolated (default deny): only connections allowed here or by other policies selecting these pods " \
               f"get {way}"
    if not rules:
        return "not affected by this policy"
    if all(r.action is Action.DENY for r in rules):
        return "not isolated by this policy; its deny rules apply anyway"
    text = "not isolated by this policy: its allow rules matter only where another policy isolates these pods"
    return text + ("; its deny rules apply anyway" if any(r.action is Action.DENY for r in rules) else "")


def explain_policy(li: LoadedIntent, view: EngineView, kind: str) -> PolicyExplanation:
    """One policy in words, under `view`'s engine."""
    written, intent = li.intent, expand_dns(li.intent)
    own = own_namespace(intent)
    caps = capability_notes(written, view)
    directions = []
    for d in Direction:
        rules = intent.rules(d)
        explained = []
        for i, r in enumerate(rules):
            path: tuple[str | int, ...] = ("spec", d.value, i)
            from_dns = i >= len(written.rules(d))
            loc = li.locate(("spec", "allowDNS") if from_dns else path)
            explained.append(RuleExplanation(
                d.value, i, r.action.value, rule_sentence(r, d, own),
                tuple(peer_phrase(p, own) for p in r.peers or ()), tuple(port_phrase(p) for p in r.ports or ()),
                str(loc), tuple(peer_phrase(p, own) for p in r.notPeers or ()),
                tuple(port_phrase(p) for p in r.notPorts or ()),
                http_phrase(r.http) if r.http is not None else None,
                tuple(rule_notes(r, intent, d, view) + caps.get(path, []))))
        directions.append(DirectionExplanation(d.value, effectively_isolates(intent, d),
                                               _direction_summary(intent, d, rules), tuple(explained)))
    return PolicyExplanation(intent.ref, kind, li.origin, view.name, str(li.locate()), selects_phrase(intent),
                             order_phrase(intent), tuple(directions),
                             tuple(policy_notes(intent, li.origin, view) + caps.get((), [])))


def explain(loaded: Sequence[LoadedIntent], view_of: Callable[[LoadedIntent], EngineView],
            kind_of: Callable[[LoadedIntent], str]) -> list[PolicyExplanation]:
    """Every policy in words, in input order."""
    return [explain_policy(li, view_of(li), kind_of(li)) for li in loaded]
