"""A mutation fuzzer over every input kind and command (issue 16).

Seeds are the policies in samples/ and, when present beside the repository, the wild corpus. Each round takes a
seed file, mutates it (structurally: types swapped, keys dropped or duplicated, values copied between fields,
hostile scalars; and textually: YAML 1.1 quirks, tags, anchors, truncation, duplicate keys), and runs one command
on it in-process. Invariants checked on every run:

- the exit code is 0, 1 or 2 (3 is an internal error);
- every diagnostic about the input names FILE:LINE;
- a command that fails writes nothing (`translate --output-dir` leaves the folder empty);
- `translate` and `translate --verify` exit alike (an exit-0 translation verifies; the two never disagree).

    python -m tests.fuzz.fuzzer --count 10000 [--seed 1]      # `make fuzz`
"""

from __future__ import annotations

import argparse
import copy
import io
import random
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from translator.cli import main
from translator.load.yamlcore import load_all

ROOT = Path(__file__).resolve().parent.parent.parent
CORPUS = ROOT.parent / "shared" / "upstream" / "corpus" / "wild"
ENGINES = ("kubernetes", "azure-npm", "azure-npm-windows", "cilium", "calico")
CLUSTER = ROOT / "samples" / "graph" / "seed-cluster.yaml"
DIAGNOSTIC = re.compile(r"^(?P<file>.+?)(?::(?P<line>\d+))?: (error|warning|info) (NPX\d{3}): ")

HOSTILE: tuple[Any, ...] = (
    True, False, None, 0, -1, 65536, 2**63, 1.5, "", " ", "*", "20:21", "yes", "0x50", "80", "ingres", "a" * 300,
    "x\ny", "../../etc/passwd", "10.0.0.0/33", "::/0", "0.0.0.0/0", "kube-system", "all()", "((a == 'b')",
    "has(app) && !has(app)", [], {}, [None], {"": ""}, {"matchLabels": {"a": 1}}, "\u202e", "UDP", "SCTP", "ICMP",
)
QUIRKS = ("20:21", "yes", "on", "010", "0o17", "1_000", "2024-01-01", ".nan", "!!int kube-system", "!!float x",
          "!!bool maybe", "!!timestamp 2001-12-14", "!custom x", "!!binary aGk=", "9" * 30, "~", "&a x", "*zz")


CIDRS = ("10.0.0.0/8", "10.244.0.0/16", "0.0.0.0/0", "192.168.1.0/24", "100.64.0.0/10", "203.0.113.0/24",
         "198.51.100.7/32", "8.8.8.8/32", "::/0", "fc00::/7", "2001:db8::/32")
VALID: dict[str, tuple[Any, ...]] = {
    # Values that keep a document valid but change what it means: the mutants that reach the translation and its
    # proof (the hostile ones mostly stop at input validation).
    "action": ("Allow", "Deny", "Pass", "Log", "allow", "deny", "pass"),
    "cidr": CIDRS, "nets": CIDRS, "notNets": CIDRS, "fromCIDR": CIDRS, "toCIDR": CIDRS,
    "port": (53, 80, 443, 5432, 8080, 1, 65535, "http", "dns"), "endPort": (81, 90, 1024, 65535),
    "ports": (53, 80, 443, "8000:8100", "20:21"), "notPorts": (22, 80, "1000:2000"),
    "protocol": ("TCP", "UDP", "SCTP", "ICMP", "ANY"),
    "order": (1, 5, 10, 100, 1000, 1500.5), "types": ("Ingress", "Egress"), "policyTypes": ("Ingress", "Egress"),
    "isolate": ("ingress", "egress"),
    "selector": ("all()", "app == 'api'", "has(role)", "!has(app)", "app in {'web', 'api'}", "role != 'x'"),
    "namespaceSelector": ("all()", "kubernetes.io/metadata.name == 'payments'", "global()"),
    "fromEntities": ("world", "cluster", "host", "remote-node", "all", "kube-apiserver"),
    "toEntities": ("world", "cluster", "host", "remote-node", "all", "kube-apiserver"),
    "entity": ("world", "cluster", "host", "remote-node", "all", "kube-apiserver"),
    "app": ("web", "api", "db", "frontend"), "role": ("partner", "frontend", "db"),
    "enableDefaultDeny": ({"ingress": False}, {"egress": False}, {"ingress": True, "egress": True}),
}
ENGINE_SETTINGS = ("", ",pod-cidr=10.244.0.0/16,node-cidr=10.224.0.0/16")


def seeds() -> list[Path]:
    """The seed files: samples/ policies (not expected outputs) and the wild corpus when present."""
    found = [p for p in sorted((ROOT / "samples").rglob("*.yaml")) if "expected" not in p.parts]
    if CORPUS.exists():
        found += sorted(CORPUS.rglob("*.yaml"))
    return found


# --- mutations ---------------------------------------------------------------------------------------------------

def _containers(data: Any, out: list[Any]) -> list[Any]:
    if isinstance(data, dict):
        out.append(data)
        for v in data.values():
            _containers(v, out)
    elif isinstance(data, list):
        out.append(data)
        for v in data:
            _containers(v, out)
    return out


def _scalars(data: Any) -> Iterator[Any]:
    if isinstance(data, dict):
        for v in data.values():
            yield from _scalars(v)
    elif isinstance(data, list):
        for v in data:
            yield from _scalars(v)
    else:
        yield data


def mutate_data(docs: list[Any], rng: random.Random) -> list[Any]:
    """A few structural mutations of the parsed documents."""
    docs = copy.deepcopy(docs)
    pool = [s for d in docs for s in _scalars(d)] or ["x"]
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        containers = [c for d in docs for c in _containers(d, [])]
        if not containers:
            break
        target = rng.choice(containers)
        if isinstance(target, dict) and target:
            key = rng.choice(list(target))
            op = rng.random()
            if op < 0.35:
                target[key] = rng.choice(HOSTILE)
            elif op < 0.5:
                del target[key]
            elif op < 0.7:
                target[key] = rng.choice(pool)
            elif op < 0.8:
                target[key + rng.choice(["", "s", "X"])] = copy.deepcopy(target[key])
            else:
                other = rng.choice(containers)
                target[key] = copy.deepcopy(other)
        elif isinstance(target, list):
            op = rng.random()
            if target and op < 0.4:
                target.append(copy.deepcopy(rng.choice(target)))
            elif target and op < 0.6:
                target.pop(rng.randrange(len(target)))
            elif target:
                target[rng.randrange(len(target))] = rng.choice(HOSTILE)
            else:
                target.append(rng.choice(HOSTILE))
    return docs


def mutate_values(docs: list[Any], rng: random.Random) -> list[Any]:
    """A few meaning-changing but valid mutations: a value swapped for another valid one of its field."""
    docs = copy.deepcopy(docs)
    spots = [(c, k) for d in docs for c in _containers(d, []) if isinstance(c, dict) for k in c if k in VALID]
    for _ in range(rng.choice((1, 1, 2, 3))):
        if not spots:
            break
        target, key = rng.choice(spots)
        value = rng.choice(VALID[key])
        if isinstance(target[key], list) and not isinstance(value, dict):
            items = target[key]
            if items and rng.random() < 0.6:
                items[rng.randrange(len(items))] = value
            else:
                items.append(value)
        elif isinstance(target[key], (str, int, float, bool)) or target[key] is None or isinstance(value, dict):
            target[key] = value
    return docs


def mutate_text(text: str, rng: random.Random) -> str:
    """One textual mutation: a YAML quirk in place of a scalar, a duplicated line, truncation or a stray byte."""
    lines = text.splitlines()
    if not lines:
        return text
    op = rng.random()
    i = rng.randrange(len(lines))
    if op < 0.5 and ": " in lines[i]:
        head = lines[i].split(": ", 1)[0]
        lines[i] = f"{head}: {rng.choice(QUIRKS)}"
    elif op < 0.7:
        lines.insert(i, lines[i])  # a duplicate key (or list item)
    elif op < 0.85:
        lines = lines[: rng.randrange(len(lines) + 1)]
    else:
        line = lines[i]
        j = rng.randrange(len(line) + 1)
        lines[i] = line[:j] + rng.choice(["\t", "{", "[", "'", '"', ":", "#", "&", "*", "!", "|", "\x00"]) + line[j:]
    return "\n".join(lines) + "\n"


def mutant(seed_text: str, rng: random.Random) -> str:
    """One mutated document set from a seed's text."""
    if rng.random() < 0.6:
        try:
            docs = load_all(seed_text)
        except yaml.YAMLError:
            docs = []
        if docs:
            mutate = mutate_values if rng.random() < 0.5 else mutate_data
            text = yaml.safe_dump_all(mutate(docs, rng), sort_keys=False)
            return mutate_text(text, rng) if rng.random() < 0.2 else text
    return mutate_text(seed_text, rng)


# --- running and checking ----------------------------------------------------------------------------------------

@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


def run(*args: str) -> Run:
    """netpolx in-process."""
    out, err = io.StringIO(), io.StringIO()
    old_stdin = sys.stdin
    sys.stdin = io.StringIO("")
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = main(list(args))
    finally:
        sys.stdin = old_stdin
    return Run(code, out.getvalue(), err.getvalue())


@dataclass
class Report:
    documents: int = 0
    commands: Counter[str] = field(default_factory=Counter)
    exits: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def fail(self, what: str, text: str, result: Run) -> None:
        self.failures.append(f"{what}\n--- input\n{text[:2000]}\n--- stderr\n{result.stderr[:2000]}")

    def summary(self) -> str:
        exits = ", ".join(f"exit {k}: {v}" for k, v in sorted(self.exits.items()))
        return (f"{self.documents} documents, {sum(self.commands.values())} commands in {self.seconds:.0f} s "
                f"({exits}); {len(self.failures)} failures")


def check_diagnostics(result: Run, path: Path) -> str | None:
    """Why the diagnostics break the rules (a diagnostic about the input without a line), or None."""
    for line in result.stderr.splitlines():
        m = DIAGNOSTIC.match(line)
        if m is None:
            continue
        if m.group("file") == str(path) and m.group("line") is None:
            return f"diagnostic without a line: {line}"
    return None


def commands(path: Path, out: Path, rng: random.Random) -> tuple[str, list[str]]:
    """One command to run on the mutant (name, argv)."""
    engine = rng.choice(ENGINES)
    choice = rng.random()
    if choice < 0.45:
        settings = rng.choice(ENGINE_SETTINGS)
        extra = ["--allow-widening"] if rng.random() < 0.15 else []
        return "translate", ["translate", "--engine", engine + settings, "-f", str(path), *extra,
                             "--output-dir", str(out)]
    if choice < 0.55:
        return "check", ["check", "--engine", engine, "-f", str(path)]
    if choice < 0.65:
        return "import", ["import", "-f", str(path)]
    if choice < 0.75:
        return "lint", ["lint", "-f", str(path)]
    if choice < 0.85:
        return "explain", ["explain", "-f", str(path)]
    if choice < 0.92:
        return "recommend", ["recommend", "-f", str(path)]
    return "graph", ["graph", "-f", str(path), "--cluster", str(CLUSTER), "-o", rng.choice(["dot", "mermaid"])]


def fuzz(count: int, seed: int = 1, progress: Callable[[Report], None] | None = None,
         only: int | None = None) -> Report:
    """Run `count` mutants; the report lists every broken invariant. With `only`, run just that document (the
    same mutant and command as in a whole run with this seed: to reproduce a failure)."""
    rng = random.Random(seed)
    texts = [p.read_text(encoding="utf-8") for p in seeds()]
    report = Report()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="netpolx-fuzz-") as tmp:
        for n in range(count if only is None else only + 1):
            text = mutant(rng.choice(texts), rng)
            path = Path(tmp) / f"m{n}.yaml"
            out = Path(tmp) / f"out{n}"
            name, argv = commands(path, out, rng)
            if only is not None and n != only:
                continue
            path.write_text(text, encoding="utf-8")
            check_one(report, name, argv, text, path, out)
            path.unlink()
            if progress is not None and (n + 1) % 500 == 0:
                report.seconds = time.perf_counter() - start
                progress(report)
    report.seconds = time.perf_counter() - start
    return report


def check_one(report: Report, name: str, argv: list[str], text: str, path: Path, out: Path) -> None:
    """Run one command on one mutant and record every invariant it breaks."""
    result = run(*argv)
    report.documents += 1
    report.commands[name] += 1
    report.exits[result.code] += 1
    if result.code not in (0, 1, 2) or "Traceback" in result.stderr:
        report.fail(f"{name}: exit {result.code}: {' '.join(argv)}", text, result)
    elif why := check_diagnostics(result, path):
        report.fail(f"{name}: {why}", text, result)
    elif name == "translate":
        written = sorted(p.name for p in out.rglob("*")) if out.exists() else []
        if result.code != 0 and written:
            report.fail(f"translate exit {result.code} wrote {written}", text, result)
        if result.code in (0, 1):
            # translate and translate --verify never disagree: an exit-0 translation verifies, and --verify
            # does not turn a refusal into a success.
            verified = run(*argv[:-2], "--verify")
            report.commands["translate --verify"] += 1
            if verified.code != result.code:
                report.fail(f"translate exits {result.code} but translate --verify exits {verified.code}: "
                            f"{' '.join(argv[:-2])}", text, verified)
            elif why := check_diagnostics(verified, path):
                report.fail(f"translate --verify: {why}", text, verified)


def _main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--failures", type=Path, default=None, help="Write every failure here.")
    parser.add_argument("--only", type=int, default=None, metavar="N",
                        help="Run only document N (0-based) of this seed, to reproduce a failure.")
    args = parser.parse_args()
    report = fuzz(args.count, args.seed, lambda r: print(r.summary(), flush=True), only=args.only)
    print(report.summary())
    for kind, n in Counter(f.splitlines()[0].split(":")[0] + ": " + f.splitlines()[0].split(": ", 2)[1][:60]
                           for f in report.failures).most_common():
        print(f"  {n} x {kind}")
    if args.failures is not None:
        args.failures.write_text("\n\n=====\n".join(report.failures), encoding="utf-8")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(_main())
