"""Capability tables: how each engine supports each Feature, and the matrix built from them."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

from translator import codes
from translator.diagnostics import Severity
from translator.features import Feature


class Support(str, Enum):
    """How an engine supports a feature."""

    NATIVE = "native"
    """Expressed directly."""
    LOWERED = "lowered"
    """Rewritten into an exactly equivalent form."""
    CHANGED = "changed"
    """Translated with an announced change in what is allowed (a warning says exactly what)."""
    NOT_EXPRESSIBLE = "no"
    """Cannot be expressed without changing what traffic is allowed: refused."""
    TOO_OLD = "too old"
    """Needs a newer engine version: refused for this version."""
    UNENFORCED = "unenforced"
    """Accepted by the platform but not enforced (or the whole policy is skipped): refused."""
    NEEDS_ADDON = "add-on"
    """Needs a platform add-on or option that the target does not say is on: refused."""

    @property
    def symbol(self) -> str:
        """A short mark for the matrix."""
        return {"native": "yes", "lowered": "lowered", "changed": "changed", "no": "no", "too old": "too old",
                "unenforced": "unenforced", "add-on": "add-on"}[self.value]


SEVERITY: dict[Support, Severity | None] = {
    Support.NATIVE: None,
    Support.LOWERED: Severity.INFO,
    Support.CHANGED: Severity.WARNING,
    Support.NOT_EXPRESSIBLE: Severity.ERROR,
    Support.TOO_OLD: Severity.ERROR,
    Support.UNENFORCED: Severity.ERROR,
    Support.NEEDS_ADDON: Severity.ERROR,
}

CODE: dict[Support, str] = {
    Support.NATIVE: "",
    Support.LOWERED: codes.LOWERED,
    Support.CHANGED: codes.CHANGED,
    Support.NOT_EXPRESSIBLE: codes.NOT_EXPRESSIBLE,
    Support.TOO_OLD: codes.ENGINE_TOO_OLD,
    Support.UNENFORCED: codes.UNENFORCED,
    Support.NEEDS_ADDON: codes.NEEDS_ADDON,
}


@dataclass(frozen=True)
class Capability:
    """One cell of a capability table.

    `since` gates the support on the target version: below it the feature is `before` (TOO_OLD by default).
    `note` is shown in diagnostics and in the matrix.
    """

    support: Support
    note: str = ""
    since: tuple[int, ...] | None = None
    before: Support = Support.TOO_OLD
    severity: Severity | None = None
    code_override: str | None = None
    """A more precise code than the support's (e.g. NPX106 for a refusal that --allow-widening may accept)."""

    @property
    def diagnostic_severity(self) -> Severity | None:
        """The severity a use of the feature gets (None = silent)."""
        return self.severity if self.severity is not None else SEVERITY[self.support]

    @property
    def code(self) -> str:
        """The diagnostic code a use of the feature gets."""
        return self.code_override or CODE[self.support]

    def cell(self) -> str:
        """Text for the matrix."""
        text = self.support.symbol
        if self.since is not None:
            text = f"{text} (>= {'.'.join(map(str, self.since))})"
        return text


def native(note: str = "") -> Capability:
    """A NATIVE cell."""
    return Capability(Support.NATIVE, note)


def lowered(note: str) -> Capability:
    """A LOWERED cell."""
    return Capability(Support.LOWERED, note)


def no(note: str) -> Capability:
    """A NOT_EXPRESSIBLE cell."""
    return Capability(Support.NOT_EXPRESSIBLE, note)


def check_total(name: str, table: Mapping[Feature, Capability]) -> None:
    """Raise TypeError when `table` misses a Feature (tables must be total)."""
    missing = [f.value for f in Feature if f not in table]
    if missing:
        raise TypeError(f"backend {name!r}: capability table misses {', '.join(missing)}")


def matrix_rows(backends: Sequence[tuple[str, Mapping[Feature, Capability]]]) -> list[list[str]]:
    """Rows of [feature, description, cell per backend]."""
    return [[f.value, f.description, *(table[f].cell() for _, table in backends)] for f in Feature]


def render_markdown(backends: Sequence[tuple[str, Mapping[Feature, Capability]]]) -> str:
    """The matrix as a Markdown table."""
    head = ["feature", "what", *(name for name, _ in backends)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in matrix_rows(backends)]
    return "\n".join(lines) + "\n"


def render_text(backends: Sequence[tuple[str, Mapping[Feature, Capability]]]) -> str:
    """The matrix as an aligned text table."""
    head = ["FEATURE", *(name.upper() for name, _ in backends)]
    rows = [[r[0], *r[2:]] for r in matrix_rows(backends)]
    widths = [max(len(x) for x in col) for col in zip(head, *rows)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(fmt.format(*r).rstrip() for r in [head, *rows]) + "\n"


def render_json(backends: Sequence[tuple[str, Mapping[Feature, Capability]]]) -> str:
    """The matrix as JSON: {engine: {feature: {support, since, note}}}."""
    out = {
        name: {
            f.value: {k: v for k, v in {"support": c.support.value, "since": ".".join(map(str, c.since))
                                         if c.since else None, "note": c.note or None}.items() if v is not None}
            for f, c in table.items()
        }
        for name, table in backends
    }
    return json.dumps({"features": {f.value: f.description for f in Feature}, "engines": out}, indent=2) + "\n"
