"""`migrate`: import, translate, verify, and write the migration bundle.

DIR/target/ holds the new engine's objects, DIR/pre-migration/ the edits to apply on the old engine before
switching, DIR/post-migration/ the add-ons to apply after (one file per concern), DIR/rollback/ the edited policies
as they were, and DIR/report.{md,html,json} the plan and what happened to each policy.

Exit 1 when something is refused, verification finds a connection whose verdict changes, or a finding at or above
--fail-on (default error) is left that the bundle does not answer; 0 otherwise, so a verified equivalent migration
with announced changes exits 0 (`--fail-on changed` makes any announced change exit 1); 2 on bad input (nothing is
written). The report's headline says why.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from translator import codes
from translator.backend import Backend
from translator.cli.common import (
    CommandExit,
    emit,
    fail_alone,
    input_options,
    make_diagnostics,
    stop_on_input_errors,
)
from translator.cli.migration_check import load_migration, parse_engine
from translator.diagnostics import Diagnostics
from translator.load.source import documents
from translator.migration.bundle import FAIL_ON, Migration, run_migration
from translator.migration.report import bundle_files, coverage, exit_reason, microsoft_table
from translator.output.files import OutputError, write_folder
from translator.output.plural import count
from translator.output.progress import progress
from translator.output.reporters import FORMATS
from translator.registry import all_backends
from translator.target import Target


def _canonical(objects: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(o, sort_keys=True) for o in objects)


def check_written(staging: Path, m: Migration) -> None:
    """The staged target/ files must read back as exactly the objects that were verified, so the verdict in the
    report is about what is written (raises OutputError, and nothing is written, otherwise)."""
    read = Diagnostics()
    progress().phase("checking the written files")
    folder = staging / "target"
    docs = documents([str(folder)], read) if folder.is_dir() else []
    if read.has_errors or _canonical([d.data for d in docs]) != _canonical(m.target_objects):
        first = read.errors[0].message if read.has_errors else "they differ from the objects that were verified"
        raise OutputError(f"the written target/ files do not read back as the translation ({first}); nothing "
                          "was written")


def summary(m: Migration, out: Path) -> str:
    """The lines printed to stdout."""
    counts = m.counts
    ms = ", ".join(f"{row['check']} {row['count']}" for row in microsoft_table(m))
    v = m.verify
    where = "synthesized" if v.synthesized else "given"
    verify = v.status if v.status == "not run" else \
        f"{v.status} ({v.total_differences:,} of {count(v.connections, 'connection')} differ, {where} cluster)"
    return "\n".join([
        exit_reason(m),
        f"migrate {m.mi.source} -> {m.mi.target}: {count(len(m.policies), 'policy', 'policies')}: "
        f"{counts['exact']:,} exact, {counts['changed']:,} with announced changes, {counts['refused']:,} refused",
        f"verify: {verify}",
        *([f"Microsoft's checks: {ms}"] if ms else []),
        f"wrote {out}/: target/ {len(m.target_files)}, pre-migration/ {len(m.pre_files)}, post-migration/ "
        f"{len(m.post_files)} files, rollback/ {len(m.rollback_files)}, report.md, report.html, report.json",
        *[f"coverage: {c}" for c in coverage(m) if not c.startswith("needs --cluster")],
    ]) + "\n"


def _target_backend(text: str, platform: str | None, acns: bool, diags: Diagnostics,
                    fmt: str) -> tuple[Target, Backend]:
    target = parse_engine(text, platform, acns, diags, "--to")
    if target is not None and target.name not in all_backends():
        diags.error(codes.UNKNOWN_ENGINE, f"--to: the {target.name} backend is not installed in this build, so "
                    "netpolx cannot translate to it")
    stop_on_input_errors(diags, fmt)
    assert target is not None
    return target, all_backends()[target.name](target)


@click.command()
@input_options(settings=False)
@click.option("--to", "target_engine", required=True, metavar="ENGINE[@VERSION]",
              help="The engine to migrate to (e.g. cilium, cilium@1.16).")
@click.option("--from", "source_engine", default=None, metavar="ENGINE",
              help="The engine enforcing the policies today (default: the inputs' kind; plain NetworkPolicies "
              "count as kubernetes, say azure-npm for Azure NPM).")
@click.option("--platform", type=click.Choice(["aks"]), default=None, help="Managed platform (e.g. aks).")
@click.option("--acns", is_flag=True, help="AKS: Advanced Container Networking Services is enabled.")
@click.option("--services", multiple=True, metavar="PATH", help="Service manifests (LoadBalancer/NodePort check).")
@click.option("--cluster", default=None, metavar="PATH",
              help="Cluster file (pods, IPs, ports): sharper checks, exact pre-migration edits, verification on "
              "this cluster instead of a synthesized one.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="error", show_default=True,
              help="Exit 1 for findings of this severity or worse that the bundle does not answer (changed: also "
              "for any announced change). Refusals and a failed verification always exit 1.")
@click.option("--output-dir", required=True, type=click.Path(file_okay=False),
              help="Where to write the bundle: a new or empty folder (or see --prune). It is staged next to it and "
              "renamed into place once, so a failed or interrupted run writes nothing.")
@click.option("--prune", is_flag=True,
              help="Replace a bundle netpolx wrote before in --output-dir (refused, naming them, when the folder "
              "holds files netpolx did not write).")
@click.option("--diagnostics-format", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Format of the findings on stderr.")
def migrate(filenames: tuple[str, ...], recursive: bool, target_engine: str, source_engine: str | None,
            platform: str | None, acns: bool, services: tuple[str, ...], cluster: str | None, output_dir: str,
            fail_on: str, prune: bool, diagnostics_format: str) -> None:
    """Migrate policies to another engine: import, translate, verify, and write a bundle with a report.

    \b
    Example:
      netpolx migrate --from azure-npm --to cilium --platform aks -f netpols.yaml \\
          --services services.yaml --cluster cluster.yaml --output-dir migration/
    """
    diags = make_diagnostics()
    source = parse_engine(source_engine, platform, False, diags, "--from", allow_intent=True) \
        if source_engine else None
    target, backend = _target_backend(target_engine, platform, acns, diags, diagnostics_format)
    if source is not None and source.name == target.name:
        raise click.UsageError(f"--from and --to are both {target.name}: there is nothing to migrate. To check the "
                               f"policies for {target.name}, run `netpolx check --engine {target.name}` or `netpolx "
                               f"translate --engine {target.name} --verify`.")
    mi = load_migration(filenames, recursive, source.name if source else None, target, services, cluster, diags,
                        diagnostics_format)
    migration = run_migration(mi, backend)
    migration.fail_on = fail_on
    diags.extend(migration.clashes)
    stop_on_input_errors(diags, diagnostics_format)
    out = Path(output_dir)
    try:
        write_folder(out, bundle_files(migration), prune=prune, command="migrate",
                     check=lambda staging: check_written(staging, migration))
    except OutputError as exc:
        fail_alone(diags, codes.OUTPUT_REFUSED, str(exc), diagnostics_format)
    for finding in migration.findings:
        diag = finding.diagnostic(target.name)
        answered = migration.handled_by(finding)
        diags.add(replace(diag, message=f"{diag.message} [answered by {answered}]") if answered else diag)
    emit(diags, diagnostics_format)
    sys.stdout.write(summary(migration, out))
    if migration.exit_code:
        raise CommandExit(migration.exit_code)
