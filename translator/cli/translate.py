"""`translate`, `check` and `import`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from netpolx.api import check_policies, compile_policies
from translator import codes
from translator.cli.common import (
    CommandExit,
    diagnostics_options,
    emit,
    engine_option,
    exit_code,
    fail_alone,
    finish,
    input_options,
    json_output_option,
    make_diagnostics,
    resolve_target,
    stop_on_input_errors,
    widening_option,
)
from translator.cli.settings import cli_namespace, current_config, read_policies
from translator.cluster.ranges import DEFAULT_RANGES, ClusterRanges, cluster_ranges
from translator.compile.pipeline import Compiled
from translator.diagnostics import Diagnostics
from translator.load.loaded import LoadedIntent
from translator.load.source import Document, documents, documents_from_text, dump_json, dump_yaml
from translator.output.files import MANIFEST, OutputError, clashes, describe, object_file_name, write_folder
from translator.output.progress import progress

GENERATED = "<generated>"


def render(objects: list[dict[str, Any]], output: str) -> str:
    """Objects as printed on stdout: YAML documents, or a JSON List."""
    return dump_json(objects) if output == "json" else (dump_yaml(objects) if objects else "")


def output_files(objects: list[dict[str, Any]], output: str) -> dict[str, str]:
    """One file per object (names from translator.output.files: injective, so no object overwrites another)."""
    ext = "json" if output == "json" else "yaml"
    counted = progress().track(objects, "formatting objects", len(objects))
    return {object_file_name(obj, ext): render([obj], output) for obj in counted}


def check_clashes(compiled: list[Compiled], diags: Diagnostics) -> None:
    """Two sources that become one object (same group, kind, namespace and name) are an error naming both:
    `kubectl apply` would keep only one of them."""
    items = [(obj, c.loaded.locate()) for c in compiled for obj in c.objects]
    for ident, first, second in clashes(items):
        diags.error(codes.OUTPUT_CLASH, f"{describe(ident)} is generated from two sources ({first} and {second}); "
                    "kubectl apply would keep only one of them. Rename one", second)


def verify_written(loaded: list[LoadedIntent], docs: list[Document], engine: str, diags: Diagnostics,
                   ranges: ClusterRanges = DEFAULT_RANGES) -> None:
    """--verify on what is actually written (the text printed, or the files in the staged folder)."""
    from translator.evaluator.translation import verify_translation

    verify_translation(loaded, [], engine, diags, documents=docs, ranges=ranges)


def read_back(text: str) -> list[Document]:
    """The printed text as documents (for --verify)."""
    progress().phase("verifying: reading the output back")
    return documents_from_text(text, GENERATED, Diagnostics()) if text else []


@click.command()
@input_options()
@engine_option()
@click.option("-o", "--output", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True,
              help="yaml: multi-document YAML; json: a JSON List.")
@click.option("--output-dir", type=click.Path(file_okay=False), default=None,
              help="Write one file per object into this folder instead of stdout: KIND_NAMESPACE_NAME.yaml "
              "(cluster-scoped: KIND_NAME.yaml), characters outside [a-z0-9.-] escaped as %XX, plus a "
              f"{MANIFEST} listing them. The folder must be new or empty (see --prune); it is written whole "
              "or not at all (nothing is written on failure or interruption).")
@click.option("--prune", is_flag=True,
              help="With --output-dir: replace a folder netpolx wrote before, removing its files that this run "
              "does not write. Refused (naming them) when the folder holds files netpolx did not write.")
@click.option("--verify", "verify_output", is_flag=True,
              help="Read the output back (the printed text, or the written files) and check it allows exactly the "
              "connections the input allows; a changed verdict that no diagnostic announced is an error (NPX120) "
              "and nothing is written.")
@widening_option
@diagnostics_options
def translate(filenames: tuple[str, ...], recursive: bool, engine: str, platform: str | None, acns: bool,
              output: str, output_dir: str | None, prune: bool, verify_output: bool, allow_widening: bool,
              diagnostics_format: str, error_level: str) -> None:
    """Compile policies (intents or any supported engine's objects) to one engine.

    Exit 0 when everything translated exactly (warnings allowed), 1 when something cannot be expressed
    without changing what traffic is allowed (nothing is written), 2 on bad input (also: two sources that
    become the same object, an output folder that is not new, empty or netpolx's).

    \b
    Example:
      netpolx translate --engine cilium -f policies/
      netpolx translate --engine kubernetes -f intent.yaml --output-dir out/
      netpolx translate --engine kubernetes -f intent.yaml --output-dir out/ --prune   # again, replacing out/
    """
    if prune and output_dir is None:
        raise click.UsageError("--prune needs --output-dir")
    diags = make_diagnostics(error_level, allow_widening=allow_widening)
    target = resolve_target(engine, platform, acns, diags, diagnostics_format)
    ranges = cluster_ranges(target.settings)
    loaded = read_policies(filenames, diags, recursive, ranges)
    stop_on_input_errors(diags, diagnostics_format)
    compiled = compile_policies(loaded, target, diags)
    check_clashes(compiled, diags)
    stop_on_input_errors(diags, diagnostics_format)
    objects = [o for c in compiled for o in c.objects]

    def decide() -> None:
        # The one place the outcome is decided, with or without --verify: errors stop here (nothing written).
        if diags.has_errors and error_level in ("raise", "immediate"):
            finish(diags, diagnostics_format)

    if output_dir is None:
        progress().phase(f"formatting {len(objects):,} objects")
        text = render(objects, output)
        if verify_output and not diags.has_errors:
            verify_written(loaded, read_back(text), target.name, diags, ranges)
        decide()
        emit(diags, diagnostics_format)
        sys.stdout.write(text)
        return
    decide()

    def check(staging: Path) -> None:
        if verify_output and not diags.has_errors:
            read = Diagnostics()
            progress().phase("verifying: reading the output back")
            docs = documents([str(staging)], read) if objects else []
            verify_written(loaded, docs, target.name, diags, ranges)
            decide()

    try:
        write_folder(output_dir, output_files(objects, output), prune=prune, command="translate", check=check)
    except OutputError as exc:
        fail_alone(diags, codes.OUTPUT_REFUSED, str(exc), diagnostics_format)
    emit(diags, diagnostics_format)


@click.command()
@input_options()
@engine_option(required=False)
@click.option("--from", "source_engine", default=None, metavar="ENGINE",
              help="Migration check: the engine the policies run on today (e.g. azure-npm).")
@click.option("--to", "target_engine", default=None, metavar="ENGINE",
              help="Migration check: the engine they will run on (e.g. cilium).")
@click.option("--services", "services", multiple=True, metavar="PATH",
              help="Migration check: Service manifests (for the externalTrafficPolicy check).")
@click.option("--cluster", default=None, metavar="PATH", help="Migration check: cluster file (pods, namespaces).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default="error", show_default=True,
              help="Lowest severity that makes the exit code 1.")
@widening_option
@diagnostics_options
@json_output_option
def check(filenames: tuple[str, ...], recursive: bool, engine: str | None, platform: str | None, acns: bool,
          source_engine: str | None, target_engine: str | None, services: tuple[str, ...], cluster: str | None,
          fail_on: str, allow_widening: bool, diagnostics_format: str, error_level: str) -> None:
    """Report what `translate --engine E` would say, plus the engine's caveats, without emitting anything.

    With --from and --to instead of --engine: the risks of migrating these policies between two engines
    (e.g. --from azure-npm --to cilium), offline.
    """
    if source_engine or target_engine:
        if not (source_engine and target_engine) or engine:
            raise click.UsageError("use either --engine, or --from together with --to")
        if cli_namespace():
            raise click.UsageError("-n/--namespace does not apply to --from/--to: a missing namespace is one of "
                                   "the migration risks it reports")
        from translator.cli import migration_check

        migration_check.run(filenames, recursive, source_engine, target_engine, services, cluster, fail_on,
                            diagnostics_format, platform, acns)
        return
    diags = make_diagnostics(error_level, allow_widening=allow_widening)
    config = current_config(diags)
    stop_on_input_errors(diags, diagnostics_format)
    if engine is None and (config is None or config.engine is None):
        raise click.UsageError("--engine is required (or --from and --to, or `engine:` in .netpolx.yaml)")
    target = resolve_target(engine, platform, acns, diags, diagnostics_format)
    loaded = read_policies(filenames, diags, recursive)
    stop_on_input_errors(diags, diagnostics_format)
    check_policies(loaded, target, diags)
    emit(diags, diagnostics_format)
    code = exit_code(diags, fail_on)
    if code:
        raise CommandExit(code)


@click.command(name="import")
@input_options()
@click.option("-o", "--output", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True)
@diagnostics_options
def import_(filenames: tuple[str, ...], recursive: bool, output: str, diagnostics_format: str,
            error_level: str) -> None:
    """Import native policies (NetworkPolicy, Cilium, Calico) as NetworkIntents.

    Anything the intent model cannot hold is an error naming the field; nothing is dropped silently.
    """
    diags = make_diagnostics(error_level)
    loaded = read_policies(filenames, diags, recursive)
    stop_on_input_errors(diags, diagnostics_format)
    if diags.has_errors and error_level in ("raise", "immediate"):
        finish(diags, diagnostics_format)
    progress().phase(f"formatting {len(loaded):,} intents")
    objects = [li.intent.dump() for li in loaded]
    text = dump_json(objects) if output == "json" else (dump_yaml(objects) if objects else "")
    emit(diags, diagnostics_format)
    sys.stdout.write(text)
