"""`translate --verify`: read the generated objects back and check they allow exactly what the input allowed.

Every connection whose verdict changed is an error (NPX120) naming the intents involved, unless a diagnostic
already announced a divergence for one of them (NPX104 "changed", or a warning or error from the target
engine): then the connection is reported as info, since the user was told.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Any

from translator import codes
from translator.diagnostics import Diagnostic, Diagnostics, Severity, SourceLocation
from translator.evaluator.verify import Difference, VerifyResult, verify
from translator.intents import intents_from_documents
from translator.loaded import LoadedIntent
from translator.model import Direction
from translator.ranges import DEFAULT_RANGES, ClusterRanges
from translator.source import Document, documents_from_text, dump_yaml

GENERATED = "<generated>"
FLOWS_PER_INTENT = 20


def verify_translation(source: Sequence[LoadedIntent], objects: Sequence[dict[str, Any]], engine: str,
                       diags: Diagnostics, documents: Sequence[Document] | None = None,
                       ranges: ClusterRanges = DEFAULT_RANGES) -> VerifyResult | None:
    """Check `objects` (compiled for `engine`) against `source`; report changed verdicts into `diags`.
    `documents`, when given, are the output as written (read back from the files or the printed text) and are
    checked instead of `objects`. The synthesized cluster holds pods and nodes only in `ranges` (the target's
    settings)."""
    read = Diagnostics()
    docs = list(documents) if documents is not None else documents_from_text(dump_yaml(objects), GENERATED, read)
    generated = intents_from_documents(docs, read, ranges)
    if read.has_errors:
        first = read.errors[0]
        diags.error(codes.VERIFY_MISMATCH, f"--verify: the generated {engine} objects cannot be read back "
                    f"({first.message}); nothing was verified", engine=engine)
        return None
    result = verify(source, generated, None, None, engine, ranges=ranges)
    announced = _announced(source, diags, engine)
    by_intent: dict[int | None, list[Difference]] = {}
    for diff in result.differences:
        involved = _involved(result, diff, source)
        key = next((p for p in sorted(involved) if p in announced), min(involved) if involved else None)
        by_intent.setdefault(key, []).append(diff)
    for position, diffs in by_intent.items():
        _report(diffs, source[position] if position is not None else None, position in announced, engine, diags)
    return result


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


def _report(diffs: list[Difference], owner: LoadedIntent | None, announced: bool, engine: str,
            diags: Diagnostics) -> None:
    where = owner.locate(("spec",)) if owner is not None else None
    prefix = f"{owner.intent.ref}: " if owner is not None else ""
    severity = Severity.INFO if announced else Severity.ERROR
    tail = " (a divergence announced above)" if announced else ""
    for diff in diffs[:FLOWS_PER_INTENT]:
        message = (f"{prefix}--verify: {diff.src} -> {diff.dst} {diff.port}/{diff.protocol} is "
                   f"{_word(diff.source_allowed)} by the input but {_word(diff.target_allowed)} by the {engine} "
                   f"output{tail}")
        diags.report(severity, codes.VERIFY_MISMATCH, message, where, engine=engine)
    if len(diffs) > FLOWS_PER_INTENT:
        diags.report(severity, codes.VERIFY_MISMATCH, f"{prefix}--verify: ... and {len(diffs) - FLOWS_PER_INTENT} "
                     f"more connections whose verdict changed{tail}", where, engine=engine)


def _word(allowed: bool) -> str:
    return "allowed" if allowed else "denied"
