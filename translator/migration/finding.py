"""One migration finding: what a check found, where, about which policy, and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass

from translator.diagnostics import Diagnostic, Severity, SourceLocation


@dataclass(frozen=True)
class Finding:
    """A detector's result. `subject` is the source policy (`Kind namespace/name`) or Service it is about.

    The runner fills `code`, `ids` and `title` from the check that produced it.
    """

    severity: Severity
    message: str
    location: SourceLocation
    subject: str
    fix: str | None = None
    code: str = ""
    ids: tuple[str, ...] = ()
    title: str = ""

    @property
    def label(self) -> str:
        """`MS2/P01 NetworkPolicy with CIDR`."""
        return f"{'/'.join(self.ids)} {self.title}".strip()

    def diagnostic(self, engine: str | None = None) -> Diagnostic:
        """The finding as a diagnostic (one line; the fix appended)."""
        text = f"{self.label}: {self.subject}: {self.message}"
        if self.fix:
            text += f" Fix: {self.fix}"
        return Diagnostic(self.code, self.severity, text, self.location, engine, None)

    def as_dict(self) -> dict[str, object]:
        """JSON form for reports."""
        return {"code": self.code, "checks": list(self.ids), "title": self.title, "severity": self.severity.value,
                "subject": self.subject, "message": self.message, "fix": self.fix,
                "file": self.location.file, "line": self.location.line,
                "path": self.location.field_path or None}


def error(message: str, location: SourceLocation, subject: str, fix: str | None = None) -> Finding:
    """An error finding."""
    return Finding(Severity.ERROR, message, location, subject, fix)


def warning(message: str, location: SourceLocation, subject: str, fix: str | None = None) -> Finding:
    """A warning finding."""
    return Finding(Severity.WARNING, message, location, subject, fix)


def info(message: str, location: SourceLocation, subject: str, fix: str | None = None) -> Finding:
    """An informational finding."""
    return Finding(Severity.INFO, message, location, subject, fix)
