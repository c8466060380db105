"""A lint finding: which rule, what is wrong, where, how to fix it, and (when unambiguous) the fix as text edits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from translator.diagnostics import Diagnostic, SourceLocation
from translator.lint.rules import LintRule, resolve

IGNORE_ANNOTATION = "netpolx.io/lint-ignore"
"""Object annotation listing codes or rule names (comma separated, or `all`) that lint skips for that object."""


@dataclass(frozen=True)
class Edit:
    """Replace the characters `start:end` of one file's text with `text`."""

    file: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Fix:
    """The edits that fix one finding. `note` says what --fix could not keep (e.g. comments)."""

    edits: tuple[Edit, ...]
    note: str = ""


@dataclass(frozen=True)
class Finding:
    """One lint finding."""

    rule: LintRule
    message: str
    location: SourceLocation
    hint: str
    """The concrete fix for this finding, in words."""
    fix: Fix | None = None
    ignored: frozenset[str] = field(default_factory=frozenset)
    """Codes the object's lint-ignore annotation lists."""

    @property
    def suppressed(self) -> bool:
        """Whether the object asked lint to skip this rule."""
        return self.rule.code in self.ignored

    def diagnostic(self) -> Diagnostic:
        """The finding as a diagnostic (one line: what is wrong; fix: ...)."""
        auto = ""
        if self.fix is not None:
            changes = self.rule.fix_changes
            auto = " (netpolx lint --fix applies this)" if not changes else \
                f" (netpolx lint --fix-unsafe applies this; it changes what traffic is allowed: {changes})"
        text = f"{self.message}; fix: {self.hint}{auto}"
        return Diagnostic(self.rule.code, self.rule.severity, text, self.location, feature=self.rule.name)


def ignored_codes(annotations: Mapping[str, str] | None) -> frozenset[str]:
    """The codes an object's `netpolx.io/lint-ignore` annotation names."""
    if not annotations or IGNORE_ANNOTATION not in annotations:
        return frozenset()
    return frozenset(resolve(str(annotations[IGNORE_ANNOTATION])))
