"""`netpolx verify`: do two policy sets allow exactly the same connections?"""

from __future__ import annotations

import json
import sys

import click

import translator.evaluator.verify as verification
from translator.cli.common import (
    EXIT_FINDINGS,
    CommandExit,
    diagnostics_options,
    emit,
    input_options,
    make_diagnostics,
)
from translator.cli.reach import check_engine, stop_on_errors
from translator.cli.settings import read_policies
from translator.cluster import Cluster, load_cluster
from translator.evaluator.verify import VerifyResult


@click.command()
@input_options()
@click.option("--against", "against", multiple=True, required=True, metavar="PATH",
              help="The target policy set (file, directory or -). Repeatable.")
@click.option("--cluster", "cluster_path", default=None, metavar="PATH",
              help="Compare on this cluster's endpoints and probes (default: a synthesized complete cover).")
@click.option("--source-engine", default=None, metavar="NAME", help="Judge the source set under this engine.")
@click.option("--target-engine", default=None, metavar="NAME", help="Judge the target set under this engine.")
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@diagnostics_options
def verify(filenames: tuple[str, ...], recursive: bool, against: tuple[str, ...], cluster_path: str | None,
            source_engine: str | None, target_engine: str | None, output: str, diagnostics_format: str,
            error_level: str) -> None:
    """Check that two policy sets (any kinds, each under its own engine's semantics) are equivalent.

    Prints every connection whose verdict differs, with both traces. Exit 0 equivalent, 1 not, 2 bad input.

    \b
    Example:
      netpolx verify -f intents/ --against out/cilium/
      netpolx verify -f old-npm/ --against new-cilium/ --cluster cluster.yaml
    """
    diags = make_diagnostics(error_level)
    check_engine(source_engine, diags, "--source-engine")
    check_engine(target_engine, diags, "--target-engine")
    source = read_policies(filenames, diags, recursive)
    target = read_policies(against, diags, recursive)
    cluster: Cluster | None = load_cluster(cluster_path, diags) if cluster_path else None
    stop_on_errors(diags, diagnostics_format)
    emit(diags, diagnostics_format)
    result = verification.verify(source, target, cluster, source_engine, target_engine)
    sys.stdout.write(render_json(result) if output == "json" else render_text(result))
    if not result.equivalent:
        raise CommandExit(EXIT_FINDINGS)


def describe(result: VerifyResult) -> str:
    """What was compared."""
    cluster = result.cluster
    where = "a synthesized cluster" if result.synthesized else "the given cluster"
    return (f"{result.connections} connections on {where} ({len(cluster.pods)} pods, {len(cluster.externals)} "
            f"external endpoints, {len(result.probes)} probes); source under {result.source.semantics_name} "
            f"semantics, target under {result.target.semantics_name} semantics")


def render_text(result: VerifyResult) -> str:
    """Verdict, then each differing connection with both traces."""
    lines = [("equivalent: " if result.equivalent else f"NOT equivalent: {len(result.differences)} connections "
              "differ; ") + describe(result)]
    lines.extend(f"note: {n}" for n in result.cluster.notes)
    for diff in result.differences:
        lines.append("")
        lines.append(diff.summary())
        lines.extend(f"  {verification.describe_endpoint(result.cluster, n)}" for n in (diff.src, diff.dst))
        lines.extend("  source: " + line for line in diff.source_trace.lines())
        lines.extend("  target: " + line for line in diff.target_trace.lines())
    return "\n".join(lines) + "\n"


def render_json(result: VerifyResult) -> str:
    """The verdict and the differences as JSON."""
    data = {
        "equivalent": result.equivalent,
        "connections": result.connections,
        "cluster": "synthesized" if result.synthesized else "given",
        "source_semantics": result.source.semantics_name,
        "target_semantics": result.target.semantics_name,
        "probes": [str(p) for p in result.probes],
        "notes": result.cluster.notes,
        "differences": [d.as_dict() for d in result.differences],
    }
    return json.dumps(data, indent=2) + "\n"
