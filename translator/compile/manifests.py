"""Compiling the NetworkIntents inside a stream of manifests, for render pipelines (Helm post-renderer, Argo CD
config-management plugin, Kustomize exec plugin): every other document is passed through byte-for-byte.

The stream is cut at its `---` lines; a piece that holds a NetworkIntent is replaced by the compiled objects (its
leading comments, such as Helm's `# Source: chart/templates/x.yaml`, and its separator are kept); every other piece
is copied as it was. Diagnostics name the template (from `# Source:`) or the stream, with the line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from translator.compile.pipeline import Compiled
from translator.diagnostics import Diagnostics
from translator.load.decode import intents_from_documents
from translator.load.loaded import LoadedIntent
from translator.load.source import Document, SourceFile, documents_from_text, dump_yaml
from translator.model import API_VERSION, KIND

SEPARATOR = re.compile(r"^---(?=[ \t\r]|$)", re.M)
HELM_SOURCE = re.compile(r"^# Source: (\S.*?)\s*$", re.M)


@dataclass
class Piece:
    """One `---`-delimited piece of the stream: its exact text and the documents read from it."""

    text: str
    file: SourceFile
    docs: list[Document] = field(default_factory=list)

    @property
    def has_intents(self) -> bool:
        """Whether any document of the piece is a NetworkIntent."""
        return any(is_intent(d) for d in self.docs)

    def header(self) -> str:
        """The separator line and the comment and blank lines before the first document (kept when the piece is
        replaced)."""
        out = []
        for i, line in enumerate(self.text.splitlines(keepends=True)):
            stripped = line.strip()
            if not (stripped.startswith("#") or not stripped or (i == 0 and stripped == "---")):
                break
            out.append(line if line.endswith("\n") else line + "\n")
        return "".join(out)


def is_intent(doc: Document) -> bool:
    """Whether a document is a NetworkIntent."""
    return doc.api_version == API_VERSION and doc.kind == KIND


def split(text: str) -> list[str]:
    """The stream cut before each `---` line; `"".join(split(t)) == t`."""
    starts = [m.start() for m in SEPARATOR.finditer(text)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    return [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)]) if text[a:b]]


def read_pieces(text: str, name: str, diags: Diagnostics) -> list[Piece]:
    """The pieces of a stream, each parsed; a piece with a `# Source: PATH` comment is named PATH (lines count
    from that piece), the others by `name` with the stream's line numbers."""
    pieces: list[Piece] = []
    line = 0
    for chunk in split(text):
        source = HELM_SOURCE.search(chunk)
        if source:  # lines count from the template's first line, as in the chart
            file = SourceFile(source.group(1), chunk[source.end():].removeprefix("\n"))
        else:
            file = SourceFile(name, "\n" * line + chunk)  # padded so lines are the stream's
        docs = documents_from_text(file.text, file.name, diags)
        pieces.append(Piece(chunk, docs[0].source.file if docs else file, docs))
        line += chunk.count("\n")
    return pieces


def intents_of(pieces: Sequence[Piece], diags: Diagnostics) -> list[LoadedIntent]:
    """The NetworkIntents of every piece (other kinds are not read)."""
    return intents_from_documents([d for p in pieces for d in p.docs if is_intent(d)], diags)


def assemble(pieces: Sequence[Piece], compiled: Sequence[Compiled]) -> str:
    """The stream with each intent piece replaced by its compiled objects (other documents of a replaced piece
    are written back as data), every other piece as it was."""
    by_file: dict[int, list[Compiled]] = {}
    for c in compiled:
        if c.loaded.source is not None:
            by_file.setdefault(id(c.loaded.source.file), []).append(c)
    out: list[str] = []
    for piece in pieces:
        if not piece.has_intents:
            out.append(piece.text)
            continue
        objects = [o for c in by_file.get(id(piece.file), []) for o in c.objects]
        objects += [d.data for d in piece.docs if not is_intent(d)]
        header = piece.header()
        body = dump_yaml(objects) if objects else ""
        if header.startswith("---"):
            body = body.removeprefix("---\n")
        out.append(header + body)
    return "".join(out)
