"""Rendering diagnostics: text (`FILE:LINE: SEVERITY CODE: message`), JSON, SARIF 2.1.0 and GitHub workflow
annotations; for people, repeated findings grouped into one line and a closing count by severity."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from translator import __version__, codes
from translator.diagnostics import Diagnostic, Severity
from translator.output.github import annotation_lines
from translator.output.rulehelp import sarif_rule

FORMATS = ("text", "json", "sarif", "github")
GROUP_AT = 4
"""A finding repeated for this many policies is printed as one grouped line."""
REF = re.compile(r"\b([a-z][-a-z0-9.]*/[a-z][-a-z0-9.]*)\b")
"""The first `namespace/name` in a message: the policy a grouped diagnostic is about."""
UNGROUPED = frozenset({codes.VERIFY_MISMATCH})
"""Codes whose diagnostics each say something different (one differing flow each): never grouped."""
SUFFIX_FORMATS = {".sarif": "sarif", ".json": "json"}
SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render(diagnostics: Iterable[Diagnostic], fmt: str) -> str:
    """All diagnostics in one format ("" when there are none and the format is text)."""
    items = list(diagnostics)
    if fmt == "json":
        return json.dumps([d.as_dict() for d in items], indent=2) + "\n"
    if fmt == "sarif":
        return json.dumps(sarif(items), indent=2) + "\n"
    if fmt == "github":
        return annotation_lines(items)
    return "".join(d.format() + "\n" for d in items)


def sarif(items: list[Diagnostic]) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one run."""
    used = sorted({d.code for d in items})
    rules = [sarif_rule(c) for c in used]
    index = {c: i for i, c in enumerate(used)}
    results = []
    for d in items:
        region = {"startLine": d.location.line} if d.location.line else {}
        if d.location.line and d.location.column:
            region["startColumn"] = d.location.column
        physical: dict[str, object] = {"artifactLocation": {"uri": quote(d.location.file)}}
        if region:
            physical["region"] = region
        result: dict[str, object] = {
            "ruleId": d.code,
            "ruleIndex": index[d.code],
            "level": SARIF_LEVEL[d.severity],
            "message": {"text": d.message},
            "locations": [{"physicalLocation": physical}] if d.location.file else [],
            "properties": {k: v for k, v in {"engine": d.engine, "feature": d.feature,
                                             "path": d.location.field_path or None}.items() if v},
        }
        results.append(result)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "netpolx", "version": __version__,
                                      "informationUri": "https://github.com/netpolx/netpolx", "rules": rules}},
                  "results": results}],
    }


def format_for(path: str, given: str | None = None) -> str:
    """The format of a diagnostics file: `given`, else by suffix (.sarif, .json), else text."""
    if given:
        return given
    for suffix, fmt in SUFFIX_FORMATS.items():
        if path.endswith(suffix):
            return fmt
    return "text"


def _where(items: list[Diagnostic]) -> str:
    """`a.yaml:6, :12, b.yaml:3` (file named once per run of the same file)."""
    out, last = [], None
    for d in items:
        if not d.location.file:
            continue
        line = f":{d.location.line}" if d.location.line is not None else ""
        out.append(line if d.location.file == last and line else f"{d.location.file}{line}")
        last = d.location.file
    return ", ".join(out)


def grouped_lines(items: list[Diagnostic], at: int = GROUP_AT) -> list[str]:
    """Text lines in which one finding repeated for `at` or more policies (same code, severity and message but for
    the policy's name) is one line, in the place of its first occurrence:
    `FILE:LINE: SEVERITY CODE: N policies (a/x, b/y, ...): message with * for the policy. At: where`."""
    groups: dict[tuple[str, Severity, str], list[Diagnostic]] = {}
    keys = [_group_key(d) for d in items]
    for d, key in zip(items, keys, strict=True):
        groups.setdefault(key, []).append(d)
    names_of: dict[tuple[str, Severity, str], list[str]] = {}  # once per group: linear in the diagnostics
    lines, done = [], set()
    for d, key in zip(items, keys, strict=True):
        members = groups[key]
        names = names_of.get(key)
        if names is None:
            names = names_of[key] = list(dict.fromkeys(m.group(1) for m in (REF.search(x.message) for x in members)
                                                       if m))
        if len(members) < at or d.code in UNGROUPED or len(names) < len(members):
            lines.append(d.format())
        elif key not in done:
            done.add(key)
            lines.append(f"{members[0].location}: {d.severity.value} {d.code}: {len(names)} policies "
                         f"({', '.join(names)}): {key[2]}. At: {_where(members)}")
    return lines


def _group_key(d: Diagnostic) -> tuple[str, Severity, str]:
    return d.code, d.severity, REF.sub("*", d.message, count=1)


def counts(items: Iterable[Diagnostic]) -> dict[str, int]:
    """How many diagnostics of each severity."""
    out = {s.value: 0 for s in Severity}
    for d in items:
        out[d.severity.value] += 1
    return out


def summary_line(items: Iterable[Diagnostic], where: str = "") -> str:
    """`netpolx: info NPX030: 2 errors, 5 warnings, 1 info` (with `where`: `... (all in FILE)`): in the diagnostic
    line format, so tools that parse every stderr line as a diagnostic keep working."""
    n = counts(items)
    parts = [f"{n['error']} error{'s' if n['error'] != 1 else ''}",
             f"{n['warning']} warning{'s' if n['warning'] != 1 else ''}", f"{n['info']} info"]
    return f"netpolx: info {codes.SUMMARY}: {', '.join(parts)}{f' (all in {where})' if where else ''}"
