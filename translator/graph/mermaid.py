"""Mermaid flowchart: one subgraph per namespace, workloads as nodes (class `deny` for default deny), allowed
flows as labelled arrows (dotted when only some pod pairs may connect)."""

from __future__ import annotations

from translator import escape
from translator.graph.model import Graph, group_title


def _text(text: str) -> str:
    """Mermaid label text inside double quotes (names and FQDNs cannot add lines, quotes or markup)."""
    return escape.mermaid(text)


def render_mermaid(graph: Graph) -> str:
    """The graph as a Mermaid flowchart."""
    ids = {n.id: f"n{i}" for i, n in enumerate(graph.nodes)}
    lines = ["flowchart LR", f"  %% {escape.mermaid_comment(graph.title)}"]
    denied, external = [], []
    for i, (group, nodes) in enumerate(graph.groups.items()):
        title = group_title(group)
        lines.append(f'  subgraph g{i}["{_text(title)}"]')
        for n in nodes:
            label = _text(n.label) + (f"<br/>{_text(n.deny_text)}" if n.deny_text else "")
            left, right = ('(["', '"])') if n.external else ('["', '"]')
            lines.append(f"    {ids[n.id]}{left}{label}{right}")
            if n.isolated:
                denied.append(ids[n.id])
            if n.external:
                external.append(ids[n.id])
        lines.append("  end")
    for e in graph.edges:
        arrow = "-.->" if e.partial else "-->"
        lines.append(f'  {ids[e.src]} {arrow}|"{_text(e.label)}"| {ids[e.dst]}')
    lines.append("  classDef deny stroke:#c0392b,stroke-width:3px,fill:#fdecea")
    lines.append("  classDef external stroke:#7f8c8d,stroke-dasharray:4 2")
    if denied:
        lines.append(f"  class {','.join(denied)} deny")
    if external:
        lines.append(f"  class {','.join(external)} external")
    return "\n".join(lines) + "\n"
