"""Reading policy files: files, directories, stdin; multi-document YAML and JSON; `List` unpacking.

Loading uses libyaml (PyYAML's C parser) with YAML 1.2 core-schema resolution and strict checks
(translator/load/yamlcore.py); JSON goes through the json module with the same checks, and falls back to the YAML loader
(which reports lines) for anything it refuses. Source positions are computed lazily: only when a diagnostic needs a
line is the file composed again into nodes, and the field path looked up there.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml

from translator import codes
from translator.diagnostics import Diagnostics, SourceLocation
from translator.load.allocation import bulk
from translator.load.blockpath import Outline
from translator.load.yamlcore import MAX_DEPTH, MAX_INT_DIGITS, CoreLoader
from translator.load.yamlwrite import Writer
from translator.output.progress import progress

try:  # pragma: no cover - depends on how PyYAML was built
    from yaml import CSafeDumper as SafeDumper
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover
    # the pure-Python classes are others than libyaml's, with the same interface
    from yaml import SafeDumper, SafeLoader  # type: ignore[assignment]

EXTENSIONS = (".yaml", ".yml", ".json")
SERVER_FIELDS = ("uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "selfLink",
                 "deletionTimestamp", "deletionGracePeriodSeconds", "ownerReferences")
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
MAX_INPUT_BYTES = 32 * 1024 * 1024
"""The largest input file (or stdin) read; larger ones are refused rather than exhausting memory."""


class _Mark(Protocol):
    """Where a YAML event is: PyYAML's and libyaml's marks both have these."""

    index: int
    line: int


_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_SEPARATOR = re.compile(r"^---(?=[ \t\r]|$)", re.M)


class SourceFile:
    """One input file's text. Line lookups compose only the document asked for: the document boundaries come
    from one pass of the (C) event parser, and a few composed documents are cached."""

    CACHE = 16

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.text = text
        self._spans: list[tuple[int, int, int]] | None = None
        self._nodes: dict[int, yaml.Node | None] = {}
        self._outlines: dict[int, Outline | None] = {}
        self._all: list[yaml.Node] | None = None
        self.document_count: int | None = None
        """How many non-empty documents the loader read (set by parse_text)."""

    def _document_spans(self) -> list[tuple[int, int, int]]:
        """(start offset, end offset, start line) of every non-empty document: from the `---` lines when every
        piece between them composes to one document (the common case, fast), else from the event parser."""
        if self._spans is None:
            self._spans = self._separator_spans()
        if self._spans is None:
            spans: list[tuple[int, int, int]] = []
            start: _Mark | None = None
            empty = True
            try:
                for event in yaml.parse(self.text, Loader=SafeLoader):
                    if isinstance(event, yaml.DocumentStartEvent):
                        start, empty = event.start_mark, True
                    elif isinstance(event, (yaml.NodeEvent, yaml.CollectionStartEvent)):
                        empty = empty and isinstance(event, yaml.ScalarEvent) and event.tag is None \
                            and event.implicit[0] and event.value in _NULLS
                    elif isinstance(event, yaml.DocumentEndEvent) and start is not None and not empty \
                            and event.end_mark is not None:
                        spans.append((start.index, event.end_mark.index, start.line))
            except yaml.YAMLError:
                pass
            self._spans = spans
        return self._spans

    def nodes(self) -> list[yaml.Node]:
        """Every document composed with marks relative to the whole file (for text edits; slower than node())."""
        if self._all is None:
            try:
                self._all = [n for n in yaml.compose_all(self.text, Loader=SafeLoader) if n is not None]
            except yaml.YAMLError:
                self._all = []
        return self._all

    def _separator_spans(self) -> list[tuple[int, int, int]] | None:
        """Spans between `---` lines, or None when a piece does not hold exactly what the loader saw (a `---`
        inside a block scalar, directives, `...` markers): then the exact, slower way is used."""
        text = self.text
        if "\n..." in text or text.startswith(("%", "...")) or "\n%" in text:
            return None
        starts = [m.start() for m in _SEPARATOR.finditer(text)]
        if not starts or starts[0] != 0:
            starts.insert(0, 0)
        bounds = [*starts, len(text)]
        spans: list[tuple[int, int, int]] = []
        line = 0
        for start, end in itertools.pairwise(bounds):
            piece = text[start:end]
            body = piece.partition("\n")[2] if piece.startswith("---") else piece
            if body.strip() and not all(ln.lstrip().startswith("#") or not ln.strip() for ln in body.splitlines()):
                spans.append((start, end, line))
            line += piece.count("\n")
        return spans if len(spans) == self._expected_documents() else None

    def _expected_documents(self) -> int:
        """How many non-empty documents the loader read (checked against the separator split)."""
        if self.document_count is None:
            try:
                self.document_count = sum(1 for d in yaml.load_all(self.text, Loader=CoreLoader) if d is not None)
            except yaml.YAMLError:
                self.document_count = -1
        return self.document_count

    def node(self, doc_index: int) -> tuple[yaml.Node | None, int]:
        """The composed document `doc_index` and the line it starts at."""
        spans = self._document_spans()
        if doc_index >= len(spans):
            return None, 0
        start, end, line = spans[doc_index]
        if doc_index not in self._nodes:
            if len(self._nodes) >= self.CACHE:
                self._nodes.pop(next(iter(self._nodes)))
            try:
                self._nodes[doc_index] = yaml.compose(self.text[start:end], Loader=_PositionLoader)
            except yaml.YAMLError:
                self._nodes[doc_index] = None
        return self._nodes[doc_index], line

    def outline(self, doc_index: int) -> Outline | None:
        """The document's block outline (translator/load/blockpath.py), or None when only composing can say."""
        if doc_index not in self._outlines:
            spans = self._document_spans()
            if len(self._outlines) >= self.CACHE:
                self._outlines.pop(next(iter(self._outlines)))
            start, end, _ = spans[doc_index] if doc_index < len(spans) else (0, 0, 0)
            self._outlines[doc_index] = Outline.of(self.text[start:end]) if end > start else None
        return self._outlines[doc_index]

    def locate(self, doc_index: int, path: Iterable[str | int]) -> tuple[int | None, int | None]:
        """1-based (line, column) of `path` in document `doc_index`: of its key for a mapping entry, of the item
        for a list item; the nearest existing ancestor if absent.
        Read from the document's lines where they settle it (blockpath.py), else from the composed document."""
        path = tuple(path)
        outline = self.outline(doc_index)
        found = outline.locate(path) if outline is not None else None
        if found is not None:
            return found[0] + self._document_spans()[doc_index][2] + 1, found[1] + 1
        node, offset = self.node(doc_index)
        if node is None:
            return (None, None)
        best = node.start_mark
        for part in path:
            child = child_node(node, part)
            if child is None:
                break
            key = key_node(node, part)
            best = (key or child).start_mark  # a field is where its key is written
            node = child
        return (best.line + offset + 1, best.column + 1)


class _PositionLoader(SafeLoader):
    """Composes a document for the positions of its nodes only: scalar tags are left unresolved (every node()
    user reads keys' text and marks, never tags), which saves a Python call per scalar."""

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: tuple[bool, bool]) -> str:
        return _UNRESOLVED

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None


_UNRESOLVED = "tag:yaml.org,2002:str"


def key_node(node: yaml.Node, part: str | int) -> yaml.Node | None:
    """The key node of a mapping entry (the first with that key, as child_node), or None."""
    if isinstance(node, yaml.MappingNode) and isinstance(part, str):
        for key, _ in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == part:
                return key
    return None


def child_node(node: yaml.Node, part: str | int) -> yaml.Node | None:
    """The value node at one path step (a mapping key or a sequence index), or None."""
    if isinstance(node, yaml.MappingNode) and isinstance(part, str):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == part and isinstance(value, yaml.Node):
                return value
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        found = node.value[part]
        return found if isinstance(found, yaml.Node) else None
    return None


@dataclass(frozen=True)
class SourceRef:
    """Where a document came from: the file, the document index, and the path of the object inside it
    (e.g. `("items", 3)` for the fourth item of a `List`)."""

    file: SourceFile
    doc_index: int = 0
    prefix: tuple[str | int, ...] = ()

    def locate(self, path: Iterable[str | int] = ()) -> SourceLocation:
        """The location of `path` inside this object."""
        full = (*self.prefix, *path)
        line, col = self.file.locate(self.doc_index, full)
        return SourceLocation(self.file.name, line, col, tuple(path))

    @property
    def name(self) -> str:
        """The file name."""
        return self.file.name


@dataclass
class Document:
    """One object read from the input, with server-populated fields removed."""

    data: dict[str, Any]
    source: SourceRef
    raw_kind: str = field(default="")

    @property
    def api_version(self) -> str:
        """The object's apiVersion."""
        return str(self.data.get("apiVersion", ""))

    @property
    def kind(self) -> str:
        """The object's kind."""
        return str(self.data.get("kind", ""))

    @property
    def name(self) -> str:
        """metadata.name, or `<unnamed>`."""
        meta = self.data.get("metadata")
        return str(meta.get("name", "<unnamed>")) if isinstance(meta, dict) else "<unnamed>"

    def locate(self, *path: str | int) -> SourceLocation:
        """Source location of a field path inside the object."""
        return self.source.locate(path)


def strip_server_fields(obj: dict[str, Any]) -> dict[str, Any]:
    """A copy without `status` and server-populated metadata (kubectl-neat's list)."""
    out = {k: v for k, v in obj.items() if k != "status"}
    meta = out.get("metadata")
    if isinstance(meta, dict):
        meta = {k: v for k, v in meta.items() if k not in SERVER_FIELDS}
        ann = meta.get("annotations")
        if isinstance(ann, dict) and LAST_APPLIED in ann:
            ann = {k: v for k, v in ann.items() if k != LAST_APPLIED}
            if ann:
                meta["annotations"] = ann
            else:
                meta.pop("annotations")
        out["metadata"] = meta
    return out


def expand_paths(paths: Iterable[str], recursive: bool, diags: Diagnostics) -> list[str]:
    """Files named by `-f` arguments: files as given, directories' YAML/JSON files sorted, `-` for stdin."""
    out: list[str] = []
    for p in paths:
        if p == "-":
            out.append(p)
            continue
        path = Path(p)
        if path.is_dir():
            pattern = "**/*" if recursive else "*"
            found = sorted(f for f in path.glob(pattern) if f.is_file() and f.suffix.lower() in EXTENSIONS)
            out.extend(str(f) for f in found)
        elif path.is_file():
            out.append(str(path))
        else:
            diags.error(codes.UNREADABLE, f"no such file or directory: {p}", SourceLocation(p))
    return out


def read_text(name: str, diags: Diagnostics, limit: int | None = None) -> str | None:
    """The text of `name` (stdin for `-`), or None with a diagnostic; files over `limit` bytes (MAX_INPUT_BYTES by
    default) are refused."""
    limit = MAX_INPUT_BYTES if limit is None else limit
    shown = "<stdin>" if name == "-" else name
    try:
        if name == "-":
            data = sys.stdin.buffer.read(limit + 1) if hasattr(sys.stdin, "buffer") else \
                sys.stdin.read(limit + 1).encode("utf-8")
        else:
            with open(name, "rb") as fh:
                data = fh.read(limit + 1)
        if len(data) > limit:
            diags.error(codes.UNREADABLE, f"{shown} is larger than {limit // (1024 * 1024)} MiB, the most netpolx "
                        "reads from one input; split it into several files", SourceLocation(shown, 1))
            return None
        return data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        diags.error(codes.UNREADABLE, f"cannot read {shown}: {exc}", SourceLocation(shown, 1))
        return None


class _Refused(ValueError):
    """A JSON value the strict loader refuses; the YAML loader reads the text again to report the line."""


def _json_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _Refused(text)
    return int(text)


def _json_constant(text: str) -> Any:
    raise _Refused(text)


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _Refused("duplicate key")
    return out


def _json_depth_ok(data: Any) -> bool:
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            value = value.values()
        elif not isinstance(value, list):
            continue
        if depth > MAX_DEPTH:
            return False
        stack.extend((v, depth + 1) for v in value if isinstance(v, (dict, list)))
    return True


def load_json(text: str) -> Any:
    """Strict JSON: no NaN/Infinity, no duplicate keys, no huge integers, no deep nesting (ValueError otherwise)."""
    try:
        data = json.loads(text, parse_int=_json_int, parse_constant=_json_constant, object_pairs_hook=_json_object)
    except RecursionError as exc:
        raise _Refused("too deep") from exc
    if not _json_depth_ok(data):
        raise _Refused("too deep")
    return data


@bulk()
def parse_text(source: SourceFile, diags: Diagnostics) -> list[Any] | None:
    """The documents of one file, or None (with a diagnostic naming the line) on a syntax error."""
    text = source.text
    if source.name.endswith(".json") or text.lstrip()[:1] in ("{", "["):
        try:
            source.document_count = 1
            return [load_json(text)]
        except ValueError:
            pass  # Fall back to YAML, which also reads most JSON and reports positions.
    try:
        advance = progress().advance  # the current phase (e.g. `reading policies`) counts documents
        docs = []
        for d in yaml.load_all(text, Loader=CoreLoader):
            advance()
            if d is not None:
                docs.append(d)
        source.document_count = len(docs)
        return docs
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        col = mark.column + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        diags.error(codes.YAML_SYNTAX, f"invalid YAML: {problem}", SourceLocation(source.name, line or 1, col))
        return None
    except RecursionError:
        diags.error(codes.YAML_SYNTAX, f"invalid YAML: nested deeper than {MAX_DEPTH} levels",
                    SourceLocation(source.name, 1))
        return None


def documents(paths: Iterable[str], diags: Diagnostics, recursive: bool = False) -> list[Document]:
    """Every object in the inputs, `List`s unpacked, server fields stripped, in input order."""
    out: list[Document] = []
    for name in expand_paths(paths, recursive, diags):
        text = read_text(name, diags)
        if text is None:
            continue
        source = SourceFile("<stdin>" if name == "-" else name, text)
        parsed = parse_text(source, diags)
        if parsed is None:
            continue
        for index, data in enumerate(parsed):
            out.extend(_unpack(data, SourceRef(source, index), diags))
    return out


def documents_from_text(text: str, name: str, diags: Diagnostics) -> list[Document]:
    """Objects from an in-memory text (tests, benchmarks, stdin)."""
    source = SourceFile(name, text)
    parsed = parse_text(source, diags) or []
    out: list[Document] = []
    for index, data in enumerate(parsed):
        out.extend(_unpack(data, SourceRef(source, index), diags))
    return out


def _unpack(data: Any, ref: SourceRef, diags: Diagnostics) -> Iterator[Document]:
    if isinstance(data, list):  # a bare JSON array of objects
        for i, item in enumerate(data):
            yield from _unpack(item, SourceRef(ref.file, ref.doc_index, (*ref.prefix, i)), diags)
        return
    if not isinstance(data, dict):
        diags.error(codes.INVALID_FIELD, f"expected an object, got {type(data).__name__}", ref.locate())
        return
    kind = data.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(data.get("items"), list):
        for i, item in enumerate(data["items"]):
            sub = SourceRef(ref.file, ref.doc_index, (*ref.prefix, "items", i))
            if isinstance(item, dict) and "kind" not in item and kind != "List":
                item = {"apiVersion": data.get("apiVersion"), "kind": kind[: -len("List")], **item}
            yield from _unpack(item, sub, diags)
        return
    yield Document(strip_server_fields(data), ref, str(kind or ""))


@bulk()
def dump_yaml(objects: Iterable[Any]) -> str:
    """Deterministic multi-document YAML: keys in the order given, block style, no aliases. Written directly
    where translator/load/yamlwrite.py can (the same text), by PyYAML otherwise."""
    writer = Writer(_is_plain_str)
    parts: list[str] = []
    for obj in objects:
        text = writer.document(obj)
        parts.append(text if text is not None else _pyyaml_dump([obj]))
    return "".join(parts)


def _pyyaml_dump(objects: list[Any]) -> str:
    return yaml.dump_all(objects, Dumper=_Dumper, sort_keys=False, default_flow_style=False,
                         explicit_start=True, width=120, allow_unicode=True)


def _is_plain_str(text: str) -> bool:
    """Whether PyYAML's resolver reads the plain scalar `text` as a string (not an int, bool, null, ...)."""
    return _scalar_tag(text, (True, False)) == _STR_TAG


def dump_json(objects: list[Any]) -> str:
    """A kubectl-style JSON `List`."""
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": objects}, indent=2) + "\n"


_STR_TAG, _INT_TAG, _BOOL_TAG, _NULL_TAG, _MAP_TAG, _SEQ_TAG = (
    f"tag:yaml.org,2002:{t}" for t in ("str", "int", "bool", "null", "map", "seq"))
_IMPLICIT: dict[tuple[Any, str, tuple[bool, bool]], str] = {}
_resolve: Callable[[Any, type[yaml.Node], Any, tuple[bool, bool]], str] = SafeDumper.resolve  # PyYAML's (untyped)


class _Dumper(SafeDumper):
    """PyYAML's safe dumper without aliases, representing plain data (dict, list, str, int, bool, None) directly:
    the same nodes as SafeRepresenter makes in block style without key sorting (so the same text), without its
    per-object dispatch. Other values, and other settings, go through SafeRepresenter."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def represent_data(self, data: Any) -> yaml.Node:
        kind = type(data)
        if kind is str:
            return yaml.ScalarNode(_STR_TAG, data)
        if self.default_flow_style is not False or self.sort_keys:
            return super().represent_data(data)
        represent = self.represent_data
        if kind is dict:
            return yaml.MappingNode(_MAP_TAG, [(represent(k), represent(v)) for k, v in data.items()],
                                    flow_style=False)
        if kind is list:
            return yaml.SequenceNode(_SEQ_TAG, [represent(item) for item in data], flow_style=False)
        if kind is int:
            return yaml.ScalarNode(_INT_TAG, str(data))
        if kind is bool:
            return yaml.ScalarNode(_BOOL_TAG, "true" if data else "false")
        if data is None:
            return yaml.ScalarNode(_NULL_TAG, "null")
        return super().represent_data(data)

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is not yaml.ScalarNode:
            return _resolve(self, kind, value, implicit)
        return _scalar_tag(value, implicit)


_RESOLVER: _Dumper | None = None


def _scalar_tag(value: str, implicit: tuple[bool, bool]) -> str:
    """The tag the dumper's resolver gives a scalar, memoised: it depends on the text (and `implicit`) only."""
    global _RESOLVER
    key = (yaml.ScalarNode, value, implicit)
    tag = _IMPLICIT.get(key)
    if tag is None:
        if _RESOLVER is None:
            _RESOLVER = _Dumper(io.StringIO())  # one dumper, for its resolver only
        tag = _resolve(_RESOLVER, yaml.ScalarNode, value, implicit)
        if len(_IMPLICIT) < 100_000:
            _IMPLICIT[key] = tag
    return tag


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file and rename, so readers never see half a file. The temporary
    file is created exclusively with an unpredictable name next to `path` (a planted link cannot redirect the
    write), and is removed if anything fails or the run is interrupted."""
    from translator.output.files import write_file

    write_file(path, text)
