"""`netpolx reach`: every probe between every pair of endpoints of a cluster, or one connection's trace."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence

import click

from translator import codes
from translator.cli.common import (
    EXIT_INPUT,
    CommandExit,
    diagnostics_options,
    emit,
    input_options,
    make_diagnostics,
    stop_on_input_errors,
)
from translator.cli.settings import read_policies
from translator.cluster.model import Cluster, Probe, default_probes, load_cluster, parse_probe
from translator.diagnostics import Diagnostics
from translator.evaluator import Evaluator, semantics_of
from translator.evaluator.group_output import group_json_text, group_lines
from translator.evaluator.groups import group_reach
from translator.evaluator.listing import json_text, jsonl_text
from translator.load.loaded import LoadedIntent
from translator.output.progress import progress
from translator.registry import UnknownEngineError

TABLE_MAX = 40
"""The most endpoints `reach` shows as a table by default; larger clusters get the grouped view."""


def parse_probes(texts: Sequence[str], diags: Diagnostics, option: str = "--probe") -> list[Probe]:
    """`80/TCP` texts as probes; malformed ones become input errors."""
    out = []
    for text in texts:
        try:
            out.append(parse_probe(text))
        except ValueError as exc:
            diags.error(codes.INVALID_VALUE, f"{option}: {exc}")
    return out


def check_engine(engine: str | None, diags: Diagnostics, option: str = "--engine") -> None:
    """Report an unknown engine name as an input error."""
    if engine is not None:
        try:
            semantics_of(engine)
        except UnknownEngineError as exc:
            diags.error(codes.UNKNOWN_ENGINE, f"{option}: {exc}")


def stop_on_errors(diags: Diagnostics, fmt: str) -> None:
    """Exit 2 on any error: a policy that could not be read would change every verdict."""
    stop_on_input_errors(diags, fmt)
    if diags.has_errors:
        emit(diags, fmt)
        raise CommandExit(EXIT_INPUT)


def load_inputs(filenames: Sequence[str], recursive: bool, cluster_path: str, engine: str | None,
                diags: Diagnostics, fmt: str) -> tuple[list[LoadedIntent], Cluster]:
    """Policies and cluster, or exit 2 with diagnostics."""
    check_engine(engine, diags)
    loaded = read_policies(filenames, diags, recursive)
    progress().phase("reading the cluster")
    cluster = load_cluster(cluster_path, diags)
    stop_on_errors(diags, fmt)
    assert cluster is not None
    return loaded, cluster


@click.command()
@input_options()
@click.option("--cluster", "cluster_path", required=True, metavar="PATH",
              help="Cluster file (docs/cluster.md; `netpolx snapshot` writes one; `kubectl get namespaces,pods,"
              "services,nodes -A -o yaml` output works too).")
@click.option("--engine", default=None, metavar="NAME[@VERSION]",
              help="Judge every policy under this engine's semantics (default: each under its own kind's).")
@click.option("-o", "--output", type=click.Choice(["table", "groups", "groups-json", "json", "jsonl"]), default=None,
              help="table: a matrix per probe (. allowed, X denied); groups: endpoints that connect alike as "
              "groups named by selectors, with the ports allowed between groups; groups-json: the same groups and "
              "the probes allowed between them as one JSON document (docs/reach.md); json: the contract's result "
              f"list; jsonl: the same results, one JSON object per line. Default: table up to {TABLE_MAX} "
              "endpoints, groups above.")
@click.option("--probe", "probe_texts", multiple=True, metavar="PORT/PROTO",
              help="Add a probe, e.g. 80/TCP (added to the cluster file's probes). Repeatable.")
@click.option("--explain", nargs=3, default=None, metavar="FROM TO PORT/PROTO",
              help="Explain one connection, e.g. --explain x/a y/b 80/TCP.")
@diagnostics_options
def reach(filenames: tuple[str, ...], recursive: bool, cluster_path: str, engine: str | None, output: str | None,
          probe_texts: tuple[str, ...], explain: tuple[str, str, str] | None, diagnostics_format: str,
          error_level: str) -> None:
    """Decide every probe between every pair of endpoints of a cluster.

    A connection is allowed when the source's egress and the destination's ingress both allow it. Without
    --engine each policy is judged under the semantics of its own kind (intents under the intent semantics).
    Exit 0, or 2 on bad input.

    \b
    Example:
      netpolx reach -f policies/ --cluster cluster.yaml -o json
      netpolx reach -f policies/ --cluster cluster.yaml --explain x/a y/b 80/TCP
    """
    diags = make_diagnostics(error_level)
    extra = parse_probes(probe_texts, diags)
    wanted = parse_probes([explain[2]], diags, "--explain") if explain else []
    loaded, cluster = load_inputs(filenames, recursive, cluster_path, engine, diags, diagnostics_format)
    evaluator = Evaluator(cluster, loaded, engine)
    if explain:
        for name in explain[:2]:
            if name not in evaluator.index:
                diags.error(codes.INVALID_VALUE, f"--explain: no endpoint {name!r} in {cluster_path}")
        stop_on_errors(diags, diagnostics_format)
        emit(diags, diagnostics_format)
        trace = evaluator.explain(explain[0], explain[1], wanted[0].port, wanted[0].protocol)
        if output == "json":
            sys.stdout.write(json.dumps({"engine": evaluator.semantics_name, **trace.as_dict()}, indent=2) + "\n")
        else:
            sys.stdout.write("\n".join(trace.lines()) + "\n")
        return
    probes = default_probes(cluster, extra)  # as graph: the pods' container ports when no probe is given
    if not probes:
        diags.error(codes.INVALID_VALUE, f"no probes: {cluster_path} lists none, no pod declares a container port, "
                    "and no --probe was given (e.g. --probe 80/TCP)")
    stop_on_errors(diags, diagnostics_format)
    emit(diags, diagnostics_format)
    if output is None:
        output = "table" if len(evaluator.names) <= TABLE_MAX else "groups"
    if output == "json":
        write_text(json_text(evaluator, probes))
    elif output == "jsonl":
        write_text(jsonl_text(evaluator, probes))
    elif output == "groups":
        sys.stdout.write("\n".join(group_lines(group_reach(evaluator, probes))) + "\n")
    elif output == "groups-json":
        sys.stdout.write(group_json_text(group_reach(evaluator, probes)))
    else:
        write_table(evaluator, probes)


def write_text(pieces: Iterable[str]) -> None:
    """Write pieces of ASCII-safe text to stdout as they come (JSON escapes every non-ASCII character)."""
    out = sys.stdout
    out.flush()
    buffer = getattr(out, "buffer", None)
    for piece in pieces:
        if buffer is not None:
            buffer.write(piece.encode())
        else:
            out.write(piece)
    if buffer is not None:
        buffer.flush()


def write_table(evaluator: Evaluator, probes: Sequence[Probe]) -> None:
    """Per probe, a truth table like the Kubernetes e2e ones: rows from, columns to. Short endpoint names head
    the columns themselves; longer ones are numbered, with the number in front of each row."""
    names = evaluator.names
    width = max((len(n) for n in names), default=1)
    numbered = width > 12
    heads = [str(i + 1) for i in range(len(names))] if numbered else list(names)
    cell = max((len(h) for h in heads), default=1)
    label = [f"{i + 1:>{len(str(len(names)))}} {n}" if numbered else n for i, n in enumerate(names)]
    left = max((len(x) for x in label), default=1)
    lines = [f"engine: {evaluator.semantics_name}"]
    for probe in probes:
        cols = evaluator.columns(probe)
        lines.append("")
        lines.append(f"{probe} (row = from, column = to; . allowed, X denied, - self)")
        lines.append((" " * left + " " + " ".join(h.rjust(cell) for h in heads)).rstrip())
        for s_, row in enumerate(label):
            cells = ["-" if s_ == d else ("." if (cols[d] >> s_) & 1 else "X") for d in range(len(names))]
            lines.append((row.ljust(left) + " " + " ".join(c.rjust(cell) for c in cells)).rstrip())
    sys.stdout.write("\n".join(lines) + "\n")
