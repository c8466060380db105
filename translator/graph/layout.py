"""A simple deterministic layout for the SVG: one column per group (external endpoints first, then namespaces by
name), workloads stacked in their column, edges as cubic curves between box sides."""

from __future__ import annotations

from dataclasses import dataclass

from translator.graph.model import Edge, Graph

MARGIN = 30
HEADER = 34
NODE_W = 200
NODE_H = 50
NODE_GAP = 26
COL_PAD = 18
COL_GAP = 150
LOOP = 26
LANE = 16
"""Vertical distance between the lanes of edges routed under the columns."""


@dataclass(frozen=True)
class Box:
    """A rectangle."""

    x: float
    y: float
    w: float
    h: float

    @property
    def cy(self) -> float:
        """Vertical centre."""
        return self.y + self.h / 2

    @property
    def right(self) -> float:
        """Right edge."""
        return self.x + self.w


@dataclass(frozen=True)
class Curve:
    """A cubic Bezier from p0 to p3 with control points p1, p2; `label_at` is its midpoint."""

    p0: tuple[float, float]
    p1: tuple[float, float]
    p2: tuple[float, float]
    p3: tuple[float, float]

    @property
    def path(self) -> str:
        """The SVG path data."""
        pts = (self.p0, self.p1, self.p2, self.p3)
        x0, y0, x1, y1, x2, y2, x3, y3 = (round(v, 1) for p in pts for v in p)
        return f"M{x0},{y0} C{x1},{y1} {x2},{y2} {x3},{y3}"

    label_t: float = 0.5
    """Where along the curve its label goes (edges in opposite directions use different points)."""
    label_dy: float = 0.0
    """Vertical offset of the label from the curve."""
    label_room: float = NODE_W
    """Width available for the label."""

    @property
    def label_at(self) -> tuple[float, float]:
        """The point at t = label_t."""
        t = self.label_t
        w = ((1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t ** 2, t ** 3)
        pts = (self.p0, self.p1, self.p2, self.p3)
        return (sum(k * p[0] for k, p in zip(w, pts)), sum(k * p[1] for k, p in zip(w, pts)))


@dataclass
class Layout:
    """Positions of every column and node, and the canvas size."""

    width: float
    height: float
    columns: list[tuple[str, Box]]
    boxes: dict[str, Box]
    column_of: dict[str, int]

    columns_bottom: float = 0.0

    def curve(self, edge: Edge, lane: int = 0) -> Curve:
        """The curve of an edge: between facing box sides for neighbouring columns, out to the right and back
        within a column, and under the columns (in lane `lane`) between columns further apart. Edges in opposite
        directions are drawn apart, with their labels at different points."""
        a, b = self.boxes[edge.src], self.boxes[edge.dst]
        ca, cb = self.column_of[edge.src], self.column_of[edge.dst]
        if edge.src == edge.dst:
            return Curve((a.right - 30, a.y), (a.right + LOOP, a.y - LOOP), (a.right + LOOP, a.cy + LOOP / 2),
                         (a.right, a.cy))
        forward = (ca, a.y) < (cb, b.y)
        shift, t, dy = (-7, 0.4, -6) if forward else (7, 0.6, 6)
        if ca == cb:
            reach = min(LOOP + abs(a.y - b.y) / 4, COL_GAP * 0.6)
            return Curve((a.right, a.cy + shift), (a.right + reach, a.cy + shift), (b.right + reach, b.cy + shift),
                         (b.right, b.cy + shift), t, 0.0, COL_GAP * 0.8)
        start = (a.right, a.cy + shift) if ca < cb else (a.x, a.cy + shift)
        end = (b.x, b.cy + shift) if ca < cb else (b.right, b.cy + shift)
        if abs(ca - cb) == 1:
            dx = (end[0] - start[0]) / 2
            return Curve(start, (start[0] + dx, start[1]), (end[0] - dx, end[1]), end, t, dy,
                         COL_GAP + 2 * COL_PAD - 16)
        depth = self.columns_bottom + LANE * (lane + 1) * 4 / 3
        step = COL_GAP / 2 if ca < cb else -COL_GAP / 2
        return Curve(start, (start[0] + step, depth), (end[0] - step, depth), end, 0.5, 0.0, NODE_W * 1.2)


def layout(graph: Graph) -> Layout:
    """Place every group as a column and every node in it."""
    columns: list[tuple[str, Box]] = []
    boxes: dict[str, Box] = {}
    column_of: dict[str, int] = {}
    tallest = max((len(nodes) for nodes in graph.groups.values()), default=0)
    col_h = HEADER + COL_PAD + tallest * (NODE_H + NODE_GAP)
    for i, (group, nodes) in enumerate(graph.groups.items()):
        x = MARGIN + i * (NODE_W + 2 * COL_PAD + COL_GAP)
        columns.append((group, Box(x, MARGIN, NODE_W + 2 * COL_PAD, col_h)))
        for j, node in enumerate(nodes):
            boxes[node.id] = Box(x + COL_PAD, MARGIN + HEADER + COL_PAD + j * (NODE_H + NODE_GAP), NODE_W, NODE_H)
            column_of[node.id] = i
    width = MARGIN * 2 + max(len(columns), 1) * (NODE_W + 2 * COL_PAD + COL_GAP) - COL_GAP * 0.4
    lanes = sum(1 for e in graph.edges if abs(column_of[e.src] - column_of[e.dst]) > 1)
    bottom = MARGIN + col_h
    return Layout(width, bottom + MARGIN + (LANE * (lanes + 1) if lanes else 0), columns, boxes, column_of, bottom)
