"""Rendering diagnostics: text (`FILE:LINE: SEVERITY CODE: message`), JSON, SARIF 2.1.0 and GitHub workflow
annotations."""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import quote

from translator import __version__
from translator.diagnostics import Diagnostic, Severity
from translator.github import annotations
from translator.rulehelp import sarif_rule

FORMATS = ("text", "json", "sarif", "github")
SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render(diagnostics: Iterable[Diagnostic], fmt: str) -> str:
    """All diagnostics in one format ("" when there are none and the format is text)."""
    items = list(diagnostics)
    if fmt == "json":
        return json.dumps([d.as_dict() for d in items], indent=2) + "\n"
    if fmt == "sarif":
        return json.dumps(sarif(items), indent=2) + "\n"
    if fmt == "github":
        return annotations(items)
    return "".join(d.format() + "\n" for d in items)


def sarif(items: list[Diagnostic]) -> dict:
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
