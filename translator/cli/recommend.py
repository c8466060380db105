"""`recommend`: which engine can enforce these policies, best first, with reasons and the `az aks` flags."""

from __future__ import annotations

import json
import sys

import click

from translator.cli.common import input_options, make_diagnostics, stop_on_input_errors
from translator.cli.settings import read_policies
from translator.migration import recommend as engine_choice


@click.command(name="recommend")
@input_options()
@click.option("--platform", type=click.Choice(["aks"]), default=None,
              help="Managed platform whose engine options to compare (aks: Azure NPM Linux/Windows, Calico, Cilium, "
              "Cilium with ACNS); without it every installed engine.")
@click.option("--windows-nodes", is_flag=True, help="The cluster has (or will have) Windows node pools.")
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--diagnostics-format", type=click.Choice(["text", "json", "sarif"]), default="text",
              show_default=True, help="Format of input diagnostics on stderr.")
def recommend(filenames: tuple[str, ...], recursive: bool, platform: str | None, windows_nodes: bool,
              output: str, diagnostics_format: str) -> None:
    """Which engines can enforce these policies exactly, best first, with what each would refuse or change, its
    version and platform conditions, retirement dates, and the az aks flags for the recommended one.

    Every option is judged by the same capability check as `translate`. Exit 0 (2 on bad input).

    \b
    Example:
      netpolx recommend --platform aks -f policies/
      netpolx recommend --platform aks --windows-nodes -f policies/ -o json
    """
    diags = make_diagnostics()
    loaded = read_policies(filenames, diags, recursive)
    stop_on_input_errors(diags, diagnostics_format)
    options = engine_choice.AKS_OPTIONS if platform == "aks" else engine_choice.generic_options()
    ranked = engine_choice.recommend(loaded, windows_nodes, options=options)
    data = engine_choice.as_dict(ranked, loaded, windows_nodes, platform or "any")
    sys.stdout.write(json.dumps(data, indent=2) + "\n" if output == "json" else engine_choice.render_text(data))
