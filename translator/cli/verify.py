"""`netpolx verify`: do two policy sets allow exactly the same connections?"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

import translator.evaluator.verify as verification
from translator import codes
from translator.cli.common import (
    EXIT_FINDINGS,
    CommandExit,
    diagnostics_options,
    emit,
    finish,
    input_options,
    make_diagnostics,
)
from translator.cli.reach import check_engine, stop_on_errors
from translator.cli.settings import read_policies
from translator.cluster.model import Cluster, load_cluster
from translator.cluster.ranges import RANGE_SETTINGS, ClusterRanges, cluster_ranges
from translator.diagnostics import Diagnostics
from translator.evaluator.verify import VerifyResult
from translator.load.source import dump_yaml, write_atomic
from translator.output.plural import count
from translator.output.progress import progress
from translator.proof import Proof, prove
from translator.target import TargetError, parse_target

MAX_TODAY = 20
MAX_NAMES = 12


@click.command()
@input_options()
@click.option("--against", "against", multiple=True, required=True, metavar="PATH",
              help="The target policy set (file, directory or -). Repeatable.")
@click.option("--cluster", "cluster_path", default=None, metavar="PATH",
              help="A cluster to look through: says whether the difference reaches its endpoints today (the proof "
                   "itself covers every possible cluster).")
@click.option("--source-engine", default=None, metavar="NAME", help="Judge the source set under this engine.")
@click.option("--target-engine", default=None, metavar="NAME", help="Judge the target set under this engine.")
@click.option("--witness-cluster", "witness_path", default=None, metavar="PATH",
              help="Write the witness as a cluster file (replay it with `reach --cluster PATH --explain ...`).")
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@diagnostics_options
def verify(filenames: tuple[str, ...], recursive: bool, against: tuple[str, ...], cluster_path: str | None,
           source_engine: str | None, target_engine: str | None, witness_path: str | None, output: str,
           diagnostics_format: str, error_level: str) -> None:
    """Prove that two policy sets (any kinds, each under its own engine's semantics) allow the same traffic on
    every possible cluster.

    Equivalent, or the difference: a smallest concrete witness with both traces, and the regions that differ,
    grouped. With --cluster, also whether the difference reaches that cluster's endpoints today. Every run ends
    with what was proven, the assumptions and what was left out. Exit 0 equivalent, 1 not, 2 bad input.

    \b
    Example:
      netpolx verify -f intents/ --against out/cilium/
      netpolx verify -f old-npm/ --against new-cilium/ --cluster cluster.yaml
    """
    diags = make_diagnostics(error_level)
    check_engine(source_engine, diags, "--source-engine")
    check_engine(target_engine, diags, "--target-engine")
    ranges = ranges_of(source_engine, target_engine, diags)
    source = read_policies(filenames, diags, recursive, ranges)
    target = read_policies(against, diags, recursive, ranges)
    progress().phase("reading the cluster")
    cluster: Cluster | None = load_cluster(cluster_path, diags) if cluster_path else None
    stop_on_errors(diags, diagnostics_format)
    emit(diags, diagnostics_format)
    progress().phase("proving")
    proof = prove(source, target, source_engine, target_engine, cluster, ranges=ranges)
    today = None
    if cluster is not None and not proof.equivalent:
        progress().phase("comparing on the cluster")
        today = verification.verify(source, target, cluster, source_engine, target_engine)
    progress().done()
    if witness_path and proof.witness is not None:
        try:
            write_atomic(Path(witness_path), dump_yaml([proof.witness.point.cluster_data()]))
        except OSError as exc:
            diags.error(codes.UNREADABLE, f"cannot write {witness_path}: {exc}")
            finish(diags, diagnostics_format)
    sys.stdout.write(render_json(proof, today, cluster) if output == "json" else render_text(proof, today, cluster))
    if not proof.equivalent:
        raise CommandExit(EXIT_FINDINGS)


def ranges_of(source_engine: str | None, target_engine: str | None, diags: Diagnostics) -> ClusterRanges:
    """Where pods and nodes may be (`pod-cidr`, `node-cidr`, `service-cidr` settings of either engine, as `translate
    --verify` takes them from its target): both sides run on one cluster, so a setting given twice must agree."""
    merged: dict[str, str] = {}
    for option, engine in (("--source-engine", source_engine), ("--target-engine", target_engine)):
        try:
            settings = parse_target(engine).settings if engine else {}
        except TargetError:
            continue  # check_engine reported it
        for key in RANGE_SETTINGS:
            value = settings.get(key)
            if value is None:
                continue
            if merged.get(key, value) != value:
                diags.error(codes.UNKNOWN_ENGINE, f"{option}: {key}={value} differs from --source-engine's "
                            f"{key}={merged[key]}; both sets run on one cluster, so give it once (or the same)")
            merged.setdefault(key, value)
    return cluster_ranges(merged)


def _semantics(proof: Proof) -> str:
    return f"source under {proof.source_semantics} semantics, target under {proof.target_semantics} semantics"


def render_text(proof: Proof, today: VerifyResult | None, cluster: Cluster | None) -> str:
    """Verdict, regions, witness with both traces, the cluster lens, coverage."""
    if proof.equivalent:
        lines = [f"equivalent: on every possible cluster; {_semantics(proof)}"]
    else:
        count = f"{proof.region_count:,} region{'s' if proof.region_count != 1 else ''} differ" + \
            ("s" if proof.region_count == 1 else "")
        lines = [f"NOT equivalent: {count} on some possible cluster; {_semantics(proof)}",
                 "", "regions:"]
        lines.extend(f"  {line}" for line in proof.region_lines())
        witness = proof.witness
        if witness is not None:
            lines.extend(["", f"witness: {witness.summary()}"])
            lines.extend(f"  {verification.describe_endpoint(witness.point.cluster, n)}"
                         for n in (witness.src, witness.dst))
            lines.extend("  source: " + line for line in witness.source_trace.lines())
            lines.extend("  target: " + line for line in witness.target_trace.lines())
            if witness.point.icmp_code is not None:
                lines.append(f"  (the difference needs ICMP code {witness.point.icmp_code}; a probe carries a code no "
                             "rule names, so `reach` shows the type only)")
    if cluster is not None:
        lines.extend(["", lens_text(proof, cluster)])
        for diff in (today.differences[:MAX_TODAY] if today is not None else []):
            lines.append(f"  {diff.summary()}")
        if today is not None and len(today.differences) > MAX_TODAY:
            lines.append(f"  ... and {len(today.differences) - MAX_TODAY} more connections of the given cluster")
    lines.extend(["", f"coverage: {proof.coverage}"])
    return "\n".join(lines) + "\n"


def lens_text(proof: Proof, cluster: Cluster) -> str:
    """What the difference means for the given cluster today."""
    lens = proof.lens
    sizes = f"{count(len(cluster.pods), 'pod')}, {count(len(cluster.externals), 'external endpoint')}"
    head = f"on the given cluster ({sizes}): "
    warnings = "".join(f"\nwarning: {w}" for w in (lens.warnings if lens else []))
    if proof.equivalent:
        return head + "nothing differs" + warnings
    if lens is None or not lens.touched:
        return head + "the difference does not reach its endpoints today (it would once matching pods exist)" + \
            warnings
    return (head + f"the difference reaches it today: from {_names(lens.sources)}; to {_names(lens.destinations)}"
            + warnings)


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:MAX_NAMES])
    return shown + (f" (+{len(names) - MAX_NAMES} more)" if len(names) > MAX_NAMES else "")


def render_json(proof: Proof, today: VerifyResult | None, cluster: Cluster | None) -> str:
    """The proof as JSON: verdict, regions, witness (with its cluster, for `reach`), lens, coverage."""
    differences = []
    witness = proof.witness
    if witness is not None:
        p = witness.point.probe
        differences.append({"from": witness.src, "to": witness.dst, "port": p.port, "protocol": p.protocol,
                            "source_allowed": witness.source_trace.allowed,
                            "target_allowed": witness.target_trace.allowed,
                            "source_trace": witness.source_trace.lines(),
                            "target_trace": witness.target_trace.lines()})
    data: dict[str, object] = {
        "equivalent": proof.equivalent,
        "proof": "every possible cluster",
        "cluster": "given" if cluster is not None else "synthesized",
        "source_semantics": proof.source_semantics,
        "target_semantics": proof.target_semantics,
        "regions": [{"region": r.text, "source_allowed": r.source_allowed, "target_allowed": not r.source_allowed}
                    for r in proof.regions],
        "region_count": proof.region_count,
        "witness": None if witness is None else {**differences[0], "cluster": witness.point.cluster_data()},
        "differences": differences,
        "coverage": proof.coverage,
    }
    if cluster is not None:
        lens = proof.lens
        data["lens"] = {"touched": bool(lens and lens.touched), "sources": lens.sources if lens else [],
                        "destinations": lens.destinations if lens else [], "warnings": lens.warnings if lens else [],
                        "connections": [d.as_dict() for d in (today.differences[:MAX_TODAY] if today else [])]}
    return json.dumps(data, indent=2) + "\n"
