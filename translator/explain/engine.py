"""What an engine does differently with a policy: notes from its semantics knobs (translator.semantics) and from
its capability table (what it cannot express or enforce)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from translator.backend import Backend
from translator.capabilities import Support
from translator.compile.pipeline import uses_of
from translator.model import Direction, NetworkIntent, Peer, PeerKind, Rule
from translator.model.base import format_order
from translator.registry import reads_networkpolicy
from translator.semantics import Semantics

SUPPORT_WORDS: dict[Support, str] = {
    Support.LOWERED: "rewrites this into an exactly equivalent form",
    Support.CHANGED: "translates this with a change in what is allowed",
    Support.NOT_EXPRESSIBLE: "cannot express this (translate refuses)",
    Support.TOO_OLD: "needs a newer version for this (translate refuses)",
    Support.UNENFORCED: "accepts this but does not enforce it (translate refuses)",
    Support.NEEDS_ADDON: "needs a platform add-on for this (translate refuses)",
}


@dataclass(frozen=True)
class EngineView:
    """The engine a policy is explained under."""

    name: str
    semantics: Semantics
    backend: Backend | None
    """None for the intent semantics (nothing to translate to)."""

    @property
    def under(self) -> str:
        """How notes name the semantics: the engine, or `the intent semantics`."""
        return "the intent semantics" if self.backend is None else self.name


def peer_notes(peer: Peer, view: EngineView) -> Iterator[str]:
    """Notes about one peer under the engine."""
    sem, kind = view.semantics, peer.kind
    if kind is PeerKind.CIDR:
        net = peer.network
        if not sem.cidr_matches_pods:
            yield (f"under {view.under}, {peer.cidr} matches no pod and no node: CIDR rules only match addresses "
                   "outside the cluster")
        elif net is not None and net.prefixlen == 0:
            yield f"under {view.under}, {peer.cidr} also matches every pod and node IP"
    elif kind is PeerKind.FQDN and not sem.supports_fqdn:
        yield f"{view.name} does not enforce DNS-name peers: {peer.fqdn} matches nothing"


def rule_notes(rule: Rule, intent: NetworkIntent, direction: Direction, view: EngineView) -> list[str]:
    """Notes about one rule under the engine (semantics only; capability notes come separately)."""
    notes: list[str] = []
    for peer in (*(rule.peers or ()), *(rule.notPeers or ())):
        notes.extend(n for n in peer_notes(peer, view) if n not in notes)
    sem = view.semantics
    if rule.http is not None and not sem.supports_l7:
        notes.append(f"{view.name} does not enforce HTTP rules: every request on these ports is allowed")
    fqdn = any(p.kind is PeerKind.FQDN for p in rule.peers or ())
    if fqdn and sem.supports_fqdn and sem.fqdn_needs_dns_rule and direction is Direction.EGRESS \
            and not _has_dns_rule(intent):
        notes.append(f"under {view.under} the addresses of DNS names are learned from the DNS answers the pod gets; "
                     "no rule of this policy allows DNS (port 53), so these names may match nothing")
    return notes


def _has_dns_rule(intent: NetworkIntent) -> bool:
    return any(
        r.action.value == "allow" and any(p.port == 53 or p.port is None for p in (r.ports or ()))
        for r in intent.rules(Direction.EGRESS)
    ) or intent.spec.allowDNS


def policy_notes(intent: NetworkIntent, origin: str, view: EngineView) -> list[str]:
    """Notes about the whole policy under the engine."""
    notes: list[str] = []
    sem = view.semantics
    if sem.vanilla_order is not None and reads_networkpolicy(origin):
        notes.append(f"{view.name} evaluates NetworkPolicies at order {format_order(sem.vanilla_order)} "
                     "of its default tier")
    return notes


def capability_notes(intent: NetworkIntent, view: EngineView) -> dict[tuple[str | int, ...], list[str]]:
    """What the engine cannot express or changes, keyed by the rule path (`("spec", dir, i)`) or `()` for the
    policy."""
    out: dict[tuple[str | int, ...], list[str]] = {}
    if view.backend is None:
        return out
    for use in uses_of(intent):
        cap = view.backend.support_for(use, intent)
        if cap.support is Support.NATIVE:
            continue
        key = use.path[:3] if len(use.path) >= 3 and use.path[1] in ("ingress", "egress") else ()
        text = f"{view.name} {SUPPORT_WORDS[cap.support]}: {use.feature.description}"
        if cap.note:
            text += f" ({cap.note})"
        if text not in out.setdefault(key, []):
            out[key].append(text)
    return out
