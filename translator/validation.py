"""Turning pydantic validation errors into diagnostics with file, line and field path."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from translator import codes
from translator.diagnostics import Diagnostics
from translator.source import Document

_TYPE_WORDS = {
    "dict_type": "an object", "model_type": "an object", "list_type": "a list", "tuple_type": "a list",
    "string_type": "a string", "int_type": "an integer", "int_parsing": "an integer", "bool_type": "true or false",
    "float_type": "a number", "float_parsing": "a number",
}


def error_path(error: Any) -> tuple[str | int, ...]:
    """The field path of one pydantic error, without pydantic's internal union/validator markers."""
    return tuple(p for p in error["loc"]
                 if not (isinstance(p, str) and (p.startswith(("function-", "tagged-")) or "[" in p)))


def error_message(error: Any) -> str:
    """A user-facing message for one pydantic error."""
    kind = error["type"]
    path = error_path(error)
    field = str(path[-1]) if path else "document"
    if kind == "extra_forbidden":
        return f"unknown field {field!r}"
    if kind == "missing":
        return f"missing required field {field!r}"
    if kind in _TYPE_WORDS:
        got = type(error.get("input")).__name__ if error.get("input") is not None else "null"
        return f"{field} must be {_TYPE_WORDS[kind]}, got {got}"
    if kind in ("enum", "literal_error"):
        expected = error.get("ctx", {}).get("expected", "")
        return f"{field} must be one of {expected}, got {error.get('input')!r}"
    return str(error["msg"]).removeprefix("Value error, ")


def report_validation_error(exc: ValidationError, doc: Document, what: str, diags: Diagnostics,
                            prefix: tuple[str | int, ...] = ()) -> None:
    """One diagnostic per pydantic error, located at the field in the YAML."""
    for e in exc.errors():
        code = codes.INVALID_FIELD if e["type"] in ("extra_forbidden", "missing") else codes.INVALID_VALUE
        diags.error(code, f"{what}: {error_message(e)}", doc.locate(*prefix, *error_path(e)))
