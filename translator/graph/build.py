"""Building the flow graph from the evaluator's reachability matrix: pods grouped into workloads per namespace,
pod-to-pod verdicts aggregated into workload-to-workload edges (marked partial when only some pod pairs may
connect), and each workload's default-deny state from the policies that select it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from translator.graph.model import EXTERNAL_GROUP, MIXED_GROUP, NODE_GROUP, Edge, Flow, Graph, Isolation, Node
from translator.lint.workloads import namespace_labels, selects, workload_name
from translator.load.loaded import LoadedIntent
from translator.model import Direction

if TYPE_CHECKING:
    from translator.cluster.model import Cluster, Pod, Probe
    from translator.evaluator.engine import Engine
    from translator.evaluator.evaluate import Evaluator
    from translator.evaluator.groups import GroupedReach


def _isolation(pods: Sequence[Pod], loaded: Sequence[LoadedIntent], labels: Mapping[str, Mapping[str, str]],
               direction: Direction) -> Isolation:
    flags = [any(li.intent.isolates(direction) and selects(li.intent, pod, labels) for li in loaded) for pod in pods]
    if all(flags):
        return Isolation.ALL
    return Isolation.SOME if any(flags) else Isolation.NONE


def nodes_of(cluster: Cluster, loaded: Sequence[LoadedIntent]) -> tuple[dict[str, list[Node]], dict[str, str]]:
    """Groups of nodes (external endpoints and API servers outside the cluster first, then the cluster's nodes, then
    namespaces by name) and the node id of every endpoint."""
    labels = namespace_labels(cluster)
    by_workload: dict[tuple[str, str], list[Pod]] = {}
    for pod in cluster.pods:
        by_workload.setdefault((pod.namespace, workload_name(pod)), []).append(pod)
    groups: dict[str, list[Node]] = {}
    owner: dict[str, str] = {}
    outside = [(e.name, e.fqdn or e.name) for e in sorted(cluster.externals, key=lambda e: e.name)]
    outside += [(a.id, a.id) for a in cluster.outside_api_servers]
    if outside:
        groups[EXTERNAL_GROUP] = [Node(name, label, EXTERNAL_GROUP, (name,)) for name, label in outside]
        owner.update((name, name) for name, _ in outside)
    if cluster.nodes:
        groups[NODE_GROUP] = [Node(n.id, n.name, NODE_GROUP, (n.id,)) for n in cluster.nodes]
        owner.update((n.id, n.id) for n in cluster.nodes)
    for (ns, name), pods in sorted(by_workload.items()):
        node = Node(f"{ns}/{name}", name, ns, tuple(p.id for p in pods),
                    _isolation(pods, loaded, labels, Direction.INGRESS),
                    _isolation(pods, loaded, labels, Direction.EGRESS))
        groups.setdefault(ns, []).append(node)
        owner.update((p.id, node.id) for p in pods)
    return groups, owner


def build_graph(cluster: Cluster, loaded: Sequence[LoadedIntent], rows: Iterable[tuple[str, str, int, str, bool]],
                probes: Sequence[Probe], engine: str) -> Graph:
    """The graph of `rows` (every ordered pair of distinct endpoints x probe, as the evaluator's matrix gives)."""
    groups, owner = nodes_of(cluster, loaded)
    counts: dict[tuple[str, str, str], list[int]] = {}
    for src, dst, port, protocol, allowed in rows:
        key = (owner[src], owner[dst], f"{port}/{protocol}")
        cell = counts.setdefault(key, [0, 0])
        cell[0] += int(allowed)
        cell[1] += 1
    order = {p: i for i, p in enumerate(f"{p.port}/{p.protocol}" for p in probes)}
    position = {n.id: i for i, n in enumerate(n for nodes in groups.values() for n in nodes)}
    flows: dict[tuple[str, str], list[Flow]] = {}
    for (src, dst, probe), (granted, total) in counts.items():
        if granted:
            flows.setdefault((src, dst), []).append(Flow(probe, granted < total))
    edges = [Edge(src, dst, tuple(sorted(fl, key=lambda f: order.get(f.probe, 0))))
             for (src, dst), fl in sorted(flows.items(), key=lambda kv: (position[kv[0][0]], position[kv[0][1]]))]
    return Graph(engine, tuple(order), groups, edges)


def build_group_graph(evaluator: Evaluator, view: GroupedReach) -> Graph:
    """The graph of the grouped view (`reach -o groups`): one node per group of endpoints that connect alike,
    labelled with its selector, in its namespace's box (groups over several namespaces in their own box), and
    one edge per pair of groups with the probes allowed between them (exact: every pair of endpoints)."""
    core, pods = evaluator.core, core_pods(evaluator)
    boxes: dict[str, list[Node]] = {}
    for group in view.groups:  # the grouped view's placement: its one namespace, several, or none
        several = any((pods >> e) & 1 for e in group.members)
        box = group.namespace if group.namespace is not None else MIXED_GROUP if several else EXTERNAL_GROUP
        node = Node(group.id, f"{group.id}: {group.description}", box, group.names,
                    _group_isolation(core, group.members, pods, Direction.INGRESS),
                    _group_isolation(core, group.members, pods, Direction.EGRESS))
        boxes.setdefault(box, []).append(node)
    order = sorted(boxes, key=lambda b: (b != EXTERNAL_GROUP, b == MIXED_GROUP, b))
    ordered = {b: boxes[b] for b in order}
    probes = [str(p) for p in view.probes]
    position = {n.id: i for i, n in enumerate(n for nodes in ordered.values() for n in nodes)}
    edges = [Edge(view.groups[a].id, view.groups[b].id, tuple(Flow(probes[p]) for p in allowed))
             for (a, b), allowed in view.flows.items()]
    edges.sort(key=lambda e: (position[e.src], position[e.dst]))
    return Graph(view.engine, tuple(probes), ordered, edges)


def core_pods(evaluator: Evaluator) -> int:
    """The endpoints that are pods with their own network identity (bitset)."""
    return evaluator.core.sel.pods


def _group_isolation(core: Engine, members: Sequence[int], pods: int, direction: Direction) -> Isolation:
    flags = [bool((pods >> e) & 1) and any(core.intents[p].intent.isolates(direction)
                                           for p in core.groups_positions(direction, e)) for e in members]
    if all(flags):
        return Isolation.ALL
    return Isolation.SOME if any(flags) else Isolation.NONE
