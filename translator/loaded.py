"""An intent together with where it came from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from translator.diagnostics import SourceLocation
from translator.model import NetworkIntent
from translator.source import SourceRef


@dataclass(frozen=True)
class LoadedIntent:
    """An intent with where it came from. `origin` is `intent` or the name of the engine that imported it."""

    intent: NetworkIntent
    source: SourceRef | None
    origin: str = "intent"
    native_path: tuple[str | int, ...] = ()

    def locate(self, path: Sequence[str | int] = ()) -> SourceLocation:
        """Where a field of the intent is in the input (for imported intents: the native object)."""
        if self.source is None:
            return SourceLocation("<generated>")
        if self.origin == "intent":
            return self.source.locate(path)
        loc = self.source.locate(self.native_path)
        return SourceLocation(loc.file, loc.line, loc.column, tuple(path))

    @property
    def imported(self) -> bool:
        """Whether the intent was imported from a native policy."""
        return self.origin != "intent"
