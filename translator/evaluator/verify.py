"""Equivalence of two policy sets: every connection of a cluster, decided under each set's semantics.

Without a cluster, the check runs on `synthesize_cluster(source, target)`, which covers every distinction the
two sets can draw (see synth.py). Differences are listed in matrix order (source, destination, probe) with both
traces, computed when first asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from translator.cluster.model import Cluster, Probe
from translator.cluster.ranges import DEFAULT_RANGES, ClusterRanges
from translator.evaluator.evaluate import Evaluator
from translator.evaluator.selection import iter_bits
from translator.evaluator.synth import probes_of, synthesize_cluster
from translator.evaluator.trace import Trace
from translator.load.loaded import LoadedIntent


@dataclass
class Difference:
    """A connection that one set allows and the other denies."""

    src: str
    dst: str
    port: int
    protocol: str
    source_allowed: bool
    target_allowed: bool
    _source: Evaluator = field(repr=False, compare=False)
    _target: Evaluator = field(repr=False, compare=False)

    @cached_property
    def source_trace(self) -> Trace:
        """Why the source set decides as it does."""
        return self._source.explain(self.src, self.dst, self.port, self.protocol)

    @cached_property
    def target_trace(self) -> Trace:
        """Why the target set decides as it does."""
        return self._target.explain(self.src, self.dst, self.port, self.protocol)

    def summary(self) -> str:
        """One line: the connection and both verdicts."""
        def word(allowed: bool) -> str:
            return "allowed" if allowed else "denied"
        return (f"{self.src} -> {self.dst} {self.port}/{self.protocol}: {word(self.source_allowed)} by the source, "
                f"{word(self.target_allowed)} by the target")

    def as_dict(self) -> dict[str, object]:
        """JSON form, traces included."""
        return {"from": self.src, "to": self.dst, "port": self.port, "protocol": self.protocol,
                "source_allowed": self.source_allowed, "target_allowed": self.target_allowed,
                "source_trace": self.source_trace.lines(), "target_trace": self.target_trace.lines()}


@dataclass
class VerifyResult:
    """The outcome of `verify`."""

    differences: list[Difference]
    cluster: Cluster
    probes: list[Probe]
    synthesized: bool
    source: Evaluator
    target: Evaluator

    @property
    def equivalent(self) -> bool:
        """Whether no connection's verdict differs."""
        return not self.differences

    @property
    def connections(self) -> int:
        """How many connections were compared."""
        n = len(self.source.names)
        return n * (n - 1) * len(self.probes)


def describe_endpoint(cluster: Cluster, name: str) -> str:
    """An endpoint with what policies can see of it: labels, IP, ports, service account, DNS name."""
    pod = next((p for p in cluster.pods if p.id == name), None)
    if pod is not None:
        ns = cluster.namespace(pod.namespace)
        ns_labels = {k: v for k, v in (ns.labels if ns else {}).items() if k != "kubernetes.io/metadata.name"}
        parts = [f"labels {_labels(pod.labels)}"]
        if ns_labels:
            parts.append(f"namespace labels {_labels(ns_labels)}")
        if pod.ip:
            parts.append(f"ip {pod.ip}")
        if pod.ports:
            parts.append("ports " + ", ".join(f"{c.name + '=' if c.name else ''}{c.port}/{c.protocol}"
                                              for c in pod.ports))
        if pod.serviceAccount:
            parts.append(f"service account {pod.serviceAccount}")
        return f"{name}: pod, " + "; ".join(parts)
    node = next((n for n in cluster.nodes if n.id == name), None)
    if node is not None:
        return f"{name}: node" + (f", ip {node.ip}" if node.ip else "")
    api = next((a for a in cluster.api_servers if a.id == name), None)
    if api is not None:
        return f"{name}: API server outside the cluster, ip {api.ip}"
    ext = next((e for e in cluster.externals if e.name == name), None)
    if ext is None:
        return name
    return f"{name}: external, ip {ext.ip}" + (f", DNS name {ext.fqdn}" if ext.fqdn else "")


def _labels(labels: dict[str, str]) -> str:
    return "{" + ", ".join(f"{k}={v}" for k, v in sorted(labels.items())) + "}"


def verify(source: Sequence[LoadedIntent], target: Sequence[LoadedIntent], cluster: Cluster | None = None,
           source_engine: str | None = None, target_engine: str | None = None,
           ranges: ClusterRanges = DEFAULT_RANGES) -> VerifyResult:
    """Compare two policy sets connection by connection (each set under its own kinds' semantics unless an
    engine is given). Without `cluster`, a synthesized complete cover is used, with pods and nodes only in
    `ranges`; a cluster without probes gets the probes the synthesized cover would use."""
    synthesized = cluster is None
    if cluster is None:
        cluster = synthesize_cluster(source, target, ranges=ranges)
    probes = list(cluster.probes) or probes_of(source, target)
    src_eval = Evaluator(cluster, source, source_engine)
    dst_eval = Evaluator(cluster, target, target_engine)
    names = src_eval.names
    found: list[tuple[int, int, int, bool]] = []
    seen: dict[tuple[int, int], list[tuple[int, int, bool]]] = {}
    for p, probe in enumerate(probes):
        key = (src_eval.core.signature(probe), dst_eval.core.signature(probe))
        if key not in seen:  # probes that both sets treat alike differ alike: compare once
            cells = zip(src_eval.compute_columns(probe), dst_eval.compute_columns(probe))
            seen[key] = [(s, d, bool((a >> s) & 1)) for d, (a, b) in enumerate(cells) for s in iter_bits(a ^ b)]
        found.extend((s, d, p, allowed) for s, d, allowed in seen[key])
    found.sort()
    differences = [Difference(names[s], names[d], probes[p].port, probes[p].protocol, allowed, not allowed,
                              src_eval, dst_eval) for s, d, p, allowed in found]
    return VerifyResult(differences, cluster, probes, synthesized, src_eval, dst_eval)
