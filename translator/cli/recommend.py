"""`recommend`: which engine should enforce these policies, best first, weighed as a platform team weighs it."""

from __future__ import annotations

import json
import sys

import click

from translator.cli.common import input_options, make_diagnostics, stop_on_input_errors, stop_on_unread_inputs
from translator.cli.migration_check import load_migration, parse_engine
from translator.migration import recommend as engine_choice
from translator.migration import recommend_report
from translator.registry import all_backends
from translator.target import parse_target


@click.command(name="recommend")
@input_options(settings=False)
@click.option("--platform", type=click.Choice(["aks"]), default=None,
              help="Managed platform whose engine options to compare (aks: Azure CNI powered by Cilium, with or "
              "without ACNS, Calico, Azure NPM Linux/Windows); without it every installed engine.")
@click.option("--from", "source_engine", default=None, metavar="ENGINE",
              help="The engine enforcing the policies today (e.g. azure-npm); default: the inputs' kind.")
@click.option("--cluster", default=None, metavar="PATH",
              help="Cluster file (see docs/cluster.md): computes the pre-migration edits and verifies the move.")
@click.option("--windows-nodes", is_flag=True, help="The cluster has (or will have) Windows node pools.")
@click.option("--nodes", type=click.IntRange(min=1), default=None, help="Node count (checks scale limits).")
@click.option("--pods", type=click.IntRange(min=1), default=None, help="Pod count (checks scale limits).")
@click.option("--new-cluster", is_flag=True, help="The engine is for a new cluster (AKS-managed Calico possible).")
@click.option("-v", "--verbose", is_flag=True, help="The full reasoning: every option, reason and condition.")
@click.option("-o", "--output", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--diagnostics-format", type=click.Choice(["text", "json", "sarif"]), default="text",
              show_default=True, help="Format of input diagnostics on stderr.")
def recommend(filenames: tuple[str, ...], recursive: bool, platform: str | None, source_engine: str | None,
              cluster: str | None, windows_nodes: bool, nodes: int | None, pods: int | None, new_cluster: bool,
              verbose: bool, output: str, diagnostics_format: str) -> None:
    """Which engine should enforce these policies, best first: one screen by default, the full reasoning with -v.

    Options are ranked by what a platform team weighs: node pool OS and scale limits, support lifecycle,
    whether the engine can enforce the policies, managed before self-managed, exact (or exact after the
    pre-migration edits that `migrate` writes) before remaining changes, paid add-ons only when needed, and the
    platform's recommended engine. Every option is judged by the same capability check as `translate`.
    Exit 0 (2 on bad input).

    \b
    Example:
      netpolx recommend --platform aks -f policies/
      netpolx recommend --platform aks --from azure-npm --cluster cluster.yaml -f policies/ -o markdown
      netpolx recommend --platform aks --windows-nodes -f policies/ -o json
    """
    diags = make_diagnostics()
    source = parse_engine(source_engine, platform, False, diags, "--from", allow_intent=True) \
        if source_engine else None
    stop_on_input_errors(diags, diagnostics_format)
    pre_target = engine_choice.pre_migration_backend()
    mi = load_migration(filenames, recursive, source.name if source else None,
                        parse_target(pre_target.name if pre_target else next(iter(all_backends())), platform),
                        (), cluster, diags, diagnostics_format)
    stop_on_unread_inputs(diags, diagnostics_format)
    ctx = engine_choice.Context(windows_nodes=windows_nodes, nodes=nodes, pods=pods, new_cluster=new_cluster)
    options = engine_choice.platform_options(platform) if platform else ()
    if options:
        pre = engine_choice.pre_migration(mi)
    else:
        options, pre = engine_choice.generic_options(), None
    ranked = engine_choice.recommend(mi.loaded, options=options, ctx=ctx, pre=pre)
    data = recommend_report.as_dict(ranked, mi.loaded, ctx, platform or "any")
    if output == "json":
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    elif output == "markdown":
        sys.stdout.write(recommend_report.render_markdown(data))
    else:
        sys.stdout.write(recommend_report.render_text(data, verbose))
