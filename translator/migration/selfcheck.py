"""P26, the translator's self-check on its own output: no CIDR range of an intent is lost, and no Cilium rule
puts a CIDR in toCIDR/fromCIDR next to the same CIDR in a CIDR set (the plain entry voids the set's except)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

from translator import codes
from translator.diagnostics import Severity
from translator.load.loaded import LoadedIntent
from translator.migration.finding import Finding
from translator.model import Action, Network, PeerKind, network_within


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def networks_in(objects: list[dict[str, Any]]) -> list[Network]:
    """Every CIDR written anywhere in the objects' specs."""
    out = []
    for obj in objects:
        for text in _strings(obj.get("spec", {})):
            if "/" in text:
                try:
                    out.append(ipaddress.ip_network(text, strict=False))
                except ValueError:
                    continue
    return out


def covered(net: Network, found: list[Network]) -> bool:
    """Whether `net` is inside one output range, or exactly tiled by output ranges inside it."""
    if any(network_within(net, f) for f in found):
        return True
    inside = [f for f in found if network_within(f, net)]  # all of net's address family
    parts: list[Network] = [*ipaddress.collapse_addresses(f for f in inside if isinstance(f, ipaddress.IPv4Network)),
             *ipaddress.collapse_addresses(f for f in inside if isinstance(f, ipaddress.IPv6Network))]
    return sum(p.num_addresses for p in parts) == net.num_addresses


def _voided_excepts(obj: dict[str, Any]) -> Iterator[str]:
    spec = obj.get("spec") or {}
    for direction, plain, sets in (("ingress", "fromCIDR", "fromCIDRSet"), ("egress", "toCIDR", "toCIDRSet"),
                                   ("ingressDeny", "fromCIDR", "fromCIDRSet"), ("egressDeny", "toCIDR", "toCIDRSet")):
        for rule in spec.get(direction) or []:
            with_except = {s.get("cidr") for s in rule.get(sets) or [] if isinstance(s, dict) and s.get("except")}
            for cidr in rule.get(plain) or []:
                if cidr in with_except:
                    yield f"{direction} rule has {plain} {cidr} next to {sets} {cidr} with except"


def self_check(loaded: LoadedIntent, objects: list[dict[str, Any]], subject: str) -> Iterator[Finding]:
    """P26 findings for one translated intent."""
    where = loaded.locate()
    found = networks_in(objects)
    for direction in ("ingress", "egress"):
        for rule in getattr(loaded.intent.spec, direction) or ():
            if rule.action not in (Action.ALLOW, Action.DENY):
                continue
            for peer in rule.peers or ():
                if peer.kind is PeerKind.CIDR and peer.network is not None and objects and not covered(peer.network,
                                                                                                         found):
                    yield Finding(Severity.ERROR, f"{direction} CIDR {peer.cidr} does not appear in the translation",
                                  where, subject, code=codes.MIG_SELF_CHECK)
    for obj in objects:
        for problem in _voided_excepts(obj):
            yield Finding(Severity.ERROR, f"{problem}: the plain entry voids the except", where, subject,
                          code=codes.MIG_SELF_CHECK)
