"""Benchmark: translate N realistic NetworkPolicies to each engine, in process.

Prints policies/s, peak memory, and the ratio to the floor of any YAML-to-YAML tool: a bare CSafeLoader load of the
same input plus a CSafeDumper dump of the same output. Targets: ratio <= 1.5, memory <= 500 MB.

    python benchmarks/translate.py [--policies 10000] [--engines kubernetes,cilium,calico]
"""

from __future__ import annotations

import argparse
import gc
import random
import time
import tracemalloc
from typing import Any

import yaml

from translator.compile.pipeline import compile_intents
from translator.diagnostics import Diagnostics, ErrorLevel
from translator.load.decode import intents_from_documents
from translator.load.source import SafeDumper, SafeLoader, documents_from_text, dump_yaml
from translator.registry import all_backends, get_backend

APPS = ["web", "api", "db", "cache", "queue", "worker", "auth", "search", "billing", "mail"]


def make_policy(i: int, rng: random.Random) -> dict[str, Any]:
    """One realistic NetworkPolicy: a workload with 1-3 ingress rules and usually an egress lock-down."""
    app = rng.choice(APPS)
    ns = f"team-{i % 50}"
    ingress = []
    for _ in range(rng.randint(1, 3)):
        peer_kind = rng.random()
        if peer_kind < 0.5:
            peers = [{"podSelector": {"matchLabels": {"app": rng.choice(APPS)}}}]
        elif peer_kind < 0.8:
            ns_labels = {"kubernetes.io/metadata.name": f"team-{rng.randint(0, 49)}"}
            peers = [{"namespaceSelector": {"matchLabels": ns_labels},
                      "podSelector": {"matchLabels": {"app": rng.choice(APPS), "tier": "backend"}}}]
        else:
            octet = rng.randint(0, 255)
            peers = [{"ipBlock": {"cidr": f"10.{octet}.0.0/16", "except": [f"10.{octet}.1.0/24"]}}]
        ports = [{"protocol": "TCP", "port": rng.choice([80, 443, 8080, 5432, 6379])}]
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


def translate(text: str, engine: str) -> str:
    diags = Diagnostics(ErrorLevel.WARN)
    loaded = intents_from_documents(documents_from_text(text, "bench.yaml", diags), diags)
    backend = get_backend(engine)()
    objects = [o for c in compile_intents(loaded, backend, diags) for o in c.objects]
    return dump_yaml(objects)


def floor(text: str, output: str) -> float:
    """Seconds for a bare C load of the input and C dump of the output objects."""
    out_objs = list(yaml.load_all(output, Loader=SafeLoader))
    gc.collect()
    start = time.perf_counter()
    list(yaml.load_all(text, Loader=SafeLoader))
    yaml.dump_all(out_objs, Dumper=SafeDumper, sort_keys=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--policies", type=int, default=10_000)
    parser.add_argument("--engines", default=",".join(all_backends()))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="Best of N runs for both timings (default 3).")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    text = yaml.dump_all([make_policy(i, rng) for i in range(args.policies)], Dumper=SafeDumper, sort_keys=False)
    print(f"input: {args.policies} NetworkPolicies, {len(text) / 1e6:.1f} MB of YAML")
    print(f"{'engine':<18} {'seconds':>8} {'policies/s':>11} {'floor s':>8} {'ratio':>6} {'peak MB':>8}")
    for engine in args.engines.split(","):
        seconds, output = float("inf"), ""
        for _ in range(args.repeat):
            gc.collect()
            start = time.perf_counter()
            output = translate(text, engine)
            seconds = min(seconds, time.perf_counter() - start)
        base = min(floor(text, output) for _ in range(args.repeat))
        gc.collect()
        tracemalloc.start()
        translate(text, engine)
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        print(f"{engine:<18} {seconds:>8.2f} {args.policies / seconds:>11.0f} {base:>8.2f} {seconds / base:>6.2f} "
              f"{peak:>8.0f}")


if __name__ == "__main__":
    main()
