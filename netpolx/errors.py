"""Exceptions of the Python API: each carries the diagnostics that explain it."""

from __future__ import annotations

from collections.abc import Sequence

from translator.diagnostics import Diagnostic, concat_messages


class NetpolxError(Exception):
    """Something netpolx refused; `diagnostics` says what, where (file, line, field) and why."""

    exit_code = 1
    """The exit code the CLI gives for this outcome."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics: list[Diagnostic] = list(diagnostics)
        super().__init__(concat_messages([d for d in self.diagnostics if d.severity.value == "error"]
                                         or self.diagnostics))


class InvalidInput(NetpolxError):
    """The input itself is bad: YAML syntax, an unknown kind or field, a malformed value, an unknown engine."""

    exit_code = 2


class TranslationRefused(NetpolxError):
    """The engine cannot express something without changing what traffic is allowed; nothing was produced."""

    exit_code = 1
