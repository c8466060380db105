"""Where each part of an imported intent came from: the path of the native field, for diagnostics.

An importer builds intent parts (rules, peers, ports, HTTP rules, the subject) from native fields whose paths it
knows at that moment. It marks each part with that path (`mark(part, path)`, or `mark(part, path, field)` for one
field of a part). Marks are kept by object identity: the intent model keeps the instances it is given, so an
importer needs no bookkeeping of the positions its parts end up at, and an intent rewritten later (ordered
lowering, DNS expansion) still finds the native fields of the parts it kept. Marking outside `recording()` does
nothing.

`PathMap` answers for any intent path by walking the intent along it: the native path of the deepest marked part
on the way, followed by the rest of the path as far as those fields exist in the native object (a `port` under a
marked port stays `.port`); with no marked part, the importer's static mapping, else the object itself."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel

from translator.load.source import SourceRef, child_node

Path = tuple[str | int, ...]
T = TypeVar("T")

STATIC: Path = ("<static>",)
"""The `rest` of PathMap.resolve when the importer's static mapping answered (its path is used as it is)."""
_ACTIVE: ContextVar[Recording | None] = ContextVar("netpolx_origins", default=None)


@dataclass
class Recording:
    """The marks made while importing."""

    marks: dict[tuple[int, str], tuple[object, Path]] = field(default_factory=dict)
    """(id(part), field name or "") -> (part, native path); the part is kept so that its id stays unique."""

    def path_map(self, intent: BaseModel, static: Callable[[Path], Path] | None = None) -> PathMap:
        """The map for an intent built while this recording was active (and for intents rewritten from it, as far
        as they keep its parts)."""
        return PathMap(self.marks, static, intent)


def mark(part: T, path: Path, field_name: str = "") -> T:
    """Record that `part` (an intent model object; with `field_name`, that field of it) was read from the native
    field at `path`; returns `part`."""
    rec = _ACTIVE.get()
    if rec is not None and part is not None:
        rec.marks.setdefault((id(part), field_name), (part, tuple(path)))
    return part


@contextmanager
def recording(into: Recording | None = None) -> Iterator[Recording]:
    """Collect the marks made inside the block (into a new recording, or `into` to go on with one). One recording
    per native object: a part shared between objects then gets each object's own path."""
    rec = into if into is not None else Recording()
    token = _ACTIVE.set(rec)
    try:
        yield rec
    finally:
        _ACTIVE.reset(token)


def _child(node: Any, step: str | int) -> Any:
    if isinstance(node, BaseModel) and isinstance(step, str):
        return getattr(node, step, None)
    if isinstance(node, tuple) and isinstance(step, int) and 0 <= step < len(node):
        return node[step]
    return None


@dataclass(frozen=True)
class PathMap:
    """Intent field path -> native path, found by walking the intent along the path: the native path of the
    deepest marked part on the way, then the rest of the intent path (kept where the native object has it)."""

    marks: Mapping[tuple[int, str], tuple[object, Path]]
    static: Callable[[Path], Path] | None = None
    intent: BaseModel | None = None
    """The intent as imported; `resolve` takes the current one (a rewritten intent keeps many of its parts)."""

    def _mark(self, node: Any, name: str = "") -> Path | None:
        found = self.marks.get((id(node), name))
        return found[1] if found is not None and found[0] is node else None

    def resolve(self, path: Path, intent: BaseModel | None = None) -> tuple[Path, Path]:
        """(native path, remaining intent steps that may name native fields too; STATIC when the importer's static
        mapping answered)."""
        node: Any = intent if intent is not None else self.intent
        best: tuple[Path, int] | None = None
        for cut in range(len(path) + 1):
            if cut:
                parent, step = node, path[cut - 1]
                node = _child(parent, step)
                found = self._mark(node) if node is not None else None
                if found is None and isinstance(step, str):
                    found = self._mark(parent, step)
            else:
                found = self._mark(node)
            if found is not None:
                best = (found, cut)
            if node is None:
                break
        if best is None and intent is not None and intent is not self.intent:
            return self.resolve(path)  # nothing kept by the rewritten intent: where the imported one had it
        if best is not None:
            return best[0], path[best[1]:]
        if self.static is not None and (native := self.static(path)):
            return native, STATIC
        if path[:1] == ("metadata",):
            return ("metadata",), path[1:]
        return (), ()

    def __call__(self, path: Path) -> Path:
        native, rest = self.resolve(path)
        return native if rest is STATIC else (*native, *rest)


def native_field(source: SourceRef, path_map: Callable[[Path], Path], path: Path,
                 intent: BaseModel | None = None) -> Path:
    """The native field an intent field came from. With a PathMap, the path is kept only as far as the native object
    has those fields (so it always names a field that is there, e.g. `spec` when a Calico policy has no `types`)."""
    if not isinstance(path_map, PathMap):
        return path_map(path)
    native, rest = path_map.resolve(path, intent)
    if rest is STATIC:
        return native  # the importer's own mapping, which may name a field to add (`spec.policyTypes`)
    node, _ = source.file.node(source.doc_index)
    for step in source.prefix:
        node = child_node(node, step) if node is not None else None
    kept: list[str | int] = []
    for step in (*native, *rest):
        node = child_node(node, step) if node is not None else None
        if node is None:
            break
        kept.append(step)
    return tuple(kept)
