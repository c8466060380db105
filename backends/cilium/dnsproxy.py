"""Cilium's DNS proxy is per pod, not per policy: which intents' FQDN peers the input's DNS rules already serve.

Cilium learns the addresses of a DNS-name peer only from the queries its DNS proxy sees, and it sends a pod's
queries through the proxy when *any* policy selecting the pod has a DNS rule (`toPorts ... rules.dns`). Real
clusters put that rule in one policy (often cluster-wide) and `toFQDNs` in per-app policies. An intent with FQDN
peers therefore needs no DNS rule of its own when another intent of the input, whose subject covers it, has DNS
rules (`dns`) allowing every name it uses; only when none does is a DNS rule added (a widening, NPX106).

An intent imported from a Cilium policy is written back as it was: whether the proxy serves it depends on the
other policies exactly as before, so adding nothing keeps its meaning.
"""

from __future__ import annotations

from backends.cilium.lower import has_fqdn, is_fqdn_dns_rule, needs_dns_rule
from translator import codes
from translator.diagnostics import Diagnostics
from translator.lint.coverage import subject_covers
from translator.load.loaded import LoadedIntent
from translator.model import Action, Direction, NetworkIntent, PeerKind, dns_name_covers, expand_dns


def dns_names(intent: NetworkIntent) -> list[str]:
    """The names an intent's DNS rules let the proxy see (an intent with FQDN peers gets `*` on its port-53 allow
    rules when compiled for Cilium)."""
    egress = [r for r in intent.rules(Direction.EGRESS) if r.action is Action.ALLOW]
    names = [name for r in egress if r.dns is not None for name in r.dns]
    if has_fqdn(intent) and any(r.dns is None and is_fqdn_dns_rule(r) for r in egress):
        names.append("*")
    return names


def fqdn_names(intent: NetworkIntent) -> list[str]:
    """The DNS names of the intent's FQDN allow peers."""
    return [p.fqdn for r in intent.rules(Direction.EGRESS) if r.action is Action.ALLOW
            for p in r.peers or () if p.kind is PeerKind.FQDN and p.fqdn is not None]


def served(loaded: list[LoadedIntent], diags: Diagnostics | None = None) -> set[str]:
    """Refs of the intents with FQDN peers that need no DNS rule added (see the module docstring). Intents
    imported from Cilium that no DNS rule of the input serves are kept as written, with a warning."""
    intents = [expand_dns(li.intent) for li in loaded]
    providers = [(i, names) for i in intents if (names := dns_names(i))]
    out: set[str] = set()
    for li, intent in zip(loaded, intents, strict=True):
        if not needs_dns_rule(intent):
            continue
        seen = [n for p, names in providers if p is not intent and subject_covers(p, intent) for n in names]
        covered = all(any(dns_name_covers(pattern, name) for pattern in seen) for name in fqdn_names(intent))
        if covered or li.origin == "cilium":
            out.add(intent.ref)
        if not covered and li.origin == "cilium" and diags is not None:
            diags.warning(codes.IMPORT_NOTE, f"{intent.ref}: no policy of the input that selects these pods has a "
                          "DNS rule (rules.dns) allowing the toFQDNs names, so Cilium learns their addresses only if "
                          "a policy outside the input does; written as in the input",
                          li.locate(("spec", "egress")), engine="cilium")
    return out


def uncovered(loaded: list[LoadedIntent]) -> dict[str, list[str]]:
    """Intents (not imported from Cilium) whose own DNS rules would carry the proxy rule, but whose FQDN names no
    DNS rule of the input allows (its own or another's for the same pods): ref -> the names left out. Cilium's
    proxy refuses those lookups, so the FQDN peers would match nothing."""
    intents = [expand_dns(li.intent) for li in loaded]
    providers = [(i, names) for i in intents if (names := dns_names(i))]
    out: dict[str, list[str]] = {}
    for li, intent in zip(loaded, intents, strict=True):
        if li.origin == "cilium" or not has_fqdn(intent) or needs_dns_rule(intent):
            continue
        seen = [n for p, names in providers if p is intent or subject_covers(p, intent) for n in names]
        missing = [name for name in fqdn_names(intent) if not any(dns_name_covers(p, name) for p in seen)]
        if missing:
            out[intent.ref] = missing
    return out
