"""A YAML loader that reads scalars as the engines' Go parsers do, strictly.

PyYAML resolves plain scalars by YAML 1.1 rules: `20:21` is the base-60 number 1221, `yes`/`on` are booleans,
`2024-01-01` is a date. The engines read policies with Go YAML parsers (kubectl and the API machinery through
sigs.k8s.io/yaml, a fork of go-yaml v2; go-yaml v3 elsewhere) that know no base-60 numbers, so netpolx resolves
scalars with the YAML 1.2 core schema where those parsers agree with it (`20:21` is a string), follows them where
they agree with each other against it, and refuses what no policy can mean. (`yes`/`on`/`y`/`no`/`off`/`n` stay
strings, as in go-yaml v3; go-yaml v2, hence kubectl, reads them as booleans, which the API server then refuses
in a string field.)

- a plain integer with a leading zero is octal when its digits are 0-7 (`010` is 8: both go-yaml v2 and v3 read it
  with Go's `strconv.ParseInt(s, 0, 64)`, which YAML 1.2 would read as 10), and decimal otherwise (`09` is 9: the
  Go parsers fall back to reading it as the float 9);
- integers beyond 64 bits, `.nan` and `.inf` (the API server cannot store them);
- tags other than `!!str`, `!!int`, `!!float`, `!!bool`, `!!null`, `!!map`, `!!seq` (and a tagged value that is
  not of its tag, such as `!!int kube-system`);
- duplicate mapping keys (the API server's strict decoding rejects them);
- documents nested deeper than MAX_DEPTH, or whose aliases expand to far more nodes than the text holds (an
  "alias bomb": a few hundred bytes that expand to billions of nodes for every later pass over the data).

Every refusal is a `yaml.MarkedYAMLError`, so the caller reports it at its line. Parsing stays in libyaml (the
C parser and composer); only the resolver table and the constructors differ from PyYAML's CSafeLoader.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any, ClassVar

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

try:  # pragma: no cover - depends on how PyYAML was built
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover
    # the pure-Python loader is another class than libyaml's; both have the interface CoreLoader relies on
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

MAX_DEPTH = 100
"""Deepest nesting of mappings and sequences accepted (a Kubernetes policy nests about 10 levels)."""
ALIAS_SLACK = 10_000
"""Alias expansion budget: a document may expand to at most its own node count plus this many nodes."""
MAX_INT_DIGITS = 20

_TAG = "tag:yaml.org,2002:"
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)"
                    r"|\.(?:nan|NaN|NAN))$")
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_MERGE = re.compile(r"^(?:<<)$")
_STR, _INT_TAG, _MAP, _SEQ, _MERGE_TAG = (_TAG + t for t in ("str", "int", "map", "seq", "merge"))
_SCALAR_TAGS = frozenset(_TAG + t for t in ("bool", "null", "float"))


class _Unusual(Exception):
    """A node the direct constructor leaves to PyYAML's (aliases, merge keys, other tags, errors)."""


_RESOLVED: dict[tuple[Any, str, tuple[bool, bool]], str] = {}
_resolve: Callable[[Any, type[Node], Any, tuple[bool, bool]], str] = _BaseLoader.resolve  # PyYAML's (untyped)
_RESOLVED_MAX = 100_000


class CoreLoader(_BaseLoader):
    """libyaml parsing with YAML 1.2 core-schema resolution and the strict constructors above.

    Documents are built by a direct walk of the node tree (`_direct`), which gives what PyYAML's generic
    constructor gives for plain trees of maps, sequences and core scalars at a fraction of its cost; anything else
    (aliases, merge keys, other tags, every error) goes through the generic constructor, so results and messages
    are PyYAML's. Tag resolution of plain scalars is memoised (it depends on the text of the scalar only)."""

    yaml_implicit_resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}
    yaml_constructors: ClassVar[dict[Any, Any]] = {}

    def construct_document(self, node: Node) -> Any:
        if check_shape(node):
            try:
                return self._direct(node)
            except Exception:  # the generic constructor reports it (or builds what this cannot)
                pass
        return super().construct_document(node)

    def _direct(self, node: Node) -> Any:
        kind = type(node)
        if isinstance(node, ScalarNode):
            tag = node.tag
            if tag == _STR:
                return node.value
            if tag == _INT_TAG:
                return core_int(node.value, node)
            if tag in _SCALAR_TAGS:
                return self.yaml_constructors[tag](self, node)
            raise _Unusual
        direct = self._direct
        if kind is MappingNode and node.tag == _MAP:
            out = {}
            for key, value in node.value:
                if type(key) is not ScalarNode or key.tag == _MERGE_TAG:
                    raise _Unusual
                out[direct(key)] = direct(value)
            if len(out) != len(node.value):  # duplicate keys (an error), or keys equal in Python (1 and true)
                raise _Unusual
            return out
        if kind is SequenceNode and node.tag == _SEQ:
            return [direct(child) for child in node.value]
        raise _Unusual

    def resolve(self, kind: type[Node], value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is not ScalarNode:
            return _resolve(self, kind, value, implicit)
        key = (kind, value, implicit)
        tag = _RESOLVED.get(key)
        if tag is None:
            tag = _resolve(self, kind, value, implicit)
            if len(_RESOLVED) < _RESOLVED_MAX:
                _RESOLVED[key] = tag
        return tag

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, MappingNode):
            values = [key.value for key, _ in node.value]
            if len(set(map(str, values))) != len(values):  # rare: look closer (tags, merge keys)
                _check_duplicates(node)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: ScalarNode) -> int:
        return core_int(self.construct_scalar(node), node)

    def construct_yaml_float(self, node: ScalarNode) -> float:
        value = self.construct_scalar(node)
        if not _FLOAT.match(value) and not _INT.match(value):
            raise _tag_error(node, "a number")
        if _INT.match(value):
            return float(core_int(value, node))
        number = math.nan if value.lstrip("+-")[:2].lower() in (".n", ".i") else float(value)
        if not math.isfinite(number):
            raise ConstructorError(None, None, f"{value!r} is not a finite number", node.start_mark)
        return number

    def construct_yaml_bool(self, node: ScalarNode) -> bool:
        value = self.construct_scalar(node)
        if not _BOOL.match(value):
            raise _tag_error(node, "true or false")
        return value.lower() == "true"

    def construct_yaml_null(self, node: ScalarNode) -> None:
        value = self.construct_scalar(node)
        if not _NULL.match(value):
            raise _tag_error(node, "null")
        return None

    def construct_unsupported(self, node: Node) -> Any:
        raise ConstructorError(None, None, f"the YAML tag {_short(node.tag)} is not supported here", node.start_mark)


def _check_duplicates(node: MappingNode) -> None:
    seen: set[tuple[str, str]] = set()
    for key, _ in node.value:
        if isinstance(key, ScalarNode) and key.tag != _TAG + "merge":
            ident = (key.tag, key.value)
            if ident in seen:
                raise ConstructorError("while reading a mapping", node.start_mark, f"duplicate key {key.value!r}",
                                       key.start_mark)
            seen.add(ident)


def core_int(value: str, node: ScalarNode) -> int:
    """An integer as the Go parsers read it: decimal, 0o octal, 0x hex, and a leading zero as octal (decimal when a
    digit is 8 or 9: they then read the float of that value)."""
    if not _INT.match(value):
        raise _tag_error(node, "an integer")
    digits = value.lstrip("+-")
    if len(digits) > MAX_INT_DIGITS:
        raise ConstructorError(None, None, f"integer {value[:24]}... is out of range", node.start_mark)
    if digits.startswith("0o"):
        number = int(digits[2:], 8)
    elif digits.startswith("0x"):
        number = int(digits[2:], 16)
    elif len(digits) > 1 and digits[0] == "0" and not set(digits) & {"8", "9"}:
        number = int(digits, 8)
    else:
        number = int(digits)
    if not -(2**63) <= number < 2**64:
        raise ConstructorError(None, None, f"integer {value} is out of range", node.start_mark)
    return -number if value.startswith("-") else number


def _short(tag: str) -> str:
    return "!!" + tag[len(_TAG):] if tag.startswith(_TAG) else tag


def _tag_error(node: ScalarNode, what: str) -> ConstructorError:
    return ConstructorError(None, None, f"{_short(node.tag)} {node.value!r} is not {what}", node.start_mark)


def check_shape(root: Node) -> bool:
    """Refuse a document nested deeper than MAX_DEPTH or whose aliases expand beyond the budget. The walk follows
    aliases (shared nodes) as the data will be walked later, but stops as soon as the budget is spent. True when
    the document is a tree (no node reached twice: no aliases)."""
    seen: set[int] = set()
    visits = 0
    stack: list[tuple[Node, int]] = [(root, 1)] if type(root) is not ScalarNode else []
    while stack:
        node, depth = stack.pop()
        visits += 1
        seen.add(id(node))
        if depth > MAX_DEPTH:
            raise ConstructorError(None, None, f"nested deeper than {MAX_DEPTH} levels", node.start_mark)
        if visits > 2 * len(seen) + ALIAS_SLACK:
            raise ConstructorError(None, None, "aliases expand this document far beyond its size (or refer to "
                                   "themselves); write the repeated parts out", node.start_mark)
        depth += 1
        if type(node) is SequenceNode:
            stack.extend([(child, depth) for child in node.value if type(child) is not ScalarNode])
        else:
            for key, value in node.value:
                if type(value) is not ScalarNode:
                    stack.append((value, depth))
                if type(key) is not ScalarNode:
                    stack.append((key, depth))
    return visits == len(seen)


for _tag, _pattern, _first in (
    ("bool", _BOOL, "tTfF"),
    ("int", _INT, "-+0123456789"),
    ("float", _FLOAT, "-+0123456789."),
    ("null", _NULL, ["~", "n", "N", ""]),
    ("merge", _MERGE, "<"),
):
    CoreLoader.add_implicit_resolver(_TAG + _tag, _pattern, list(_first))

CoreLoader.yaml_constructors = {
    _TAG + "null": CoreLoader.construct_yaml_null,
    _TAG + "bool": CoreLoader.construct_yaml_bool,
    _TAG + "int": CoreLoader.construct_yaml_int,
    _TAG + "float": CoreLoader.construct_yaml_float,
    _TAG + "str": SafeConstructor.construct_yaml_str,
    _TAG + "seq": SafeConstructor.construct_yaml_seq,
    _TAG + "map": SafeConstructor.construct_yaml_map,
    None: CoreLoader.construct_unsupported,
}


def load_all(text: str) -> list[Any]:
    """The non-empty documents of `text`, read as above."""
    return [d for d in yaml.load_all(text, Loader=CoreLoader) if d is not None]
