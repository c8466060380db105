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

A group is named by the selector a person would write (translator.evaluator.describe): its pods' namespaces and
labels, shortened to what picks exactly its pods. The text and JSON forms are translator.evaluator.group_output.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter

from translator.cluster.model import Probe
from translator.evaluator.describe import Describer, Term, natural
from translator.evaluator.evaluate import Evaluator, transpose
from translator.output.progress import progress

NODES = "(nodes)"
"""The place of the cluster's nodes and host-network pods in the grouped view's overview."""
OUTSIDE = "(outside)"
"""The place of external endpoints and API servers outside the cluster."""


@dataclass(frozen=True)
class Group:
    """Endpoints that connect alike."""

    id: str
    """`g1`, `g2`, ...: groups of one namespace first (namespaces by name, `team-2` before `team-10`; groups in
    the order of their first endpoint), then groups over several namespaces, then groups without pods."""
    members: tuple[int, ...]
    """Endpoint indices (the evaluator's order)."""
    description: str
    """Standalone: `pods app=web in namespace shop (3 pods)`."""
    names: tuple[str, ...]
    """The members' endpoint names."""
    namespace: str | None = None
    """The one namespace of the group's pods (host-network pods aside); None for groups over several namespaces
    or without pods."""
    short: str = ""
    """The description under its namespace's heading (`pods app=web (3 pods)`); the description otherwise."""
    selector: tuple[Term, ...] | None = None
    """Terms whose union selects exactly the group's pods (host-network pods aside), or None when no selector of
    namespaces and labels does; the other members are named by name."""
    others: tuple[str, ...] = ()
    """Members no selector names: externals, nodes, API servers, host-network pods."""


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
    places: list[str]
    """Per endpoint, where the overview counts it: its namespace (pods), NODES (nodes, host-network pods) or
    OUTSIDE."""
    namespaces: list[str | None]
    """Per endpoint, the namespace of a pod (host-network pods too), None for the others."""
    describer: Describer | None = None
    """Names sets of pods (the text names a set of groups by one selector when one picks exactly its pods)."""

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


def endpoint_places(evaluator: Evaluator) -> list[str]:
    """Per endpoint: its namespace for pods, NODES for nodes and host-network pods, OUTSIDE for the rest."""
    cluster = evaluator.cluster
    places = [NODES if pod.hostNetwork else pod.namespace for pod in cluster.pods]
    places += [OUTSIDE] * len(cluster.externals) + [NODES] * len(cluster.nodes)
    return places + [OUTSIDE] * (len(evaluator.names) - len(places))


def group_reach(evaluator: Evaluator, probes: Sequence[Probe]) -> GroupedReach:
    """The grouped view of the matrix of `probes`."""
    names, n = evaluator.names, len(evaluator.names)
    report = progress()
    cols = [evaluator.columns(p) for p in report.track(probes, "deciding probes", len(probes))]
    rows = [transpose(c, n) for c in cols]
    report.phase("grouping endpoints")
    class_of = twin_classes(rows, cols, n)
    classes: dict[int, list[int]] = {}
    for e, c in enumerate(class_of):
        classes.setdefault(c, []).append(e)
    places = endpoint_places(evaluator)
    rank = {name: i for i, name in enumerate(sorted({ns.name for ns in evaluator.cluster.namespaces},
                                                    key=natural))}

    def home(members: list[int]) -> str | None:
        spots = {places[e] for e in members if places[e] not in (NODES, OUTSIDE)}
        return spots.pop() if len(spots) == 1 else None

    def order(members: list[int]) -> tuple[int, int, int]:
        ns = home(members)
        if ns is not None:
            return 0, rank.get(ns, len(rank)), members[0]
        return (1 if any(places[e] not in (NODES, OUTSIDE) for e in members) else 2), 0, members[0]

    used: dict[str, int] = {}
    for li in evaluator.policies:  # label keys the policies select pods by: a person names groups by those
        pods = li.intent.spec.subject.pods
        for key in [*pods.matchLabels, *(r.key for r in pods.matchExpressions)]:
            used[key] = used.get(key, 0) + 1
    describe = Describer(evaluator.cluster, names, used)
    groups = []
    for i, m in enumerate(sorted(classes.values(), key=order)):
        named = describe(m)
        groups.append(Group(f"g{i + 1}", tuple(m), named.text, tuple(names[e] for e in m), home(m),
                            named.short, named.terms, named.others))
    group_of = [0] * n
    for g, group in enumerate(groups):
        for e in group.members:
            group_of[e] = g
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
    return GroupedReach(evaluator.semantics_name, list(probes), groups, group_of,
                        {k: tuple(v) for k, v in sorted(flows.items())}, places,
                        [pod.namespace for pod in evaluator.cluster.pods] + [None] * (n - len(evaluator.cluster.pods)),
                        describe)


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
