"""`graph`: allowed flows between workloads as DOT, Mermaid or a self-contained HTML page."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from translator import codes
from translator.cli.common import (
    EXIT_INPUT,
    CommandExit,
    emit,
    engine_option,
    finish,
    input_options,
    make_diagnostics,
    resolve_target,
    stop_on_unread_inputs,
)
from translator.cli.lint import load_cluster_option
from translator.cli.settings import read_documents
from translator.diagnostics import Diagnostics, SourceLocation
from translator.graph import FORMATS, build_graph, default_probes, render
from translator.load.decode import intents_from_documents
from translator.load.source import write_atomic
from translator.output.reporters import FORMATS as DIAGNOSTICS_FORMATS

MAX_DECISIONS = 1_000_000
"""The most flows (ordered endpoint pairs x probes) one graph decides: beyond it the command refuses rather than
running for minutes (the evaluator decides every pair)."""


def _needs(component: str, diags: Diagnostics, fmt: str) -> None:
    diags.error(codes.NEEDS_COMPONENT, f"graph needs {component}, which this build does not have")
    emit(diags, fmt)
    raise CommandExit(EXIT_INPUT)


@click.command()
@input_options()
@click.option("--cluster", required=True, metavar="PATH",
              help="Cluster file (docs/cluster.md; `netpolx snapshot` writes one, kubectl output works too).")
@click.option("-o", "--output", type=click.Choice(FORMATS), default="dot", show_default=True,
              help="dot (Graphviz), mermaid, or html (one self-contained page with the graph drawn).")
@engine_option(required=False)
@click.option("--probe", "probes", multiple=True, metavar="PORT/PROTO",
              help="Port to decide flows for, e.g. 80/TCP (repeatable; added to the cluster file's probes; "
              "without any, every container port the pods declare).")
@click.option("--group-by", type=click.Choice(["workload", "connectivity"]), default="workload", show_default=True,
              help="workload: a node per workload (pods of one owner) per namespace; connectivity: a node per group of "
              "endpoints that connect alike, named by its selector (`reach -o groups`; exact, and for any cluster "
              "size).")
@click.option("--output-file", default=None, metavar="PATH", help="Write the graph here instead of stdout.")
@click.option("--diagnostics-format", type=click.Choice(DIAGNOSTICS_FORMATS), default="text", show_default=True,
              help="Format of the diagnostics on stderr.")
def graph(filenames: tuple[str, ...], recursive: bool, cluster: str, output: str, engine: str | None,
          platform: str | None, acns: bool, probes: tuple[str, ...], group_by: str, output_file: str | None,
          diagnostics_format: str) -> None:
    """Draw the allowed flows: workloads grouped by namespace as nodes, allowed flows as edges labelled with
    their ports (dashed when only some pods of the two workloads may connect), default-deny workloads marked.

    Flows are decided by the reference evaluator under --engine's semantics (default: each policy under its
    own kind's).

    \b
    Example:
      netpolx graph -f samples/seed/ --cluster cluster.yaml -o html --output-file flows.html
      netpolx graph -f policies/ --cluster cluster.yaml --engine cilium --probe 443/TCP -o mermaid
    """
    diags = make_diagnostics()
    try:
        from translator.cluster.model import parse_probe
        from translator.evaluator import Evaluator
    except ImportError:
        _needs("the reference evaluator (translator.evaluator)", diags, diagnostics_format)
        return
    if engine:
        resolve_target(engine, platform, acns, diags, diagnostics_format)
    extra = []
    for text in probes:
        try:
            extra.append(parse_probe(text))
        except ValueError as exc:
            diags.error(codes.INVALID_VALUE, f"--probe: {exc}")
    model = load_cluster_option(cluster, diags, diagnostics_format)
    docs = read_documents(filenames, diags, recursive)
    loaded = intents_from_documents(docs, diags)
    stop_on_unread_inputs(diags, diagnostics_format)
    assert model is not None
    chosen = default_probes(model, extra)
    if not chosen:
        diags.error(codes.GRAPH_NO_PROBES, "no probes: the cluster file lists none, no pod declares a container "
                    "port, and no --probe was given (e.g. --probe 80/TCP)", SourceLocation(cluster))
        emit(diags, diagnostics_format)
        raise CommandExit(EXIT_INPUT)
    endpoints = len(model.endpoint_names)
    decisions = endpoints * max(endpoints - 1, 0) * len(chosen)
    if decisions > MAX_DECISIONS and group_by == "workload":
        diags.error(codes.GRAPH_TOO_LARGE, f"{endpoints:,} endpoints and {len(chosen)} probe(s) are {decisions:,} "
                    f"flows to decide, more than the {MAX_DECISIONS:,} graph evaluates (a picture that size is "
                    "unreadable anyway): use --group-by connectivity, give a cluster file with the namespaces of "
                    "interest, or fewer --probe",
                    SourceLocation(cluster, 1))
        emit(diags, diagnostics_format)
        raise CommandExit(EXIT_INPUT)
    evaluator = Evaluator(model, loaded, engine)
    if group_by == "connectivity":
        from translator.evaluator.groups import group_reach
        from translator.graph.build import build_group_graph

        flows = build_group_graph(evaluator, group_reach(evaluator, chosen))
    else:
        rows = ((r.src, r.dst, r.port, r.protocol, r.allowed) for r in evaluator.iter_matrix(chosen))
        flows = build_graph(model, loaded, rows, chosen, evaluator.semantics_name)
    text = render(flows, output)
    emit(diags, diagnostics_format)
    if output_file is None:
        sys.stdout.write(text)
        return
    try:
        write_atomic(Path(output_file), text)
    except OSError as exc:
        diags.error(codes.UNREADABLE, f"cannot write {output_file}: {exc}")
        finish(diags, diagnostics_format)
