"""The shared wild corpus (../shared/upstream/corpus/wild) through every command, in-process.

For each file: `import`, `translate --engine E --verify` for every engine, `lint` and `explain`, each through the CLI's
`main()` (no process per run) with JSON diagnostics. The outcomes feed tests/test_wild_corpus.py (a golden table of
which file refuses where and why) and the location-coverage figure (how many diagnostics on native input name the
native field's line and path).

`python -m tests.wild` prints the summary figures; `python -m tests.wild --table` prints the table.
"""

from __future__ import annotations

import io
import json
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from tests.shared import CORPUS
from translator.cli import main
from translator.load.source import SourceFile, child_node, key_node

WILD = CORPUS / "wild"
FOLDERS = {"k8s": "kubernetes", "cilium": "cilium", "calico": "calico"}
"""Folder of the wild corpus -> the engine whose objects it holds."""
ENGINES = ("kubernetes", "azure-npm", "azure-npm-windows", "cilium", "calico")
NATIVE_CORPORA = (("cilium", "policies"), ("calico-docs", "yaml"))
"""The Cilium and Calico corpora besides wild/ whose diagnostics count towards location coverage."""
VERIFY = "NPX120"


@dataclass(frozen=True)
class Run:
    """One command on one file: exit code, JSON diagnostics, and stderr text that is not diagnostics."""

    command: str
    code: int
    diagnostics: tuple[dict[str, Any], ...]
    crash: str = ""

    @property
    def errors(self) -> list[dict[str, Any]]:
        """The error diagnostics."""
        return [d for d in self.diagnostics if d["severity"] == "error"]


def run(*args: str) -> tuple[int, str, str]:
    """netpolx in-process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def _diagnostics(stderr: str) -> tuple[tuple[dict[str, Any], ...], str]:
    """The JSON diagnostics on stderr, and whatever else was there (an internal error's message)."""
    text = stderr.strip()
    if not text:
        return (), ""
    try:
        return tuple(json.loads(text)), ""
    except json.JSONDecodeError:
        start = text.find("[")
        try:
            return tuple(json.loads(text[start:])), text[:start] if start > 0 else text
        except json.JSONDecodeError:
            return (), text


def command(name: str, args: list[str]) -> Run:
    """Run one command; stderr is parsed as JSON diagnostics."""
    code, _, stderr = run(*args, "--diagnostics-format", "json")
    diags, rest = _diagnostics(stderr)
    crash = rest if code not in (0, 1, 2) or "Traceback" in rest or "internal error" in rest else ""
    return Run(name, code, diags, crash)


@dataclass
class FileOutcome:
    """Every command's run on one file."""

    name: str
    """`<folder>/<file>` inside the wild corpus."""
    path: Path
    engine: str
    """The file's own engine."""
    runs: dict[str, Run] = field(default_factory=dict)

    @property
    def crashes(self) -> list[str]:
        """Internal errors (exit codes other than 0/1/2, tracebacks)."""
        return [f"{self.name} {r.command}: exit {r.code} {r.crash}".strip() for r in self.runs.values()
                if r.code not in (0, 1, 2) or r.crash]


def run_file(path: Path, name: str, engine: str, commands: Iterable[str] | None = None) -> FileOutcome:
    """Import, translate to every engine with --verify, lint and explain one file."""
    out = FileOutcome(name, path, engine)
    wanted = set(commands) if commands is not None else None
    f = str(path)
    plan: list[tuple[str, list[str]]] = [("import", ["import", "-f", f])]
    plan += [(e, ["translate", "--engine", e, "--verify", "-f", f]) for e in ENGINES]
    plan += [("lint", ["lint", "-f", f]), ("explain", ["explain", "-f", f])]
    for key, args in plan:
        if wanted is None or key in wanted:
            out.runs[key] = command(key, args)
    return out


def wild_files() -> list[tuple[Path, str, str]]:
    """(path, `<folder>/<file>`, engine) of every wild corpus file, sorted."""
    return [(p, f"{folder}/{p.name}", engine) for folder, engine in sorted(FOLDERS.items())
            for p in sorted((WILD / folder).glob("*.yaml"))]


@cache
def wild_outcomes() -> tuple[FileOutcome, ...]:
    """Every wild file through every command (computed once per test session)."""
    return tuple(run_file(p, name, engine) for p, name, engine in wild_files())


# -- the golden table ------------------------------------------------------------------------------------------


def refusal_reasons(r: Run) -> list[str]:
    """Why a run did not succeed: each error as `CODE feature` (the intent feature, else the native field the
    diagnostic points at), unique, sorted."""
    out = set()
    for d in r.errors:
        what = d.get("feature") or _field_name(d.get("path"))
        out.add(f"{d['code']} {what}" if what else d["code"])
    return sorted(out)


def _field_name(path: str | None) -> str:
    """The last named step of a field path (`spec.egress[0].toFQDNs[1]` -> `toFQDNs`)."""
    if not path:
        return ""
    last = path.rsplit(".", 1)[-1]
    return last.split("[", 1)[0]


COMMANDS = ("import", *ENGINES, "lint", "explain")
"""The table's columns, in order."""


def outcome_text(key: str, r: Run) -> str:
    """One command's outcome as the table writes it: `0`, or the exit code and why (lint: its finding codes)."""
    if key == "lint":
        found = sorted({d["code"] for d in r.diagnostics if d["severity"] in ("error", "warning")})
        return " ".join((str(r.code), *found))
    if r.code == 0:
        return "0"
    return f"{r.code} " + ", ".join(refusal_reasons(r))


def table_entry(outcome: FileOutcome) -> dict[str, str]:
    """One file's row: the commands whose outcome is not a plain `0` (lint: not `0` with no findings)."""
    return {key: text for key in COMMANDS if key in outcome.runs
            if (text := outcome_text(key, outcome.runs[key])) != "0"}


def table(outcomes: Iterable[FileOutcome]) -> dict[str, dict[str, str]]:
    """The golden table: file -> the commands that did not simply succeed."""
    return {o.name: table_entry(o) for o in outcomes}


TABLE_HEADER = """\
# Every file of ../shared/upstream/corpus/wild through import, translate --engine E --verify (each engine), lint
# and explain, as tests/test_wild_corpus.py runs them. Per file, only the commands that did not simply succeed:
# "<exit code> <error code> <feature or native field>, ..." (lint: "<exit code> <finding codes>"); {} = all exit 0.
# Generated by `make golden`; a change here is a reviewed change of behaviour.
"""


def table_text(outcomes: Iterable[FileOutcome]) -> str:
    """The golden table as committed (tests/golden/wild_outcomes.yaml)."""
    import yaml

    body = yaml.safe_dump(table(outcomes), sort_keys=False, width=1000, default_flow_style=False)
    return TABLE_HEADER + body


def round_trips(outcomes: Iterable[FileOutcome]) -> dict[str, tuple[int, int]]:
    """Per engine: (files of that engine that translate to it with exit 0 under --verify, files of that engine)."""
    counts: dict[str, list[int]] = {}
    for o in outcomes:
        c = counts.setdefault(o.engine, [0, 0])
        c[1] += 1
        c[0] += o.runs[o.engine].code == 0
    return {k: (v[0], v[1]) for k, v in counts.items()}


def reasons_by_engine(outcomes: Iterable[FileOutcome]) -> dict[str, Counter[str]]:
    """Per target engine: how many files fail for each reason."""
    out: dict[str, Counter[str]] = {e: Counter() for e in ("import", *ENGINES)}
    for o in outcomes:
        for key in ("import", *ENGINES):
            r = o.runs.get(key)
            if r is not None and r.code:
                out[key].update(refusal_reasons(r))
    return out


# -- location coverage ---------------------------------------------------------------------------------------


@dataclass
class Coverage:
    """Diagnostics on native input that name the native field's path (and its line, when not line 1)."""

    total: int = 0
    located: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def share(self) -> float:
        """located / total (1.0 for no diagnostics)."""
        return self.located / self.total if self.total else 1.0

    def add(self, diag: dict[str, Any], sources: dict[str, SourceFile]) -> None:
        """Count one diagnostic (only those pointing into one of `sources`, the native files run)."""
        source = sources.get(diag.get("file") or "")
        if source is None:
            return
        self.total += 1
        if located(diag, source):
            self.located += 1
        else:
            self.misses.append(f"{diag['file']}:{diag['line']}: {diag['code']}: {diag['message'][:100]} "
                               f"(at {diag['path']})")


def located(diag: dict[str, Any], source: SourceFile) -> bool:
    """Whether a diagnostic names a field of the native object (every step of its path is there, but for a last one
    that names a field to add) and that field's line (which is past line 1 unless the field is on line 1)."""
    path = diag.get("path")
    line = diag.get("line")
    if not path or line is None:
        return False
    return line in _field_lines(source, _steps(path))


def _field_lines(source: SourceFile, steps: list[str | int]) -> set[int]:
    """The lines, in any document of the file, of the field at `steps` (or of its parent, when only the last step
    is missing)."""
    out = set()
    for index in range(max(source.document_count or 1, 1)):
        node, offset = source.node(index)
        missing = 0
        mark = node.start_mark if node is not None else None
        for step in steps:
            child = child_node(node, step) if node is not None else None
            if child is None:
                missing += 1
                break
            mark = (key_node(node, step) or child).start_mark  # a field's line is its key's
            node = child
        if mark is not None and missing <= 1 and (missing == 0 or step == steps[-1]):
            out.add(mark.line + offset + 1)
    return out


def _steps(path: str) -> list[str | int]:
    """`spec.egress[0].toPorts` -> ["spec", "egress", 0, "toPorts"]."""
    out: list[str | int] = []
    for part in path.split("."):
        name, *indexes = part.split("[")
        if name:
            out.append(name)
        out.extend(int(i.rstrip("]")) for i in indexes if i.rstrip("]").isdigit())
    return out


def native_files() -> Iterator[tuple[Path, str, str]]:
    """Every native Cilium/Calico file: the wild corpus's cilium/ and calico/, then the Cilium and Calico corpora."""
    for path, name, engine in wild_files():
        if engine != "kubernetes":
            yield path, name, engine
    for parts in NATIVE_CORPORA:
        root = CORPUS.joinpath(*parts)
        for p in sorted(root.rglob("*.yaml")):
            yield p, str(p.relative_to(CORPUS)), parts[0].split("-")[0]


def coverage(outcomes: Iterable[FileOutcome]) -> Coverage:
    """Location coverage over the runs of `outcomes` (every command's diagnostics)."""
    cov = Coverage()
    for o in outcomes:
        sources = {str(o.path): source_file(o.path)}
        for r in o.runs.values():
            for d in r.diagnostics:
                cov.add(d, sources)
    return cov


@cache
def source_file(path: Path) -> SourceFile:
    source = SourceFile(str(path), path.read_text(encoding="utf-8"))
    source.locate(0, ())
    return source


@cache
def native_corpus_outcomes() -> tuple[FileOutcome, ...]:
    """The Cilium and Calico corpora (outside wild/): import, translate to the own engine and lint."""
    out = []
    for path, name, engine in native_files():
        if not name.startswith(("cilium/", "calico/")):
            out.append(run_file(path, name, engine, ("import", engine, "lint")))
    return tuple(out)


def main_(argv: list[str]) -> int:
    """Print the figures (or the table with --table)."""
    outcomes = wild_outcomes()
    if "--table" in argv:
        sys.stdout.write(table_text(outcomes))
        return 0
    for o in outcomes:
        for c in o.crashes:
            print("CRASH", c)
    for engine, (ok, total) in round_trips(outcomes).items():
        print(f"round trip {engine}: {ok}/{total}")
    for key, reasons in reasons_by_engine(outcomes).items():
        for reason, n in reasons.most_common():
            print(f"refused {key}: {n} {reason}")
    natives = [o for o in outcomes if o.engine != "kubernetes"]
    if "--wild-only" not in argv:
        natives += list(native_corpus_outcomes())
    cov = coverage(natives)
    print(f"location coverage: {cov.located}/{cov.total} = {cov.share:.1%}")
    if "--misses" in argv:
        for m in cov.misses:
            print("MISS", m)
    return 0


if __name__ == "__main__":
    raise SystemExit(main_(sys.argv[1:]))
