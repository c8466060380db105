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

from translator.cluster.ranges import DEFAULT_CLUSTER_RANGES, RANGE_SETTINGS, overlap, remaining
from translator.cluster.ranges import cluster_ranges as _cluster_ranges
from translator.cluster.ranges import setting_errors as _setting_errors
from translator.model import Network, Peer
from translator.target import Target

__all__ = ["DEFAULT_CLUSTER_RANGES", "RANGE_SETTINGS", "Network", "cluster_ranges", "in_cluster_overlap",
           "remaining", "setting_errors"]


def setting_errors(target: Target) -> list[str]:
    """Messages for malformed `pod-cidr` / `node-cidr` / `service-cidr` settings."""
    return _setting_errors(target.settings)


def cluster_ranges(target: Target) -> tuple[list[Network], bool]:
    """(ranges that may hold pod/node/service IPs, whether they come from the target's settings)."""
    ranges = _cluster_ranges(target.settings)
    return list(ranges.all), ranges.declared


def in_cluster_overlap(peer: Peer, ranges: list[Network]) -> list[Network]:
    """The in-cluster ranges that the peer's CIDR (minus except) overlaps; empty when it cannot hold one."""
    if peer.cidr is None:
        return []
    return overlap(peer.cidr, peer.except_, ranges)
