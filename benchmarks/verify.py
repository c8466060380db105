"""Benchmark: the complete proof (`verify`) of N Kubernetes NetworkPolicies against their Calico twins (the same
policies translated by `netpolx translate --engine calico`), in process, against `nca --equiv` on the same two sets.

The policies are those of benchmarks/reach.py (realistic workloads over `--namespaces` namespaces). `verify` needs
no cluster (it proves equivalence for every possible cluster); NCA needs one, so it gets reach.py's cluster of
`--pods` pods as kubectl lists. Times are CPU seconds (this process for ours, the NCA child for NCA), so that a
busy machine does not skew the ratio; an NCA run stopped at --nca-timeout (wall seconds) gives a lower bound.
It also proves `--large` policies against their translation, and a one-port mutation of them (not equivalent:
the witness and the regions are computed too).

    python benchmarks/verify.py [--sizes 300,600] [--large 1000] [--pods 300] [--namespaces 20]
                                [--nca /path/to/nca] [--nca-timeout 900]
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reach import find_nca, kubectl_lists, make_cluster, make_policy, ratio, run_nca

from translator.compile.pipeline import compile_intents
from translator.diagnostics import Diagnostics, ErrorLevel
from translator.load.decode import intents_from_documents
from translator.load.loaded import LoadedIntent
from translator.load.source import SafeDumper, documents_from_text, dump_yaml
from translator.proof import prove
from translator.registry import get_backend


def load(text: str, name: str) -> list[LoadedIntent]:
    diags = Diagnostics(ErrorLevel.WARN)
    return intents_from_documents(documents_from_text(text, name, diags), diags)


def twin(policies_text: str, engine: str = "calico") -> str:
    """The policies translated for `engine` (Calico: projectcalico.org/v3 policies), as YAML."""
    diags = Diagnostics(ErrorLevel.WARN)
    loaded = intents_from_documents(documents_from_text(policies_text, "policies.yaml", diags), diags)
    objects = [o for c in compile_intents(loaded, get_backend(engine)(), diags) for o in c.objects]
    return dump_yaml(objects)


def run_proof(source_text: str, target_text: str) -> tuple[float, float, bool, int]:
    """Load both sets and prove: (wall seconds, CPU seconds, equivalent, regions)."""
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    proof = prove(load(source_text, "source.yaml"), load(target_text, "target.yaml"))
    return time.perf_counter() - start, time.process_time() - cpu, proof.equivalent, proof.region_count


def mutated(policies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The policies with the port of one ingress rule from an IP block changed to 7, a port no policy names
    (sources outside the cluster have no egress policy, so the edit cannot be hidden by another one)."""
    out = yaml.safe_load(yaml.dump(policies, Dumper=SafeDumper))
    for policy in out:
        for rule in policy["spec"].get("ingress", []):
            if any("ipBlock" in peer for peer in rule.get("from", [])):
                rule["ports"] = [{"protocol": "TCP", "port": 7}]
                return out
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="300,600", help="Policy counts compared with NCA.")
    parser.add_argument("--large", type=int, default=1000, help="Policy count proven without NCA.")
    parser.add_argument("--pods", type=int, default=300, help="Pods of the cluster NCA needs.")
    parser.add_argument("--namespaces", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--nca", default=None, metavar="PATH", help="network-config-analyzer's `nca` executable.")
    parser.add_argument("--nca-timeout", type=float, default=900.0)
    parser.add_argument("--json", action="store_true", help="Print the figures as one JSON object.")
    args = parser.parse_args()
    cmd = find_nca(args.nca)
    figures: dict[str, Any] = {"sizes": []}
    for n in [int(s) for s in args.sizes.split(",") if s]:
        rng = random.Random(args.seed)
        cluster_data = make_cluster(args.pods, args.namespaces, rng)
        policies = [make_policy(i, args.namespaces, rng) for i in range(n)]
        text = yaml.dump_all(policies, Dumper=SafeDumper, sort_keys=False)
        calico = twin(text)
        wall, cpu, equivalent, _ = run_proof(text, calico)
        row: dict[str, Any] = {"policies": n, "verify_seconds": round(wall, 2), "verify_cpu_seconds": round(cpu, 2),
                               "equivalent": equivalent}
        if cmd is not None:
            with tempfile.TemporaryDirectory() as tmp:
                workdir = Path(tmp)
                (workdir / "policies.yaml").write_text(text)
                (workdir / "calico.yaml").write_text(calico)
                ns_path, pod_path = kubectl_lists(cluster_data, workdir)
                nca_cpu, done = run_nca(cmd, ["--equiv", str(workdir / "policies.yaml"), "--base_np_list",
                                              str(workdir / "calico.yaml"), "--ns_list", str(ns_path), "--pod_list",
                                              str(pod_path)], args.nca_timeout)
            row.update(nca_equiv_cpu_seconds=round(nca_cpu, 1), nca_finished=done, ratio=ratio(nca_cpu, done, cpu))
        figures["sizes"].append(row)
    rng = random.Random(args.seed)
    policies = [make_policy(i, args.namespaces, rng) for i in range(args.large)]
    text = yaml.dump_all(policies, Dumper=SafeDumper, sort_keys=False)
    wall, cpu, equivalent, _ = run_proof(text, twin(text))
    figures["large"] = {"policies": args.large, "verify_seconds": round(wall, 2), "verify_cpu_seconds": round(cpu, 2),
                        "equivalent": equivalent}
    changed = yaml.dump_all(mutated(policies), Dumper=SafeDumper, sort_keys=False)
    wall, cpu, equivalent, regions = run_proof(text, twin(changed))
    figures["large_mutated"] = {"policies": args.large, "verify_seconds": round(wall, 2),
                                "verify_cpu_seconds": round(cpu, 2), "equivalent": equivalent, "regions": regions}
    if cmd is None:
        figures["nca"] = "not installed (pip install network-config-analyzer into a separate venv, then --nca PATH)"
    if args.json:
        print(json.dumps(figures))
        return
    for row in figures["sizes"]:
        line = (f"verify: {row['policies']} Kubernetes policies vs their Calico twins: {row['verify_seconds']:.2f} s "
                f"({row['verify_cpu_seconds']:.2f} s CPU), equivalent={row['equivalent']}")
        if "ratio" in row:
            state = "finished" if row["nca_finished"] else "stopped at the timeout"
            line += (f"; nca --equiv: {row['nca_equiv_cpu_seconds']} s CPU ({state}); ours is {row['ratio']} "
                     "faster (CPU time)")
        print(line)
    for key, what in (("large", "their Calico translation"), ("large_mutated", "a one-port edit of it")):
        row = figures[key]
        extra = f", {row['regions']} regions" if "regions" in row else ""
        print(f"verify: {row['policies']} policies vs {what}: {row['verify_seconds']:.2f} s "
              f"({row['verify_cpu_seconds']:.2f} s CPU), equivalent={row['equivalent']}{extra}")
    if cmd is None:
        print(f"nca: {figures['nca']}")


if __name__ == "__main__":
    main()
