"""Regenerate the generated parts of README.md (`make readme`): the quick tour, whose outputs come from running
each command for real, and the capability matrix, from the backends' tables."""

from __future__ import annotations

import io
import os
import re
import shlex
import shutil
import sys
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from translator.capabilities import render_markdown
from translator.cli import main as netpolx
from translator.cli.engines import matrix_tables

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
OUT = "/tmp/netpolx-tour"

# (heading, text, command, lines of output to keep)
TOUR: list[tuple[str, str, str, int]] = [
    ("Translate", "Compile intents (or any supported native policies) for one engine. The seed example to vanilla "
     "NetworkPolicy:", "netpolx translate --engine kubernetes -f samples/intents/seed.yaml", 36),
    ("", "FQDN egress to Cilium: the DNS rule Cilium needs rides on the intent's `allowDNS` rule:",
     "netpolx translate --engine cilium -f samples/intents/fqdn-egress.yaml", 60),
    ("", "An engine that cannot express a feature refuses, naming the file, line and feature (exit 1, nothing "
     "written):", "netpolx translate --engine kubernetes -f samples/intents/l7-http.yaml", 10),
    ("", "A cluster-wide intent becomes a Calico GlobalNetworkPolicy:",
     "netpolx translate --engine calico -f samples/intents/cluster-wide.yaml", 30),
    ("Check", "Only the diagnostics, plus the engine's caveats. Azure NPM on Windows silently skips policies with "
     "named ports, so netpolx refuses:", "netpolx check --engine azure-npm-windows -f samples/intents/named-ports.yaml",
     10),
    ("Import", "Native policies to intents (NetworkPolicy, Cilium, Calico):",
     "netpolx import -f samples/seed/03-backend.yaml", 40),
    ("Engines", "The capability matrix (also `-o json`, `-o markdown`):", "netpolx engines", 14),
    ("Schema", "The JSON Schema of the intent, for editors and CI:", "netpolx schema", 6),
    ("Reach", "Which connections a set of policies allows on a cluster, under an engine's semantics "
     "(`-o json` per the contract, `-o jsonl` the same results one per line, `-o table`, `-o groups`, "
     "`-o groups-json`, `--explain FROM TO PORT/PROTO`):",
     "netpolx reach -f samples/seed/ --cluster samples/graph/seed-cluster.yaml -o table", 40),
    ("", "For people, on clusters of any size: endpoints that connect alike collapse into groups named by the selector "
     "a person would write, under their namespaces, with the ports allowed between groups (exact: every pair of "
     "endpoints has its groups' verdict; the default above 40 endpoints). Larger clusters get a summary first: the "
     "groups open to or closed to every endpoint, and a namespace-by-namespace overview. `-o groups-json` gives the "
     "same groups (selectors, members) and edges to machines; `graph --group-by connectivity` draws them; "
     "docs/reach.md. Progress shows on a terminal when the work takes more than 2 s:",
     "netpolx reach -f samples/seed/ --cluster samples/graph/seed-cluster.yaml -o groups", 30),
    ("", "Why one connection is allowed or denied:",
     "netpolx reach -f samples/seed/ --cluster samples/graph/seed-cluster.yaml --explain "
     "shop/frontend-5c8d7b9f6-qwz7t shop/backend-6b7c9d8f5-zrt5v 8080/TCP", 30),
    ("Verify", "Do two policy sets allow exactly the same traffic? First translate, then prove it (each side under "
     "its own engine's semantics, on every possible cluster: any labels, any address, every port):",
     f"netpolx translate --engine calico -f samples/intents/seed.yaml --output-dir {OUT}/seed-calico --prune", 0),
    ("", "", f"netpolx verify -f samples/intents/seed.yaml --against {OUT}/seed-calico", 20),
    ("", "A one-character change to a port is caught: the regions that differ, then a smallest witness with both "
     "traces:",
     f"netpolx verify -f samples/intents/seed.yaml --against {OUT}/seed-calico-edited", 24),
    ("", "`translate --verify` does both in one step. Under Cilium an ipBlock never matches pods, so the seed's "
     "`0.0.0.0/0` ingress changes; the change was announced, so it is reported but not an error:",
     "netpolx translate --engine cilium -f samples/intents/seed.yaml --verify --output-dir "
     f"{OUT}/seed-cilium", 12),
    ("Recommend", "Which engine should enforce these policies on AKS, weighed as a platform team weighs it (node "
     "pools, support lifecycle, managed or self-managed, paid add-ons, scale limits); one screen, `-v` for every "
     "reason, `-o markdown|json`. With `--cluster` the pre-migration edits are computed and the move verified:",
     "netpolx recommend --platform aks --from azure-npm -f samples/migration/npm-cluster/policies.yaml "
     "--cluster samples/migration/npm-cluster/cluster.yaml", 24),
    ("", "Policies with DNS names need ACNS, the paid add-on:",
     "netpolx recommend -f samples/intents/fqdn-egress.yaml --platform aks", 12),
    ("Migration check", "Microsoft's five Azure NPM -> Cilium checks and the migration pitfalls, offline:",
     "netpolx check --from azure-npm --to cilium -f samples/migration/npm-cluster/policies.yaml "
     "--services samples/migration/npm-cluster/services.yaml --cluster samples/migration/npm-cluster/cluster.yaml",
     30),
    ("Migrate", "Import, translate, verify, and write the bundle: target/, pre-migration/ (edits for the old "
     "engine), post-migration/ (add-ons, one file per concern), rollback/ (every replaced object as it is today), "
     "and report.md/html/json with the plan: the order of steps, the old objects to delete by name, the rollback. "
     "Exit 1 when something is refused, verification finds a changed connection, or a finding at or above "
     "`--fail-on` (default error) is left that the bundle does not answer; a verified equivalent migration with "
     "announced changes exits 0 (`--fail-on changed` makes any announced change exit 1). The first line says why:",
     "netpolx migrate --from azure-npm --to cilium --platform aks -f samples/migration/npm-cluster/policies.yaml "
     "--services samples/migration/npm-cluster/services.yaml --cluster samples/migration/npm-cluster/cluster.yaml "
     f"--output-dir {OUT}/npm", 30),
    ("Explain", "What each policy does, in plain words (also `-o markdown`, `-o json`, `--engine`):",
     "netpolx explain -f samples/seed/", 40),
    ("Lint", "Authoring mistakes, with fixes:",
     "netpolx lint -f samples/seed/", 20),
    ("", "`--diff` previews the fixes and writes nothing; fixes that change what traffic is allowed are written only "
     "with `--fix-unsafe` (see *Lint fixes*):", "netpolx lint -f samples/seed/00-default-deny.yaml --diff", 30),
    ("Graph", "Allowed flows as a graph (`-o dot`, `-o mermaid`, or `-o html`: one self-contained page):",
     "netpolx graph -f samples/seed/ --cluster samples/graph/seed-cluster.yaml -o mermaid", 30),
]


def prepare() -> None:
    """Files the tour's commands read: a copy of the Calico translation with one port changed."""
    run(f"netpolx translate --engine calico -f samples/intents/seed.yaml --output-dir {OUT}/seed-calico --prune")
    edited = Path(OUT) / "seed-calico-edited"
    edited.mkdir(parents=True, exist_ok=True)
    for path in sorted((Path(OUT) / "seed-calico").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        if path.name.endswith("_shop_backend.yaml"):
            text = text.replace("8080", "8081")
        (edited / path.name).write_text(text, encoding="utf-8")


def run(command: str) -> tuple[int, str]:
    """Run one netpolx command line in process; stdout then stderr, as a terminal would show them."""
    args = shlex.split(command)[1:]
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = netpolx(args)
    return code, out.getvalue() + err.getvalue()


def tour() -> str:
    """The tour section, every output produced now."""
    parts: list[str] = []
    for heading, text, command, keep in TOUR:
        code, output = run(command)
        if heading:
            parts.append(f"### {heading}\n")
        if text:
            parts.append(text + "\n")
        lines = output.rstrip("\n").splitlines()
        shown = lines[:keep] + ([f"... ({len(lines) - keep} more lines)"] if len(lines) > keep else [])
        status = f"  # exit {code}" if code else ""
        block = "\n".join([f"$ {command}{status}", *shown])
        parts.append(f"```\n{block}\n```\n")
    return "\n".join(parts)


def main() -> None:
    os.chdir(ROOT)
    shutil.rmtree(OUT, ignore_errors=True)  # every output folder of the tour starts new
    Path(OUT).mkdir(parents=True, exist_ok=True)
    prepare()
    with tempfile.TemporaryDirectory():
        text = README.read_text(encoding="utf-8")
        text = re.sub(r"<!-- tour:start -->\n.*?<!-- tour:end -->",
                      lambda _: f"<!-- tour:start -->\n{tour()}<!-- tour:end -->", text, flags=re.S)
        matrix = render_markdown(matrix_tables())
        text = re.sub(r"<!-- matrix:start -->\n.*?<!-- matrix:end -->",
                      lambda _: f"<!-- matrix:start -->\n{matrix}<!-- matrix:end -->", text, flags=re.S)
    README.write_text(text, encoding="utf-8")
    sys.stdout.write("README.md updated\n")


if __name__ == "__main__":
    main()
