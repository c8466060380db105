"""The reachability matrix as contract JSON text, written straight from the bitsets.

`reach -o json` lists one result object per ordered pair of distinct endpoints and per probe: 690,000 objects for
251 pods and 11 probes. Building a Python object per result and serializing each one costs seconds; here no
object is made per result. Every result's text after `"to": ` depends only on the destination, the probe and the
verdict, so those texts are made once (two per destination and probe). For one source, its verdicts are turned
into a byte mask by C-level slicing (`format` of each probe's row bitset), `itertools.compress` picks the texts,
and one `str.join` with the source's `{"from": ..., "to": ` as separator makes the source's whole block. The
text is byte for byte what `json.dumps(result.as_dict())` gives, in matrix order (source, destination, probe).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from itertools import compress

from translator.cluster.model import Probe
from translator.evaluator.evaluate import Evaluator, transpose
from translator.output.progress import progress

_TO_MASK = bytes.maketrans(b"01", b"\x00\x01")
_NEGATE = bytes.maketrans(b"\x00\x01", b"\x01\x00")


def _tails(names: Sequence[str], probes: Sequence[Probe], end: str) -> list[str]:
    """Per destination, per probe: the text after `"to": ` when denied, then when allowed."""
    out = []
    for name in names:
        to = json.dumps(name)
        for probe in probes:
            head = f'{to}, "port": {probe.port}, "protocol": {json.dumps(probe.protocol)}, "allowed": '
            out.append(head + "false" + end)
            out.append(head + "true" + end)
    return out


def source_blocks(evaluator: Evaluator, probes: Sequence[Probe], lines: bool = False) -> Iterator[str]:
    """Per source endpoint (in order), the text of its results: `,\\n  {...}` each (the JSON list's items), or
    with `lines` one `{...}\\n` line each (JSON Lines). A source with no other endpoint yields ''."""
    names, n, width = evaluator.names, len(evaluator.names), 2 * len(probes)
    if not n or not probes:
        return
    report = progress()
    rows = [transpose(evaluator.columns(p), n) for p in report.track(probes, "deciding probes", len(probes))]
    report.phase("writing results: sources", n)  # per probe, per source: the allowed destinations (rows)
    tails = _tails(names, probes, "}\n" if lines else "}")
    mask = bytearray(n * width)
    blank = bytes(width)
    fmt = f"0{n}b"
    for s, src in enumerate(names):
        report.advance()
        for p, row in enumerate(rows):
            bits = format(row[s], fmt)[::-1].encode().translate(_TO_MASK)
            mask[2 * p + 1::width] = bits
            mask[2 * p::width] = bits.translate(_NEGATE)
        mask[s * width:(s + 1) * width] = blank
        head = ('{"from": ' if lines else ',\n  {"from": ') + json.dumps(src) + ', "to": '
        picked = list(compress(tails, mask))
        yield head + head.join(picked) if picked else ""


def json_text(evaluator: Evaluator, probes: Sequence[Probe]) -> Iterator[str]:
    """The contract's `-o json` document in pieces: `{"engine": ..., "results": [...]}`, one result a line."""
    yield '{"engine": ' + json.dumps(evaluator.semantics_name) + ',\n "results": ['
    first = True
    for block in source_blocks(evaluator, probes):
        if block:
            yield block[1:] if first else block
            first = False
    yield "]}\n" if first else "\n ]}\n"


def jsonl_text(evaluator: Evaluator, probes: Sequence[Probe]) -> Iterator[str]:
    """`-o jsonl`: one result object per line (the objects of `-o json`'s results), in the same order."""
    yield from (block for block in source_blocks(evaluator, probes, lines=True) if block)
