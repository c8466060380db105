"""Where each part of an imported intent came from: the path of the native field, for diagnostics.

An importer builds intent parts (rules, peers, ports, HTTP rules, the subject) from native fields whose paths it
knows at that moment. It marks each part with that path (`mark(part, path)`); afterwards `Recording.path_map(intent)`
walks the finished intent and turns the marks into a map from intent field paths to native field paths. Marks are
kept by object identity (the intent model keeps the instances it is given), so an importer needs no bookkeeping of
the positions its parts end up at. Marking outside a recording does nothing.

`PathMap` answers for any intent path: the native path of its nearest marked ancestor, followed by the rest of the
path as far as those fields exist in the native object (a `port` under a marked port stays `.port`); with no
marked ancestor, the importer's static mapping, else the object itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel

from translator.source import SourceRef, child_node

Path = tuple[str | int, ...]
T = TypeVar("T")

_ACTIVE: ContextVar[Recording | None] = ContextVar("netpolx_origins", default=None)


@dataclass
class Recording:
    """The marks made while importing one native object."""

    marks: dict[tuple[int, str], tuple[object, Path]] = field(default_factory=dict)
    """(id(part), field name or "") -> (part, native path); the part is kept so that its id stays unique."""

    def path_map(self, intent: BaseModel, static: Callable[[Path], Path] | None = None) -> PathMap:
        """The map of one intent built while this recording was active."""
        table: dict[Path, Path] = {}
        for path, node in _walk(intent, ()):
            found = self.marks.get((id(node), ""))
            if found is not None and found[0] is node:
                table.setdefault(path, found[1])
            if isinstance(node, BaseModel):
                for name in type(node).model_fields:
                    found = self.marks.get((id(node), name))
                    if found is not None and found[0] is node:
                        table.setdefault((*path, name), found[1])
        return PathMap(table, static)


def mark(part: T, path: Path, field_name: str = "") -> T:
    """Record that `part` (an intent model object; with `field_name`, that field of it) was read from the native
    field at `path`; returns `part`."""
    rec = _ACTIVE.get()
    if rec is not None and part is not None:
        rec.marks.setdefault((id(part), field_name), (part, tuple(path)))
    return part


@contextmanager
def recording() -> Iterator[Recording]:
    """Collect the marks made inside the block."""
    rec = Recording()
    token = _ACTIVE.set(rec)
    try:
        yield rec
    finally:
        _ACTIVE.reset(token)


def _walk(node: Any, path: Path) -> Iterator[tuple[Path, Any]]:
    """(intent path, model object) for every model object and tuple under `node`."""
    yield path, node
    if isinstance(node, BaseModel):
        for name in type(node).model_fields:
            value = getattr(node, name)
            if isinstance(value, (BaseModel, tuple)):
                yield from _walk(value, (*path, name))
    elif isinstance(node, tuple):
        for i, value in enumerate(node):
            if isinstance(value, (BaseModel, tuple)):
                yield from _walk(value, (*path, i))


@dataclass(frozen=True)
class PathMap:
    """Intent field path -> (native path of its nearest marked ancestor, the rest of the path)."""

    table: dict[Path, Path]
    static: Callable[[Path], Path] | None = None

    def resolve(self, path: Path) -> tuple[Path, Path]:
        """(native path, remaining intent steps that may name native fields too)."""
        for cut in range(len(path), 0, -1):
            native = self.table.get(path[:cut])
            if native is not None:
                return native, path[cut:]
        if self.static is not None and (native := self.static(path)):
            return native, ()
        if path[:1] == ("metadata",):
            return ("metadata",), path[1:]
        return (), ()

    def __call__(self, path: Path) -> Path:
        native, rest = self.resolve(path)
        return (*native, *rest)

    def __bool__(self) -> bool:
        return bool(self.table) or self.static is not None


def native_field(source: SourceRef, path_map: Callable[[Path], Path], path: Path) -> Path:
    """The native field an intent field came from. With a PathMap, the remaining intent steps are kept only as far
    as the native object has those fields (so the path always names a field that is there)."""
    if not isinstance(path_map, PathMap):
        return path_map(path)
    native, rest = path_map.resolve(path)
    if not rest:
        return native
    node, _ = source.file.node(source.doc_index)
    for step in (*source.prefix, *native):
        node = child_node(node, step) if node is not None else None
    kept: list[str | int] = []
    for step in rest:
        node = child_node(node, step) if node is not None else None
        if node is None:
            break
        kept.append(step)
    return (*native, *kept)
