"""Text edits on YAML (and JSON) files that keep everything else as written, comments included.

Edits are computed from the composed node tree (positions of every key and value); block-style content is
moved or inserted line by line, flow-style content (and JSON) is replaced by its JSON rendering, which YAML
reads as flow style. Callers fall back to rewriting a whole document only where this is not possible, and say so.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from typing import Any

import yaml

from translator.lint.finding import Edit
from translator.load.source import SourceRef
from translator.load.source import child_node as _child


class LineIndex:
    """Offsets of line starts in a text, to turn (line, column) marks into offsets."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        for i, ch in enumerate(text):
            if ch == "\n":
                self.starts.append(i + 1)

    def offset(self, line: int, column: int = 0) -> int:
        """Offset of a 0-based (line, column)."""
        if line >= len(self.starts):
            return len(self.text)
        return self.starts[line] + column

    def line_text(self, line: int) -> str:
        """One line without its newline."""
        start = self.offset(line)
        end = self.text.find("\n", start)
        return self.text[start:] if end < 0 else self.text[start:end]

    def line_end(self, line: int) -> int:
        """Offset just after the newline of `line` (or the end of the text)."""
        return self.offset(line + 1) if line + 1 < len(self.starts) else len(self.text)


def node_at(ref: SourceRef, path: Iterable[str | int]) -> yaml.Node | None:
    """The node of a field of the object `ref` points at, or None."""
    nodes = ref.file.nodes()
    if ref.doc_index >= len(nodes):
        return None
    node: yaml.Node | None = nodes[ref.doc_index]
    for part in (*ref.prefix, *path):
        node = _child(node, part) if node is not None else None
    return node


def key_node(ref: SourceRef, path: tuple[str | int, ...]) -> yaml.Node | None:
    """The key node of the mapping entry at `path` (whose last part is a key)."""
    parent = node_at(ref, path[:-1])
    if isinstance(parent, yaml.MappingNode):
        for key, _ in parent.value:
            if isinstance(key, yaml.ScalarNode) and key.value == path[-1]:
                return key
    return None


def is_block(node: yaml.Node) -> bool:
    """Whether a collection node is written in block style."""
    return isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and not node.flow_style


def last_line(node: yaml.Node) -> int:
    """0-based line of the last character that belongs to `node` (block collections end where their last
    value ends, not at the next token)."""
    if is_block(node) and node.value:
        last = node.value[-1]
        return last_line(last[1] if isinstance(last, tuple) else last)
    end = node.end_mark
    # A multi-line scalar or flow collection ends at the mark; a mark at column 0 belongs to the line before.
    return end.line - 1 if end.column == 0 and end.line > node.start_mark.line else end.line


def replace_node(ref: SourceRef, index: LineIndex, node: yaml.Node, value: Any) -> Edit:
    """Replace a scalar or flow node with `value` rendered as JSON (valid YAML flow style)."""
    start = index.offset(node.start_mark.line, node.start_mark.column)
    end = index.offset(node.end_mark.line, node.end_mark.column)
    return Edit(ref.file.name, start, end, json.dumps(value))


def replace_scalar(ref: SourceRef, index: LineIndex, node: yaml.Node, text: str) -> Edit:
    """Replace a scalar node with `text`, keeping its quoting style."""
    start = index.offset(node.start_mark.line, node.start_mark.column)
    end = index.offset(node.end_mark.line, node.end_mark.column)
    style = getattr(node, "style", None)
    quoted = json.dumps(text) if style == '"' else (f"'{text}'" if style == "'" else text)
    return Edit(ref.file.name, start, end, quoted)


class _IndentedDumper(yaml.SafeDumper):
    """Block YAML with sequences indented under their key (kubectl's style)."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> Any:
        return super().increase_indent(flow, False)


def block_yaml(value: Any, indent: int) -> str:
    """`value` as block YAML, every line indented by `indent` spaces, ending in a newline."""
    text = yaml.dump(value, Dumper=_IndentedDumper, sort_keys=False, default_flow_style=False, width=120)
    return "".join(" " * indent + line + "\n" for line in text.splitlines())


def reindent(lines: list[str], delta: int) -> list[str] | None:
    """Lines shifted by `delta` columns (None when a line has too little indentation to shift left)."""
    out = []
    for line in lines:
        if not line.strip():
            out.append(line)
        elif delta >= 0:
            out.append(" " * delta + line)
        elif line[: -delta].strip():
            return None
        else:
            out.append(line[-delta:])
    return out


def apply(text: str, edits: list[Edit]) -> str | None:
    """`text` with the edits applied (None when two edits overlap)."""
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    for a, b in itertools.pairwise(ordered):
        if b.start < a.end or (b.start == a.start and a.start == a.end and b.start == b.end):
            return None
    out = text
    for e in reversed(ordered):
        out = out[: e.start] + e.text + out[e.end:]
    return out


def set_key(ref: SourceRef, index: LineIndex, mapping_path: tuple[str | int, ...], key: str,
            value: Any) -> Edit | None:
    """Set `key` of the mapping at `mapping_path` to `value` (replacing a scalar/flow value, or adding the key)."""
    mapping = node_at(ref, mapping_path)
    if not isinstance(mapping, yaml.MappingNode):
        return None
    current = _child(mapping, key)
    if current is not None:
        if is_block(current):
            return None
        return replace_node(ref, index, current, value)
    if not is_block(mapping):
        return None
    col = mapping.value[0][0].start_mark.column if mapping.value else mapping.start_mark.column
    at = index.line_end(last_line(mapping))
    text = block_yaml({key: value}, col)
    if at == len(index.text) and index.text and not index.text.endswith("\n"):
        text = "\n" + text
    return Edit(ref.file.name, at, at, text)


def append_item(ref: SourceRef, index: LineIndex, mapping_path: tuple[str | int, ...], key: str,
                item: Any) -> Edit | None:
    """Append `item` to the list under `key` of the mapping at `mapping_path` (creating the list if absent)."""
    mapping = node_at(ref, mapping_path)
    if not isinstance(mapping, yaml.MappingNode):
        return None
    seq = _child(mapping, key)
    if seq is None:
        return set_key(ref, index, mapping_path, key, [item])
    if not isinstance(seq, yaml.SequenceNode):
        return None
    if is_block(seq) and seq.value:
        at = index.line_end(last_line(seq))
        return Edit(ref.file.name, at, at, block_yaml([item], seq.start_mark.column))
    if not seq.value and is_block(mapping):  # `key: []` in a block mapping becomes a block list
        key_col = next(k.start_mark.column for k, _ in mapping.value if getattr(k, "value", None) == key)
        start = index.offset(seq.start_mark.line, seq.start_mark.column)
        end = index.offset(seq.end_mark.line, seq.end_mark.column)
        return Edit(ref.file.name, start, end, "\n" + block_yaml([item], key_col + 2).rstrip("\n"))
    if not is_block(seq):
        data = yaml.safe_load(index.text[index.offset(seq.start_mark.line, seq.start_mark.column):
                                         index.offset(seq.end_mark.line, seq.end_mark.column)])
        return replace_node(ref, index, seq, [*(data or []), item])
    return None
