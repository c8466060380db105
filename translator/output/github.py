"""GitHub Actions workflow commands: one `::error file=F,line=L,col=C,title=T::message` annotation per diagnostic
(`--diagnostics-format github`); GitHub shows them on the pull request's changed lines."""

from __future__ import annotations

from collections.abc import Iterable

from translator.diagnostics import Diagnostic, Severity

COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(d: Diagnostic) -> str:
    """One workflow command line."""
    props = []
    if d.location.file and not d.location.file.startswith("<"):
        props.append(f"file={_property(d.location.file)}")
        if d.location.line:
            props.append(f"line={d.location.line}")
            if d.location.column:
                props.append(f"col={d.location.column}")
    props.append(f"title={_property(f'netpolx {d.code}')}")
    where = f" (at {d.location.field_path})" if d.location.path else ""
    return f"::{COMMAND[d.severity]} {','.join(props)}::{_data(d.message + where)}"


def annotation_lines(items: Iterable[Diagnostic]) -> str:
    """Every diagnostic as an annotation line."""
    return "".join(annotation(d) + "\n" for d in items)

