"""`translate`, `check` and `import`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from netpolx.api import check_policies, compile_policies
from translator.cli.common import (
    CommandExit,
    diagnostics_options,
    emit,
    engine_option,
    exit_code,
    finish,
    input_options,
    make_diagnostics,
    resolve_target,
    stop_on_input_errors,
    widening_option,
)
from translator.cli.settings import cli_namespace, current_config, read_policies
from translator.pipeline import object_file_name
from translator.source import dump_json, dump_yaml, write_atomic


def write_objects(objects: list[dict], output: str, output_dir: str | None) -> None:
    """Print objects (YAML documents or a JSON List), or write one file per object into `output_dir`."""
    if output_dir is None:
        sys.stdout.write(dump_json(objects) if output == "json" else (dump_yaml(objects) if objects else ""))
        return
    names: dict[str, int] = {}
    files: list[tuple[Path, str]] = []
    for obj in objects:
        name = object_file_name(obj)
        if name in names:
            names[name] += 1
            name = name.replace(".yaml", f"-{names[name]}.yaml")
        names.setdefault(name, 0)
        text = dump_json([obj]) if output == "json" else dump_yaml([obj])
        files.append((Path(output_dir) / (name.replace(".yaml", ".json") if output == "json" else name), text))
    for path, text in files:
        write_atomic(path, text)


@click.command()
@input_options()
@engine_option()
@click.option("-o", "--output", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True,
              help="yaml: multi-document YAML; json: a JSON List.")
@click.option("--output-dir", type=click.Path(file_okay=False), default=None,
              help="Write one file per object here instead of stdout (nothing is written on failure).")
@click.option("--verify", "verify_output", is_flag=True,
              help="Read the output back and check it allows exactly the connections the input allows; a changed "
              "verdict that no diagnostic announced is an error (NPX120) and nothing is written.")
@widening_option
@diagnostics_options
def translate(filenames: tuple[str, ...], recursive: bool, engine: str, platform: str | None, acns: bool,
              output: str, output_dir: str | None, verify_output: bool, allow_widening: bool, diagnostics_format: str,
              error_level: str) -> None:
    """Compile policies (intents or any supported engine's objects) to one engine.

    Exit 0 when everything translated exactly (warnings allowed), 1 when something cannot be expressed
    without changing what traffic is allowed (nothing is written), 2 on bad input.

    \b
    Example:
      netpolx translate --engine cilium -f policies/
      netpolx translate --engine kubernetes -f intent.yaml --output-dir out/
    """
    diags = make_diagnostics(error_level, allow_widening=allow_widening)
    target = resolve_target(engine, platform, acns, diags, diagnostics_format)
    loaded = read_policies(filenames, diags, recursive)
    stop_on_input_errors(diags, diagnostics_format)
    compiled = compile_policies(loaded, target, diags, verify_output)
    if diags.has_errors and error_level in ("raise", "immediate"):
        finish(diags, diagnostics_format)
    emit(diags, diagnostics_format)
    write_objects([o for c in compiled for o in c.objects], output, output_dir)


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
    emit(diags, diagnostics_format)
    objects = [li.intent.dump() for li in loaded]
    sys.stdout.write(dump_json(objects) if output == "json" else (dump_yaml(objects) if objects else ""))
