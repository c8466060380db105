"""Rendering explanations as text, markdown or JSON (deterministic)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from translator.explain.model import DirectionExplanation, PolicyExplanation

FORMATS = ("text", "markdown", "json")


def render(policies: Sequence[PolicyExplanation], fmt: str) -> str:
    """All explanations in one format."""
    if fmt == "json":
        return json.dumps([p.as_dict() for p in policies], indent=2) + "\n"
    if fmt == "markdown":
        return "\n".join(_markdown(p) for p in policies)
    return "\n".join(_text(p) for p in policies)


def _text(p: PolicyExplanation) -> str:
    lines = [f"{p.ref} ({p.kind} at {p.location}; semantics: {p.engine})", f"  Selects {p.selects}."]
    if p.order:
        lines.append(f"  Order: {p.order}.")
    for d in p.directions:
        lines.extend(_text_direction(d))
    if p.notes:
        lines.append("  Notes:")
        lines.extend(f"    - {n}" for n in p.notes)
    return "\n".join(lines) + "\n"


def _text_direction(d: DirectionExplanation) -> list[str]:
    lines = [f"  {d.direction.capitalize()}: {d.summary}."]
    for r in d.rules:
        lines.append(f"    {r.index + 1}. {r.text}  [{r.location}]")
        lines.extend(f"       note: {n}" for n in r.notes)
    return lines


def _markdown(p: PolicyExplanation) -> str:
    lines = [f"## {p.ref}", "", f"*{p.kind}* at `{p.location}`, semantics: **{p.engine}**", "",
             f"- **Selects** {p.selects}."]
    if p.order:
        lines.append(f"- **Order:** {p.order}.")
    for d in p.directions:
        lines.append(f"- **{d.direction.capitalize()}:** {d.summary}.")
        for r in d.rules:
            lines.append(f"  {r.index + 1}. {r.text} `{r.location}`")
            lines.extend(f"     - *Note:* {n}" for n in r.notes)
    if p.notes:
        lines.append("- **Notes:**")
        lines.extend(f"  - {n}" for n in p.notes)
    return "\n".join(lines) + "\n"
