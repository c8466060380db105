"""`translate --verify`: read the generated objects back and check they allow exactly what the input allowed.

The check is the complete proof (translator.proof): every region of connections whose verdict changed is one
error (NPX120) naming the intents involved and a concrete example, unless a diagnostic already announced a
divergence for one of them (NPX104 "changed", or a warning or error from the target engine): then the region is
reported as info, since the user was told. An info line (NPX121) states what the proof covered.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from translator import codes
from translator.cluster.ranges import DEFAULT_RANGES, ClusterRanges
from translator.diagnostics import Diagnostic, Diagnostics, Severity, SourceLocation
from translator.evaluator.verify import Difference, VerifyResult, verify
from translator.load.decode import intents_from_documents
from translator.load.loaded import LoadedIntent
from translator.load.source import Document, documents_from_text, dump_yaml
from translator.model import Direction
from translator.output.progress import progress
from translator.proof import Proof, Region, Witness, prove

GENERATED = "<generated>"


def verify_translation(source: Sequence[LoadedIntent], objects: Sequence[dict[str, Any]], engine: str,
                       diags: Diagnostics, documents: Sequence[Document] | None = None,
                       ranges: ClusterRanges = DEFAULT_RANGES) -> Proof | None:
    """Prove `objects` (compiled for `engine`) equivalent to `source` on every possible cluster; report each
    region of difference as one line (with a concrete example) into `diags`, and the proof's coverage.
    `documents`, when given, are the output as written (read back from the files or the printed text) and are
    checked instead of `objects`. Pods and nodes are assumed to have addresses only in `ranges` (the target's
    settings)."""
    read = Diagnostics()
    report = progress()  # on a terminal, after 2 s: what --verify is doing, with counts where there are
    docs = list(documents) if documents is not None else documents_from_text(dump_yaml(objects), GENERATED, read)
    report.phase("verifying: importing the output", len(docs))
    generated = _with_source_tier_orders(intents_from_documents(docs, read, ranges), source)
    if read.has_errors:
        first = read.errors[0]
        diags.error(codes.VERIFY_MISMATCH, f"--verify: the generated {engine} objects cannot be read back "
                    f"({first.message}); nothing was verified", engine=engine)
        return None
    report.phase("verifying: proving")
    proof = prove(source, generated, None, engine, ranges=ranges)
    announced = _announced(source, diags, engine)
    by_intent: dict[int | None, list[tuple[Region, Witness]]] = {}
    if proof.regions:
        report.phase(f"verifying: finding examples for {len(proof.regions):,} differences")
    for region in proof.regions:
        witness = proof.witness_in(region)
        result = verify(source, generated, witness.point.cluster, None, engine)
        involved = set().union(*(_involved(result, d, source) for d in result.differences)) \
            if result.differences else set()
        key = next((p for p in sorted(involved) if p in announced), min(involved) if involved else None)
        by_intent.setdefault(key, []).append((region, witness))
    for position, found in by_intent.items():
        _report(found, source[position] if position is not None else None, position in announced, engine, diags)
    if proof.region_count > len(proof.regions):
        severity = Severity.INFO if by_intent and all(p in announced for p in by_intent) else Severity.ERROR
        diags.report(severity, codes.VERIFY_MISMATCH, f"--verify: ... and {proof.region_count - len(proof.regions):,} "
                     "more regions whose verdict changed (netpolx verify lists them)", engine=engine)
    verdict = "equivalent" if proof.equivalent else "not equivalent"
    diags.info(codes.VERIFY_COVERAGE, f"--verify: {engine} output {verdict} to the input. {proof.coverage}",
               engine=engine)
    return proof


def _with_source_tier_orders(generated: list[LoadedIntent], source: Sequence[LoadedIntent]) -> list[LoadedIntent]:
    """A generated policy naming a tier whose order the output does not give (the tier object is not generated;
    the backend announces that it must exist with the source's order) is read with the source's order."""
    orders = {li.intent.spec.tier.name: li.intent.spec.tier.order for li in source
              if li.intent.spec.tier is not None and li.intent.spec.tier.order is not None}
    out = []
    for li in generated:
        spec = li.intent.spec
        if spec.tier is None or spec.tier.order is not None or spec.tier.name not in orders:
            out.append(li)
            continue
        tier = spec.tier.model_copy(update={"order": orders[spec.tier.name]})
        intent = li.intent.model_copy(update={"spec": spec.model_copy(update={"tier": tier})})
        out.append(replace(li, intent=intent))
    return out


def _involved(result: VerifyResult, diff: Difference, source: Sequence[LoadedIntent]) -> set[int]:
    """Positions of the source intents that apply to the source's egress or the destination's ingress, on either
    side (generated intents are matched to source intents by namespace/name)."""
    out: set[int] = set()
    refs = {li.intent.ref: i for i, li in enumerate(source)}
    for evaluator, own in ((result.source, True), (result.target, False)):
        core = evaluator.core
        s, d = evaluator.index[diff.src], evaluator.index[diff.dst]
        positions = (*core.groups_positions(Direction.EGRESS, s), *core.groups_positions(Direction.INGRESS, d))
        for pos in positions:
            if own:
                out.add(pos)
            elif core.intents[pos].ref in refs:
                out.add(refs[core.intents[pos].ref])
    return out


def _announced(source: Sequence[LoadedIntent], diags: Diagnostics, engine: str) -> set[int]:
    """Positions of the intents for which a diagnostic already announced a change of meaning."""
    starts: dict[str, list[tuple[int, int]]] = {}
    for i, li in enumerate(source):
        loc = li.locate()
        starts.setdefault(loc.file, []).append((loc.line or 0, i))
    for rows in starts.values():
        rows.sort()
    out: set[int] = set()
    for diag in diags:
        if _announces(diag, engine):
            out.update(_owners(diag.location, starts, source, diag.message))
    return out


def _announces(diag: Diagnostic, engine: str) -> bool:
    if diag.code in (codes.CHANGED, codes.WIDENED):
        return True
    return diag.engine == engine and diag.severity in (Severity.WARNING, Severity.ERROR) \
        and diag.code != codes.VERIFY_MISMATCH


def _owners(loc: SourceLocation, starts: dict[str, list[tuple[int, int]]], source: Sequence[LoadedIntent],
            message: str) -> set[int]:
    """The intents a diagnostic is about: named at the start of its message, else the document it points into."""
    named = {i for i, li in enumerate(source) if message.startswith(f"{li.intent.ref}:")}
    if named or loc.file not in starts:
        return named
    rows = starts[loc.file]
    at = bisect.bisect_right(rows, (loc.line or 0, len(source))) - 1
    if at < 0:
        return set()
    line = rows[at][0]
    return {i for ln, i in rows if ln == line}


def _report(found: list[tuple[Region, Witness]], owner: LoadedIntent | None, announced: bool, engine: str,
            diags: Diagnostics) -> None:
    where = owner.locate(("spec",)) if owner is not None else None
    prefix = f"{owner.intent.ref}: " if owner is not None else ""
    severity = Severity.INFO if announced else Severity.ERROR
    tail = " (a divergence announced above)" if announced else ""
    for region, witness in found:
        p = witness.point.probe
        message = (f"{prefix}--verify: {region.text}: {_word(region.source_allowed)} by the input, "
                   f"{_word(not region.source_allowed)} by the {engine} output{tail}; e.g. {witness.src} -> "
                   f"{witness.dst} {p.port}/{p.protocol} is {_word(witness.source_trace.allowed)} by the input but "
                   f"{_word(witness.target_trace.allowed)} by the {engine} output")
        diags.report(severity, codes.VERIFY_MISMATCH, message, where, engine=engine)


def _word(allowed: bool) -> str:
    return "allowed" if allowed else "denied"
