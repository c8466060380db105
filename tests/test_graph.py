"""`netpolx graph`: the graph model (workloads, partial flows, default deny), the three renderers, the seed's
flows through the CLI (also under other engines), and the HTML page rendered in headless Chromium (the screenshot
must not be blank)."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.shared import ROOT, skip_without_browser
from translator.diagnostics import Diagnostics
from translator.graph import Graph, Isolation, build_graph, render_dot, render_html, render_mermaid
from translator.load.decode import intents_from_documents
from translator.load.source import documents_from_text
from translator.registry import all_backends

cluster_mod = pytest.importorskip("translator.cluster.model")

SEED = str(ROOT / "samples" / "seed")
SEED_CLUSTER = str(ROOT / "samples" / "graph" / "seed-cluster.yaml")
CHROMIUM = Path("/usr/bin/chromium")

POLICIES = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: a}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
  ingress:
    - from: [{podSelector: {matchLabels: {role: client}}}]
"""


def _cluster() -> object:
    return cluster_mod.Cluster(
        namespaces=[cluster_mod.Namespace(name="a"), cluster_mod.Namespace(name="b")],
        pods=[cluster_mod.Pod(namespace="a", name="web-0", labels={"app": "web"}),
              cluster_mod.Pod(namespace="a", name="web-1", labels={"app": "web", "canary": "yes"}),
              cluster_mod.Pod(namespace="a", name="cli-0", labels={"app": "cli", "role": "client"}),
              cluster_mod.Pod(namespace="a", name="cli-1", labels={"app": "cli"}),
              cluster_mod.Pod(namespace="b", name="db-0", labels={"app": "db"})],
        externals=[cluster_mod.External(name="internet", ip="8.8.8.8")])


def _loaded(text: str) -> list:
    diags = Diagnostics()
    loaded = intents_from_documents(documents_from_text(text, "p.yaml", diags), diags)
    assert not diags.has_errors
    return loaded


def _graph() -> Graph:
    cluster, loaded = _cluster(), _loaded(POLICIES)
    probe = cluster_mod.Probe(80, "TCP")
    # Hand-made verdicts: only client pods reach web (as the policy says), everything else open.
    rows = []
    for src in [*(p.id for p in cluster.pods), "internet"]:
        for dst in [*(p.id for p in cluster.pods), "internet"]:
            if src != dst:
                allowed = not dst.startswith("a/web") or src == "a/cli-0"
                rows.append((src, dst, 80, "TCP", allowed))
    return build_graph(cluster, loaded, rows, [probe], "kubernetes")


def test_graph_model_groups_workloads_and_marks_partial_flows_and_isolation() -> None:
    g = _graph()
    assert list(g.groups) == ["external", "a", "b"]
    assert [n.id for n in g.groups["a"]] == ["a/cli", "a/web"]
    web = g.node("a/web")
    assert web.members == ("a/web-0", "a/web-1") and web.ingress is Isolation.ALL and web.egress is Isolation.NONE
    assert g.node("a/cli").ingress is Isolation.NONE
    edges = {(e.src, e.dst): e for e in g.edges}
    # Only cli-0 of the two cli pods may reach web: a partial flow.
    assert edges[("a/cli", "a/web")].partial and edges[("a/cli", "a/web")].label == "80/TCP (some pods)"
    assert ("b/db", "a/web") not in edges and ("internet", "a/web") not in edges
    assert not edges[("b/db", "a/cli")].partial
    # web-0 and web-1 may not reach each other (web is isolated, they are not clients): no self edge.
    assert ("a/web", "a/web") not in edges and ("a/cli", "a/cli") in edges


def test_dot_and_mermaid() -> None:
    g = _graph()
    dot = render_dot(g)
    assert dot.startswith("digraph netpolx {") and dot.rstrip().endswith("}")
    assert 'label="namespace a"' in dot and 'label="outside the cluster"' in dot
    assert '"a/cli" -> "a/web" [label="80/TCP (some pods)", style=dashed];' in dot
    assert re.search(r'"a/web" \[label="web\\ndefault deny: in", color="#c0392b"', dot)
    assert dot.count(" -> ") == len(g.edges)
    mermaid = render_mermaid(g)
    assert mermaid.startswith("flowchart LR\n")
    assert mermaid.count("subgraph ") == 3 and mermaid.count("\n  end") == 3
    ids = {n.id: f"n{i}" for i, n in enumerate(g.nodes)}
    assert f'{ids["a/cli"]} -.->|"80/TCP (some pods)"| {ids["a/web"]}' in mermaid
    assert f"class {ids['a/web']} deny" in mermaid


def test_html_is_self_contained() -> None:
    page = render_html(_graph())
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and "</svg>" in page
    assert "<script" not in page and "@import" not in page and "url(http" not in page
    assert re.findall(r"(?:src|href)=", page) == []
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) == {"http://www.w3.org/2000/svg"}  # a namespace name
    for node in ("a/web", "a/cli", "b/db"):
        assert node in page
    assert page.count('class="edge"') == len(_graph().edges)


def _run_graph(*extra: str) -> str:
    pytest.importorskip("translator.evaluator")
    result = run_cli("graph", "-f", SEED, "--cluster", SEED_CLUSTER, *extra)
    assert result.code == 0, result.stderr
    return result.stdout


def _edges(dot: str) -> dict[tuple[str, str], str]:
    return {(a, b): label for a, b, label in re.findall(r'"([^"]+)" -> "([^"]+)" \[label="([^"]*)"', dot)}


def test_seed_flows_under_kubernetes() -> None:
    edges = _edges(_run_graph("-o", "dot"))
    assert edges[("shop/frontend", "shop/backend")] == "8080/TCP"
    assert edges[("shop/ingress-controller", "shop/frontend")] == "8443/TCP"
    assert edges[("internet", "shop/ingress-controller")] == "443/TCP"
    # ipBlock 0.0.0.0/0 matches pods under Kubernetes: pods outside shop reach the ingress controller too.
    assert edges[("monitoring/prometheus", "shop/ingress-controller")] == "443/TCP"
    # The OR mistake admits every pod of shop into the backend, but their egress is isolated: only the frontend.
    assert [k for k in edges if k[1] == "shop/backend"] == [("shop/frontend", "shop/backend")]
    # No DNS for shop: the default deny blocks it.
    assert ("shop/frontend", "kube-system/kube-dns") not in edges


def test_seed_flows_under_cilium() -> None:
    if "cilium" not in all_backends():
        pytest.skip("the cilium engine is not in this build")
    edges = _edges(_run_graph("-o", "dot", "--engine", "cilium"))
    assert edges[("internet", "shop/ingress-controller")] == "443/TCP"
    assert ("monitoring/prometheus", "shop/ingress-controller") not in edges  # CIDR rules match no pod


def test_probe_option_and_mermaid_output() -> None:
    out = _run_graph("-o", "mermaid", "--probe", "9090/TCP")
    assert "9090/TCP" in out and out.startswith("flowchart LR")


def test_no_probes_is_bad_input(tmp_path: Path) -> None:
    pytest.importorskip("translator.evaluator")
    cluster = tmp_path / "c.yaml"
    cluster.write_text("namespaces: [{name: shop}]\npods:\n  - {namespace: shop, name: a, labels: {app: a}}\n")
    result = run_cli("graph", "-f", SEED, "--cluster", str(cluster), "-o", "dot")
    assert result.code == 2 and "NPX640" in result.stderr and result.stdout == ""
    result = run_cli("graph", "-f", SEED, "--cluster", str(cluster), "--probe", "80/XTP")
    assert result.code == 2 and result.stdout == ""


def test_output_file_is_written(tmp_path: Path) -> None:
    out = tmp_path / "flows.html"
    assert _run_graph("-o", "html", "--output-file", str(out)) == ""
    assert out.read_text().startswith("<!DOCTYPE html>")


# -- headless Chromium -----------------------------------------------------------------------------------------

def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def decode_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGB(A) bytes) of an 8-bit RGB or RGBA PNG, with the stdlib's zlib."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert header is not None
    width, height, depth, color, _, _, interlace = header
    assert depth == 8 and color in (2, 6) and interlace == 0, header
    bpp = 3 if color == 2 else 4
    raw, stride, rows = zlib.decompress(idat), width * bpp, []
    prev = bytearray(stride)
    for y in range(height):
        filt, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up, corner = prev[i], (prev[i - bpp] if i >= bpp else 0)
            line[i] = (line[i] + (0, left, up, (left + up) // 2, _paeth(left, up, corner))[filt]) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, rows


def _screenshot(page: Path, png: Path, tmp: Path, size: str = "1500,900") -> tuple[int, int, list[bytes]]:
    cmd = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
           f"--user-data-dir={tmp / 'profile'}", f"--window-size={size}", f"--screenshot={png}", page.as_uri()]
    subprocess.run(cmd, check=True, capture_output=True, timeout=180, cwd=tmp)
    return decode_png(png.read_bytes())


def _colors(rows: list[bytes], bpp: int) -> dict[bytes, int]:
    counts: dict[bytes, int] = {}
    for row in rows:
        for i in range(0, len(row), bpp):
            px = row[i:i + 3]
            counts[px] = counts.get(px, 0) + 1
    return counts


@pytest.mark.browser
def test_html_renders_in_headless_chromium(tmp_path: Path) -> None:
    if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
        skip_without_browser("headless chromium is not installed (Debian package `chromium`)")
    page = tmp_path / "flows.html"
    _run_graph("-o", "html", "--output-file", str(page))
    width, height, rows = _screenshot(page, tmp_path / "shot.png", tmp_path)
    assert (width, height) == (1500, 900)
    bpp = len(rows[0]) // width
    colors = _colors(rows, bpp)
    # Not blank: many colours, and the page's own drawing colours present (default-deny red border, flow green,
    # open-workload blue) in the area where the SVG is drawn.
    assert len(colors) > 50, f"only {len(colors)} colours: the page looks blank"
    for hex_color in ("c0392b", "117a65", "1f618d"):
        assert colors.get(bytes.fromhex(hex_color), 0) > 20, f"#{hex_color} is missing from the screenshot"
    background = max(colors, key=lambda c: colors[c])
    assert background == b"\xff\xff\xff" and colors[background] < width * height * 0.95
    # A blank page, screenshotted the same way, really is one colour: the check above can fail.
    blank = tmp_path / "blank.html"
    blank.write_text("<!DOCTYPE html><html><body></body></html>")
    _, _, blank_rows = _screenshot(blank, tmp_path / "blank.png", tmp_path)
    assert len(_colors(blank_rows, bpp)) == 1
