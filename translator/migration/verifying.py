"""Running the evaluator for a migration: is the new policy set equivalent to the old one (each under its own
engine's semantics), which flows change, and which source policies they concern.

The evaluator lives in translator.evaluator; when it is missing (an incomplete build) verification is reported
as not run rather than failing the migration.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from translator.cluster.model import Cluster
from translator.diagnostics import Diagnostics
from translator.load.decode import intents_from_documents
from translator.load.loaded import LoadedIntent
from translator.load.source import documents_from_text, dump_yaml
from translator.output.progress import progress
from translator.registry import all_backends

MAX_FLOWS = 200
TRACED_FLOWS = 50


def evaluator_available() -> bool:
    """Whether translator.evaluator is installed."""
    return importlib.util.find_spec("translator.evaluator") is not None


@dataclass
class VerifySummary:
    """What verification found: `status` is `equivalent`, `not equivalent` or `not run`."""

    status: str
    note: str = ""
    connections: int = 0
    synthesized: bool = False
    flows: list[dict[str, Any]] = field(default_factory=list)
    total_differences: int = 0
    coverage: str = ""
    """One paragraph: what was proven (every possible cluster, or only the given one), assumptions, what was left
    out."""
    proven: bool = False
    """Whether the complete proof found the two sets equivalent on every possible cluster."""
    regions: list[str] = field(default_factory=list)
    """The regions of the general difference (one line each), when there is one."""

    @property
    def equivalent(self) -> bool | None:
        """True/False, or None when not run."""
        return None if self.status == "not run" else self.status == "equivalent"

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"status": self.status, "equivalent": self.equivalent, "note": self.note or None,
                "connections": self.connections, "cluster": "synthesized" if self.synthesized else "given",
                "differences": self.total_differences, "flows": self.flows,
                "flows_shown": len(self.flows), "proven_on_every_cluster": self.proven, "regions": self.regions,
                "coverage": self.coverage or None}


def semantics_name(engine: str) -> str | None:
    """The engine whose semantics a policy set is judged under (None: each policy's own kind)."""
    return engine if engine in all_backends() else None


def reimport(objects: Sequence[dict[str, Any]], name: str) -> list[LoadedIntent] | None:
    """Generated objects read back as intents (None when the target engine's importer cannot read them)."""
    diags = Diagnostics()
    if not objects:
        return []
    report = progress()
    report.phase("reading the translation back")
    docs = documents_from_text(dump_yaml(objects), name, diags)
    report.phase("importing the translation", len(docs))
    loaded = intents_from_documents(docs, diags)
    return None if diags.has_errors else loaded


def equivalent(a: Sequence[LoadedIntent], b: Sequence[LoadedIntent], cluster: Cluster | None,
               a_engine: str | None, b_engine: str | None) -> bool | None:
    """Whether two sets decide every connection alike (None when the evaluator is missing)."""
    if not evaluator_available():
        return None
    from translator.evaluator.verify import verify

    try:
        return verify(list(a), list(b), cluster, a_engine, b_engine).equivalent
    except Exception:  # an evaluator bug must not lose the bundle; the edit stays unverified
        return None


def _policies(trace: Any) -> list[str]:
    """The intents that applied to either side of a traced connection."""
    found: list[str] = []
    for side in (trace.egress, trace.ingress):
        for tier in side.tiers:
            found.extend(name.split(" (", 1)[0] for name in tier.intents)
    return list(dict.fromkeys(found))


def compare(source: Sequence[LoadedIntent], target: Sequence[LoadedIntent], cluster: Cluster | None,
            source_engine: str | None, target_engine: str | None) -> VerifySummary:
    """Verify a migration: the flows whose verdict changes, with the source intents that decide them."""
    if not evaluator_available():
        return VerifySummary("not run", "the evaluator (translator.evaluator) is not installed in this build")
    from translator.evaluator.verify import verify
    from translator.proof import prove

    try:
        proof = prove(list(source), list(target), source_engine, target_engine, cluster)
        result = verify(list(source), list(target), cluster, source_engine, target_engine)
    except Exception as exc:  # an evaluator bug must not lose the bundle; say so loudly instead
        return VerifySummary("not run", f"the evaluator failed ({type(exc).__name__}: {exc}); this is a netpolx bug, "
                             "please report it with these inputs")
    flows = []
    for i, diff in enumerate(result.differences[:MAX_FLOWS]):
        flow: dict[str, Any] = {"from": diff.src, "to": diff.dst, "port": diff.port, "protocol": diff.protocol,
                                "before": "allowed" if diff.source_allowed else "denied",
                                "after": "allowed" if diff.target_allowed else "denied"}
        if i < TRACED_FLOWS:
            flow["policies"] = _policies(diff.source_trace)
            flow["source_trace"] = diff.source_trace.lines()
            flow["target_trace"] = diff.target_trace.lines()
        flows.append(flow)
    note = "; ".join(result.cluster.notes) if result.synthesized and result.cluster.notes else ""
    untouched = cluster is not None and proof.lens is not None and not proof.lens.touched
    equivalent = proof.equivalent or (untouched and result.equivalent)
    if proof.equivalent:
        said = "Proven equivalent on every possible cluster."
    elif untouched:
        wider = next((r for r in proof.regions if not r.source_allowed), None)
        if proof.widens:
            example = wider.line() if wider is not None else "netpolx verify lists them"
            said = (f"Equivalent on the given cluster today, but not on every possible cluster: {proof.region_count:,} "
                    f"regions differ, and the target allows more than the source in some (e.g. {example}); pods "
                    "added or changed later could be reached where they are not today.")
        else:
            said = (f"Equivalent on the given cluster today, but not on every possible cluster: {proof.region_count:,} "
                    f"regions differ (e.g. {proof.regions[0].line() if proof.regions else 'see netpolx verify'}); "
                    "pods added later could be affected.")
    else:
        said = f"Not equivalent: {proof.region_count:,} regions of connections change (netpolx verify lists them)."
    if not flows and proof.witness is not None and not equivalent:
        w = proof.witness
        flows.append({"from": w.src, "to": w.dst, "port": w.point.probe.port, "protocol": w.point.probe.protocol,
                      "before": "allowed" if w.source_trace.allowed else "denied",
                      "after": "allowed" if w.target_trace.allowed else "denied", "witness": True,
                      "policies": _policies(w.source_trace), "source_trace": w.source_trace.lines(),
                      "target_trace": w.target_trace.lines()})
    return VerifySummary("equivalent" if equivalent else "not equivalent", note, result.connections,
                         result.synthesized, flows, max(len(result.differences), len(flows)),
                         f"{said} {proof.coverage}", proof.equivalent, proof.region_lines())
