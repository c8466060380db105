"""Running the lint checks, and planning `--fix` (edits checked by reloading the fixed text before anything is
written)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from translator.diagnostics import Diagnostics, ErrorLevel
from translator.lint import dns, peers, policytypes, redundancy, selection
from translator.lint.context import LintInput
from translator.lint.edits import apply
from translator.lint.finding import Edit, Finding
from translator.load.allocation import bulk
from translator.load.decode import intents_from_documents
from translator.load.source import documents_from_text
from translator.output.progress import progress

Check = Callable[[LintInput], Iterable[Finding]]

CHECKS: tuple[Check, ...] = (
    peers.or_of_peers,
    policytypes.egress_only_without_policy_types,
    peers.namespace_name_label,
    peers.ipblock_matches_cluster,
    dns.egress_without_dns,
    selection.selects_no_pod,
    redundancy.rules,
    redundancy.policies,
    selection.shared_namespace_empty_selector,
)


@bulk()
def lint(inp: LintInput, select: set[str] | None = None, ignore: Iterable[str] = ()) -> list[Finding]:
    """Every finding, in file/line order; `select` limits to some codes, `ignore` drops codes, and an object's
    `netpolx.io/lint-ignore` annotation drops codes for that object."""
    skip = set(ignore)
    out: list[Finding] = []
    report = progress()  # on a terminal, after 2 s: `running lint checks 3/9`
    report.phase("running lint checks", len(CHECKS))
    for check in CHECKS:
        for f in check(inp):
            code = f.rule.code
            if f.suppressed or code in skip or (select is not None and code not in select):
                continue
            out.append(f)
        report.advance()
    return sorted(out, key=lambda f: (f.location.file, f.location.line or 0, f.rule.code, f.message))


@dataclass
class FixPlan:
    """What --fix would write: new file texts, the findings they fix, and the ones left (with why)."""

    texts: dict[str, str] = field(default_factory=dict)
    fixed: list[Finding] = field(default_factory=list)
    skipped: list[tuple[Finding, str]] = field(default_factory=list)


def plan_fixes(findings: Sequence[Finding], read: Callable[[str], str], unsafe: bool = False) -> FixPlan:
    """Apply each fixable finding's edits per file (non-overlapping ones first come, first served), and keep a
    file's fixes only if the fixed text still loads without errors. Fixes that change what traffic is allowed
    (the rule's `fix_changes`) are planned only when `unsafe`. `read` gives the text the findings were computed on
    (not a second read of the file)."""
    plan = FixPlan()
    by_file: dict[str, list[Finding]] = {}
    for f in findings:
        if f.fix is None:
            continue
        files = {e.file for e in f.fix.edits}
        if len(files) != 1 or "<stdin>" in files:
            plan.skipped.append((f, "input from stdin cannot be fixed in place"))
            continue
        if f.rule.fix_changes and not unsafe:
            plan.skipped.append((f, f"the fix changes what traffic is allowed ({f.rule.fix_changes}); "
                                 "run with --fix-unsafe to apply it (--diff previews it)"))
            continue
        by_file.setdefault(next(iter(files)), []).append(f)
    for name, fixes in by_file.items():
        _plan_file(plan, name, read(name), fixes)
    return plan


def _plan_file(plan: FixPlan, name: str, text: str, fixes: list[Finding]) -> None:
    accepted: list[Finding] = []
    edits: list[Edit] = []
    for f in fixes:
        assert f.fix is not None
        if apply(text, [*edits, *f.fix.edits]) is None:
            plan.skipped.append((f, "overlaps another fix in the same place; run lint --fix again"))
            continue
        accepted.append(f)
        edits.extend(f.fix.edits)
    new = apply(text, edits)
    problem = _load_problem(name, new) if new is not None else "edits overlap"
    if new is None or problem:
        plan.skipped.extend((f, f"the fixed file would not load ({problem}); left unchanged") for f in accepted)
        return
    plan.texts[name] = new
    plan.fixed.extend(accepted)


def _load_problem(name: str, text: str) -> str | None:
    diags = Diagnostics(ErrorLevel.RAISE)
    intents_from_documents(documents_from_text(text, name, diags), diags)
    errors = diags.errors
    return errors[0].message if errors else None
