"""Scaling curves: every workload at 4 sizes (doubling), written to docs/performance.md with a plot (matplotlib,
a benchmark-only dependency: `make perf-docs` installs the `bench` extra and runs this).

Each point runs in a fresh child process; times are that child's CPU seconds (user + system, from os.wait4), so
that other work on a shared machine skews them little, and memory is its peak resident set size.

- translate: benchmarks/translate.py for every registered engine (in-process translation and, in the same child,
  the libyaml load+dump floor of the same input and output), 1,250 to 10,000 NetworkPolicies;
- reach and verify: benchmarks/reach.py's run_reach / run_verify (N pods, N policies, 2 probes);
- lint and check: the `netpolx lint` and `netpolx check --engine cilium` commands, end to end (interpreter start
  included), on benchmarks/translate.py's policies;
- NCA (network-config-analyzer), with --nca PATH: `nca --connectivity` and `nca --equiv` on the reach and verify
  inputs, from the smallest size up until a run does not finish within --nca-timeout.

    python benchmarks/curves.py [--out docs/performance.md] [--nca PATH] [--nca-timeout 120] [--quick]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
for entry in (str(ROOT), str(HERE)):
    if entry not in sys.path:
        sys.path.insert(0, entry)

TRANSLATE_SIZES = (1250, 2500, 5000, 10000)
REACH_SIZES = (250, 500, 1000, 2000)
LINT_SIZES = (1250, 2500, 5000, 10000)
CROSS_SIZES = (125, 250, 500, 1000)
"""Sizes of the cross-engine proof (translate --engine cilium --verify), which grows faster than the others."""
NAMESPACES = 50


def run_child(args: list[str], timeout: float | None = None) -> tuple[float, float, str, bool]:
    """(CPU seconds, peak RSS MB, stdout, finished) of one child process."""
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.DEVNULL, text=True)
        deadline = None if timeout is None else time.monotonic() + timeout
        finished = True
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if deadline is not None and time.monotonic() > deadline:
                proc.kill()
                finished = False
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out.read(), finished


# -- children ------------------------------------------------------------------------------------------------


def reach_inputs(n: int) -> tuple[str, dict[str, Any]]:
    """reach.py's cluster of n pods and n policies over NAMESPACES namespaces."""
    import yaml
    from reach import make_cluster, make_policy

    from translator.load.source import SafeDumper

    rng = random.Random(7)
    cluster = make_cluster(n, NAMESPACES, rng)
    policies = [make_policy(i, NAMESPACES, rng) for i in range(n)]
    return yaml.dump_all(policies, Dumper=SafeDumper, sort_keys=False), cluster


def child(kind: str, n: int, workdir: Path) -> None:
    """One measured workload in this (child) process; prints JSON."""
    if kind in ("reach", "verify"):
        from reach import run_reach, run_verify, translated

        text, cluster = reach_inputs(n)
        if kind == "reach":
            _, cpu, results, _ = run_reach(text, cluster)
            print(json.dumps({"cpu": cpu, "results": results}))
        else:
            twin = translated(text)
            _, cpu, equivalent = run_verify(text, twin, cluster)
            print(json.dumps({"cpu": cpu, "equivalent": equivalent}))
    elif kind == "nca-inputs":
        import yaml
        from reach import kubectl_lists, translated

        text, cluster = reach_inputs(n)
        (workdir / "policies.yaml").write_text(text)
        (workdir / "translated.yaml").write_text(translated(text))
        kubectl_lists(cluster, workdir)
        print(json.dumps({"ok": True, "yaml": yaml.__version__}))


# -- parent --------------------------------------------------------------------------------------------------


def exponent(points: list[tuple[int, float]]) -> float:
    """The k of time ~ n^k between the smallest and the largest size."""
    (n0, t0), (n1, t1) = points[0], points[-1]
    return math.log(t1 / t0) / math.log(n1 / n0) if t0 > 0 and t1 > 0 and n1 != n0 else float("nan")


def measure(args: argparse.Namespace, log: Any) -> dict[str, Any]:
    import translate

    from translator.registry import all_backends

    py = sys.executable
    out: dict[str, Any] = {"translate": {}, "reach": [], "verify": [], "lint": [], "check": [], "cross": [],
                           "nca": {}}
    sizes = TRANSLATE_SIZES[:2] if args.quick else TRANSLATE_SIZES
    engines = list(all_backends())
    for n in sizes:
        for r in translate.run(n, engines, repeat=1):
            out["translate"].setdefault(r["engine"], []).append(
                {"n": n, "cpu": r["min"], "floor": r["floor_min"], "ratio": r["ratio"], "peak_mb": r["peak_mb"],
                 "refusals": r.get("refusals", 0)})
            log(f"translate {r['engine']} {n}: {r['min']:.2f} s, floor {r['floor_min']:.2f} s, "
                f"ratio {r['ratio']:.2f}, {r['peak_mb']:.0f} MB")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for n in LINT_SIZES[:2] if args.quick else LINT_SIZES:
            path = workdir / f"policies-{n}.yaml"
            path.write_text(translate.policies_text(n))
            for kind, cmd in (("lint", ["lint"]), ("check", ["check", "--engine", "cilium"])):
                cpu, peak, _, _ = run_child([py, "-m", "translator", *cmd, "-f", str(path)])
                out[kind].append({"n": n, "cpu": cpu, "peak_mb": peak})
                log(f"{kind} {n}: {cpu:.2f} s, {peak:.0f} MB")
        for n in CROSS_SIZES[:2] if args.quick else CROSS_SIZES:
            path = workdir / f"cross-{n}.yaml"
            path.write_text(translate.policies_text(n))
            cpu, peak, _, _ = run_child([py, "-m", "translator", "translate", "--engine", "cilium", "--verify",
                                         "--error-level", "warn", "-f", str(path)])
            out["cross"].append({"n": n, "cpu": cpu, "peak_mb": peak})
            log(f"cross {n}: {cpu:.2f} s, {peak:.0f} MB")
        nca_open = {"reach": args.nca is not None, "verify": args.nca is not None}
        for n in REACH_SIZES[:2] if args.quick else REACH_SIZES:
            for kind in ("reach", "verify"):
                cpu, peak, text, _ = run_child([py, __file__, "--child", kind, str(n), str(workdir)])
                inner = json.loads(text)
                out[kind].append({"n": n, "cpu": cpu, "inner_cpu": inner["cpu"], "peak_mb": peak})
                log(f"{kind} {n}: {cpu:.2f} s (the command itself {inner['cpu']:.2f} s), {peak:.0f} MB")
            if any(nca_open.values()):
                run_child([py, __file__, "--child", "nca-inputs", str(n), str(workdir)])
                lists = ["--ns_list", str(workdir / "ns.yaml"), "--pod_list", str(workdir / "pods.yaml")]
                for kind, nca_args in (
                        ("reach", ["--connectivity", str(workdir / "policies.yaml")]),
                        ("verify", ["--equiv", str(workdir / "policies.yaml"), "--base_np_list",
                                    str(workdir / "translated.yaml")])):
                    if not nca_open[kind]:
                        continue
                    cpu, peak, _, done = run_child([args.nca, *nca_args, *lists], timeout=args.nca_timeout)
                    out["nca"].setdefault(kind, []).append({"n": n, "cpu": cpu, "finished": done})
                    log(f"nca {kind} {n}: {cpu:.1f} s{'' if done else ' (stopped)'}")
                    nca_open[kind] = done
    return out


WHY = {
    "translate": "Every policy is read, imported, checked, lowered and written once, independently of the others; "
                 "the checks that look across policies (duplicate names, Cilium's egress-without-DNS and DNS-proxy "
                 "checks, ordered-policy lowering) index the policies by namespace and subject instead of comparing "
                 "pairs, and grouped diagnostics are computed once per group. So the cost is linear in the size of "
                 "the input, like the libyaml floor it is measured against. Two of the steps cost less than the "
                 "floor's: reading builds the data from libyaml's nodes without PyYAML's constructor calls "
                 "(translator/load/yamlcore.py), and writing emits the YAML text directly (translator/load/"
                 "yamlwrite.py, the same bytes PyYAML writes); the lines of diagnostics are read from the document's "
                 "indentation (translator/load/blockpath.py) instead of parsing it again. That pays for importing, "
                 "checking and lowering, which the floor does not do.",
    "reach": "The evaluator matches every policy's selectors against the pods once (pods x policies selector tests, "
             "shared across probes through bitsets) and then fills the pods x pods matrix with word-wide bit "
             "operations; with pods and policies growing together, the selector matching and the matrix are both "
             "quadratic in n, but the inner loops are bit operations on whole rows.",
    "verify": "The proof is symbolic: it partitions the space of possible pods and peers by the selectors and blocks "
              "the policies use (not by the cluster's pods), so it grows with the number of distinct selectors and "
              "their overlaps, close to linearly for policies that are mostly independent.",
    "lint": "Each check visits every policy once; the cross-policy checks (redundant rules and policies, "
            "shadowed selectors) group the policies by namespace and selector instead of comparing all pairs; "
            "lines are looked up only for the findings, one document at a time.",
    "check": "`check` is translate without writing: read, import, check every feature use against the engine's "
             "capability table; linear in the policies.",
    "cross": "The proof at its most expensive: the translation changes what hundreds of CIDR rules allow, so the "
             "difference has thousands of regions to describe, each with an example. Every label value and address "
             "block the policies name becomes a class of the proof's variables (one `instance` label and one CIDR "
             "per policy here: hundreds of classes). Decision-diagram nodes store only the classes whose child "
             "differs from the default, a region's cube is widened one variable at a time (not one class at a "
             "time), and the cheapest example reads each node's listed classes only, so the cost follows the "
             "policies instead of policies times classes (at 400 policies this was 64 s and 3.5 GB before).",
}


def growth(k: float) -> str:
    if math.isnan(k):
        return "not measured"
    if k < 1.15:
        return f"linear (n^{k:.2f})"
    if k < 1.5:
        return f"slightly above linear, n log n or a rising constant (n^{k:.2f})"
    if k < 2.3:
        return f"quadratic (n^{k:.2f})"
    return f"steeper than quadratic (n^{k:.2f})"


LABELS = {"cross": "translate --verify (cilium)"}
REFUSED_BECAUSE = {
    "azure-npm-windows": "the Windows data plane skips a policy with an `except` block, so its pods would stay open.",
    "cluster-network-policy": "ClusterNetworkPolicy has 1,001 priorities per tier and each NetworkPolicy takes two "
                              "(its rules and its isolation), so a set of more than about 500 cannot keep its order; "
                              "and its ingress isolation would deny less than the NetworkPolicy does.",
}
"""Why an engine refuses benchmarks/translate.py's policies (what its diagnostics say)."""


def plot(data: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(12, 9))
    ax = axes[0][0]
    for engine, pts in data["translate"].items():
        ax.plot([p["n"] for p in pts], [p["cpu"] for p in pts], marker="o", label=engine)
    first = next(iter(data["translate"].values()))
    ax.plot([p["n"] for p in first], [p["floor"] for p in first], "k--", label="libyaml load+dump floor")
    ax.set(title="translate: CPU seconds", xlabel="NetworkPolicies", ylabel="CPU s", xscale="log", yscale="log")
    ax.legend(fontsize=8)
    ax = axes[0][1]
    for engine, pts in data["translate"].items():
        ax.plot([p["n"] for p in pts], [p["ratio"] for p in pts], marker="o", label=engine)
    ax.axhline(1.5, color="red", linestyle=":", label="target 1.5")
    ax.set(title="translate / floor", xlabel="NetworkPolicies", ylabel="ratio", xscale="log")
    ax.legend(fontsize=8)
    ax = axes[1][0]
    for kind in ("reach", "verify", "lint", "check", "cross"):
        pts = data.get(kind) or []
        if pts:
            ax.plot([p["n"] for p in pts], [p["cpu"] for p in pts], marker="o", label=LABELS.get(kind, kind))
    for kind, pts in data["nca"].items():
        done = [p for p in pts if p["finished"]]
        if done:
            ax.plot([p["n"] for p in done], [p["cpu"] for p in done], "x--", label=f"nca ({kind})")
    ax.set(title="reach, verify (n pods x n policies); lint, check, translate --verify (n policies): CPU s", xlabel="n",
           ylabel="CPU s", xscale="log", yscale="log")
    ax.legend(fontsize=8)
    ax = axes[1][1]
    for engine, pts in data["translate"].items():
        ax.plot([p["n"] for p in pts], [p["peak_mb"] for p in pts], marker="o", label=f"translate {engine}")
    for kind in ("reach", "verify", "lint", "check", "cross"):
        pts = data.get(kind) or []
        if pts:
            ax.plot([p["n"] for p in pts], [p["peak_mb"] for p in pts], "s--", label=LABELS.get(kind, kind))
    ax.set(title="peak memory (RSS of the process)", xlabel="n", ylabel="MB", xscale="log")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=80)


def table(rows: list[list[str]], head: list[str]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def page(data: dict[str, Any], png: str, machine: str) -> str:
    out = ["# Performance", "",
           "Generated by `make perf-docs` (benchmarks/curves.py); do not edit by hand. Every workload at 4 sizes, "
           "each point in a fresh process: CPU seconds of that process (user + system; a shared machine skews them "
           "little) and its peak resident set size as the kernel reports it for that process (interpreter and "
           "modules included, about 60 MB; for small sizes it is at least the size of the benchmark driver that "
           "started the process, since Linux counts the pages a new process starts with). One run per "
           "point; `python benchmarks/translate.py` gives min and median of several runs at 10,000 policies.",
           "", f"Measured on: {machine}.", "", f"![scaling curves]({png})", "", "## translate", "",
           "`translate` against the floor of any YAML-to-YAML tool: a bare libyaml (PyYAML CSafeLoader) load of the "
           "same input plus a CSafeDumper dump of the same output, measured in the same process right after. "
           "The translation includes printing its diagnostics (grouped, as the command does). Input: "
           "benchmarks/translate.py's realistic NetworkPolicies (1-3 ingress rules, mostly an egress lock-down, "
           "some CIDR peers with except blocks).", ""]
    head = ["engine"] + [f"{p['n']:,}" for p in next(iter(data["translate"].values()))] + ["growth"]
    rows = []
    for engine, pts in data["translate"].items():
        k = exponent([(p["n"], p["cpu"]) for p in pts])
        rows.append([engine] + [f"{p['cpu']:.2f} s ({p['ratio']:.2f}x floor, {p['peak_mb']:.0f} MB"
                                + (", refused" if p.get("refusals") else "") + ")" for p in pts] + [growth(k)])
    first = next(iter(data["translate"].values()))
    rows.append(["libyaml floor (kubernetes output)"] + [f"{p['floor']:.2f} s" for p in first]
                + [growth(exponent([(p["n"], p["floor"]) for p in first]))])
    out += [table(rows, head), "", WHY["translate"], ""]
    refused = [e for e, pts in data["translate"].items() if any(p.get("refusals") for p in pts)]
    if refused:
        out += [f"\"refused\": {', '.join(refused)} cannot express this input exactly (the command exits 1 and writes "
                "nothing); the time is measured with `--error-level warn`, which reports each refusal as a warning "
                "and writes what the engine can."]
        out += [f"- {e}: {REFUSED_BECAUSE[e]}" for e in refused if e in REFUSED_BECAUSE]
        out += [""]
    for kind, title, unit in (("reach", "reach", "pods x policies (2 probes)"),
                              ("verify", "verify", "pods x policies, against their kubernetes translation"),
                              ("lint", "lint", "policies (`netpolx lint`, end to end)"),
                              ("check", "check", "policies (`netpolx check --engine cilium`, end to end)"),
                              ("cross", "translate --verify, to another engine's semantics",
                               "NetworkPolicies (`netpolx translate --engine cilium --verify --error-level warn`, "
                               "end to end; the Cilium translation changes what the CIDR rules allow, and the proof "
                               "describes every difference)")):
        pts = data.get(kind)
        if not pts:
            continue
        out += [f"## {title}", "", f"Size: n {unit}.", ""]
        head = ["n", "CPU s", "peak MB"]
        rows = []
        nca = {p["n"]: p for p in data["nca"].get(kind, [])}
        if kind in ("reach", "verify"):
            head.insert(2, "of which the command")
        if nca:
            head.append("NCA CPU s (ratio)")
        for p in pts:
            row = [f"{p['n']:,}", f"{p['cpu']:.2f}"]
            if kind in ("reach", "verify"):
                row.append(f"{p['inner_cpu']:.2f}")
            row.append(f"{p['peak_mb']:.0f}")
            if nca:
                q = nca.get(p["n"])
                ours = p.get("inner_cpu", p["cpu"])
                row.append("not run" if q is None else (f"{q['cpu']:.1f} ({q['cpu'] / ours:.0f}x)" if q["finished"]
                                                         else f">{q['cpu']:.0f} (stopped; >{q['cpu'] / ours:.0f}x)"))
            rows.append(row)
        k = exponent([(p["n"], p.get("inner_cpu", p["cpu"])) for p in pts])
        out += [table(rows, head), "", f"Growth: {growth(k)}. {WHY[kind]}", ""]
    if not data["nca"]:
        out += ["NCA (network-config-analyzer) was not measured in this run: `make perf-docs NCA=/path/to/nca` adds "
                "its `--connectivity` and `--equiv` times on the reach and verify inputs, where it finishes.", ""]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "docs" / "performance.md"))
    parser.add_argument("--nca", default=None, metavar="PATH", help="network-config-analyzer's `nca` executable.")
    parser.add_argument("--nca-timeout", type=float, default=120.0, help="Wall seconds per NCA run (default 120).")
    parser.add_argument("--quick", action="store_true", help="Only the 2 smallest sizes (a smoke run).")
    parser.add_argument("--json", default=None, help="Also write the raw figures to this file.")
    parser.add_argument("--from-json", default=None, help="Write the page and plot from figures saved by --json.")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), Path(args.child[2]))
        return
    start = time.monotonic()
    if args.from_json:
        data = json.loads(Path(args.from_json).read_text())
    else:
        data = measure(args, lambda line: print(line, file=sys.stderr, flush=True))
    if args.json:
        Path(args.json).write_text(json.dumps(data, indent=2))
    out = Path(args.out)
    png = out.with_suffix(".png")
    plot(data, png)
    machine = f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d')}"
    out.write_text(page(data, png.name, machine) + "\n")
    print(f"wrote {out} and {png} in {time.monotonic() - start:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
