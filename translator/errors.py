"""One error vocabulary for everything netpolx raises on purpose.

    NetpolxError                     the root: a message, or the diagnostics that explain it
    ├── InvalidInput (exit 2)        the input is bad: syntax, unknown kind, engine, setting or field, bad value
    │   └── InvalidField             ... at one field of one document (raised while reading it)
    ├── TranslationRefused (exit 1)  the engine cannot express something without changing what traffic is allowed
    │   └── UnsupportedField         ... at one field: valid native input with no intent equivalent
    └── FieldError                   the base of the two field errors: `path` (and `field`) inside a document

A field error carries the path of the field inside its document; whoever holds the document turns it into a
diagnostic with the file and line (Document.locate(*path)), so every error names file, line and field.
netpolx/errors.py (the public API) re-exports the root and the two outcomes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from translator.diagnostics import Diagnostic, Severity, concat_messages

Path = tuple[str | int, ...]


class NetpolxError(Exception):
    """Something netpolx refused; `diagnostics` (when given) say what, where (file, line, field) and why."""

    exit_code: ClassVar[int] = 1
    """The exit code the CLI gives for this outcome."""

    def __init__(self, detail: str | Sequence[Diagnostic] = "") -> None:
        self.diagnostics: list[Diagnostic] = [] if isinstance(detail, str) else list(detail)
        if isinstance(detail, str):
            super().__init__(detail)
        else:
            errors = [d for d in self.diagnostics if d.severity is Severity.ERROR]
            super().__init__(concat_messages(errors or self.diagnostics))


class InvalidInput(NetpolxError):
    """The input itself is bad: YAML syntax, an unknown kind or field, a malformed value, an unknown engine."""

    exit_code = 2


class TranslationRefused(NetpolxError):
    """The engine cannot express something without changing what traffic is allowed; nothing was produced."""

    exit_code = 1


class FieldError(NetpolxError, ValueError):
    """Something wrong at one field of a document: `path` inside the document, `field` the feature or field
    name a diagnostic reports (optional)."""

    def __init__(self, path: Path, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.field = field


class InvalidField(FieldError, InvalidInput):
    """A malformed value at a field (an input error)."""


class UnsupportedField(FieldError, TranslationRefused):
    """A valid native field the intent model cannot hold (refused, never dropped)."""
