"""Shared CLI pieces: option decorators, diagnostics output, exit codes."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import click

from translator import codes
from translator.cli.settings import current_config, settings_options
from translator.diagnostics import Diagnostics, ErrorLevel, Severity
from translator.load.source import write_atomic
from translator.output.progress import progress
from translator.output.reporters import FORMATS, GROUP_AT, counts, format_for, grouped_lines, render, summary_line
from translator.registry import UnknownEngineError, all_backends, check_target, get_backend
from translator.target import Target, TargetError, parse_target

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2
INPUT_CODES = frozenset({codes.YAML_SYNTAX, codes.INVALID_FIELD, codes.UNKNOWN_KIND, codes.INVALID_VALUE,
                         codes.UNREADABLE, codes.UNKNOWN_ENGINE, codes.DUPLICATE_OBJECT, codes.OUTPUT_CLASH,
                         codes.OUTPUT_REFUSED})


class CommandExit(Exception):
    """Stop a command with an exit code (diagnostics already printed)."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def input_options(required: bool = True, settings: bool = True) -> Callable[[F], F]:
    """`-f/--filename` (repeatable), `-R/--recursive`, and (with `settings`) `--config` and `-n/--namespace`."""
    def deco(f: F) -> F:
        if settings:
            f = settings_options(f)
        f = click.option("-R", "--recursive", is_flag=True, help="Recurse into directories given with -f.")(f)
        return click.option("-f", "--filename", "filenames", multiple=True, required=required, metavar="PATH",
                            help="File, directory (*.yaml, *.yml, *.json) or - for stdin. Repeatable.")(f)
    return deco


def diagnostics_options(f: F) -> F:
    """`--diagnostics-format` and `--error-level`."""
    f = click.option("--error-level", type=click.Choice([e.value for e in ErrorLevel if e is not ErrorLevel.IGNORE]),
                     default="raise",
                     show_default=True,
                     help="raise: fail on any error (default); warn: report errors as warnings and emit anyway "
                     "(may change what traffic is allowed); immediate: stop at the first error.")(f)
    return click.option("--diagnostics-format", type=click.Choice(FORMATS), default="text", show_default=True,
                        help="Format of the diagnostics on stderr.")(f)


def engine_option(required: bool = True, name: str = "--engine") -> Callable[[F], F]:
    """`--engine NAME[@VERSION]`, `--platform`, `--acns`."""
    def deco(f: F) -> F:
        f = click.option("--acns", is_flag=True, help="AKS: Advanced Container Networking Services is enabled "
                         "(needed for Cilium FQDN and L7 policy).")(f)
        f = click.option("--platform", type=click.Choice(["aks"]), default=None,
                         help="Managed platform whose limits apply (e.g. aks).")(f)
        return click.option(name, "engine", required=False, metavar="NAME[@VERSION]",
                            help="Target engine: " + ", ".join(all_backends()) + " (e.g. cilium@1.16)"
                            + ("; default: .netpolx.yaml's `engine`." if required else "."))(f)
    return deco


def make_diagnostics(error_level: str = "raise", engine: str | None = None,
                     allow_widening: bool = False) -> Diagnostics:
    """A collector at the chosen level; --allow-widening accepts translations that allow more (NPX106)."""
    return Diagnostics(ErrorLevel(error_level), engine,
                       frozenset({codes.WIDENED}) if allow_widening else frozenset())


def widening_option(f: F) -> F:
    """`--allow-widening`: the explicit opt-in for translations that allow more traffic than their source."""
    return click.option("--allow-widening", is_flag=True,
                        help="Accept translations that allow more traffic than the source (each is still reported, "
                        "as a warning). Without it they are refused.")(f)


def resolve_target(text: str | None, platform: str | None, acns: bool, diags: Diagnostics, fmt: str) -> Target:
    """Parse and check `--engine` (default: .netpolx.yaml's `engine`, with its `platform` and `settings`); an
    unknown engine or a bad settings file exits 2."""
    config = current_config(diags)
    stop_on_input_errors(diags, fmt)
    if config is None:
        finish(diags, fmt)
        raise AssertionError("unreachable")
    if text is None and config.engine is None:
        raise click.UsageError("Missing option '--engine' (or set `engine:` in .netpolx.yaml).")
    try:
        target = parse_target(text or config.engine or "", platform or config.platform, dict(config.settings))
        backend = get_backend(target.name)
        if acns and "acns" in backend.settings:  # --acns is a platform flag: it concerns the engines that read it
            target = replace(target, settings={**target.settings, "acns": "true"})
        check_target(target)
        return target
    except (TargetError, UnknownEngineError) as exc:
        diags.error(codes.UNKNOWN_ENGINE, str(exc))
        finish(diags, fmt)
        raise AssertionError("unreachable") from exc


@dataclass
class OutputSettings:
    """How a command prints its diagnostics (set by the options every command gets, read by `emit`)."""

    quiet: bool = False
    file: str | None = None
    file_format: str | None = None
    group: bool = True
    stdout_json: bool = False


OUTPUT_KEY = "netpolx.output"


def output_settings() -> OutputSettings:
    """The current command's settings (defaults outside a click command)."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return OutputSettings()
    meta = ctx.find_root().meta
    found = meta.get(OUTPUT_KEY)
    if not isinstance(found, OutputSettings):
        found = meta[OUTPUT_KEY] = OutputSettings()
    return found


def _store(attr: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        setattr(ctx.find_root().meta.setdefault(OUTPUT_KEY, OutputSettings()), attr, value)
        return value
    return callback


def output_params() -> list[click.Parameter]:
    """--quiet, --diagnostics-file, --diagnostics-file-format and --no-group (new objects for each command)."""
    return [
        click.Option(["-q", "--quiet"], is_flag=True, expose_value=False, callback=_store("quiet"),
                     help="Print only errors on stderr (and the count line when there are any)."),
        click.Option(["--diagnostics-file"], metavar="PATH", expose_value=False, callback=_store("file"),
                     help="Write every diagnostic to PATH (SARIF for *.sarif, JSON for *.json, else text); stderr "
                     "then gets only the count line (or, with --diagnostics-format github|json|sarif, that format)."),
        click.Option(["--diagnostics-file-format"], type=click.Choice(FORMATS), expose_value=False,
                     callback=_store("file_format"), help="Format of --diagnostics-file (default: by its suffix)."),
        click.Option(["--no-group"], "group", flag_value=False, default=True, expose_value=False,
                     callback=_store("group"),
                     help=f"Print every diagnostic on stderr (default: a finding repeated for {GROUP_AT} or more "
                     "policies is one line)."),
    ]


def json_output_option(f: F) -> F:
    """`-o text|json` for commands whose result is their diagnostics (check, lint): json prints them on stdout as
    {"diagnostics": [...], "summary": {...}}."""
    return click.option("-o", "--output", "stdout_format", type=click.Choice(["text", "json"]), default="text",
                        show_default=True, expose_value=False,
                        callback=lambda ctx, p, v: _store("stdout_json")(ctx, p, v == "json"),
                        help="json: the diagnostics on stdout as one JSON document (stderr: the count line).")(f)


def emit(diags: Diagnostics, fmt: str) -> None:
    """Print the diagnostics: to stderr in `fmt` (text: repeated codes grouped, then a count line by severity),
    or as the --quiet, --diagnostics-file and -o json options say."""
    progress().done()
    settings = output_settings()
    items = list(diags)
    if settings.file:
        write_atomic(Path(settings.file), render(items, format_for(settings.file, settings.file_format)))
    if settings.stdout_json:
        sys.stdout.write(json.dumps({"diagnostics": [d.as_dict() for d in items], "summary": counts(items)},
                                    indent=2) + "\n")
    if (not settings.file or fmt != "text") and not settings.stdout_json:  # an explicit github/json/sarif too
        shown = [d for d in items if not settings.quiet or d.severity is Severity.ERROR]
        if fmt == "text":
            lines = grouped_lines(shown) if settings.group else [d.format() for d in shown]
            sys.stderr.write("".join(line + "\n" for line in lines))
        else:
            sys.stderr.write(render(shown, fmt))
    if fmt == "text" and items and (not settings.quiet or any(d.severity is Severity.ERROR for d in items)):
        sys.stderr.write(summary_line(items, settings.file or "") + "\n")


def exit_code(diags: Diagnostics, fail_on: str = "error") -> int:
    """2 for bad input, 1 for findings at or above `fail_on`, else 0."""
    if any(d.severity is Severity.ERROR and d.code in INPUT_CODES for d in diags):
        return EXIT_INPUT
    threshold = Severity(fail_on).rank
    if any(d.severity.rank >= threshold for d in diags):
        return EXIT_FINDINGS
    return EXIT_OK


def finish(diags: Diagnostics, fmt: str, fail_on: str = "error") -> None:
    """Print diagnostics and exit when the code is not 0."""
    emit(diags, fmt)
    code = exit_code(diags, fail_on)
    if code:
        raise CommandExit(code)


def stop_on_unread_inputs(diags: Diagnostics, fmt: str) -> None:
    """Exit 2 (printing everything) when an input is bad or could not be imported at all (NPX110): commands that
    describe the policies (explain, graph, recommend) must not present a part of the input as the whole."""
    if any(d.severity is Severity.ERROR and (d.code in INPUT_CODES or d.code == codes.IMPORT_UNSUPPORTED)
           for d in diags):
        emit(diags, fmt)
        raise CommandExit(EXIT_INPUT)


def stop_on_input_errors(diags: Diagnostics, fmt: str) -> None:
    """Exit 2 (printing everything) when the input itself is bad."""
    if exit_code(diags) == EXIT_INPUT:
        emit(diags, fmt)
        raise CommandExit(EXIT_INPUT)
