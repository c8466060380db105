"""Benchmark: lint N realistic NetworkPolicies (the translate benchmark's generator), in process.

Prints the time to load and import them, the time of every lint check, the time spent turning findings into
file:line (composing the YAML node tree, done once and only when there are findings), and the peak RSS.

    python benchmarks/lint.py [--policies 10000]
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from translate import make_policy

from translator.diagnostics import Diagnostics
from translator.lint import LintInput
from translator.lint.run import CHECKS
from translator.load.decode import intents_from_documents
from translator.load.source import documents_from_text, dump_yaml


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policies", type=int, default=10_000)
    args = parser.parse_args()
    rng = random.Random(7)
    text = dump_yaml([make_policy(i, rng) for i in range(args.policies)])
    start = time.perf_counter()
    diags = Diagnostics()
    docs = documents_from_text(text, "bench.yaml", diags)
    loaded = intents_from_documents(docs, diags)
    load = time.perf_counter() - start
    inp = LintInput(docs, loaded)
    checks = time.perf_counter()
    found = 0
    for check in CHECKS:
        t0 = time.perf_counter()
        findings = list(check(inp))
        found += len(findings)
        print(f"  {check.__module__.rsplit('.', 1)[-1]}.{check.__name__}: {len(findings)} findings, "
              f"{time.perf_counter() - t0:.2f} s")
    total = time.perf_counter() - checks
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"{args.policies} policies: load+import {load:.2f} s, lint {total:.2f} s ({found} findings, locating "
          f"included), {args.policies / total:,.0f} policies/s, peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
