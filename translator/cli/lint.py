"""`lint`: authoring mistakes in network policies, each with a stable code, file:line and a fix."""

from __future__ import annotations

import difflib
import sys
from typing import TYPE_CHECKING

import click

from translator import codes
from translator.cli.common import (
    EXIT_INPUT,
    CommandExit,
    emit,
    finish,
    input_options,
    json_output_option,
    make_diagnostics,
    stop_on_input_errors,
)
from translator.cli.config import Config
from translator.cli.settings import current_config, import_policies, read_documents
from translator.diagnostics import Diagnostics, SourceLocation
from translator.lint import RULES, LintInput
from translator.lint import lint as run_lint
from translator.lint.finding import Finding
from translator.lint.rules import resolve
from translator.lint.run import FixPlan, plan_fixes
from translator.output.files import OutputError, apply_rewrite, plan_rewrite
from translator.output.reporters import FORMATS

if TYPE_CHECKING:
    from translator.cluster.model import Cluster


def load_cluster_option(path: str | None, diags: Diagnostics, fmt: str) -> Cluster | None:
    """The `--cluster` file, or None; exits 2 on a bad file or when the cluster model is not available."""
    if path is None:
        return None
    try:
        from translator.cluster.model import load_cluster
    except ImportError:
        diags.error(codes.NEEDS_COMPONENT, "--cluster needs translator.cluster.model (the evaluator's cluster model), "
                    "which this build does not have")
        emit(diags, fmt)
        raise CommandExit(EXIT_INPUT) from None
    cluster = load_cluster(path, diags)
    stop_on_input_errors(diags, fmt)
    return cluster


def _rules_table() -> str:
    lines = []
    for r in RULES:
        flags = ", ".join(f for f, on in (("--fix", r.fixable), ("needs --cluster", r.needs_cluster)) if on)
        lines.append(f"{r.code}  {r.severity.value:<7}  {r.name}{f' ({flags})' if flags else ''}\n"
                     f"        {r.summary}\n        Fix: {r.fix}\n")
    return "".join(lines)


@click.command()
@input_options(required=False)
@click.option("--cluster", default=None, metavar="PATH",
              help="Cluster file (pods, namespaces): enables the rules that need pods, and makes others precise.")
@click.option("--fix", is_flag=True, help="Write the fixes that are unambiguous and do not change what traffic is "
              "allowed back into the files (atomically; comments, line endings, mode and owner kept; a link's "
              "target is edited; read-only files and files changed since they were read are refused).")
@click.option("--fix-unsafe", is_flag=True, help="Also write the fixes that change what traffic is allowed (adding "
              "the DNS allow, renaming the `name` namespace label, merging OR-ed peers); each is printed as a diff.")
@click.option("--diff", "show_diff", is_flag=True, help="Print the fixes as a unified diff and write nothing (with "
              "--fix: only the safe ones; alone or with --fix-unsafe: all).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default=None,
              help="Lowest severity that makes the exit code 1 (default: .netpolx.yaml's lint.fail-on, else warning).")
@click.option("--select", default=None, metavar="CODES", help="Only these rules (codes or names, comma separated).")
@click.option("--ignore", default=None, metavar="CODES", help="Skip these rules (codes or names, comma separated).")
@click.option("--list-rules", is_flag=True, help="Print the rules (code, severity, name, what, fix) and exit.")
@click.option("--diagnostics-format", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Format of the findings on stderr.")
@json_output_option
def lint(filenames: tuple[str, ...], recursive: bool, cluster: str | None, fix: bool, fix_unsafe: bool,
         show_diff: bool, fail_on: str, select: str | None, ignore: str | None, list_rules: bool,
         diagnostics_format: str) -> None:
    """Find authoring mistakes: OR-of-peers meant as AND, default-deny egress without DNS, `name` namespace labels,
    missing policyTypes, ipBlocks that also match pods, shadowed and redundant rules, duplicate policies, and (with
    --cluster) policies that select nothing or isolate workloads nobody wrote policies for.

    Findings go to stderr as diagnostics, each with its fix. An object annotated
    `netpolx.io/lint-ignore: NPX603,or-of-peers` (or `all`) is not reported for those rules.
    Exit 0 when nothing at or above --fail-on was found, 1 otherwise, 2 on bad input.

    \b
    Example:
      netpolx lint -f samples/seed/
      netpolx lint -f policies/ --cluster cluster.yaml --fix
      netpolx lint -f policies/ --diff            # preview every fix, write nothing
      netpolx lint -f policies/ --fix-unsafe      # also the fixes that change what traffic is allowed
    """
    if list_rules:
        sys.stdout.write(_rules_table())
        return
    if not filenames:
        raise click.UsageError("Missing option '-f' / '--filename'.")
    diags = make_diagnostics()
    config = current_config(diags) or Config()
    stop_on_input_errors(diags, diagnostics_format)
    select = select if select is not None else (",".join(config.lint_select) if config.lint_select else None)
    ignore = ignore if ignore is not None else (",".join(config.lint_ignore) or None)
    fail_on = fail_on or config.lint_fail_on or "warning"
    selected = resolve(select) if select else None
    skipped = resolve(ignore) if ignore else set()
    model = load_cluster_option(cluster or config.cluster_path(), diags, diagnostics_format)
    inp = _load(filenames, recursive, model, diags, diagnostics_format)
    findings = per_path(run_lint(inp, selected, skipped), config)
    if fix or fix_unsafe or show_diff:
        texts = {d.source.file.name: d.source.file.text for d in inp.documents}
        plan = plan_fixes(findings, texts.__getitem__, unsafe=fix_unsafe or (show_diff and not fix))
        if show_diff:
            _preview(plan, texts, diags)
        else:
            _write(plan, texts, diags, diagnostics_format)
        if plan.texts and not show_diff:
            fresh = make_diagnostics()
            findings = per_path(run_lint(_load(filenames, recursive, model, fresh, diagnostics_format), selected,
                                         skipped), config)
    for f in findings:
        diags.add(f.diagnostic())
    finish(diags, diagnostics_format, fail_on)


def per_path(findings: list[Finding], config: Config) -> list[Finding]:
    """Drop findings that .netpolx.yaml's per-path overrides ignore (or do not select) for their file."""
    if not config.overrides:
        return findings
    out = []
    for f in findings:
        o = config.override_for(f.location.file)
        if o is not None and (f.rule.code in resolve(",".join(o.lint_ignore))
                              or (o.lint_select is not None and f.rule.code not in resolve(",".join(o.lint_select)))):
            continue
        out.append(f)
    return out


def _load(filenames: tuple[str, ...], recursive: bool, model: Cluster | None, diags: Diagnostics,
          fmt: str) -> LintInput:
    docs = read_documents(filenames, diags, recursive)
    loaded = import_policies(docs, diags)
    stop_on_input_errors(diags, fmt)
    return LintInput(docs, loaded, model)


def _diff(name: str, before: str, after: str) -> str:
    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                 f"a/{name}", f"b/{name}")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def _preview(plan: FixPlan, texts: dict[str, str], diags: Diagnostics) -> None:
    for name, text in sorted(plan.texts.items()):
        sys.stdout.write(_diff(name, texts[name], text))
    _report(plan, diags, "would fix")


def _write(plan: FixPlan, texts: dict[str, str], diags: Diagnostics, fmt: str) -> None:
    """Write every fixed file, or none: each is checked first (still as read, writable, one link, consistent
    line endings), then replaced atomically keeping mode, owner and line endings; a link's target is edited."""
    try:
        rewrites = [plan_rewrite(name, texts[name], text) for name, text in sorted(plan.texts.items())]
        for rw in rewrites:
            apply_rewrite(rw)
            sys.stdout.write(_diff(rw.name, texts[rw.name], plan.texts[rw.name]))
    except OutputError as exc:
        diags.error(codes.OUTPUT_REFUSED, f"lint --fix: {exc}", SourceLocation(str(exc).split(":", 1)[0]))
        finish(diags, fmt)
    _report(plan, diags, "fixed")


def _report(plan: FixPlan, diags: Diagnostics, verb: str) -> None:
    for f in plan.fixed:
        assert f.fix is not None
        note = f"; {f.fix.note}" if f.fix.note else ""
        changes = f"; this changes what traffic is allowed: {f.rule.fix_changes}" if f.rule.fix_changes else ""
        diags.info(codes.LINT_FIXED, f"{verb} {f.rule.code} ({f.rule.name}){note}{changes}", f.location)
    for f, why in plan.skipped:
        diags.info(codes.LINT_NOT_FIXED, f"not fixed {f.rule.code} ({f.rule.name}): {why}", f.location)
