"""The grouped connectivity view as text for people (`reach -o groups`) and as JSON for machines
(`reach -o groups-json`).

The text opens with what fits on a screen: which groups every endpoint may reach (or none may), and, for larger
clusters, a namespace-by-namespace overview (every pair allowed on every probe, some, none). Then the groups under
their namespaces, then the allowed flows between groups, merged into lines. Every line is exact: a claim about a
set of endpoints holds for each pair in it; nothing allowed is left out.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from translator.evaluator.describe import SHOWN_NAMESPACES, natural
from translator.evaluator.groups import NODES, OUTSIDE, GroupedReach, port_text

OVERVIEW_GROUPS = 12
"""The text shows the namespace overview when there are more groups than this."""
OVERVIEW_PLACES = 80
"""... and at most this many namespaces (a wider matrix helps nobody)."""
LISTED_GROUPS = 8
"""Group ids listed in a summary line."""
RECURRING_TEXT = 30
"""A set of groups that recurs in the flows gets a name (`s1`) when its text is longer than this."""
NEAR = 3
"""A set is written as a named one with up to this many groups taken out or added (`s2 except g5`)."""
"""Group ids listed in a summary line."""


@dataclass(frozen=True)
class Overview:
    """Per ordered pair of places (namespaces, then NODES and OUTSIDE), whether every pair of distinct endpoints
    is allowed on every probe (`#`), some pair on some probe (`+`), none on any (`.`), or there is no pair (`-`)."""

    places: list[str]
    endpoints: list[int]
    groups: list[int]
    cells: list[list[str]]


def overview(view: GroupedReach) -> Overview:
    """The place-by-place matrix, from the groups (linear in the allowed group pairs)."""
    order: dict[str, int] = {}
    for place in sorted(set(view.places) - {NODES, OUTSIDE}, key=natural):
        order[place] = len(order)
    for place in (NODES, OUTSIDE):
        if place in view.places:
            order[place] = len(order)
    spread: list[dict[int, int]] = [{} for _ in view.groups]  # per group: place index -> members there
    for g, group in enumerate(view.groups):
        for e in group.members:
            k = order[view.places[e]]
            spread[g][k] = spread[g].get(k, 0) + 1
    k_places = len(order)
    endpoints = [0] * k_places
    groups = [0] * k_places
    singles = [0] * k_places
    for counts in spread:
        for k, c in counts.items():
            endpoints[k] += c
            groups[k] += 1
            singles[k] += c == 1
    every: dict[tuple[int, int], int] = {}
    some: dict[tuple[int, int], int] = {}
    full = len(view.probes)
    for (a, b), allowed in view.flows.items():
        for ka, ca in spread[a].items():
            for kb in spread[b]:
                if a == b and ka == kb and ca == 1:
                    continue  # one endpoint: no pair of distinct ones here
                some[(ka, kb)] = some.get((ka, kb), 0) + 1
                if len(allowed) == full:
                    every[(ka, kb)] = every.get((ka, kb), 0) + 1
    cells = []
    for ka in range(k_places):
        row = []
        for kb in range(k_places):
            pairs = groups[ka] * groups[kb] - (singles[ka] if ka == kb else 0)
            if pairs == 0:
                row.append("-")
            elif every.get((ka, kb), 0) == pairs:
                row.append("#")
            else:
                row.append("+" if some.get((ka, kb)) else ".")
        cells.append(row)
    return Overview(list(order), endpoints, groups, cells)


def openness(view: GroupedReach) -> dict[str, list[int]]:
    """Groups whose members every endpoint reaches on every probe (`open in`), no endpoint on any (`closed in`),
    and likewise for what the members reach (`open out`, `closed out`). A lone endpoint has no pairs: it counts
    as open and closed."""
    full = len(view.probes)
    size = [len(g.members) for g in view.groups]
    n_groups = len(view.groups)
    all_in, any_in, all_out, any_out = [0] * n_groups, [0] * n_groups, [0] * n_groups, [0] * n_groups
    for (a, b), allowed in view.flows.items():
        any_in[b] += 1
        any_out[a] += 1
        if len(allowed) == full:
            all_in[b] += 1
            all_out[a] += 1
    # group pairs with a pair of distinct endpoints: every other group, and itself when it has two members
    pairs = [n_groups - 1 + (size[g] > 1) for g in range(n_groups)]
    return {"open in": [g for g in range(n_groups) if all_in[g] == pairs[g]],
            "closed in": [g for g in range(n_groups) if any_in[g] == 0],
            "open out": [g for g in range(n_groups) if all_out[g] == pairs[g]],
            "closed out": [g for g in range(n_groups) if any_out[g] == 0]}


def group_lines(view: GroupedReach) -> list[str]:
    """The grouped view as text."""
    groups, total = view.groups, len(view.groups)
    endpoints = sum(len(g.members) for g in groups)
    lines = [f"engine: {view.engine}",
             f"{endpoints:,} endpoints in {total:,} group{'s' if total != 1 else ''} (endpoints that connect alike); "
             f"probes: {port_text(view.probes)}"]
    if total > 1:
        lines.extend(_openness_lines(view))
    if total > OVERVIEW_GROUPS:
        lines.extend(_overview_lines(view))
    lines.extend(["", "groups:"])
    width = len(groups[-1].id) if groups else 2
    heading = None
    for g in groups:
        title = f"namespace {g.namespace}" if g.namespace is not None else (
            "several namespaces" if any(p not in (NODES, OUTSIDE) for p in (view.places[e] for e in g.members))
            else "not pods (nodes, host-network pods, outside the cluster)")
        if title != heading:
            lines.append(f"  {title}")
            heading = title
        lines.append(f"    {g.id.ljust(width)}  {g.short or g.description}")
    flows, side = flow_lines(view), Sides(view)
    named = side.name_recurring([s for line in flows for s in line[:2]])
    if named:
        lines.extend(["", "sets of groups (that recur below):"])
        pad = max(len(label) for label, _ in named)
        lines.extend(f"  {label.ljust(pad)}  {side.units(chosen)} ({len(chosen)} groups, "
                     f"{sum(len(view.groups[g].members) for g in chosen):,} endpoints)" for label, chosen in named)
    lines.extend(["", "allowed (every endpoint on the left reaches every endpoint on the right on these ports and no "
                  "other probe; a group to itself: between its own endpoints; NS/*: every pod of namespace NS; "
                  "[selector]: the pods it picks):"])
    lines.extend(f"  {side(srcs)} -> {side(dsts)}: {port_text([view.probes[p] for p in allowed])}"
                 for srcs, dsts, allowed in flows)
    if not flows:
        lines.append("  nothing")
    lines.append("everything else on these probes is denied")
    return lines


def _openness_lines(view: GroupedReach) -> list[str]:
    found = openness(view)
    lines = []
    for key, text in (("open in", "reached by every endpoint on every probe"),
                      ("closed in", "reached by no endpoint on any probe"),
                      ("open out", "reaching every endpoint on every probe"),
                      ("closed out", "reaching no endpoint on any probe")):
        chosen = found[key]
        if not chosen:
            continue
        count = sum(len(view.groups[g].members) for g in chosen)
        ids = (": " + ", ".join(view.groups[g].id for g in chosen)) if len(chosen) <= LISTED_GROUPS else ""
        lines.append(f"{text}: {count:,} endpoint{'s' if count != 1 else ''} in {len(chosen):,} "
                     f"group{'s' if len(chosen) != 1 else ''}{ids}")
    return lines


def _overview_lines(view: GroupedReach) -> list[str]:
    table = overview(view)
    k = len(table.places)
    if k < 2:
        return []
    if k > OVERVIEW_PLACES:
        return ["", f"(no namespace overview: {k} namespaces are more than {OVERVIEW_PLACES})"]
    names = [{NODES: "nodes", OUTSIDE: "outside the cluster"}.get(p, p) for p in table.places]
    digits = len(str(k))
    left = max(len(n) for n in names) + digits + 1
    heads = [str(i + 1).rjust(digits) for i in range(k)]
    lines = ["", "namespaces (row to column, over every probe: # every endpoint reaches every other one on every "
             "probe, + some do on some probe, . none on any; - no pair):"]
    for d in range(digits):  # column numbers, written downwards
        lead = f"  {' ' * left}  {'endpoints groups' if d == digits - 1 else ''}".ljust(2 + left + 2 + 16)
        lines.append(f"{lead}  {''.join(h[d] for h in heads)}")
    for i, name in enumerate(names):
        label = f"{str(i + 1).rjust(digits)} {name}".ljust(left)
        lines.append(f"  {label}  {table.endpoints[i]:>9,} {table.groups[i]:>6,}  {''.join(table.cells[i])}")
    return lines


def flow_lines(view: GroupedReach) -> list[tuple[list[int], list[int], tuple[int, ...]]]:
    """The allowed flows as (sources, destinations, probes) lines: sources that reach the same destinations on the
    same probes share a line, or destinations reached by the same sources, whichever makes fewer lines."""
    def merged(by_source: bool) -> list[tuple[list[int], list[int], tuple[int, ...]]]:
        fan: dict[int, dict[tuple[int, ...], list[int]]] = {}
        for (a, b), probes in view.flows.items():
            one, other = (a, b) if by_source else (b, a)
            fan.setdefault(one, {}).setdefault(probes, []).append(other)
        lines: dict[tuple[tuple[int, ...], tuple[int, ...]], list[int]] = {}
        for one in sorted(fan):
            for probes, others in fan[one].items():
                lines.setdefault((tuple(sorted(others)), probes), []).append(one)
        if by_source:
            return [(ones, list(others), probes) for (others, probes), ones in lines.items()]
        return [(list(others), ones, probes) for (others, probes), ones in lines.items()]

    out = min(merged(True), merged(False), key=len)
    out.sort(key=lambda line: (-len(line[0]) * len(line[1]), line[0][0], line[1][0], line[2]))
    return out


class Sides:
    """Writes sets of groups: `every endpoint`, `every endpoint but ...`, or namespaces and group ids."""

    def __init__(self, view: GroupedReach) -> None:
        self.view = view
        self.homes: list[set[str]] = []
        """Per group the namespaces of its members; empty when one is not a pod (it is never part of `NS/*`)."""
        self.inside: dict[str, set[int]] = {}
        """Per namespace the groups with pods there."""
        for g, group in enumerate(view.groups):
            spots = {view.namespaces[e] for e in group.members}
            for spot in spots:
                if spot is not None:
                    self.inside.setdefault(spot, set()).add(g)
            self.homes.append(set() if None in spots else {s for s in spots if s is not None})

        self.names: dict[tuple[int, ...], str] = {}
        """Labels of recurring sets (name_recurring)."""
        self.selectors: dict[tuple[int, ...], str | None] = {}

    def __call__(self, chosen: Sequence[int]) -> str:
        total = len(self.view.groups)
        if len(chosen) == total:
            return "every endpoint"
        key = tuple(sorted(chosen))
        if key in self.names:
            return self.names[key]
        text = self.near(key)
        if len(chosen) > total / 2:  # the shorter of the set and `every endpoint but` the rest
            rest = tuple(sorted(set(range(total)) - set(chosen)))
            but = "every endpoint but " + self.names.get(rest, self.near(rest))
            text = but if len(but) < len(text) else text
        return text

    def near(self, key: tuple[int, ...]) -> str:
        """`s2 except g5, g9`, `s2, g7` or `(s2 except g5), g7` when a named set is close; else the units."""
        plain = self.units(key)
        chosen = set(key)
        best: tuple[int, str, set[int], set[int]] | None = None
        for named, label in self.names.items():
            if abs(len(named) - len(chosen)) > NEAR:
                continue  # too far apart in size to be close
            drop, add = set(named) - chosen, chosen - set(named)
            cost = len(drop) + len(add)
            if cost <= NEAR and cost * 2 < len(named) and (best is None or cost < best[0]):
                best = (cost, label, drop, add)
        if best is None or plain.startswith("["):
            return plain
        _, label, drop, add = best
        dropped, added = ", ".join(self.ids(sorted(drop))), ", ".join(self.ids(sorted(add)))
        text = f"{label} except {dropped}" if drop else label
        if add:
            text = f"({text}), {added}" if drop else f"{text}, {added}"
        return text if len(text) < len(plain) else plain

    def name_recurring(self, sides: Sequence[Sequence[int]]) -> list[tuple[str, tuple[int, ...]]]:
        """Name the sets of groups that recur (`s1`, `s2`, ... in order of first use) when their text is long;
        the sides written afterwards use the names."""
        total = len(self.view.groups)
        seen: dict[tuple[int, ...], int] = {}
        for chosen in sides:
            if len(chosen) == total:
                continue
            key = tuple(sorted(chosen))
            if len(chosen) > total / 2:
                key = tuple(sorted(set(range(total)) - set(chosen)))
            seen[key] = seen.get(key, 0) + 1
        out: list[tuple[str, tuple[int, ...]]] = []
        for key, count in seen.items():
            text = self.units(key)
            if count > 1 and len(text) > RECURRING_TEXT and not text.startswith("["):  # selectors say more
                label = f"s{len(out) + 1}"
                out.append((label, key))
                self.names[key] = label
        return out

    def units(self, chosen: Sequence[int]) -> str:
        """Group ids, with the groups that make up all of a namespace (two groups or more) as `NS/*`; or, when one
        selector picks exactly the pods of two groups or more, that selector in brackets."""
        ids = self.ids(chosen)
        if len(chosen) < 2 or (len(ids) == 1 and ids[0].endswith("/*")):
            return ", ".join(ids)
        key = tuple(sorted(chosen))
        if key not in self.selectors:
            self.selectors[key] = self.selector(key)
        return self.selectors[key] or ", ".join(ids)

    def selector(self, chosen: tuple[int, ...]) -> str | None:
        """`[pods app=web in any namespace]` when one selector picks exactly the pods of `chosen`, else None."""
        describer, groups = self.view.describer, self.view.groups
        if describer is None or any(groups[g].selector is None or groups[g].others for g in chosen):
            return None
        _, _, terms = describer.pods(sorted(e for g in chosen for e in groups[g].members))
        if terms is None or len(terms) != 1 or len(terms[0].namespaces or ()) > SHOWN_NAMESPACES:
            return None
        return f"[{terms[0].what()} {terms[0].where()}]"

    def ids(self, chosen: Sequence[int]) -> list[str]:
        """Group ids, with the groups that make up all of a namespace (two groups or more) as `NS/*`."""
        picked = set(chosen)
        whole = {ns for ns, gs in self.inside.items() if len(gs) > 1 and gs <= picked}
        out: list[str] = []
        said: set[str] = set()
        for g in sorted(chosen):
            if self.homes[g] and self.homes[g] <= whole:
                for ns in sorted(self.homes[g] - said, key=natural):
                    said.add(ns)
                    out.append(f"{ns}/*")
            else:
                out.append(self.view.groups[g].id)
        return out


def group_json_text(view: GroupedReach) -> str:
    """The grouped view as one JSON document (docs/reach.md): groups with their selector and members, and one
    edge per ordered pair of groups with the probes allowed from every member of one to every member of the
    other (a group to itself: between distinct members)."""
    probe = [{"port": p.port, "protocol": p.protocol} for p in view.probes]
    groups = [{"id": g.id, "description": g.description, "namespace": g.namespace,
               "selector": [t.as_dict() for t in g.selector] if g.selector is not None else None,
               "others": list(g.others), "members": list(g.names)} for g in view.groups]
    edges = [{"from": view.groups[a].id, "to": view.groups[b].id, "probes": [probe[p] for p in allowed]}
             for (a, b), allowed in view.flows.items()]
    parts = [f'{{"engine": {json.dumps(view.engine)},',
             f' "endpoints": {sum(len(g.members) for g in view.groups)},',
             f' "probes": {json.dumps(probe)},',
             ' "groups": [' + ",".join("\n  " + json.dumps(g) for g in groups) + ("\n ]," if groups else "],"),
             ' "edges": [' + ",".join("\n  " + json.dumps(e) for e in edges) + ("\n ]}" if edges else "]}")]
    return "\n".join(parts) + "\n"
