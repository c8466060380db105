"""One collector for every problem netpolx reports, with stable codes and source locations.

Levels follow sqlglot's ErrorLevel: IGNORE drops errors, WARN reports them as warnings, RAISE (the default)
collects everything and fails once at the end, IMMEDIATE fails at the first error.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Protocol

from translator import codes, escape


class Severity(str, Enum):
    """How bad a diagnostic is."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is worse."""
        return {"info": 0, "warning": 1, "error": 2}[self.value]


class ErrorLevel(str, Enum):
    """What to do with errors (sqlglot's ErrorLevel)."""

    IGNORE = "ignore"
    """Drop errors; emit whatever can be emitted. Never the default: it can widen access."""
    WARN = "warn"
    """Report errors as warnings and carry on."""
    RAISE = "raise"
    """Collect every error, then fail once (the default)."""
    IMMEDIATE = "immediate"
    """Fail at the first error."""


@dataclass(frozen=True)
class SourceLocation:
    """Where something came from: file, 1-based line and column, and the field path inside the document."""

    file: str = ""
    """Empty for diagnostics about no file in particular (engine caveats, command-line options)."""
    line: int | None = None
    column: int | None = None
    path: tuple[str | int, ...] = ()

    @property
    def field_path(self) -> str:
        """The path as `spec.ingress[0].ports[1].port`."""
        out = ""
        for part in self.path:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
        return out

    def __str__(self) -> str:
        if not self.file:
            return "netpolx"
        return f"{self.file}:{self.line}" if self.line is not None else self.file


class Locator(Protocol):
    """Something that knows where the fields of one object are in the input: a SourceRef (paths of the object as
    written) or a LoadedIntent (paths of the intent; for imported intents, the native fields they came from)."""

    def locate(self, path: Sequence[str | int] = ()) -> SourceLocation:
        """The location of a field path."""
        ...


@dataclass(frozen=True)
class Diagnostic:
    """One finding."""

    code: str
    severity: Severity
    message: str
    location: SourceLocation = field(default_factory=SourceLocation)
    engine: str | None = None
    feature: str | None = None

    def format(self) -> str:
        """`FILE:LINE: SEVERITY CODE: message (at field.path)`."""
        where = f" (at {self.location.field_path})" if self.location.path else ""
        # One line whatever the input holds: a newline in a name or file name cannot forge another diagnostic.
        return escape.text(f"{self.location}: {self.severity.value} {self.code}: {self.message}{where}")

    def as_dict(self) -> dict[str, object]:
        """The contract's JSON form."""
        return {
            "file": self.location.file or None,
            "line": self.location.line,
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "engine": self.engine,
            "feature": self.feature,
            "path": self.location.field_path or None,
        }

    def sort_key(self) -> tuple[str, int, str, str]:
        """Deterministic order: file, line, code, message."""
        return (self.location.file, self.location.line or 0, self.code, self.message)


class DiagnosticsError(Exception):
    """Raised when the collector's level says to stop (RAISE at the end, IMMEDIATE at once)."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        super().__init__(concat_messages(diagnostics))


def concat_messages(diagnostics: list[Diagnostic], limit: int = 5) -> str:
    """The first `limit` messages, then "... and K more"."""
    lines = [d.format() for d in diagnostics[:limit]]
    if len(diagnostics) > limit:
        lines.append(f"... and {len(diagnostics) - limit} more")
    return "\n".join(lines)


class Diagnostics:
    """Collects diagnostics; applies the error level."""

    def __init__(self, level: ErrorLevel = ErrorLevel.RAISE, engine: str | None = None,
                 accepted: frozenset[str] = frozenset()) -> None:
        self.level = level
        self.engine = engine
        self.accepted = accepted
        """Codes whose errors the user explicitly accepted (e.g. --allow-widening): reported as warnings."""
        self._items: list[Diagnostic] = []
        self._seen: set[Diagnostic] = set()
        self.error_count = 0
        self.downgraded = 0
        """Errors recorded as warnings under ErrorLevel.WARN (what the default level would have refused)."""
        """How many errors were recorded (cheap; `errors` sorts them)."""

    def add(self, diag: Diagnostic) -> None:
        """Record `diag`, applying the accepted codes and the level to errors."""
        if diag.severity is Severity.ERROR and diag.code in self.accepted:
            diag = replace(diag, severity=Severity.WARNING, message=f"{diag.message} [accepted]")
        if diag.severity is Severity.ERROR:
            if self.level is ErrorLevel.IGNORE:
                return
            if self.level is ErrorLevel.WARN and diag.code not in codes.INPUT:  # bad input stays an error
                diag = replace(diag, severity=Severity.WARNING)
                self.downgraded += 1
        if diag.engine is None and self.engine is not None:
            diag = replace(diag, engine=self.engine)
        if diag in self._seen:
            return
        self._seen.add(diag)
        self._items.append(diag)
        if diag.severity is Severity.ERROR:
            self.error_count += 1
        if diag.severity is Severity.ERROR and self.level is ErrorLevel.IMMEDIATE:
            raise DiagnosticsError([diag])

    def report(
        self,
        severity: Severity,
        code: str,
        message: str,
        location: SourceLocation | None = None,
        *,
        feature: str | None = None,
        engine: str | None = None,
    ) -> None:
        """Record a new diagnostic."""
        self.add(Diagnostic(code, severity, message, location or SourceLocation(), engine, feature))

    def error(self, code: str, message: str, location: SourceLocation | None = None, **kw: str | None) -> None:
        """Record an error."""
        self.report(Severity.ERROR, code, message, location, **kw)

    def warning(self, code: str, message: str, location: SourceLocation | None = None, **kw: str | None) -> None:
        """Record a warning."""
        self.report(Severity.WARNING, code, message, location, **kw)

    def info(self, code: str, message: str, location: SourceLocation | None = None, **kw: str | None) -> None:
        """Record an informational note."""
        self.report(Severity.INFO, code, message, location, **kw)

    def extend(self, items: Iterable[Diagnostic]) -> None:
        """Record several diagnostics."""
        for d in items:
            self.add(d)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(sorted(self._items, key=Diagnostic.sort_key))

    def __len__(self) -> int:
        return len(self._items)

    @property
    def errors(self) -> list[Diagnostic]:
        """The errors, in order."""
        return [d for d in self if d.severity is Severity.ERROR]

    @property
    def has_errors(self) -> bool:
        """Whether any error was recorded."""
        return self.error_count > 0
