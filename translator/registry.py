"""Finding backends: every sub-package of `backends` that exports `BACKENDS`, plus the `netpolx.backends`
entry-point group, in each backend's declared `order`. Unknown names and settings get a did-you-mean suggestion.
Every engine list in translator/ is derived from here."""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from functools import cache
from importlib.metadata import entry_points

import backends as backends_pkg
from translator.backend import Backend
from translator.errors import InvalidInput
from translator.target import Target, TargetError

ENTRY_POINT_GROUP = "netpolx.backends"


class UnknownEngineError(InvalidInput, ValueError):
    """No backend has that name."""


@cache
def all_backends() -> dict[str, type[Backend]]:
    """Every backend by name, in their declared order (then by name)."""
    found: dict[str, type[Backend]] = {}
    for info in pkgutil.iter_modules(backends_pkg.__path__):
        if not info.ispkg:
            continue
        module = importlib.import_module(f"backends.{info.name}")
        for cls in getattr(module, "BACKENDS", ()):
            found[cls.name] = cls
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        cls = ep.load()
        if not (isinstance(cls, type) and issubclass(cls, Backend)):
            raise TypeError(f"entry point {ep.name!r} in {ENTRY_POINT_GROUP} is not a Backend subclass")
        found.setdefault(cls.name, cls)
    return dict(sorted(found.items(), key=lambda kv: (kv[1].order, kv[0])))


def get_backend(name: str) -> type[Backend]:
    """The backend called `name`, or UnknownEngineError with a suggestion."""
    backends = all_backends()
    if name in backends:
        return backends[name]
    close = difflib.get_close_matches(name, list(backends), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise UnknownEngineError(f"unknown engine {name!r}{hint} (known: {', '.join(backends)})")


def importer_for(api_version: str, kind: str) -> type[Backend] | None:
    """The backend whose importer reads this apiVersion/kind."""
    group = api_version.split("/")[0]
    for cls in all_backends().values():
        if (group, kind) in cls.imports:
            return cls
    return None


def check_target(target: Target) -> type[Backend]:
    """The target's backend; UnknownEngineError for an unknown engine, TargetError for settings it does not
    declare or values it does not accept."""
    cls = get_backend(target.name)
    errors = cls.setting_errors(target.settings)
    if errors:
        raise TargetError("; ".join(errors))
    return cls


def engine_of_group(group: str) -> str | None:
    """The engine whose documents carry this API group (the first in order whose importer reads it)."""
    return next((name for name, cls in all_backends().items() if group in cls.document_groups()), None)


def networkpolicy_engines() -> frozenset[str]:
    """The engines whose own policies are vanilla NetworkPolicies."""
    return frozenset(name for name, cls in all_backends().items() if cls.reads_networkpolicy())


def reads_networkpolicy(origin: str) -> bool:
    """Whether intents of this origin were imported from vanilla NetworkPolicies."""
    cls = all_backends().get(origin)
    return cls is not None and cls.reads_networkpolicy()
