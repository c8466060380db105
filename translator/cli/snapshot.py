"""`snapshot`: write a cluster file (docs/cluster.md) from a live cluster, through the user's own kubectl.

Runs `kubectl get namespaces,pods,services,nodes -A -o json` with the user's kubeconfig and context (or
`--kubeconfig`/`--context`), reads the answer as `--cluster` would, and writes the trimmed contract form:
namespaces and labels, pods with IPs, ports, nodes and hostNetwork, Services with their type,
externalTrafficPolicy and loadBalancerSourceRanges, nodes with addresses and pod CIDRs. Nothing else of the
cluster (no Secrets, no annotations, no status beyond IPs) is kept.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import click

from translator import codes
from translator.cli.common import EXIT_INPUT, CommandExit, emit, make_diagnostics
from translator.cluster.model import cluster_from_data
from translator.diagnostics import Diagnostics
from translator.load.source import SourceFile, dump_yaml, parse_text, write_atomic

RESOURCES = "namespaces,pods,services,nodes"
TIMEOUT = 120


def kubectl_command(kubectl: str, context: str | None, kubeconfig: str | None,
                    namespace: str | None) -> list[str]:
    """The kubectl invocation (all namespaces unless `namespace`)."""
    cmd = [kubectl]
    if kubeconfig:
        cmd += ["--kubeconfig", kubeconfig]
    if context:
        cmd += ["--context", context]
    cmd += ["get", RESOURCES, "-o", "json"]
    cmd += ["-n", namespace] if namespace else ["-A"]
    return cmd


def _fail(diags: Diagnostics, message: str) -> None:
    diags.error(codes.UNREADABLE, message)
    emit(diags, "text")
    raise CommandExit(EXIT_INPUT)


@click.command()
@click.option("--context", default=None, help="kubeconfig context to use (default: kubectl's current context).")
@click.option("--kubeconfig", default=None, type=click.Path(dir_okay=False), help="kubeconfig file for kubectl.")
@click.option("-n", "--namespace", default=None,
              help="Only this namespace's pods and Services (default: all namespaces).")
@click.option("--kubectl", "kubectl", default="kubectl", show_default=True, help="The kubectl program to run.")
@click.option("-o", "--output", "output", default="-", show_default=True, type=click.Path(dir_okay=False),
              help="Where to write the cluster file (- for stdout).")
def snapshot(context: str | None, kubeconfig: str | None, namespace: str | None, kubectl: str, output: str) -> None:
    """Write a cluster file (for --cluster) from a live cluster, through your own kubectl and context.

    Exit 0; 2 when kubectl is missing or fails, or its answer is not a cluster (nothing is written).

    \b
    Example:
      netpolx snapshot --context prod-aks -o cluster.yaml
      netpolx migrate --from azure-npm --to cilium --platform aks -f netpols/ --cluster cluster.yaml --output-dir m/
    """
    diags = make_diagnostics()
    program = shutil.which(kubectl)
    if program is None:
        _fail(diags, f"{kubectl}: not found; install kubectl or pass --kubectl PATH")
    cmd = kubectl_command(program or kubectl, context, kubeconfig, namespace)
    try:
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        _fail(diags, f"{' '.join(cmd)}: {exc}")
        return
    if run.returncode != 0:
        _fail(diags, f"{' '.join(cmd)} exited {run.returncode}: {run.stderr.strip() or run.stdout.strip()}")
    source = SourceFile("<kubectl>", run.stdout)
    docs = parse_text(source, diags)
    cluster = cluster_from_data(docs, source, diags) if docs is not None else None
    if cluster is None:
        emit(diags, "text")
        raise CommandExit(EXIT_INPUT)
    where = f"context {context}" if context else "the current context"
    text = (f"# netpolx cluster file (docs/cluster.md), from `kubectl get {RESOURCES}` in {where}\n"
            + dump_yaml([cluster.dump()]))
    if output == "-":
        sys.stdout.write(text)
    else:
        write_atomic(Path(output), text)
    emit(diags, "text")
