"""One self-contained HTML file: the graph drawn as inline SVG (laid out here, no script, no network access), a
legend, and the table of allowed flows."""

from __future__ import annotations

from html import escape

from translator import __version__
from translator.graph.layout import Box, Layout, layout
from translator.graph.model import Graph, Node, group_title

STYLE = """
body { font-family: Helvetica, Arial, sans-serif; margin: 24px; color: #1b2631; background: #ffffff; }
h1 { font-size: 20px; margin: 0 0 4px 0; }
p.sub { color: #566573; margin: 0 0 16px 0; font-size: 13px; }
svg { display: block; margin-bottom: 20px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border: 1px solid #d5d8dc; padding: 4px 10px; text-align: left; }
th { background: #f2f4f4; }
td.partial { color: #a04000; }
.legend { font-size: 13px; margin: 0 0 20px 0; }
.legend span { display: inline-block; margin-right: 18px; }
.swatch { display: inline-block; width: 14px; height: 14px; vertical-align: middle; margin-right: 6px;
  border-radius: 3px; }
"""

COLORS = {
    "deny": ("#c0392b", "#fdecea"),
    "open": ("#1f618d", "#eaf2f8"),
    "external": ("#7f8c8d", "#f4f6f6"),
}
EDGE = "#117a65"


def _fit(text: str, width: float, char: float = 7.2) -> str:
    limit = max(int((width - 16) / char), 4)
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _kind(node: Node) -> str:
    return "external" if node.external else ("deny" if node.isolated else "open")


def _svg_node(node: Node, box: Box) -> str:
    stroke, fill = COLORS[_kind(node)]
    dash = ' stroke-dasharray="5 3"' if node.external else ""
    width = 3 if node.isolated else 1.5
    title = escape(f"{node.id}: {', '.join(node.members)}" + (f" ({node.deny_text})" if node.deny_text else ""))
    parts = [f'<g class="node {_kind(node)}"><title>{title}</title>',
             f'<rect x="{box.x}" y="{box.y}" width="{box.w}" height="{box.h}" rx="8" fill="{fill}" '
             f'stroke="{stroke}" stroke-width="{width}"{dash}/>']
    label_y = box.y + (20 if node.deny_text else box.h / 2 + 5)
    parts.append(f'<text x="{box.x + box.w / 2}" y="{label_y}" text-anchor="middle" font-size="13" '
                 f'font-weight="bold" fill="#1b2631">{escape(_fit(node.label, box.w))}</text>')
    if node.deny_text:
        parts.append(f'<text x="{box.x + box.w / 2}" y="{box.y + 38}" text-anchor="middle" font-size="11" '
                     f'fill="{COLORS["deny"][0]}">{escape(_fit(node.deny_text, box.w, 6.2))}</text>')
    parts.append("</g>")
    return "".join(parts)


def _svg_edges(graph: Graph, lay: Layout) -> list[str]:
    out = []
    lane = 0
    for edge in graph.edges:
        far = abs(lay.column_of[edge.src] - lay.column_of[edge.dst]) > 1
        curve = lay.curve(edge, lane)
        lane += int(far)
        dash = ' stroke-dasharray="6 4"' if edge.partial else ""
        lx, ly = curve.label_at
        ly += curve.label_dy
        label = escape(_fit(edge.label, curve.label_room, 6.2))
        w = len(label) * 6.2 + 8
        out.append(f'<g class="edge"><title>{escape(f"{edge.src} -> {edge.dst}: {edge.label}")}</title>'
                   f'<path d="{curve.path}" fill="none" stroke="{EDGE}" stroke-width="1.6"{dash} '
                   f'marker-end="url(#arrow)"/>'
                   f'<rect x="{lx - w / 2:.1f}" y="{ly - 8:.1f}" width="{w:.1f}" height="15" rx="3" fill="#ffffff" '
                   f'fill-opacity="0.85"/>'
                   f'<text x="{lx:.1f}" y="{ly + 4:.1f}" text-anchor="middle" font-size="11" fill="{EDGE}">{label}'
                   "</text></g>")
    return out


def render_svg(graph: Graph) -> str:
    """The graph as an SVG element."""
    lay = layout(graph)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{lay.width:.0f}" height="{lay.height:.0f}" '
             f'viewBox="0 0 {lay.width:.0f} {lay.height:.0f}" role="img" aria-label="{escape(graph.title)}">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" '
             f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{EDGE}"/></marker></defs>']
    for group, box in lay.columns:
        title = group_title(group)
        parts.append(f'<rect x="{box.x}" y="{box.y}" width="{box.w}" height="{box.h}" rx="12" fill="#f8f9f9" '
                     f'stroke="#d5d8dc"/><text x="{box.x + 14}" y="{box.y + 22}" font-size="14" font-weight="bold" '
                     f'fill="#34495e">{escape(_fit(title, box.w, 8))}</text>')
    parts.extend(_svg_edges(graph, lay))
    parts.extend(_svg_node(n, lay.boxes[n.id]) for n in graph.nodes)
    parts.append("</svg>")
    return "".join(parts)


def _legend() -> str:
    def swatch(kind: str, text: str) -> str:
        stroke, fill = COLORS[kind]
        return f'<span><i class="swatch" style="background:{fill};border:2px solid {stroke}"></i>{text}</span>'
    return ('<div class="legend">' + swatch("deny", "default deny (ingress and/or egress)")
            + swatch("open", "no policy isolates it") + swatch("external", "outside the cluster")
            + f'<span><i class="swatch" style="background:{EDGE}"></i>allowed flow (dashed: only some pods)</span>'
            + "</div>")


def _table(graph: Graph) -> str:
    rows = "".join(
        f"<tr><td>{escape(e.src)}</td><td>{escape(e.dst)}</td>"
        f'<td{" class=partial" if e.partial else ""}>{escape(e.label)}</td></tr>'
        for e in graph.edges)
    if not rows:
        rows = '<tr><td colspan="3">no flow is allowed</td></tr>'
    return f"<table><thead><tr><th>from</th><th>to</th><th>allowed</th></tr></thead><tbody>{rows}</tbody></table>"


def render_html(graph: Graph) -> str:
    """The whole page."""
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>netpolx graph</title><style>{STYLE}</style></head><body>\n"
            f"<h1>netpolx: allowed flows</h1><p class=\"sub\">{escape(graph.title)}; netpolx {__version__}</p>\n"
            f"{render_svg(graph)}\n{_legend()}\n{_table(graph)}\n</body></html>\n")
