"""The public evaluator: is a connection allowed, why, and the whole reachability matrix."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import NamedTuple

from translator.cluster.model import Cluster, Probe
from translator.evaluator.engine import Engine
from translator.evaluator.selection import iter_bits
from translator.evaluator.trace import DirectionTrace, Recorder, Trace
from translator.load.loaded import LoadedIntent
from translator.model import Direction
from translator.registry import UnknownEngineError, get_backend
from translator.semantics import INTENT_SEMANTICS, Semantics
from translator.target import TargetError, parse_target

INTENT = "intent"


class ReachResult(NamedTuple):
    """One cell of the reachability matrix."""

    src: str
    dst: str
    port: int
    protocol: str
    allowed: bool

    def as_dict(self) -> dict[str, object]:
        """The contract's JSON form."""
        return {"from": self.src, "to": self.dst, "port": self.port, "protocol": self.protocol,
                "allowed": self.allowed}


def engine_name(engine: str) -> str:
    """The engine name of `NAME[@VERSION]`; UnknownEngineError when malformed."""
    try:
        return parse_target(engine).name
    except TargetError as exc:
        raise UnknownEngineError(str(exc)) from exc


def semantics_of(engine: str) -> Semantics:
    """The semantics of an engine (`intent` is the neutral model's own); UnknownEngineError if unknown."""
    name = engine_name(engine)
    return INTENT_SEMANTICS if name == INTENT else get_backend(name).semantics


def semantics_for(loaded: LoadedIntent, engine: str | None) -> Semantics:
    """The semantics one intent is judged under: the engine's if given, else its own kind's."""
    if engine is not None:
        return semantics_of(engine)
    return INTENT_SEMANTICS if loaded.origin == INTENT else get_backend(loaded.origin).semantics


def describe_semantics(policies: Sequence[LoadedIntent], engine: str | None) -> str:
    """The name reach reports: the engine if given; else `intent`, the one native engine, or `mixed`."""
    if engine is not None:
        return engine_name(engine)
    origins = {li.origin for li in policies}
    if len(origins) > 1:
        return "mixed"
    return origins.pop() if origins else INTENT


class Evaluator:
    """Decides connections in `cluster` under `policies`.

    With `engine` None each policy is judged under its own kind's semantics (intents under the intent
    semantics, imported policies under their engine's); with an engine name, all under that engine's.
    An unknown engine raises translator.registry.UnknownEngineError.
    """

    def __init__(self, cluster: Cluster, policies: Sequence[LoadedIntent], engine: str | None = None) -> None:
        self.cluster = cluster
        self.policies = list(policies)
        self.semantics_name = describe_semantics(self.policies, engine)
        self.core = Engine(cluster, [(li, semantics_for(li, engine)) for li in self.policies])
        self.names = self.core.sel.names
        self.index = self.core.sel.index
        self._columns: dict[int, list[int]] = {}

    def endpoint(self, name: str) -> int:
        """The index of an endpoint; ValueError naming the known ones when unknown."""
        if name not in self.index:
            known = ", ".join(self.names[:10]) + (" ..." if len(self.names) > 10 else "")
            raise ValueError(f"unknown endpoint {name!r} (known: {known})")
        return self.index[name]

    def allowed(self, src: str, dst: str, port: int, protocol: str) -> bool:
        """Whether `src` may connect to `dst` on `port`/`protocol` (both its egress and dst's ingress allow)."""
        s, d, probe = self.endpoint(src), self.endpoint(dst), Probe(port, protocol.upper())
        return bool((self.core.decision(Direction.EGRESS, s, probe) >> d) & 1
                    and (self.core.decision(Direction.INGRESS, d, probe) >> s) & 1)

    def explain(self, src: str, dst: str, port: int, protocol: str) -> Trace:
        """The verdict with the steps that led to it in both directions."""
        s, d, probe = self.endpoint(src), self.endpoint(dst), Probe(port, protocol.upper())
        egress = self._direction_trace(Direction.EGRESS, s, d, probe)
        ingress = self._direction_trace(Direction.INGRESS, d, s, probe)
        return Trace(src, dst, probe.port, probe.protocol, egress.allowed and ingress.allowed, egress, ingress,
                     self.semantics_name)

    def _direction_trace(self, direction: Direction, endpoint: int, peer: int, probe: Probe) -> DirectionTrace:
        name = self.names[endpoint]
        rec = Recorder(direction.value, name)
        sel = self.core.sel
        if not (sel.pods >> endpoint) & 1:
            what = "is a node (or a host-network pod): no pod policy" if (sel.nodes >> endpoint) & 1 \
                else "is outside the cluster: no policy"
            return rec.finish(True, f"{name} {what} applies to it")
        if (sel.local_node(endpoint) >> peer) & 1:
            return rec.finish(True, f"{self.names[peer]} is {name}'s own node: always allowed")
        groups = self.core.groups(direction, endpoint)
        if not groups:
            return rec.finish(True, f"no intent selects {name} for {direction.value}")
        allowed = bool(self.core.decide(groups, direction, endpoint, probe, 1 << peer, rec))
        decided = [t.outcome for t in rec.tiers if t.outcome]
        reason = decided[-1] if decided else "no tier decided: allowed"
        if allowed and reason.endswith("next tier"):
            reason = "no tier decided: allowed"
        return rec.finish(allowed, reason)

    # -- the matrix ------------------------------------------------------------------------------------------

    def columns(self, probe: Probe) -> list[int]:
        """Per destination, the sources allowed to reach it on `probe` (its own bit excluded)."""
        sig = self.core.signature(probe)
        found = self._columns.get(sig)
        if found is None:
            found = self._columns[sig] = self.compute_columns(probe)
        return found

    def compute_columns(self, probe: Probe) -> list[int]:
        """`columns` without keeping the result (for callers that look at each probe once)."""
        core, n = self.core, len(self.names)
        reach_of = transpose(core.decisions(Direction.EGRESS, probe), n)
        ingress = core.decisions(Direction.INGRESS, probe)
        return [ingress[d] & reach_of[d] & ~(1 << d) for d in range(n)]

    def matrix(self, probes: Sequence[Probe]) -> list[ReachResult]:
        """Every ordered pair of distinct endpoints x every probe: source order, then destination, then probe."""
        out: list[ReachResult] = []
        for chunk in self._chunks(probes):
            out.extend(chunk)
        return out

    def iter_matrix(self, probes: Sequence[Probe]) -> Iterator[ReachResult]:
        """The matrix lazily (one source at a time), in the order of `matrix`."""
        for chunk in self._chunks(probes):
            yield from chunk

    def _chunks(self, probes: Sequence[Probe]) -> Iterator[list[ReachResult]]:
        names, n, new = self.names, len(self.names), tuple.__new__
        rows = [transpose(self.columns(p), n) for p in probes]  # per probe, per source: allowed destinations
        for s, src in enumerate(names):
            cells = [(p.port, p.protocol, [c == "1" for c in format(r[s], f"0{n}b")[::-1]])
                     for p, r in zip(probes, rows)]
            yield [new(ReachResult, (src, dst, port, proto, flags[d]))
                   for d, dst in enumerate(names) if d != s for port, proto, flags in cells]


def transpose(rows: list[int], n: int) -> list[int]:
    """Column bitsets of a bit matrix given as row bitsets, grouping equal rows (most rows repeat)."""
    groups: dict[int, int] = {}
    for s, row in enumerate(rows):
        groups[row] = groups.get(row, 0) | (1 << s)
    full = (1 << n) - 1
    base, pos, neg = 0, [0] * n, [0] * n
    for row, sources in groups.items():
        if row.bit_count() * 2 > n:  # dense row: record where it is missing
            base |= sources
            for d in iter_bits(full & ~row):
                neg[d] |= sources
        else:
            for d in iter_bits(row):
                pos[d] |= sources
    return [(base & ~neg[d]) | pos[d] for d in range(n)]
