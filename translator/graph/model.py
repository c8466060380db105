"""The flow graph: workloads grouped by namespace (and external endpoints) as nodes, allowed flows as edges."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

EXTERNAL_GROUP = "external"
"""The group of endpoints outside the cluster."""
MIXED_GROUP = "several namespaces"
"""The box of connectivity groups whose pods are in more than one namespace."""


def group_title(group: str) -> str:
    """How a renderer titles a box of nodes."""
    if group == EXTERNAL_GROUP:
        return "outside the cluster"
    return group if group == MIXED_GROUP else f"namespace {group}"


class Isolation(str, Enum):
    """How many of a workload's pods are in default deny for one direction."""

    NONE = "none"
    SOME = "some"
    ALL = "all"


@dataclass(frozen=True)
class Node:
    """A workload (its pods) in one namespace, or an external endpoint."""

    id: str
    """`namespace/workload`, or the external endpoint's name."""
    label: str
    group: str
    """The namespace, or EXTERNAL_GROUP."""
    members: tuple[str, ...]
    """The endpoints (pods `namespace/name`, or the external's name)."""
    ingress: Isolation = Isolation.NONE
    egress: Isolation = Isolation.NONE

    @property
    def external(self) -> bool:
        """Whether the node is outside the cluster."""
        return self.group == EXTERNAL_GROUP

    @property
    def isolated(self) -> bool:
        """Whether any of its pods is in default deny for some direction."""
        return self.ingress is not Isolation.NONE or self.egress is not Isolation.NONE

    @property
    def deny_text(self) -> str:
        """`default deny: in + out` (`(some pods)` where not every pod is isolated), or ''."""
        parts = [d for d, iso in (("in", self.ingress), ("out", self.egress)) if iso is not Isolation.NONE]
        some = Isolation.SOME in (self.ingress, self.egress)
        return f"default deny: {' + '.join(parts)}{' (some pods)' if some else ''}" if parts else ""


@dataclass(frozen=True)
class Flow:
    """One probe allowed from one node to another."""

    probe: str
    """`8080/TCP`."""
    partial: bool = False
    """True when only some pod pairs of the two workloads may connect."""

    def __str__(self) -> str:
        return f"{self.probe} (some pods)" if self.partial else self.probe


@dataclass(frozen=True)
class Edge:
    """Allowed flows from `src` to `dst` (node ids)."""

    src: str
    dst: str
    flows: tuple[Flow, ...]

    @property
    def label(self) -> str:
        """The probes, comma separated."""
        return ", ".join(str(f) for f in self.flows)

    @property
    def partial(self) -> bool:
        """Whether every flow is partial."""
        return all(f.partial for f in self.flows)


@dataclass
class Graph:
    """Nodes in groups (namespaces sorted, external first), and edges in node order."""

    engine: str
    probes: tuple[str, ...]
    groups: dict[str, list[Node]] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)

    @property
    def nodes(self) -> list[Node]:
        """Every node, group by group."""
        return [n for nodes in self.groups.values() for n in nodes]

    def node(self, node_id: str) -> Node:
        """The node with this id."""
        return next(n for n in self.nodes if n.id == node_id)

    @property
    def title(self) -> str:
        """One line saying what the graph shows."""
        return f"Allowed flows under {self.engine} semantics (probes: {', '.join(self.probes)})"
