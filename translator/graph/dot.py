"""Graphviz DOT: one cluster per namespace, workloads as boxes (default deny in red, double border), allowed flows
as edges labelled with their probes (dashed when only some pod pairs may connect)."""

from __future__ import annotations

from translator import escape
from translator.graph.model import Graph, Node, group_title

DENY_COLOR = "#c0392b"
OPEN_COLOR = "#2c3e50"
EXTERNAL_COLOR = "#7f8c8d"


def quote(text: str) -> str:
    """A DOT double-quoted string (names cannot end the string or add statements)."""
    return escape.dot(text)


def _node(node: Node) -> str:
    label = node.label + (f"\n{node.deny_text}" if node.deny_text else "")
    if node.external:
        attrs = f"shape=ellipse, color={quote(EXTERNAL_COLOR)}"
    elif node.isolated:
        attrs = f'color={quote(DENY_COLOR)}, penwidth=2, peripheries=2, style="rounded,filled", fillcolor="#fdecea"'
    else:
        attrs = f'color={quote(OPEN_COLOR)}, style="rounded"'
    return f"    {quote(node.id)} [label={quote(label)}, {attrs}];"


def render_dot(graph: Graph) -> str:
    """The graph as DOT."""
    lines = ["digraph netpolx {",
             f"  graph [rankdir=LR, fontname=Helvetica, labelloc=t, label={quote(graph.title)}];",
             "  node [shape=box, fontname=Helvetica];",
             "  edge [fontname=Helvetica, fontsize=10];"]
    for i, (group, nodes) in enumerate(graph.groups.items()):
        title = group_title(group)
        lines.append(f"  subgraph cluster_{i} {{")
        lines.append(f"    label={quote(title)}; style=rounded; color=\"#bdc3c7\";")
        lines.extend(_node(n) for n in nodes)
        lines.append("  }")
    for e in graph.edges:
        style = ", style=dashed" if e.partial else ""
        lines.append(f"  {quote(e.src)} -> {quote(e.dst)} [label={quote(e.label)}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
