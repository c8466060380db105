"""The grouped connectivity view: endpoints that connect alike collapse into one group, described by the selector
a person would write.

Two endpoints a and b are *twins* when, on every probe, every other endpoint treats them alike in both directions
(a reaches x exactly when b does, x reaches a exactly when x reaches b) and a reaches b exactly when b reaches a.
Twins form classes (the relation is transitive), so the matrix between two groups is uniform: every pod of group
A reaches every pod of group B on a probe, or none does, and inside a group all pairs of distinct members agree.
The grouped view is exact, not a summary: each pair's verdict is its groups' verdict.

Per probe, a and b are twins exactly when their (row, column) bitsets are equal with their own bits cleared (they
do not reach each other) or with their own bits set (they do); an endpoint cannot have twins of both kinds. The
classes over all probes are the intersections of the classes per probe. Everything is hashing of row and column
bitsets: linear in the endpoints per probe (times the bitset length, at C speed).

A group is named by its pods' namespaces and common labels, shortened to the labels needed to pick exactly its
pods; when no selector picks exactly the group, the description says how many of the selected pods it holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter

from translator.cluster.model import Cluster, Probe
from translator.evaluator.evaluate import Evaluator, transpose
from translator.output.progress import progress

SHOWN_NAMES = 3
"""Member names shown for a group no selector picks exactly."""
SHOWN_NAMESPACES = 4


@dataclass(frozen=True)
class Group:
    """Endpoints that connect alike."""

    id: str
    """`g1`, `g2`, ... in the order of the groups' first endpoints."""
    members: tuple[int, ...]
    """Endpoint indices (the evaluator's order)."""
    description: str
    names: tuple[str, ...]
    """The members' endpoint names."""


@dataclass
class GroupedReach:
    """The matrix as groups and the probes allowed between them."""

    engine: str
    probes: list[Probe]
    groups: list[Group]
    group_of: list[int]
    """Per endpoint, the index of its group."""
    flows: dict[tuple[int, int], tuple[int, ...]]
    """(source group, destination group) -> indices of the probes allowed from every member of the first to every
    member of the second (a group to itself: between distinct members). Pairs that allow nothing are absent."""

    def allowed(self, src: int, dst: int, probe: int) -> bool:
        """The verdict of one pair of distinct endpoints, read off the groups."""
        return probe in self.flows.get((self.group_of[src], self.group_of[dst]), ())


def twin_classes(rows: Sequence[Sequence[int]], cols: Sequence[Sequence[int]], n: int) -> list[int]:
    """Per endpoint, a class id (0, 1, ... in order of first member): endpoints with equal ids are twins on every
    probe. `rows[p][s]` / `cols[p][d]` are the bitsets of allowed destinations / sources, own bits clear."""
    keys: list[list[int]] = [[] for _ in range(n)]
    for row, col in zip(rows, cols):
        apart: dict[tuple[int, int], int] = {}
        together: dict[tuple[int, int], int] = {}
        for e in range(n):
            key = (row[e], col[e])
            apart[key] = apart.get(key, 0) + 1
            bit = 1 << e
            key = (row[e] | bit, col[e] | bit)
            together[key] = together.get(key, 0) + 1
        ids: dict[tuple[int, int, int], int] = {}
        for e in range(n):
            bit = 1 << e
            if apart[(row[e], col[e])] > 1:
                key3 = (0, row[e], col[e])
            elif together[(row[e] | bit, col[e] | bit)] > 1:
                key3 = (1, row[e] | bit, col[e] | bit)
            else:
                key3 = (2, e, 0)
            keys[e].append(ids.setdefault(key3, len(ids)))
    out: dict[tuple[int, ...], int] = {}
    return [out.setdefault(tuple(k), len(out)) for k in keys]


def group_reach(evaluator: Evaluator, probes: Sequence[Probe]) -> GroupedReach:
    """The grouped view of the matrix of `probes`."""
    names, n = evaluator.names, len(evaluator.names)
    report = progress()
    cols = [evaluator.columns(p) for p in report.track(probes, "deciding probes", len(probes))]
    rows = [transpose(c, n) for c in cols]
    report.phase("grouping endpoints")
    class_of = twin_classes(rows, cols, n)
    members: dict[int, list[int]] = {}
    for e, c in enumerate(class_of):
        members.setdefault(c, []).append(e)
    used: dict[str, int] = {}
    for li in evaluator.policies:  # label keys the policies select pods by: a person names groups by those
        pods = li.intent.spec.subject.pods
        for key in [*pods.matchLabels, *(r.key for r in pods.matchExpressions)]:
            used[key] = used.get(key, 0) + 1
    describe = Describer(evaluator.cluster, names, used)
    groups = [Group(f"g{i + 1}", tuple(m), describe(m), tuple(names[e] for e in m))
              for i, m in enumerate(members.values())]
    reps = [g.members[0] for g in groups]
    pick = itemgetter(*reps) if len(reps) > 1 else (lambda text: (text[reps[0]],))
    fmt = f"0{n}b"
    flows: dict[tuple[int, int], list[int]] = {}
    for a, group in enumerate(groups):
        first = group.members[0]
        second = group.members[1] if len(group.members) > 1 else None
        for p, row in enumerate(rows):
            bits = row[first]
            if not bits:
                continue
            reached = "".join(pick(format(bits, fmt)[::-1]))
            if second is not None and (bits >> second) & 1:
                flows.setdefault((a, a), []).append(p)
            b = reached.find("1")
            while b >= 0:  # only the allowed pairs cost a step
                if b != a:
                    flows.setdefault((a, b), []).append(p)
                b = reached.find("1", b + 1)
    return GroupedReach(evaluator.semantics_name, list(probes), groups, class_of,
                        {k: tuple(v) for k, v in flows.items()})


class Describer:
    """Names groups of endpoints by the selector a person would write."""

    def __init__(self, cluster: Cluster, names: Sequence[str], used: dict[str, int] | None = None) -> None:
        self.cluster = cluster
        self.used = used or {}
        self.names = names
        self.n_pods = len(cluster.pods)
        self.by_pair: dict[tuple[str, str], set[int]] = {}
        self.by_namespace: dict[str, set[int]] = {}
        for i, pod in enumerate(cluster.pods):
            self.by_namespace.setdefault(pod.namespace, set()).add(i)
            for item in pod.labels.items():
                self.by_pair.setdefault(item, set()).add(i)
        self.ns_labels = {ns.name: ns.labels for ns in cluster.namespaces}
        self.with_pods = sorted(self.by_namespace)

    def __call__(self, members: Sequence[int]) -> str:
        pods = [e for e in members if e < self.n_pods and not self.cluster.pods[e].hostNetwork]
        chosen = set(pods)
        others = [self.names[e] for e in members if e not in chosen]
        parts = [self.pods(pods)] if pods else []
        if others:
            parts.append(", ".join(others[:SHOWN_NAMES]) + (f" (+{len(others) - SHOWN_NAMES} more)"
                                                             if len(others) > SHOWN_NAMES else ""))
        return "; ".join(parts)

    def _selected(self, namespaces: Sequence[str], labels: Sequence[tuple[str, str]]) -> set[int]:
        out: set[int] = set()
        for ns in namespaces:
            out |= self.by_namespace.get(ns, set())
        for item in labels:
            out &= self.by_pair.get(item, set())
        return out

    def pods(self, pods: Sequence[int]) -> str:
        """`pods app=web,tier=frontend in namespace team-3`, or `2 of the 5 pods app=web in ...: a, b`."""
        labels = [pod.labels for pod in (self.cluster.pods[e] for e in pods)]
        common = sorted(set(labels[0].items()).intersection(*(lab.items() for lab in labels[1:])))
        namespaces = sorted({self.cluster.pods[e].namespace for e in pods})
        wanted = set(pods)
        selected = self._selected(namespaces, common)
        if selected == wanted:
            for item in sorted(common, key=lambda kv: (self.used.get(kv[0], 0), kv[0])):  # drop what is not needed
                fewer = [x for x in common if x != item]
                if self._selected(namespaces, fewer) == wanted:
                    common = fewer
            if len(namespaces) > 1 and self._selected(self.with_pods, common) == wanted:
                namespaces = self.with_pods
        where = self._namespaces(namespaces)
        what = "pods" + "".join(f" {k}={v}" if i == 0 else f",{k}={v}" for i, (k, v) in enumerate(common))
        if len(pods) == 1:
            return self.cluster.pods[pods[0]].id
        if selected == wanted:
            if not common:
                what = "every pod"
            return f"{what} {where}" + (f" ({len(pods)} pods)" if len(pods) > 1 else "")
        shown = ", ".join(self.cluster.pods[e].id for e in pods[:SHOWN_NAMES])
        more = f" (+{len(pods) - SHOWN_NAMES} more)" if len(pods) > SHOWN_NAMES else ""
        return f"{len(pods)} of the {len(selected)} {what} {where}: {shown}{more}"

    def _namespaces(self, namespaces: Sequence[str]) -> str:
        if len(namespaces) == 1:
            return f"in namespace {namespaces[0]}"
        if list(namespaces) == self.with_pods:
            return "in any namespace"
        chosen = set(namespaces)
        common = set(self.ns_labels[namespaces[0]].items()).intersection(
            *(self.ns_labels[ns].items() for ns in namespaces[1:]))
        if common and {ns for ns in self.with_pods if common <= set(self.ns_labels[ns].items())} == chosen:
            return "in namespaces " + ",".join(f"{k}={v}" for k, v in sorted(common))
        shown = ", ".join(namespaces[:SHOWN_NAMESPACES])
        more = f" (+{len(namespaces) - SHOWN_NAMESPACES} more)" if len(namespaces) > SHOWN_NAMESPACES else ""
        return f"in namespaces {shown}{more}"


def port_text(probes: Sequence[Probe]) -> str:
    """Probes per protocol with consecutive port numbers as ranges: `53/UDP; 80, 443, 8080-8081/TCP`."""
    by_protocol: dict[str, list[int]] = {}
    for probe in probes:
        by_protocol.setdefault(probe.protocol, []).append(probe.port)
    out = []
    for protocol, ports in by_protocol.items():
        ports = sorted(set(ports))
        spans: list[list[int]] = []
        for port in ports:
            if spans and port == spans[-1][1] + 1:
                spans[-1][1] = port
            else:
                spans.append([port, port])
        out.append(", ".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in spans) + f"/{protocol}")
    return "; ".join(out)


def group_lines(view: GroupedReach) -> list[str]:
    """The grouped view as text: the groups, then the allowed flows, sources with the same destinations and
    ports on one line."""
    groups, total = view.groups, len(view.groups)
    endpoints = sum(len(g.members) for g in groups)
    lines = [f"engine: {view.engine}",
             f"{endpoints} endpoints in {total} group{'s' if total != 1 else ''} (endpoints that connect alike); "
             f"probes: {port_text(view.probes)}", "", "groups:"]
    width = len(groups[-1].id) if groups else 2
    lines.extend(f"  {g.id.ljust(width)}  {g.description}" for g in groups)
    lines.extend(["", "allowed (every endpoint of a group on the left to every endpoint of a group on the right; "
                  "a group to itself: between its own endpoints):"])
    by_source: dict[int, dict[tuple[int, ...], list[int]]] = {}
    for (a, b), probes in view.flows.items():
        by_source.setdefault(a, {}).setdefault(probes, []).append(b)
    by_flow: dict[tuple[tuple[int, ...], tuple[int, ...]], list[int]] = {}
    for a in sorted(by_source):
        for allowed, reached in by_source[a].items():
            by_flow.setdefault((tuple(sorted(reached)), allowed), []).append(a)
    for (dsts, allowed), srcs in sorted(by_flow.items(), key=lambda kv: (-len(kv[1]) * len(kv[0][0]), kv[1][0])):
        ports = port_text([view.probes[p] for p in allowed])
        lines.append(f"  {_ids(srcs, groups)} -> {_ids(dsts, groups)}: {ports}")
    if not by_flow:
        lines.append("  nothing")
    lines.append("everything else is denied")
    return lines


def _ids(chosen: Sequence[int], groups: Sequence[Group]) -> str:
    """Group ids, or `every group` / `every group but ...` when that is shorter."""
    if len(chosen) == len(groups):
        return "every group"
    if len(chosen) > len(groups) / 2:
        missing = sorted(set(range(len(groups))) - set(chosen))
        return "every group but " + ", ".join(groups[b].id for b in missing)
    return ", ".join(groups[b].id for b in chosen)
