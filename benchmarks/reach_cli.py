"""Benchmark: `netpolx reach` and `netpolx verify` end to end, as a user runs them (a fresh process: start-up,
reading the files, deciding, writing the output), against `nca --connectivity` on the same files.

Two uses:

* `python benchmarks/reach_cli.py --nca PATH` compares `netpolx reach -o json` (written to a file) with
  `nca --connectivity` on benchmarks/reach.py's workloads at 300 policies over 251 pods and 600 over 501, with 11
  TCP probes, and prints a table: CPU seconds of each child process (so a busy machine skews it less), min and
  median over --runs runs of ours (NCA runs once per size unless --nca-runs: it takes minutes), and the ratio of
  NCA's CPU time to our median. An NCA run stopped at --nca-timeout wall seconds gives a lower bound.
* `run(size)` (for the published curves): `size` pods, 2/5 as many policies, 10 probes; it times `reach -o groups`,
  `reach -o json` (only up to JSON_MAX_PODS, the per-pair list grows with the square of the pods) and
  `verify --cluster` against a one-port edit of the policies (not equivalent, so the cluster lens runs too), each a
  fresh process, and returns CPU seconds, wall seconds and peak resident memory (MB) of each.

    python benchmarks/reach_cli.py [--sets 300:251,600:501] [--runs 5] [--nca PATH] [--nca-timeout 900]
    python benchmarks/reach_cli.py --size 5000 [--runs 1]

Both take `--cluster-style workloads|random` (benchmarks/reach.py's CLUSTER_STYLES; default workloads).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reach import CLUSTER_STYLES, find_nca, kubectl_lists, make_cluster, make_policy, run_nca
from verify import mutated

from translator.load.source import SafeDumper

NCA_PROBES = [53, 80, 443, 4999, 5000, 5432, 5500, 5501, 6379, 8080, 9999]
"""11 TCP probes: every port the workload's policies name, and both sides of its range boundaries."""
JSON_MAX_PODS = 1000
"""Largest cluster whose per-pair JSON `run` writes (1,000 pods x 10 probes is 10 million results, 1 GB)."""
NAMESPACES = 50


def netpolx() -> list[str]:
    """The command that runs netpolx with this interpreter's installation."""
    script = Path(sys.executable).with_name("netpolx")
    return [str(script)] if script.exists() else [sys.executable, "-m", "translator"]


def write_workload(workdir: Path, pods: int, policies: int, probes: list[int], seed: int = 7,
                   namespaces: int = NAMESPACES, style: str = "workloads") -> dict[str, Path]:
    """benchmarks/reach.py's cluster and policies as files (with kubectl lists for NCA and a one-port edit)."""
    rng = random.Random(seed)
    cluster = make_cluster(pods, namespaces, rng, style)
    cluster["probes"] = [{"port": p, "protocol": "TCP"} for p in probes]
    items = [make_policy(i, namespaces, rng) for i in range(policies)]
    paths = {"policies": workdir / "policies.yaml", "cluster": workdir / "cluster.yaml",
             "edited": workdir / "edited.yaml"}
    paths["policies"].write_text(yaml.dump_all(items, Dumper=SafeDumper, sort_keys=False))
    paths["cluster"].write_text(yaml.dump(cluster, Dumper=SafeDumper, sort_keys=False))
    paths["edited"].write_text(yaml.dump_all(mutated(items), Dumper=SafeDumper, sort_keys=False))
    paths["ns"], paths["pods"] = kubectl_lists(cluster, workdir)
    return paths


def measure(args: list[str], stdout: Path | None = None) -> dict[str, float]:
    """Run one command as a child; its CPU seconds (user + system), wall seconds, peak RSS (MB), exit code."""
    start = time.perf_counter()
    with open(stdout or os.devnull, "wb") as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(args, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1):
            err.seek(0)
            raise SystemExit(f"{' '.join(args[:3])} ... failed ({code}): {err.read()[-500:].decode()}")
    return {"cpu": usage.ru_utime + usage.ru_stime, "wall": time.perf_counter() - start,
            "peak_mb": usage.ru_maxrss / 1024, "code": code}


def best(runs: list[dict[str, float]]) -> dict[str, float]:
    """min and median CPU seconds, median wall seconds, max peak MB of several runs."""
    cpu = [r["cpu"] for r in runs]
    return {"cpu_min": round(min(cpu), 3), "cpu_median": round(statistics.median(cpu), 3),
            "wall_median": round(statistics.median(r["wall"] for r in runs), 3),
            "peak_mb": round(max(r["peak_mb"] for r in runs)), "runs": len(runs)}


def run(size: int, policies: int | None = None, probes: int = 10, runs: int = 1,
        json_max_pods: int = JSON_MAX_PODS, style: str = "workloads") -> dict[str, Any]:
    """reach (groups, and json up to `json_max_pods`) and verify --cluster at `size` pods and `policies`
    (default 2/5 of size) policies with `probes` probes, each a fresh process: CPU s, wall s, peak MB."""
    policies = policies if policies is not None else max(1, size * 2 // 5)
    ports = NCA_PROBES[:probes] if probes <= len(NCA_PROBES) else \
        [*NCA_PROBES, *range(10000, 10000 + probes - len(NCA_PROBES))]
    out: dict[str, Any] = {"pods": size, "policies": policies, "probes": probes}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        paths = write_workload(workdir, size, policies, ports, style=style)
        base = [*netpolx(), "reach", "-f", str(paths["policies"]), "--cluster", str(paths["cluster"])]
        out["reach_groups"] = best([measure([*base, "-o", "groups"], workdir / "groups.txt") for _ in range(runs)])
        out["reach_groups"]["groups"] = int((workdir / "groups.txt").read_text().splitlines()[1].split(" in ")[1]
                                            .split()[0].replace(",", ""))
        if size <= json_max_pods:
            out["reach_json"] = best([measure([*base, "-o", "json"], workdir / "out.json") for _ in range(runs)])
            out["reach_json"]["mb_written"] = round((workdir / "out.json").stat().st_size / 1e6, 1)
        verify = [*netpolx(), "verify", "-f", str(paths["policies"]), "--against", str(paths["edited"]),
                  "--cluster", str(paths["cluster"])]
        out["verify_cluster"] = best([measure(verify) for _ in range(runs)])
    return out


def compare_nca(pods: int, policies: int, runs: int, cmd: list[str] | None, nca_runs: int,
                timeout: float, style: str = "workloads") -> dict[str, Any]:
    """`reach -o json` (to a file) vs `nca --connectivity` on the same files."""
    row: dict[str, Any] = {"policies": policies, "pods": pods, "probes": len(NCA_PROBES)}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        paths = write_workload(workdir, pods, policies, NCA_PROBES, style=style)
        args = [*netpolx(), "reach", "-f", str(paths["policies"]), "--cluster", str(paths["cluster"]), "-o", "json"]
        row["reach_json"] = best([measure(args, workdir / "out.json") for _ in range(runs)])
        row["results"] = (pods * (pods - 1)) * len(NCA_PROBES)
        row["mb_written"] = round((workdir / "out.json").stat().st_size / 1e6, 1)
        groups = [*args[:-1], "groups"]
        row["reach_groups"] = best([measure(groups, workdir / "groups.txt") for _ in range(runs)])
        row["groups_lines"] = len((workdir / "groups.txt").read_text().splitlines())
        if cmd is not None:
            nca = [run_nca(cmd, ["--connectivity", str(paths["policies"]), "--ns_list", str(paths["ns"]),
                                 "--pod_list", str(paths["pods"])], timeout) for _ in range(nca_runs)]
            row["nca_cpu"] = round(min(c for c, _ in nca), 1)
            row["nca_finished"] = all(done for _, done in nca)
            row["ratio"] = round(row["nca_cpu"] / row["reach_json"]["cpu_median"], 1)
    return row


def table(rows: list[dict[str, Any]]) -> str:
    """The comparison as a Markdown table."""
    lines = ["| policies | pods | probes | results (MB) | reach -o json CPU s min / median | reach -o groups CPU s "
             "median (lines) | nca --connectivity CPU s | NCA / ours (median) |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        nca = f"{r['nca_cpu']}{'' if r['nca_finished'] else ' (stopped)'}" if "nca_cpu" in r else "not run"
        ratio = f"{'>' if not r.get('nca_finished', True) else ''}{r['ratio']}x" if "ratio" in r else "-"
        lines.append(f"| {r['policies']} | {r['pods']} | {r['probes']} | {r['results']:,} ({r['mb_written']}) | "
                     f"{r['reach_json']['cpu_min']:.2f} / {r['reach_json']['cpu_median']:.2f} | "
                     f"{r['reach_groups']['cpu_median']:.2f} ({r['groups_lines']}) | {nca} | {ratio} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default="300:251,600:501", help="POLICIES:PODS pairs compared with NCA.")
    parser.add_argument("--runs", type=int, default=5, help="Runs of ours per measurement (min and median).")
    parser.add_argument("--nca", default=None, metavar="PATH", help="network-config-analyzer's `nca` executable.")
    parser.add_argument("--nca-runs", type=int, default=1)
    parser.add_argument("--nca-timeout", type=float, default=900.0)
    parser.add_argument("--size", type=int, default=None, help="Instead: run(SIZE) (pods; 2/5 as many policies, "
                        "10 probes) and print its figures as JSON.")
    parser.add_argument("--json", action="store_true", help="Print the comparison as JSON.")
    parser.add_argument("--cluster-style", choices=CLUSTER_STYLES, default="workloads",
                        help="benchmarks/reach.py's cluster generator: workloads (replicas share labels) or random "
                        "(every pod random labels; the generator before 2026-12).")
    args = parser.parse_args()
    if args.size is not None:
        print(json.dumps(run(args.size, runs=args.runs, style=args.cluster_style), indent=2))
        return
    cmd = find_nca(args.nca)
    rows = []
    for pair in args.sets.split(","):
        policies, pods = (int(x) for x in pair.split(":"))
        rows.append(compare_nca(pods, policies, args.runs, cmd, args.nca_runs, args.nca_timeout,
                                args.cluster_style))
    print(json.dumps(rows, indent=2) if args.json else table(rows))
    if cmd is None:
        print("nca: not installed (pip install network-config-analyzer into a separate venv, then --nca PATH)")


if __name__ == "__main__":
    main()
