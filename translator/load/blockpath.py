"""Where a field path is in a block-style YAML document, read from its lines and their indentation, without parsing.

A diagnostic needs the line of its field. Composing the document into nodes again (SourceFile.node) costs a parse
per document, and that dominates when thousands of policies each get a finding (a Cilium translation of 10,000
NetworkPolicies warns about 4,000 CIDR peers). Policy files are nearly always block style, as kubectl, Helm and
PyYAML write them, and there the indentation alone says where a key or a list item is.

`Outline.of(text)` reads a document's lines once; `Outline.locate(path)` gives the same (line, column) as composing
the document and walking the path (the nearest existing ancestor when the path goes further than the document).
Whatever the lines alone do not settle makes `of` return None and the caller composes: flow collections, anchors,
aliases, tags, block scalars, quoted keys, complex and merge keys, quoted scalars that go on over a line, tabs,
other line breaks than `\\n` and `\\r\\n`, and an empty value on the path. tests/test_blockpath.py checks the answer
against composition for every node of every document in the samples and the shared corpus.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_UNSURE_START = frozenset("&*!|>{[?%@`,]}#")
"""A key or value starting with one of these needs the parser (anchors, aliases, tags, block scalars, flow
collections, complex keys, reserved indicators)."""

DASH, KEY, SCALAR = 0, 1, 2


@dataclass(frozen=True, slots=True)
class _Element:
    """One thing that starts on a line: a sequence dash, a mapping key (with the column of a value on the same
    line, if any), or a scalar."""

    kind: int
    col: int
    key: str = ""
    value_col: int = -1


class Unsure(Exception):
    """The lines alone do not settle this document's structure."""


def _quoted_end(line: str, start: int) -> int:
    """The index after the quoted scalar starting at `start`; Unsure when it does not end on this line."""
    quote = line[start]
    i = start + 1
    while i < len(line):
        ch = line[i]
        if quote == '"' and ch == "\\":
            i += 2
            continue
        if ch == quote:
            if quote == "'" and i + 1 < len(line) and line[i + 1] == "'":
                i += 2
                continue
            return i + 1
        i += 1
    raise Unsure


def _after_value(line: str, end: int) -> None:
    """Only spaces or a comment may follow a quoted scalar."""
    rest = line[end:].lstrip(" ")
    if rest and not rest.startswith("#"):
        raise Unsure


def _value(line: str, col: int) -> int:
    """Check the scalar starting at `col` (plain or single-line quoted, or an empty `{}` or `[]`, which has no
    children either); its column."""
    ch = line[col]
    if ch in "\"'":
        _after_value(line, _quoted_end(line, col))
    elif line.startswith(("{}", "[]"), col):
        _after_value(line, col + 2)
    elif ch in _UNSURE_START or (ch == "-" and line.startswith("- ", col)):
        raise Unsure
    return col


def _elements(line: str) -> list[_Element]:
    """What starts on one line (empty for blank and comment lines)."""
    out: list[_Element] = []
    col = len(line) - len(line.lstrip(" "))
    while True:
        if col >= len(line):
            return out
        ch = line[col]
        if ch == "#":
            return out
        if ch == "-" and (col + 1 == len(line) or line[col + 1] == " "):
            out.append(_Element(DASH, col))
            col += 1
            while col < len(line) and line[col] == " ":
                col += 1
            continue
        if ch in _UNSURE_START or ch in "\"'":
            if not (ch in "\"'" or line.startswith(("{}", "[]"), col)):
                raise Unsure
            if not _is_key_line(line, col):
                out.append(_Element(SCALAR, _value(line, col)))
                return out
            if ch not in "\"'":
                raise Unsure  # `{}:` or `[]:`, a collection as a key
            end = _quoted_end(line, col)
            key = line[col + 1:end - 1]
            if "\\" in key or ch in key:
                raise Unsure  # escapes: the key's value is not its text
            sep = line.index(":", end)
            if sep != end:
                raise Unsure  # spaces before the `:`
        else:
            sep = _key_separator(line, col)
            if sep < 0:
                out.append(_Element(SCALAR, col))
                return out
            key = line[col:sep]
            if key != key.rstrip() or key == "<<" or " #" in key:
                raise Unsure
        value_col = sep + 1
        while value_col < len(line) and line[value_col] == " ":
            value_col += 1
        if value_col >= len(line) or line[value_col] == "#":
            out.append(_Element(KEY, col, key))
        else:
            out.append(_Element(KEY, col, key, _value(line, value_col)))
        return out


def _is_key_line(line: str, col: int) -> bool:
    """Whether the quoted text (or empty flow collection) at `col` is followed by `:` (a key)."""
    end = col + 2 if line.startswith(("{}", "[]"), col) else _quoted_end(line, col)
    return line[end:].lstrip(" ").startswith(":")


def _key_separator(line: str, col: int) -> int:
    """The index of the `:` that ends a plain key starting at `col` (followed by a space or the line end), or -1;
    a ` #` before it starts a comment, so there is no key."""
    i = col
    while True:
        i = line.find(":", i)
        if i < 0:
            return -1
        if i + 1 == len(line) or line[i + 1] == " ":
            return -1 if " #" in line[col:i] else i
        i += 1


_RISKY = re.compile(r"[\"'&*!|>?%@`\\]|\{(?!\})|\[(?!\])")
"""A document without these characters has only plain keys and plain scalars: any line's structure is its own,
so lines are read only when a lookup reaches them. One with them is read whole first (a quoted scalar may go on
over lines, and only reading every line finds that out)."""


class Outline:
    """A document's lines, read into elements as lookups need them."""

    __slots__ = ("_indents", "_lines", "raw")

    def __init__(self, raw: list[str]) -> None:
        self.raw = raw
        self._lines: dict[int, tuple[_Element, ...]] = {}
        bodies = [line.lstrip(" ") for line in raw]
        self._indents = [len(line) - len(body) if body and body[0] != "#" else -1 for line, body in zip(raw, bodies)]
        """The column of each line's first element; -1 for a blank or comment line."""

    @classmethod
    def of(cls, text: str) -> Outline | None:
        """The outline of one document's text (which may start with its `---` line), or None when the lines
        alone do not settle its structure (tabs and other line breaks included: the line readers below then
        meet only spaces and `\n`)."""
        if "\r" in text:
            if text.count("\r") != text.count("\r\n"):
                return None
            text = text.replace("\r\n", "\n")
        if any(ch in text for ch in "\x85\u2028\u2029\ufeff\t"):
            return None
        raw = text.split("\n")
        for number, line in enumerate(raw):
            if line.startswith(("---", "...")) and (len(line) == 3 or line[3] == " "):
                rest = line[3:].strip(" ")
                if number or (rest and not rest.startswith("#")):
                    return None  # content after the marker, or a second document
                raw[number] = ""
        outline = cls(raw)
        if _RISKY.search(text):
            try:
                for number in range(len(raw)):
                    outline._elems(number)
            except Unsure:
                return None
        return outline

    def _elems(self, line: int) -> tuple[_Element, ...]:
        found = self._lines.get(line)
        if found is None:
            found = self._lines[line] = tuple(_elements(self.raw[line]))
        return found

    def _next(self, after: int) -> int:
        """The next line with content after line `after`, or -1."""
        indents = self._indents
        for j in range(after + 1, len(indents)):
            if indents[j] >= 0:
                return j
        return -1

    def _root(self) -> tuple[int, int] | None:
        first = self._next(-1)
        return (first, 0) if first >= 0 else None

    def _block_below(self, line: int, col: int, dash_ok: bool) -> tuple[int, int]:
        """The node that starts on the next content line, for a key or dash at (`line`, `col`) with nothing after
        it: deeper than `col`, or (a key's indentless sequence) a dash at `col`."""
        nxt = self._next(line)
        if nxt >= 0:
            indent = self._indents[nxt]
            if indent > col or (dash_ok and indent == col and self._elems(nxt)[0].kind == DASH):
                return nxt, 0
        raise Unsure  # an empty (null) value: composing places it by the token after it

    def _map_child(self, line: int, index: int, key: str) -> tuple[tuple[int, int], tuple[int, int]] | None:
        """(the value's position, the key's position) of `key` in the mapping starting at (`line`, `index`)."""
        first = self._elems(line)[index]
        col = first.col
        j = line
        while j >= 0:
            if j != line:
                indent = self._indents[j]
                if indent < col:
                    return None
                if indent > col:
                    j = self._next(j)
                    continue
                first = self._elems(j)[0]
            if first.kind != DASH:  # a dash here is an item of the previous key's indentless sequence
                if first.kind != KEY:
                    raise Unsure
                if first.key == key:
                    at = (j, index if j == line else 0)
                    if first.value_col >= 0:
                        return (j, -(first.value_col + 1)), at  # a scalar on the key's line (see locate)
                    return self._block_below(j, col, dash_ok=True), at
            j = self._next(j)
        return None

    def _seq_child(self, line: int, index: int, n: int) -> tuple[int, int] | None:
        col = self._elems(line)[index].col
        j, count = line, 0
        while j >= 0:
            pos = index
            if j != line:
                indent = self._indents[j]
                if indent > col:
                    j = self._next(j)
                    continue
                if indent < col or self._elems(j)[0].kind != DASH:
                    return None  # the sequence ended (for an indentless one: at the next key)
                pos = 0
            if count == n:
                elems = self._elems(j)
                if pos + 1 < len(elems):
                    return j, pos + 1
                return self._block_below(j, col, dash_ok=False)
            count += 1
            j = self._next(j)
        return None

    def locate(self, path: Iterable[str | int]) -> tuple[int, int] | None:
        """0-based (line, column) of the node at `path`, or of its nearest existing ancestor; None when the
        lines do not settle it (the caller composes). A position is (line, index of the element that starts the
        node), or (line, -(column + 1)) for a scalar that follows its key on the key's line."""
        here = self._root()
        if here is None:
            return None
        shown = here  # what is reported: the key of a mapping entry, the item of a list
        try:
            for part in path:
                line, index = here
                if index < 0:
                    break  # a scalar value: nothing below it
                elem = self._elems(line)[index]
                step: tuple[tuple[int, int], tuple[int, int]] | None = None
                if elem.kind == KEY and isinstance(part, str):
                    step = self._map_child(line, index, part)
                elif elem.kind == DASH and isinstance(part, int) and not isinstance(part, bool) and part >= 0:
                    item = self._seq_child(line, index, part)
                    step = (item, item) if item is not None else None
                if step is None:
                    break
                here, shown = step
            line, index = shown
            col = -index - 1 if index < 0 else self._elems(line)[index].col
        except Unsure:
            return None
        return line, col
