"""`engines` and `schema`."""

from __future__ import annotations

import json
import sys

import click

from translator.capabilities import Capability, render_json, render_markdown, render_text
from translator.features import Feature
from translator.load.decode import schema_text
from translator.registry import all_backends


def matrix_tables() -> list[tuple[str, dict[Feature, Capability]]]:
    """(engine name, capability table) for every backend, in display order."""
    return [(name, dict(cls.capabilities)) for name, cls in all_backends().items()]


@click.command()
@click.option("-o", "--output", type=click.Choice(["table", "json", "markdown"]), default="table", show_default=True)
def engines(output: str) -> None:
    """List the engines and what each can express (the capability matrix).

    yes: native; lowered: rewritten exactly; changed: translated with an announced change; no / too old /
    unenforced / add-on: refused, because the result would allow different traffic.
    """
    tables = matrix_tables()
    if output == "json":
        sys.stdout.write(render_json(tables))
        return
    if output == "markdown":
        sys.stdout.write(render_markdown(tables))
        return
    backends = all_backends()
    width = max(map(len, backends))
    for name, cls in backends.items():
        sys.stdout.write(f"{name:<{width}}  {cls.summary}\n")
    sys.stdout.write("\n" + render_text(tables))


@click.command()
@click.option("--cluster", "cluster", is_flag=True, help="The cluster file's schema instead (docs/cluster.md).")
def schema(cluster: bool) -> None:
    """Print the JSON Schema of the NetworkIntent, or with --cluster of the cluster file (for editors and CI)."""
    if cluster:
        from translator.cluster.model import cluster_schema

        sys.stdout.write(json.dumps(cluster_schema(), indent=2, sort_keys=True) + "\n")
        return
    sys.stdout.write(schema_text())
