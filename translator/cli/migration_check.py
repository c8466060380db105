"""`check --from E1 --to E2`: the risks of moving these policies between two engines, offline.

Microsoft's five validator checks (for Azure NPM -> Cilium) and every pitfall that applies to the pair; findings
are diagnostics (text, JSON or SARIF) with one stable code per check; exit 1 on findings at or above --fail-on.
"""

from __future__ import annotations

from dataclasses import replace

import click

from translator import codes
from translator.cli.common import (
    CommandExit,
    emit,
    exit_code,
    make_diagnostics,
    output_settings,
    stop_on_input_errors,
)
from translator.diagnostics import Diagnostics, Severity
from translator.migration.checks import run_checks
from translator.migration.inputs import INTENT_SOURCE, MigrationInput, load_input
from translator.output.progress import progress
from translator.registry import all_backends, check_target
from translator.target import Target, TargetError, parse_target


def known_engines() -> list[str]:
    """Engines that can be named with --from/--to: every installed backend."""
    return list(all_backends())


def parse_engine(text: str, platform: str | None, acns: bool, diags: Diagnostics, what: str,
                 allow_intent: bool = False) -> Target | None:
    """Parse `--from`/`--to`; an unknown engine is an input error (NPX006)."""
    try:
        target = parse_target(text, platform)
    except TargetError as exc:
        diags.error(codes.UNKNOWN_ENGINE, f"{what}: {exc}")
        return None
    names = known_engines() + ([INTENT_SOURCE] if allow_intent else [])
    if target.name not in names:
        diags.error(codes.UNKNOWN_ENGINE, f"{what}: unknown engine {target.name!r} (known: {', '.join(names)})")
        return None
    backend = all_backends().get(target.name)
    if backend is None:  # the intent source
        return target
    if acns and "acns" in backend.settings:  # --acns is a platform flag: it concerns the engines that read it
        target = replace(target, settings={**target.settings, "acns": "true"})
    try:
        check_target(target)
    except TargetError as exc:
        diags.error(codes.UNKNOWN_ENGINE, f"{what}: {exc}")
        return None
    return target


def load_migration(filenames: tuple[str, ...], recursive: bool, source_engine: str | None, target: Target,
                   services: tuple[str, ...], cluster: str | None, diags: Diagnostics,
                   fmt: str, empty: Severity = Severity.ERROR) -> MigrationInput:
    """Load the inputs; exit 2 (printing the diagnostics) when they are bad. A path without policies is an error,
    or `empty` (recommend's contract is exit 0)."""
    mi = load_input(filenames, recursive, source_engine, target, services, cluster, diags, empty)
    if mi is None:
        diags.error(codes.UNKNOWN_ENGINE, "the inputs mix Cilium and Calico objects; say which engine enforces them "
                    "today with --from")
    stop_on_input_errors(diags, fmt)
    assert mi is not None
    return mi


def engine_notes(mi: MigrationInput, diags: Diagnostics) -> None:
    """Retirement and caveats of the source engine; a note when the target backend is missing."""
    backends = all_backends()
    if mi.source in backends:
        backends[mi.source](mi.target).caveats(diags)
    if mi.target_name not in backends:
        diags.info(codes.MIG_ENGINE_MISSING, f"the {mi.target_name} backend is not installed in this build: "
                   "checks that need its capability table report 'unknown'")


def without_duplicates(diags: Diagnostics) -> Diagnostics:
    """The importer's missing-namespace warning is P25's finding; keep only the finding."""
    out = Diagnostics(diags.level, diags.engine)
    out.extend(d for d in diags if d.code != codes.MISSING_NAMESPACE)
    return out


def run(filenames: tuple[str, ...], recursive: bool, source_engine: str, target_engine: str,
        services: tuple[str, ...], cluster: str | None, fail_on: str, diagnostics_format: str,
        platform: str | None, acns: bool) -> None:
    """Run the migration checks and print the findings; raise CommandExit for a non-zero exit code."""
    diags = make_diagnostics()
    source = parse_engine(source_engine, platform, False, diags, "--from", allow_intent=True)
    target = parse_engine(target_engine, platform, acns, diags, "--to")
    stop_on_input_errors(diags, diagnostics_format)
    assert source is not None and target is not None
    mi = load_migration(filenames, recursive, source.name, target, services, cluster, diags, diagnostics_format)
    engine_notes(mi, diags)
    for finding in run_checks(mi):
        diags.add(finding.diagnostic(target.name))
    diags = without_duplicates(diags)
    settings = output_settings()
    if diagnostics_format == "text" and not settings.quiet and not settings.file and not settings.stdout_json:
        progress().done()  # the progress line is erased before the paragraph
        click.echo(coverage(mi, source.name, target.name), err=True)
    emit(diags, diagnostics_format)  # last: the text output ends with the count line
    code = exit_code(diags, fail_on)
    if code:
        raise CommandExit(code)


def coverage(mi: MigrationInput, source: str, target: str) -> str:
    """One paragraph: what `check --from/--to` looked at, and what it did not do."""
    given = ["the policies"]
    if mi.services:
        given.append("the Services")
    if mi.cluster is not None:
        given.append(f"the cluster ({len(mi.cluster.pods)} pods)")
    return (f"coverage: checked {', '.join(given)} for Microsoft's five checks and the migration pitfalls of "
            f"{source} -> {target}; nothing was translated or proven here. `netpolx migrate --from {source} --to "
            f"{target}` translates and proves the result equivalent on every possible cluster (or shows the "
            "difference).")
