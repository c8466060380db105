"""An intent together with where it came from."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from translator.diagnostics import SourceLocation
from translator.load.source import SourceRef
from translator.model import NetworkIntent
from translator.origins import native_field

INTENT_ORIGIN = "intent"
"""The origin of intents written as NetworkIntents (imported ones carry their engine's name)."""


@dataclass(frozen=True)
class LoadedIntent:
    """An intent with where it came from. `origin` is `intent` or the name of the engine that imported it."""

    intent: NetworkIntent
    source: SourceRef | None
    origin: str = INTENT_ORIGIN
    native_path: tuple[str | int, ...] = ()
    path_map: Callable[[tuple[str | int, ...]], tuple[str | int, ...]] | None = None
    """For imported intents: maps a field path of the intent to the path of the native field it came from."""

    def locate(self, path: Sequence[str | int] = ()) -> SourceLocation:
        """Where a field of the intent is in the input. For imported intents: the native field it came from (its
        nearest existing ancestor when the importer has no exact mapping), reported with the native path."""
        if self.source is None:
            return SourceLocation("<generated>")
        if self.origin == INTENT_ORIGIN:
            return self.source.locate(path)
        mapped = native_field(self.source, self.path_map, tuple(path), self.intent) if self.path_map else ()
        native = (*self.native_path, *mapped)
        return self.source.locate(native)

    @property
    def imported(self) -> bool:
        """Whether the intent was imported from a native policy."""
        return self.origin != INTENT_ORIGIN
