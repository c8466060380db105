"""GitHub Actions workflow commands: one `::error file=F,line=L,col=C,title=T::message` annotation per diagnostic
(`--diagnostics-format github`); GitHub shows them on the pull request's changed lines."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import unquote

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


def annotations(items: Iterable[Diagnostic]) -> str:
    """Every diagnostic as an annotation line."""
    return "".join(annotation(d) + "\n" for d in items)


def from_sarif(log: dict) -> str:
    """The annotations of a SARIF log that netpolx wrote (the GitHub Action prints them after writing the SARIF)."""
    from translator.diagnostics import SourceLocation

    level = {"error": Severity.ERROR, "warning": Severity.WARNING, "note": Severity.INFO}
    out: list[Diagnostic] = []
    for run in log.get("runs", []):
        for res in run.get("results", []):
            loc = SourceLocation()
            for where in res.get("locations", [])[:1]:
                phys = where.get("physicalLocation", {})
                region = phys.get("region", {})
                loc = SourceLocation(unquote(phys.get("artifactLocation", {}).get("uri", "")), region.get("startLine"),
                                     region.get("startColumn"))
            path = res.get("properties", {}).get("path")
            message = res["message"]["text"] + (f" (at {path})" if path else "")
            severity = level.get(res.get("level", "warning"), Severity.WARNING)
            out.append(Diagnostic(res["ruleId"], severity, message, loc))
    return annotations(out)


def main(argv: list[str] | None = None) -> int:
    """`python -m translator.github LOG.sarif`: print the log's annotations."""
    import json
    import sys

    args = sys.argv[1:] if argv is None else argv
    with open(args[0], encoding="utf-8") as fh:
        sys.stdout.write(from_sarif(json.load(fh)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
