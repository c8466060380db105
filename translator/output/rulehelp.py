"""Help for every diagnostic code: the text and the documentation link that SARIF rules carry (`help`, `helpUri`),
and docs/codes.md, the page those links point into (generated from translator/codes.py and the lint rules)."""

from __future__ import annotations

from dataclasses import dataclass

from translator import codes

DOCS_URL = "https://github.com/netpolx/netpolx/blob/main/docs/codes.md"
GROUPS: tuple[tuple[int, int, str, str], ...] = (
    (0, 99, "Input", "The input cannot be read as written (exit 2)."),
    (100, 199, "Translation", "What a target engine can and cannot express (errors exit 1, nothing written)."),
    (200, 299, "Engine caveats", "Known engine and platform behaviour that can surprise."),
    (300, 399, "Cilium", "Pitfalls when compiling for Cilium."),
    (400, 499, "Calico and ordered policy", "Tiers, order, deny and pass rules, and Calico specifics."),
    (500, 599, "Migration", "Risks of moving policies between engines (`check --from/--to`, `migrate`)."),
    (600, 699, "Lint, explain, graph", "Authoring mistakes (`lint`) and the commands that describe policies."),
    (700, 999, "Other", "Everything else."),
)


@dataclass(frozen=True)
class RuleHelp:
    """What a code means and how to fix it."""

    code: str
    name: str
    summary: str
    fix: str | None
    group: str

    @property
    def uri(self) -> str:
        """The code's section in docs/codes.md."""
        return f"{DOCS_URL}#{self.code.lower()}"

    @property
    def text(self) -> str:
        """Plain help text."""
        return self.summary + (f" Fix: {self.fix}" if self.fix else "") + f" See {self.uri}"

    @property
    def markdown(self) -> str:
        """Help as Markdown."""
        fix = f"\n\n**Fix:** {self.fix}" if self.fix else ""
        return f"**{self.code}** ({self.name}): {self.summary}{fix}\n\n[Documentation]({self.uri})"


def _group(code: str) -> str:
    number = int(code[3:]) if code[3:].isdigit() else 999
    return next(title for lo, hi, title, _ in GROUPS if lo <= number <= hi)


def _names() -> dict[str, str]:
    """Constant names of translator/codes.py by code (e.g. NPX100 -> not-expressible)."""
    out: dict[str, str] = {}
    for attr, value in vars(codes).items():
        if attr.isupper() and isinstance(value, str) and value.startswith("NPX"):
            out.setdefault(value, attr.lower().replace("_", "-"))
    return out


def help_for(code: str) -> RuleHelp:
    """The help of one code (lint rules add their name and fix)."""
    from translator.lint.rules import BY_CODE

    rule = BY_CODE.get(code)
    if rule is not None:
        return RuleHelp(code, rule.name, rule.summary, rule.fix, _group(code))
    return RuleHelp(code, _names().get(code, code.lower()), codes.CODES.get(code, "No description."), None,
                    _group(code))


def all_codes() -> list[str]:
    """Every documented code, in order."""
    return sorted(codes.CODES)


def sarif_rule(code: str) -> dict[str, object]:
    """A SARIF reportingDescriptor for the code."""
    h = help_for(code)
    return {"id": code, "name": h.name, "shortDescription": {"text": h.summary},
            "fullDescription": {"text": h.summary + (f" Fix: {h.fix}" if h.fix else "")},
            "help": {"text": h.text, "markdown": h.markdown}, "helpUri": h.uri,
            "properties": {"tags": ["netpolx", h.group.lower()]}}


def codes_markdown() -> str:
    """docs/codes.md."""
    lines = ["# Diagnostic codes", "",
             "Every diagnostic netpolx prints has a stable code (`FILE:LINE: SEVERITY CODE: message`). Codes are never "
             "renumbered; CI can filter on them, and SARIF output links each rule here. Generated from "
             "`translator/codes.py` and the lint rules (`make readme` refreshes it; a test keeps it current).", ""]
    by_group: dict[str, list[str]] = {}
    for code in all_codes():
        by_group.setdefault(_group(code), []).append(code)
    for _lo, _hi, title, about in GROUPS:
        if title not in by_group:
            continue
        lines += [f"## {title}", "", about, ""]
        for code in by_group[title]:
            h = help_for(code)
            lines += [f"### {code}", "", f"`{h.name}`: {h.summary}"]
            if h.fix:
                lines += ["", f"Fix: {h.fix}"]
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
