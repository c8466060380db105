"""Which CIDR peers can contain in-cluster addresses, where Cilium and the intent semantics part ways.

The intent semantics let a CIDR peer match any IP, pods and nodes included (as Kubernetes, Azure NPM and Calico
do). Cilium classifies traffic by identity first: a CIDR rule never matches a pod or a node, even `0.0.0.0/0`
(Documentation/security/policy/language.rst, "CIDR based"; nodes only with `policy-cidr-match-mode=nodes`,
which AKS does not let you set). A CIDR whose range, minus its `except` blocks, can hold pod, node or service
addresses therefore changes meaning when it is compiled for Cilium.

Which ranges can hold them is translator/cluster/ranges.py's answer (the default private ranges, or the target's
`pod-cidr`, `node-cidr` and `service-cidr` settings), shared with the importers and `verify`.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from translator.cluster.ranges import DEFAULT_CLUSTER_RANGES, RANGE_SETTINGS, overlap, remaining
from translator.cluster.ranges import cluster_ranges as _cluster_ranges
from translator.cluster.ranges import setting_errors as _setting_errors
from translator.model import Network, Peer, network_within, parse_network
from translator.target import Target

__all__ = ["DEFAULT_CLUSTER_RANGES", "RANGE_SETTINGS", "Network", "cluster_ranges", "in_cluster_overlap",
           "in_cluster_parts", "remaining", "setting_errors"]


def setting_errors(target: Target) -> list[str]:
    """Messages for malformed `pod-cidr` / `node-cidr` / `service-cidr` settings."""
    return _setting_errors(target.settings)


def cluster_ranges(target: Target) -> tuple[list[Network], bool]:
    """(ranges that may hold pod/node/service IPs, whether they come from the target's settings). Asked once per
    CIDR peer: the same answer (do not change it) is given for the same ranges."""
    ranges = _cluster_ranges(target.settings)  # cached there: one object per settings
    hit = _ANSWERS.get(id(ranges))
    if hit is not None and hit[0] is ranges:
        return hit[1]
    answer = (list(ranges.all), ranges.declared)
    _remember(_ANSWERS, ranges, answer)
    return answer


def in_cluster_overlap(peer: Peer, ranges: list[Network]) -> list[Network]:
    """The in-cluster ranges that the peer's CIDR (minus except) overlaps; empty when it cannot hold one.
    Asked for every CIDR peer (twice: capability and assumption notes), so a block without except is compared as
    integer bounds, with the block parsed once (parse_network's cache) and the ranges' bounds computed once."""
    if peer.cidr is None:
        return []
    if peer.except_:
        return overlap(peer.cidr, peer.except_, ranges)
    net = parse_network(peer.cidr)
    low = int(net.network_address)
    high = low | ((1 << (net.max_prefixlen - net.prefixlen)) - 1)
    version = net.version
    return [r for v, start, end, r in _bounds(ranges) if v == version and start <= high and low <= end]


_ANSWERS: dict[int, tuple[object, tuple[list[Network], bool]]] = {}
_BOUNDS: dict[int, tuple[object, list[tuple[int, int, int, Network]]]] = {}


def _remember(memo: dict[int, tuple[object, Any]], key: object, value: Any) -> None:
    """Remember `value` for the object `key` (kept alive with it, so that its id is not reused)."""
    if len(memo) >= 16:
        memo.clear()
    memo[id(key)] = (key, value)


def _bounds(ranges: list[Network]) -> list[tuple[int, int, int, Network]]:
    """(version, first address, last address, range) of each range, computed once per list of ranges."""
    hit = _BOUNDS.get(id(ranges))
    if hit is not None and hit[0] is ranges:
        return hit[1]
    bounds: list[tuple[int, int, int, Network]] = [
        (r.version, int(r.network_address), int(r.broadcast_address), r) for r in ranges]
    _remember(_BOUNDS, ranges, bounds)
    return bounds


def in_cluster_parts(peer: Peer, ranges: list[Network]) -> list[Network]:
    """The addresses of the peer's CIDR (minus except) that lie in the in-cluster ranges, as disjoint blocks (two
    CIDR blocks are nested or disjoint, so each part is the smaller of the two)."""
    if peer.cidr is None:
        return []
    parts = remaining(ipaddress.ip_network(peer.cidr), [ipaddress.ip_network(e) for e in peer.except_])
    out: list[Network] = []
    for part in parts:
        for r in ranges:
            if part.version != r.version or not part.overlaps(r):
                continue
            out.append(part if network_within(part, r) else r)
    return sorted(set(out), key=lambda n: (n.version, n.network_address, n.prefixlen))
