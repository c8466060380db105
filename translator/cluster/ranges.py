"""Which IP ranges may hold pods, nodes and Service addresses: one answer for importers, backends and `verify`.

Engines disagree on whether an IP-block peer matches pods and nodes (Cilium: never; the others: yes), so whether a
block *can* hold such addresses decides whether a translation is exact. Without cluster facts the in-cluster
ranges are assumed to be every private range a cluster may use: RFC 1918, 100.64.0.0/10 (shared address space,
used by some CNIs and overlays) and fc00::/7 (IPv6 unique local); those ranges may also hold addresses outside the
cluster. With the engine settings `pod-cidr`, `node-cidr` and `service-cidr` (e.g.
`--engine cilium,pod-cidr=10.244.0.0/16,node-cidr=10.224.0.0/16`; several ranges separated by `;` or spaces)
exactly those ranges are used instead, and they hold nothing else.

The synthesized cluster of `verify` places pods and nodes only inside these ranges, and the importers use them to
decide which IP blocks need the "no pod or node" exclusion.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from translator.model import Network, network_minus

DEFAULT_CLUSTER_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
RANGE_SETTINGS = ("pod-cidr", "node-cidr", "service-cidr")
_SPLIT = re.compile(r"[;\s+]+")


def _values(text: str | None) -> list[str]:
    return [t for t in _SPLIT.split(text or "") if t]


def setting_errors(settings: Mapping[str, str]) -> list[str]:
    """Messages for malformed `pod-cidr` / `node-cidr` / `service-cidr` settings."""
    errors = []
    for key in RANGE_SETTINGS:
        for text in _values(settings.get(key)):
            try:
                ipaddress.ip_network(text, strict=False)
            except ValueError:
                errors.append(f"engine setting {key}: {text!r} is not a CIDR (e.g. 10.244.0.0/16)")
    return errors


@dataclass(frozen=True)
class ClusterRanges:
    """The ranges that may hold pod, node and Service addresses, and whether the user declared them."""

    pods: tuple[Network, ...]
    nodes: tuple[Network, ...]
    services: tuple[Network, ...]
    declared: bool

    @property
    def all(self) -> tuple[Network, ...]:
        """Every range that may hold an in-cluster address."""
        return tuple(dict.fromkeys((*self.pods, *self.nodes, *self.services)))

    @property
    def exclusive(self) -> bool:
        """Whether the ranges hold in-cluster addresses only (declared ranges), so that nothing outside the cluster
        lives in them; the default private ranges may also hold external addresses."""
        return self.declared

    def settings(self) -> dict[str, str]:
        """The engine settings that give these ranges (empty for the defaults)."""
        if not self.declared:
            return {}
        out = {}
        for key, nets in zip(RANGE_SETTINGS, (self.pods, self.nodes, self.services), strict=True):
            if nets:
                out[key] = ";".join(str(n) for n in nets)
        return out


def cluster_ranges(settings: Mapping[str, str] | None = None) -> ClusterRanges:
    """The ranges given by engine settings, or the default private ranges when none is given."""
    settings = settings or {}
    return _ranges(tuple(settings.get(key) or "" for key in RANGE_SETTINGS))


@lru_cache(maxsize=64)
def _ranges(values: tuple[str, ...]) -> ClusterRanges:
    parsed: list[tuple[Network, ...]] = []
    for value in values:
        nets = []
        for text in _values(value):
            try:
                nets.append(ipaddress.ip_network(text, strict=False))
            except ValueError:
                continue
        parsed.append(tuple(nets))
    if any(parsed):
        pods, nodes, services = parsed
        # A declared pod range without node range (or the reverse): nodes (pods) are taken to share it.
        return ClusterRanges(pods or nodes, nodes or pods, services, True)
    default = tuple(ipaddress.ip_network(r) for r in DEFAULT_CLUSTER_RANGES)
    return ClusterRanges(default, default, default, False)


DEFAULT_RANGES = cluster_ranges()


def remaining(net: Network, excepts: Iterable[Network]) -> list[Network]:
    """`net` minus every block of `excepts`, as disjoint networks."""
    parts = [net]
    for ex in excepts:
        out: list[Network] = []
        for part in parts:
            out.extend(network_minus(part, ex))
        parts = out
    return parts


def overlap(cidr: str, excepts: tuple[str, ...], ranges: Iterable[Network]) -> list[Network]:
    """The ranges that `cidr` minus `excepts` overlaps; empty when the block cannot hold one of their addresses."""
    return list(_overlap(cidr, excepts, tuple(ranges)))


@lru_cache(maxsize=4096)
def _overlap(cidr: str, excepts: tuple[str, ...], ranges: tuple[Network, ...]) -> tuple[Network, ...]:
    """Cached: policy sets repeat the same blocks."""
    parts = remaining(ipaddress.ip_network(cidr), [ipaddress.ip_network(e) for e in excepts])
    return tuple(r for r in ranges if any(p.version == r.version and p.overlaps(r) for p in parts))


def contains(ranges: Iterable[Network], ip: str) -> bool:
    """Whether `ip` is inside one of `ranges`."""
    addr = ipaddress.ip_address(ip)
    return any(addr.version == r.version and addr in r for r in ranges)
