"""`netpolx graph`: allowed flows as a graph of workloads grouped by namespace, as DOT, Mermaid or one
self-contained HTML page (inline SVG laid out here; no script, no network access)."""

from __future__ import annotations

from collections.abc import Callable

from translator.cluster.model import default_probes
from translator.graph.build import build_graph, nodes_of
from translator.graph.dot import render_dot
from translator.graph.html import render_html, render_svg
from translator.graph.mermaid import render_mermaid
from translator.graph.model import EXTERNAL_GROUP, Edge, Flow, Graph, Isolation, Node

RENDERERS: dict[str, Callable[[Graph], str]] = {"dot": render_dot, "mermaid": render_mermaid, "html": render_html}
FORMATS = tuple(RENDERERS)


def render(graph: Graph, fmt: str) -> str:
    """The graph in one of FORMATS."""
    return RENDERERS[fmt](graph)


__all__ = ["EXTERNAL_GROUP", "FORMATS", "RENDERERS", "Edge", "Flow", "Graph", "Isolation", "Node", "build_graph",
           "default_probes", "nodes_of", "render", "render_dot", "render_html", "render_mermaid", "render_svg"]
