"""Benchmark: translate N realistic NetworkPolicies to every registered engine, against the YAML floor.

The floor is what any YAML-to-YAML tool pays: a bare libyaml (PyYAML CSafeLoader) load of the same input plus a
CSafeDumper dump of the same output objects. Each engine is measured in a fresh child process (so that one
engine's caches and memory do not flatter or burden the next): `--repeat` translations, each followed by the
floor on the same input and output, all in CPU seconds of that process (time.process_time), so that other work on
a shared machine skews neither number much. The ratio is min(translate) / min(floor); the child's peak resident
set size (the whole process: interpreter, modules, input text, translation) is the memory figure.
Targets: ratio <= 1.5 and peak <= 500 MB at 10,000 policies.

    python benchmarks/translate.py [--policies 10000] [--engines kubernetes,cilium] [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from translator.compile.pipeline import compile_intents  # noqa: E402
from translator.diagnostics import Diagnostics, ErrorLevel  # noqa: E402
from translator.load.allocation import bulk  # noqa: E402
from translator.load.decode import intents_from_documents  # noqa: E402
from translator.load.source import SafeDumper, SafeLoader, documents_from_text, dump_yaml  # noqa: E402
from translator.output.reporters import grouped_lines  # noqa: E402
from translator.registry import all_backends, get_backend  # noqa: E402

APPS = ["web", "api", "db", "cache", "queue", "worker", "auth", "search", "billing", "mail"]


def make_policy(i: int, rng: random.Random) -> dict[str, Any]:
    """One realistic NetworkPolicy: a workload with 1-3 ingress rules and usually an egress lock-down."""
    app = rng.choice(APPS)
    ns = f"team-{i % 50}"
    ingress = []
    for _ in range(rng.randint(1, 3)):
        peer_kind = rng.random()
        if peer_kind < 0.5:
            peers: list[dict[str, Any]] = [{"podSelector": {"matchLabels": {"app": rng.choice(APPS)}}}]
        elif peer_kind < 0.8:
            ns_labels = {"kubernetes.io/metadata.name": f"team-{rng.randint(0, 49)}"}
            peers = [{"namespaceSelector": {"matchLabels": ns_labels},
                      "podSelector": {"matchLabels": {"app": rng.choice(APPS), "tier": "backend"}}}]
        else:
            octet = rng.randint(0, 255)
            peers = [{"ipBlock": {"cidr": f"10.{octet}.0.0/16", "except": [f"10.{octet}.1.0/24"]}}]
        ports: list[dict[str, Any]] = [{"protocol": "TCP", "port": rng.choice([80, 443, 8080, 5432, 6379])}]
        if rng.random() < 0.2:
            ports.append({"protocol": "TCP", "port": 9000, "endPort": 9100})
        ingress.append({"from": peers, "ports": ports})
    spec: dict[str, Any] = {"podSelector": {"matchLabels": {"app": app, "instance": f"i{i}"}},
                            "policyTypes": ["Ingress"], "ingress": ingress}
    if rng.random() < 0.7:
        spec["policyTypes"].append("Egress")
        spec["egress"] = [
            {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                     "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
             "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]},
            {"to": [{"podSelector": {"matchLabels": {"app": rng.choice(APPS)}}}],
             "ports": [{"protocol": "TCP", "port": rng.choice([5432, 6379, 8080])}]},
        ]
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": f"{app}-{i}", "namespace": ns, "labels": {"team": ns}}, "spec": spec}


def policies_text(count: int, seed: int = 7) -> str:
    """`count` policies from make_policy as one multi-document YAML text."""
    rng = random.Random(seed)
    return yaml.dump_all([make_policy(i, rng) for i in range(count)], Dumper=SafeDumper, sort_keys=False)


def translate(text: str, engine: str) -> str:
    """What `netpolx translate --engine ENGINE --error-level warn` does with `text`, in process: the YAML it
    writes, and the diagnostics it prints (text, repeated findings grouped), kept in `translate.diagnostics`.
    Under the garbage-collector thresholds the command runs with (translator.cli.main: allocation.bulk)."""
    with bulk():
        return _translate(text, engine)


def _translate(text: str, engine: str) -> str:
    diags = Diagnostics(ErrorLevel.WARN)
    loaded = intents_from_documents(documents_from_text(text, "bench.yaml", diags), diags)
    backend = get_backend(engine)()
    objects = [o for c in compile_intents(loaded, backend, diags) for o in c.objects]
    output = dump_yaml(objects)
    translate.diagnostics = "".join(line + "\n" for line in grouped_lines(list(diags)))  # type: ignore[attr-defined]
    translate.refusals = diags.downgraded  # type: ignore[attr-defined]
    return output


def floor(text: str, output: str) -> float:
    """CPU seconds for a bare libyaml load of the input and dump of the output objects, under the same
    garbage-collector thresholds as the translation (they save the floor about a tenth too)."""
    out_objs = list(yaml.load_all(output, Loader=SafeLoader))
    gc.collect()
    with bulk():
        start = time.process_time()
        list(yaml.load_all(text, Loader=SafeLoader))
        yaml.dump_all(out_objs, Dumper=SafeDumper, sort_keys=False)
        return time.process_time() - start


def measure_here(text: str, engine: str, repeat: int) -> dict[str, Any]:
    """Translate and floor, `repeat` times each (interleaved), in this process."""
    runs: list[float] = []
    floors: list[float] = []
    for _ in range(repeat):
        gc.collect()
        start = time.process_time()
        output = translate(text, engine)
        runs.append(time.process_time() - start)
        floors.append(floor(text, output))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {"engine": engine, "runs": runs, "floors": floors, "peak_mb": peak_mb, "output_bytes": len(output),
            "refusals": translate.refusals}  # type: ignore[attr-defined]


def measure(input_path: Path, engine: str, repeat: int) -> dict[str, Any]:
    """measure_here in a fresh child process reading `input_path`."""
    done = subprocess.run([sys.executable, __file__, "--child", str(input_path), "--engines", engine,
                           "--repeat", str(repeat)], capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def summary(result: dict[str, Any]) -> dict[str, Any]:
    """Min and median of the runs and floors, and the ratio of the minima."""
    runs, floors = result["runs"], result["floors"]
    return {**result, "min": min(runs), "median": statistics.median(runs), "floor_min": min(floors),
            "floor_median": statistics.median(floors), "ratio": min(runs) / min(floors)}


def run(policies: int, engines: list[str], repeat: int, seed: int = 7) -> list[dict[str, Any]]:
    """Every engine at one size: a list of summaries."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "policies.yaml"
        path.write_text(policies_text(policies, seed))
        return [summary({**measure(path, engine, repeat), "policies": policies}) for engine in engines]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--policies", type=int, default=10_000)
    parser.add_argument("--engines", default=None, help="Comma-separated (default: every registered engine).")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="Runs of translate and of the floor (default 3).")
    parser.add_argument("--json", action="store_true", help="Print the results as JSON.")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    engines = args.engines.split(",") if args.engines else list(all_backends())
    if args.child:
        text = Path(args.child).read_text()
        print(json.dumps(measure_here(text, engines[0], args.repeat)))
        return
    results = run(args.policies, engines, args.repeat, args.seed)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"input: {args.policies} NetworkPolicies; CPU seconds, min and median of {args.repeat} runs")
    print(f"{'engine':<22} {'min s':>7} {'median':>7} {'policies/s':>10} {'floor s':>8} {'ratio':>6} {'peak MB':>8}")
    for r in results:
        print(f"{r['engine']:<22} {r['min']:>7.2f} {r['median']:>7.2f} {args.policies / r['min']:>10.0f} "
              f"{r['floor_min']:>8.2f} {r['ratio']:>6.2f} {r['peak_mb']:>8.0f}"
              + (f"  refused: {r['refusals']:,} errors (measured with --error-level warn)" if r["refusals"] else ""))


if __name__ == "__main__":
    main()
