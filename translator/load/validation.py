"""Turning pydantic validation errors into diagnostics with file, line and field path."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from translator import codes
from translator.diagnostics import Diagnostics
from translator.load.source import Document

_TYPE_WORDS = {
    "dict_type": "an object", "model_type": "an object", "list_type": "a list", "tuple_type": "a list",
    "string_type": "a string", "int_type": "an integer", "int_parsing": "an integer", "bool_type": "true or false",
    "float_type": "a number", "float_parsing": "a number",
}


_UNION_MEMBERS = frozenset({"int", "str", "float", "bool", "none"})


def error_path(error: Any) -> tuple[str | int, ...]:
    """The field path of one pydantic error, without pydantic's internal union/validator markers (a type error in
    an `int | str` field is located at `port.int` and `port.str`: both become `port`)."""
    path = tuple(p for p in error["loc"]
                 if not (isinstance(p, str) and (p.startswith(("function-", "tagged-")) or "[" in p)))
    if error["type"] in _TYPE_WORDS and len(path) > 1 and path[-1] in _UNION_MEMBERS:
        path = path[:-1]
    return path


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
    errors = exc.errors()
    # The members of a union (`int | str`) each report the same value: one diagnostic naming every accepted type.
    expected: dict[tuple[str | int, ...], list[str]] = {}
    for e in errors:
        if e["type"] in _TYPE_WORDS:
            words = expected.setdefault(error_path(e), [])
            if _TYPE_WORDS[e["type"]] not in words:
                words.append(_TYPE_WORDS[e["type"]])
    for e in errors:
        path = error_path(e)
        message = error_message(e)
        if e["type"] in _TYPE_WORDS:
            if path not in expected:
                continue
            words = expected.pop(path)
            got = type(e.get("input")).__name__ if e.get("input") is not None else "null"
            field = str(path[-1]) if path else "document"
            message = f"{field} must be {' or '.join(words)}, got {got}"
        code = codes.INVALID_FIELD if e["type"] in ("extra_forbidden", "missing") else codes.INVALID_VALUE
        diags.error(code, f"{what}: {message}", doc.locate(*prefix, *path))
