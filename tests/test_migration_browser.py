"""The HTML migration report opens in headless Chromium: the screenshot is checked with a small PNG reader
(stdlib only) for real content, not a blank page. Skipped when Chromium is absent (Debian package `chromium`)."""

from __future__ import annotations

import os
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.shared import ROOT, skip_without_browser

CHROMIUM = os.environ.get("NETPOLX_CHROMIUM", "/usr/bin/chromium")
WIDTH, HEIGHT = 1280, 1600
NPM = ["--from", "azure-npm", "--to", "cilium", "--platform", "aks",
       "-f", "samples/migration/npm-cluster/policies.yaml", "--services", "samples/migration/npm-cluster/services.yaml",
       "--cluster", "samples/migration/npm-cluster/cluster.yaml"]


def read_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGB(A) bytes) of an 8-bit truecolour PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = chunk
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6), f"unsupported PNG (depth {depth}, colour type {colour})"
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - bpp] if x >= bpp else 0
            up, corner = prev[x], prev[x - bpp] if x >= bpp else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[x] = (line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, rows


def distinct_colours(rows: list[bytes], bpp: int) -> set[tuple[int, int, int]]:
    """Every RGB colour that occurs."""
    return {tuple(row[x:x + 3]) for row in rows for x in range(0, len(row), bpp)}  # type: ignore[misc]


@pytest.mark.browser
def test_html_report_renders_in_headless_chromium(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not Path(CHROMIUM).exists():
        skip_without_browser(f"{CHROMIUM} not installed (Debian package: chromium)")
    monkeypatch.chdir(ROOT)
    out = tmp_path / "bundle"
    assert run_cli("migrate", *NPM, "--output-dir", str(out)).code == 0  # equivalent: exit 0
    shot = tmp_path / "shot.png"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--user-data-dir={tmp_path / 'profile'}", f"--window-size={WIDTH},{HEIGHT}",
                    f"--screenshot={shot}", (out / "report.html").as_uri()],
                   check=True, capture_output=True, timeout=120)
    width, height, rows = read_png(shot.read_bytes())
    assert (width, height) == (WIDTH, HEIGHT)
    bpp = len(rows[0]) // width
    colours = distinct_colours(rows, bpp)
    assert len(colours) > 50, "the page rendered (almost) blank"
    assert (0x1F, 0x3A, 0x5F) in colours, "the header colour of the inline stylesheet is on screen"
    dom = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                          f"--user-data-dir={tmp_path / 'profile2'}", "--dump-dom", (out / "report.html").as_uri()],
                         check=True, capture_output=True, text=True, timeout=120).stdout
    assert "Microsoft's five checks" in dom and "MS5" in dom
