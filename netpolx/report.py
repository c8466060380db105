"""Diagnostics as objects: `Report` is an immutable, ordered sequence of `Diagnostic`s with the questions callers
ask of it (any errors? the CLI's exit code? rendered as text, JSON or SARIF?)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import overload

from translator import codes
from translator.diagnostics import Diagnostic, Diagnostics, Severity
from translator.output.reporters import render

INPUT_CODES = frozenset({codes.YAML_SYNTAX, codes.INVALID_FIELD, codes.UNKNOWN_KIND, codes.INVALID_VALUE,
                         codes.UNREADABLE, codes.UNKNOWN_ENGINE, codes.DUPLICATE_OBJECT})
"""Codes that mean the input itself is bad (the CLI exits 2)."""


class Report(Sequence[Diagnostic]):
    """The diagnostics of one API call, sorted by file, line and code."""

    def __init__(self, diagnostics: Iterable[Diagnostic] = ()) -> None:
        self._items: tuple[Diagnostic, ...] = tuple(sorted(diagnostics, key=Diagnostic.sort_key))

    @classmethod
    def of(cls, diags: Diagnostics) -> Report:
        """A report of everything a collector holds."""
        return cls(diags)

    @overload
    def __getitem__(self, index: int) -> Diagnostic: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Diagnostic]: ...
    def __getitem__(self, index: int | slice) -> Diagnostic | Sequence[Diagnostic]:
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self._items)

    def __repr__(self) -> str:
        return f"Report({len(self.errors)} errors, {len(self.warnings)} warnings, {len(self.infos)} infos)"

    def __str__(self) -> str:
        return self.render("text")

    def _of(self, severity: Severity) -> list[Diagnostic]:
        return [d for d in self._items if d.severity is severity]

    @property
    def errors(self) -> list[Diagnostic]:
        """The errors."""
        return self._of(Severity.ERROR)

    @property
    def warnings(self) -> list[Diagnostic]:
        """The warnings."""
        return self._of(Severity.WARNING)

    @property
    def infos(self) -> list[Diagnostic]:
        """The informational notes."""
        return self._of(Severity.INFO)

    @property
    def ok(self) -> bool:
        """No errors."""
        return not self.errors

    @property
    def input_errors(self) -> list[Diagnostic]:
        """Errors that mean the input itself is bad."""
        return [d for d in self.errors if d.code in INPUT_CODES]

    def codes(self) -> set[str]:
        """The distinct codes."""
        return {d.code for d in self._items}

    def by_code(self, code: str) -> list[Diagnostic]:
        """The diagnostics with one code."""
        return [d for d in self._items if d.code == code]

    def exit_code(self, fail_on: str | Severity = Severity.ERROR) -> int:
        """The CLI's exit code: 2 bad input, 1 anything at or above `fail_on`, else 0."""
        if self.input_errors:
            return 2
        threshold = Severity(fail_on).rank
        return 1 if any(d.severity.rank >= threshold for d in self._items) else 0

    def render(self, fmt: str = "text") -> str:
        """The diagnostics as the CLI prints them: `text`, `json` or `sarif` (and any format the CLI knows)."""
        return render(self._items, fmt)
