"""Finding backends: every sub-package of `backends` that exports `BACKENDS`, plus the `netpolx.backends`
entry-point group. Unknown names get a did-you-mean suggestion."""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from functools import cache
from importlib.metadata import entry_points

import backends as backends_pkg
from translator.backend import Backend

ENTRY_POINT_GROUP = "netpolx.backends"

# Display order of the built-in engines; discovered engines not listed here follow, by name.
PREFERRED_ORDER = ("kubernetes", "azure-npm", "azure-npm-windows", "cilium", "calico")


class UnknownEngineError(ValueError):
    """No backend has that name."""


@cache
def all_backends() -> dict[str, type[Backend]]:
    """Every backend by name, built-ins first in PREFERRED_ORDER."""
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
    order = {name: i for i, name in enumerate(PREFERRED_ORDER)}
    return dict(sorted(found.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))


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
