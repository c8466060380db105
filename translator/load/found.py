"""Every path the user named with `-f` must hold a policy: an empty folder, a folder whose YAML sits in subfolders
(without `-R`), an empty file or a file of other kinds is bad input (NPX010), never a silent success."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from translator import codes
from translator.diagnostics import Diagnostics, Severity, SourceLocation
from translator.load.decode import IGNORED_KINDS
from translator.load.source import EXTENSIONS, Document, expand_paths


def _why(arg: str, recursive: bool, docs: Sequence[Document]) -> str:
    """Why `arg` holds no policy, with what to do."""
    path = Path(arg)
    if arg != "-" and path.is_dir() and not docs:
        nested = 0 if recursive else sum(1 for f in path.glob("*/**/*")
                                         if f.is_file() and f.suffix.lower() in EXTENSIONS)
        if nested:
            files = "file" if nested == 1 else "files"
            return f"its subfolders hold {nested} YAML/JSON {files}: add -R to read them"
        return "it holds no *.yaml, *.yml or *.json file"
    if not docs:
        return "it holds no document"
    kinds = sorted({d.kind or "<no kind>" for d in docs})
    return f"it holds only {', '.join(kinds)} (not policies)"


def require_policies(paths: Iterable[str], recursive: bool, docs: Sequence[Document], diags: Diagnostics,
                     severity: Severity = Severity.ERROR) -> None:
    """Report (NPX010) every `-f` path that yielded no policy document; paths that could not be read or parsed
    are already reported and skipped here."""
    failed = {d.location.file for d in diags if d.severity is Severity.ERROR}
    for arg in paths:
        if arg != "-" and not Path(arg).exists():
            continue
        files = {"<stdin>" if f == "-" else f for f in expand_paths([arg], recursive, Diagnostics())}
        if files & failed:
            continue
        mine = [d for d in docs if d.source.name in files]
        if any(d.kind not in IGNORED_KINDS for d in mine):
            continue
        shown = "<stdin>" if arg == "-" else arg
        diags.report(severity, codes.NO_POLICY, f"no policy found in {shown}: {_why(arg, recursive, mine)}",
                      SourceLocation(shown, None if Path(arg).is_dir() else 1))
