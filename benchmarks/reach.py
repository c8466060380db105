"""Benchmark: the reachability matrix of N pods under M NetworkPolicies for 2 probes, and `verify` of the policies
against their own kubernetes translation, in process.

Prints wall and CPU time and peak memory (resident set size of this process). Targets for 1,000 pods x 1,000
policies x 2 probes: under 10 s and 500 MB. When network-config-analyzer is available (`--nca PATH` to its `nca`
executable, or `nca` on PATH, or importable as `nca`), it also runs `nca --connectivity` and `nca --equiv` on the
same inputs and prints the ratio of its CPU time to ours (CPU time, so that a busy machine does not skew it; each
run is capped at --nca-timeout wall seconds, and a capped run gives a lower bound for the ratio).

    python benchmarks/reach.py [--pods 1000] [--policies 1000] [--nca /path/to/nca] [--nca-timeout 900]
                               [--cluster-style workloads|random]
    python benchmarks/reach.py --crosscheck --pods 80 --policies 60 --namespaces 8 --nca /path/to/nca

`--crosscheck` compares our pod-to-pod verdicts with NCA's instead of timing (an independent check of the
kubernetes semantics; NCA reads ipBlock as matching only addresses outside the cluster, so it is run both ways).
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from translator.cluster.model import Cluster, Probe, cluster_from_data
from translator.diagnostics import Diagnostics, ErrorLevel
from translator.evaluator import Evaluator
from translator.evaluator.verify import verify
from translator.load.decode import intents_from_documents
from translator.load.source import SafeDumper, SourceFile, documents_from_text, dump_yaml

APPS = ["web", "api", "db", "cache", "queue", "worker", "auth", "search", "billing", "mail"]
TIERS = ["frontend", "backend"]
PORTS = [80, 443, 8080, 5432, 6379]
PROBES = [Probe(80, "TCP"), Probe(5432, "TCP")]


CLUSTER_STYLES = ("workloads", "random")
"""`workloads` (the default): pods come from Deployments and StatefulSets whose replicas share their labels, as in
a real cluster; `random`: every pod gets a random app and tier (the generator before 2026-12: same seed, same
cluster, so older figures can be reproduced)."""
STATEFUL = {"db", "cache", "queue", "search"}
"""Apps deployed as StatefulSets (pods `db-0`, `db-1`, ... with a per-pod label); the others as Deployments."""
FRONT = {"web", "api", "auth"}


def make_cluster(pods: int, namespaces: int, rng: Any, style: str = "workloads") -> dict[str, Any]:
    """A cluster file: `namespaces` team namespaces plus kube-system (2 coredns pods), `pods` pods in all.

    `workloads`: each team namespace runs 3-9 workloads (distinct apps), with replicas spread unevenly (1 to a
    few dozen); a workload's pods share their labels (`app`, `tier`, `pod-template-hash` or
    `controller-revision-hash`) and container port, and StatefulSet pods carry their own
    `statefulset.kubernetes.io/pod-name`; now and then an app runs a second, canary Deployment (`track: canary`).
    Pod IPs are consecutive per namespace. `random`: see CLUSTER_STYLES."""
    if style == "random":
        return _random_cluster(pods, namespaces, rng)
    if style != "workloads":
        raise ValueError(f"unknown cluster style {style!r} (one of {', '.join(CLUSTER_STYLES)})")
    nss = [{"name": f"team-{i}", "labels": {"kubernetes.io/metadata.name": f"team-{i}", "env": rng.choice(
        ["prod", "dev"]), "team": f"team-{i}"}} for i in range(namespaces)]
    nss.append({"name": "kube-system", "labels": {"kubernetes.io/metadata.name": "kube-system"}})
    out = _coredns(min(2, pods))
    rest = pods - len(out)
    for i in range(namespaces):
        quota = rest // namespaces + (1 if i < rest % namespaces else 0)
        if quota:
            out.extend(_namespace_pods(f"team-{i}", i, quota, rng))
    return {"namespaces": nss, "pods": out}


def _coredns(count: int) -> list[dict[str, Any]]:
    return [{"namespace": "kube-system", "name": f"coredns-5d78c9869d-{'abcde'[i % 5]}{i}",
             "labels": {"k8s-app": "kube-dns", "pod-template-hash": "5d78c9869d"},
             "ip": f"10.250.0.{i + 1}", "ports": [{"name": "dns", "port": 53, "protocol": "UDP"}]}
            for i in range(count)]


def _namespace_pods(ns: str, index: int, quota: int, rng: Any) -> list[dict[str, Any]]:
    """One team namespace's `quota` pods, from its workloads."""
    apps = rng.sample(APPS, min(quota, rng.randint(3, 9)))
    weights = [rng.choice([1, 1, 2, 3, 3, 5, 8, 13, 21]) for _ in apps]
    replicas = [1] * len(apps)
    spare = quota - len(apps)
    shares = [spare * w // sum(weights) for w in weights]
    for k in range(spare - sum(shares)):  # what the rounding left, to the largest workloads
        shares[sorted(range(len(apps)), key=lambda j: (-weights[j], j))[k % len(apps)]] += 1
    out: list[dict[str, Any]] = []
    for app, count in zip(apps, (r + s for r, s in zip(replicas, shares))):
        port = [{"name": "http", "port": rng.choice([80, 8080]), "protocol": "TCP"}]
        tier = "frontend" if app in FRONT else "backend"
        digest = "".join(rng.choice("0123456789abcdef") for _ in range(10))
        canary = count >= 4 and app not in STATEFUL and rng.random() < 0.15
        salt = rng.randrange(NAME_SPACE)
        for r in range(count):
            labels = {"app": app, "tier": tier}
            if app in STATEFUL:
                name = f"{app}-{r}"
                labels.update({"controller-revision-hash": f"{app}-{digest}", "statefulset.kubernetes.io/pod-name":
                               name})
            else:
                track = canary and r == count - 1
                hash_ = digest[::-1] if track else digest
                name = f"{app}{'-canary' if track else ''}-{hash_}-{_suffix(salt + r * 7919)}"
                labels["pod-template-hash"] = hash_
                if track:
                    labels["track"] = "canary"
            k = len(out)
            out.append({"namespace": ns, "name": name, "labels": labels,
                        "ip": f"10.{index}.{k // 250}.{k % 250 + 1}", "ports": port})
    return out


NAME_SPACE = 20 ** 5
"""Pod name suffixes: 5 of Kubernetes' 20 consonants (`web-5d78c9869d-x2kqp`)."""


def _suffix(number: int) -> str:
    """A ReplicaSet pod's random-looking name suffix, distinct for distinct numbers below NAME_SPACE."""
    number %= NAME_SPACE
    out = ""
    for _ in range(5):
        number, digit = divmod(number, 20)
        out += "bcdfghjklmnpqrstvwxz"[digit]
    return out


def _random_cluster(pods: int, namespaces: int, rng: Any) -> dict[str, Any]:
    """The `random` style: every pod a random app and tier, round robin over the namespaces."""
    nss = [{"name": f"team-{i}", "labels": {"kubernetes.io/metadata.name": f"team-{i}", "env": rng.choice(
        ["prod", "dev"])}} for i in range(namespaces)]
    nss.append({"name": "kube-system", "labels": {"kubernetes.io/metadata.name": "kube-system"}})
    out = [{"namespace": "kube-system", "name": f"coredns-{i}", "labels": {"k8s-app": "kube-dns"},
            "ip": f"10.250.0.{i + 1}", "ports": [{"name": "dns", "port": 53, "protocol": "UDP"}]} for i in range(2)]
    for i in range(pods - len(out)):
        ns = i % namespaces
        out.append({"namespace": f"team-{ns}", "name": f"pod-{i}",
                    "labels": {"app": rng.choice(APPS), "tier": rng.choice(TIERS)},
                    "ip": f"10.{ns}.{(i // 250) % 250}.{i % 250 + 1}",
                    "ports": [{"name": "http", "port": rng.choice([80, 8080]), "protocol": "TCP"}]})
    return {"namespaces": nss, "pods": out}


def make_policy(i: int, namespaces: int, rng: Any) -> dict[str, Any]:
    """One realistic NetworkPolicy: a workload with 1-3 ingress rules and usually an egress lock-down."""
    app, ns = rng.choice(APPS), f"team-{i % namespaces}"
    ingress = []
    for _ in range(rng.randint(1, 3)):
        kind = rng.random()
        if kind < 0.45:
            peers = [{"podSelector": {"matchLabels": {"app": rng.choice(APPS)}}}]
        elif kind < 0.8:
            peers = [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name":
                                                            f"team-{rng.randrange(namespaces)}"}},
                      "podSelector": {"matchLabels": {"app": rng.choice(APPS), "tier": rng.choice(TIERS)}}}]
        elif kind < 0.9:
            peers = [{"namespaceSelector": {"matchLabels": {"env": "prod"}}}]
        else:
            octet = rng.randrange(namespaces)
            peers = [{"ipBlock": {"cidr": f"10.{octet}.0.0/16", "except": [f"10.{octet}.1.0/24"]}}]
        ports: list[dict[str, Any]] = [{"protocol": "TCP", "port": rng.choice(PORTS)}]
        if rng.random() < 0.2:
            ports.append({"protocol": "TCP", "port": "http"})
        if rng.random() < 0.1:
            ports.append({"protocol": "TCP", "port": 5000, "endPort": 5500})
        ingress.append({"from": peers, "ports": ports})
    spec: dict[str, Any] = {"podSelector": {"matchLabels": {"app": app}}, "policyTypes": ["Ingress"],
                            "ingress": ingress}
    if rng.random() < 0.5:
        spec["policyTypes"].append("Egress")
        spec["egress"] = [
            {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                     "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
             "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]},
            {"to": [{"podSelector": {"matchLabels": {"app": rng.choice(APPS)}}}],
             "ports": [{"protocol": "TCP", "port": rng.choice(PORTS)}]},
        ]
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": f"{app}-{i}", "namespace": ns}, "spec": spec}


def peak_mb() -> float:
    """Peak resident set size of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load(policies_text: str, cluster_data: dict[str, Any]) -> tuple[list[Any], Cluster]:
    diags = Diagnostics(ErrorLevel.WARN)
    loaded = intents_from_documents(documents_from_text(policies_text, "policies.yaml", diags), diags)
    cluster = cluster_from_data([cluster_data], SourceFile("cluster.yaml", ""), diags)
    assert cluster is not None, [d.format() for d in diags]
    return loaded, cluster


def run_reach(policies_text: str, cluster_data: dict[str, Any]) -> tuple[float, float, int, int]:
    """Load, evaluate and list the whole matrix: (wall seconds, CPU seconds, results, allowed)."""
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    loaded, cluster = load(policies_text, cluster_data)
    results = Evaluator(cluster, loaded, "kubernetes").matrix(PROBES)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return seconds, cpu, len(results), sum(r.allowed for r in results)


def run_verify(policies_text: str, translated_text: str, cluster_data: dict[str, Any]) -> tuple[float, float, bool]:
    """Load both sets and compare them on the cluster's probes: (wall seconds, CPU seconds, equivalent)."""
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    source, cluster = load(policies_text, cluster_data)
    target, _ = load(translated_text, cluster_data)
    cluster.probes = list(PROBES)
    equivalent = verify(source, target, cluster).equivalent
    return time.perf_counter() - start, time.process_time() - cpu, equivalent


def translated(policies_text: str) -> str:
    """The policies imported and generated again for the kubernetes engine, renamed (what `verify` compares)."""
    from translator.compile.pipeline import compile_intents
    from translator.registry import get_backend

    diags = Diagnostics(ErrorLevel.WARN)
    loaded = intents_from_documents(documents_from_text(policies_text, "p.yaml", diags), diags)
    backend = get_backend("kubernetes")()
    objects = [o for c in compile_intents(loaded, backend, diags) for o in c.objects]
    for obj in objects:  # renamed, so that NCA compares meanings, not the same set of objects
        obj["metadata"]["name"] += "-translated"
    return dump_yaml(objects)


def find_nca(explicit: str | None) -> list[str] | None:
    """The command that runs NCA, or None when it is not available."""
    if explicit:
        return [explicit]
    if shutil.which("nca"):
        return ["nca"]
    if importlib.util.find_spec("nca") is not None:
        return [sys.executable, "-m", "nca"]
    return None


def kubectl_lists(cluster_data: dict[str, Any], workdir: Path) -> tuple[Path, Path]:
    """The cluster as kubectl Namespace and Pod lists (NCA's --ns_list / --pod_list)."""
    ns_items = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns["name"], "labels": ns["labels"]}}
                for ns in cluster_data["namespaces"]]
    pod_items = [{"apiVersion": "v1", "kind": "Pod",
                  "metadata": {"name": p["name"], "namespace": p["namespace"], "labels": p["labels"]},
                  "spec": {"containers": [{"name": "c", "image": "x", "ports": [
                      {"name": cp["name"], "containerPort": cp["port"], "protocol": cp["protocol"]}
                      for cp in p["ports"]]}]},
                  "status": {"podIP": p["ip"], "phase": "Running"}} for p in cluster_data["pods"]]
    ns_path, pod_path = workdir / "ns.yaml", workdir / "pods.yaml"
    ns_path.write_text(yaml.dump({"apiVersion": "v1", "kind": "List", "items": ns_items}, Dumper=SafeDumper))
    pod_path.write_text(yaml.dump({"apiVersion": "v1", "kind": "List", "items": pod_items}, Dumper=SafeDumper))
    return ns_path, pod_path


def child_cpu() -> float:
    """CPU seconds used by finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_nca(cmd: list[str], args: list[str], timeout: float) -> tuple[float, bool]:
    """CPU seconds NCA used, and whether it finished within `timeout` (wall clock)."""
    before = child_cpu()
    try:
        done = subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode not in (0, 1):  # nca exits 1 for "not equivalent"
            raise SystemExit(f"nca failed ({done.returncode}): {done.stderr[-500:]}")
        return child_cpu() - before, True
    except subprocess.TimeoutExpired:
        return child_cpu() - before, False


CROSS_PROBES = [Probe(p, proto) for p, proto in ((80, "TCP"), (443, "TCP"), (5432, "TCP"), (6379, "TCP"),
                                                  (8080, "TCP"), (5100, "TCP"), (53, "UDP"), (53, "TCP"))]


def nca_pod_matrix(cmd: list[str], workdir: Path, lists: list[str]) -> dict[tuple[str, str, int, str], bool]:
    """NCA's pod-to-pod verdicts for CROSS_PROBES, from its `txt_no_fw_rules` connectivity listing."""
    out = subprocess.run([*cmd, "--connectivity", str(workdir / "policies.yaml"), *lists, "--output_format",
                          "txt_no_fw_rules"], capture_output=True, text=True, check=False).stdout
    verdicts: dict[tuple[str, str, int, str], bool] = {}
    for line in out.splitlines():
        m = re.match(r"(\S+)\[Pod\] => (\S+)\[Pod\] : (.*)", line)
        if m:
            src, dst, conn = m.groups()
            for probe in CROSS_PROBES:
                verdicts[(src, dst, probe.port, probe.protocol)] = _nca_allows(conn, probe)
    return verdicts


def _nca_allows(conn: str, probe: Probe) -> bool:
    if conn == "All connections":
        return True
    for group in re.findall(r"\{([^}]*)\}", conn):
        m = re.search(r"protocols:(.*?)(,dst_ports:(.*))?$", group)
        if m is None or probe.protocol not in [p.strip() for p in m.group(1).split(",")]:
            continue
        if m.group(3) is None:
            return True
        for part in m.group(3).split(","):
            lo, _, hi = part.strip().partition("-")
            if int(lo) <= probe.port <= int(hi or lo):
                return True
    return False


def crosscheck(cmd: list[str], policies_text: str, cluster_data: dict[str, Any]) -> None:
    """Compare our pod-to-pod verdicts with NCA's, under our reading of ipBlock (it matches pod IPs too, as
    Kubernetes CNIs, Calico and Azure NPM do) and under NCA's (ipBlock matches only addresses outside the cluster)."""
    from dataclasses import replace

    from backends.kubernetes.semantics import SEMANTICS
    from translator.evaluator.engine import Engine

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        (workdir / "policies.yaml").write_text(policies_text)
        ns_path, pod_path = kubectl_lists(cluster_data, workdir)
        theirs = nca_pod_matrix(cmd, workdir, ["--ns_list", str(ns_path), "--pod_list", str(pod_path)])
    loaded, cluster = load(policies_text, cluster_data)
    for reading, cidr_matches_pods in (("ours", True), ("NCA's", False)):
        evaluator = Evaluator(cluster, loaded, "kubernetes")
        evaluator.core = Engine(cluster, [(li, replace(SEMANTICS, cidr_matches_pods=cidr_matches_pods))
                                          for li in loaded])
        cells = [r for r in evaluator.matrix(CROSS_PROBES) if "/" in r.src and "/" in r.dst]
        differ = [r for r in cells if r.allowed != theirs.get((r.src, r.dst, r.port, r.protocol), False)]
        print(f"crosscheck with ipBlock read as {reading}: {len(cells)} pod-to-pod cells, {len(differ)} differ"
              + (f" (first: {differ[0]})" if differ else ""))


def ratio(theirs: float, finished: bool, ours: float) -> str:
    return f"{'>' if not finished else ''}{theirs / ours:.0f}x"


def main() -> None:
    import random

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pods", type=int, default=1000)
    parser.add_argument("--policies", type=int, default=1000)
    parser.add_argument("--namespaces", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cluster-style", choices=CLUSTER_STYLES, default="workloads",
                        help="workloads: pods of Deployments and StatefulSets (replicas share labels); random: the "
                        "generator before 2026-12, every pod random labels (reproduces older figures).")
    parser.add_argument("--nca", default=None, metavar="PATH", help="network-config-analyzer's `nca` executable.")
    parser.add_argument("--nca-timeout", type=float, default=900.0)
    parser.add_argument("--json", action="store_true", help="Print the figures as one JSON object.")
    parser.add_argument("--crosscheck", action="store_true",
                        help="Only compare our pod-to-pod verdicts with NCA's (use small sizes, e.g. --pods 80 "
                        "--policies 60 --namespaces 8).")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    cluster_data = make_cluster(args.pods, args.namespaces, rng, args.cluster_style)
    policies = [make_policy(i, args.namespaces, rng) for i in range(args.policies)]
    policies_text = yaml.dump_all(policies, Dumper=SafeDumper, sort_keys=False)
    if args.crosscheck:
        cmd = find_nca(args.nca)
        if cmd is None:
            raise SystemExit("--crosscheck needs network-config-analyzer (--nca PATH)")
        crosscheck(cmd, policies_text, cluster_data)
        return
    translated_text = translated(policies_text)
    figures: dict[str, Any] = {"pods": args.pods, "policies": args.policies, "probes": len(PROBES)}
    base = peak_mb()
    seconds, cpu, results, allowed = run_reach(policies_text, cluster_data)
    figures.update(reach_seconds=round(seconds, 2), reach_cpu_seconds=round(cpu, 2), results=results,
                   allowed=allowed, peak_mb=round(peak_mb()), baseline_mb=round(base))
    vseconds, vcpu, equivalent = run_verify(policies_text, translated_text, cluster_data)
    figures.update(verify_seconds=round(vseconds, 2), verify_cpu_seconds=round(vcpu, 2), equivalent=equivalent,
                   peak_mb_after_verify=round(peak_mb()))
    cmd = find_nca(args.nca)
    if cmd is not None:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            (workdir / "policies.yaml").write_text(policies_text)
            (workdir / "translated.yaml").write_text(translated_text)
            ns_path, pod_path = kubectl_lists(cluster_data, workdir)
            lists = ["--ns_list", str(ns_path), "--pod_list", str(pod_path)]
            conn, done = run_nca(cmd, ["--connectivity", str(workdir / "policies.yaml"), *lists], args.nca_timeout)
            figures.update(nca_connectivity_cpu_seconds=round(conn, 1), nca_connectivity_finished=done,
                           connectivity_ratio=ratio(conn, done, cpu))
            eq, done = run_nca(cmd, ["--equiv", str(workdir / "policies.yaml"), "--base_np_list",
                                     str(workdir / "translated.yaml"), *lists], args.nca_timeout)
            figures.update(nca_equiv_cpu_seconds=round(eq, 1), nca_equiv_finished=done,
                           equiv_ratio=ratio(eq, done, vcpu))
    else:
        figures["nca"] = "not installed (pip install network-config-analyzer, or --nca PATH)"
    if args.json:
        print(json.dumps(figures))
        return
    report(figures, cmd is not None)


def report(f: dict[str, Any], nca: bool) -> None:
    """The figures as text."""
    print(f"reach:  {f['pods']} pods x {f['policies']} policies x {f['probes']} probes: {f['reach_seconds']:.2f} s "
          f"({f['reach_cpu_seconds']:.2f} s CPU), {f['results']} results ({f['allowed']} allowed), peak RSS "
          f"{f['peak_mb']} MB (of which {f['baseline_mb']} MB before the run)")
    print(f"verify: the same policies against their kubernetes translation: {f['verify_seconds']:.2f} s "
          f"({f['verify_cpu_seconds']:.2f} s CPU), equivalent={f['equivalent']}, peak RSS "
          f"{f['peak_mb_after_verify']} MB")
    if not nca:
        print(f"nca:    {f['nca']}")
        return
    for what, key in (("--connectivity", "connectivity"), ("--equiv", "equiv")):
        state = "finished" if f[f"nca_{key}_finished"] else "stopped at the timeout"
        print(f"nca {what}: {f[f'nca_{key}_cpu_seconds']} s CPU ({state}); ours is {f[f'{key}_ratio']} faster "
              "(CPU time)")


if __name__ == "__main__":
    main()
