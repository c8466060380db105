"""Which CIDR peers can contain in-cluster addresses, where Cilium and the intent semantics part ways.

The intent semantics let a CIDR peer match any IP, pods included (as Kubernetes, Azure NPM and Calico do).
Cilium classifies traffic by identity first: a CIDR rule never matches a pod or a node, even `0.0.0.0/0`
(Documentation/security/policy/language.rst, "CIDR based"; nodes only with `policy-cidr-match-mode=nodes`,
which AKS does not let you set). A CIDR whose range, minus its `except` blocks, can hold pod, node or service
addresses therefore changes meaning when it is compiled for Cilium.

Without cluster facts, the in-cluster ranges are assumed to be every private range a cluster may use: RFC 1918,
100.64.0.0/10 (shared address space, used by some CNIs and overlays) and fc00::/7 (IPv6 unique local). With
target settings `pod-cidr`, `node-cidr` and `service-cidr` (e.g. `cilium,pod-cidr=10.244.0.0/16`; several
ranges separated by `;` or spaces) exactly those ranges are used instead.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from functools import lru_cache

from translator.model import Peer
from translator.target import Target

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_CLUSTER_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
RANGE_SETTINGS = ("pod-cidr", "node-cidr", "service-cidr")
_SPLIT = re.compile(r"[;\s+]+")


def setting_errors(target: Target) -> list[str]:
    """Messages for malformed `pod-cidr` / `node-cidr` / `service-cidr` settings."""
    errors = []
    for key in RANGE_SETTINGS:
        for text in _values(target.setting(key)):
            try:
                ipaddress.ip_network(text, strict=False)
            except ValueError:
                errors.append(f"engine setting {key}: {text!r} is not a CIDR (e.g. 10.244.0.0/16)")
    return errors


def _values(text: str | None) -> list[str]:
    return [t for t in _SPLIT.split(text or "") if t]


def cluster_ranges(target: Target) -> tuple[list[Network], bool]:
    """(ranges that may hold pod/node/service IPs, whether they come from the target's settings)."""
    ranges, given = _ranges(tuple(target.setting(key) or "" for key in RANGE_SETTINGS))
    return list(ranges), given


@lru_cache(maxsize=64)
def _ranges(settings: tuple[str, ...]) -> tuple[tuple[Network, ...], bool]:
    given: list[Network] = []
    for value in settings:
        for text in _values(value):
            try:
                given.append(ipaddress.ip_network(text, strict=False))
            except ValueError:
                continue
    if given:
        return tuple(given), True
    return tuple(ipaddress.ip_network(r) for r in DEFAULT_CLUSTER_RANGES), False


def remaining(net: Network, excepts: Iterable[Network]) -> list[Network]:
    """`net` minus every block of `excepts`, as disjoint networks."""
    parts = [net]
    for ex in excepts:
        out: list[Network] = []
        for part in parts:
            if part.version != ex.version or not part.overlaps(ex):
                out.append(part)
            elif part.subnet_of(ex):  # type: ignore[arg-type]
                continue
            else:
                out.extend(part.address_exclude(ex))  # type: ignore[arg-type]
        parts = out
    return parts


def in_cluster_overlap(peer: Peer, ranges: list[Network]) -> list[Network]:
    """The in-cluster ranges that the peer's CIDR (minus except) overlaps; empty when it cannot hold one."""
    if peer.cidr is None:
        return []
    return list(_overlap(peer.cidr, peer.except_, tuple(ranges)))


@lru_cache(maxsize=4096)
def _overlap(cidr: str, excepts: tuple[str, ...], ranges: tuple[Network, ...]) -> tuple[Network, ...]:
    """Cached: policy sets repeat the same blocks."""
    parts = remaining(ipaddress.ip_network(cidr), [ipaddress.ip_network(e) for e in excepts])
    return tuple(r for r in ranges if any(p.version == r.version and p.overlaps(r) for p in parts))
