"""The Backend base class: an engine is a capability table, a generator, an importer and its semantics.

A backend lives in one folder under `backends/` and exports `BACKENDS = [...]` from its `__init__.py`; nothing
else needs to change to add one (see README, "Adding a backend").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, ClassVar

from translator.capabilities import Capability, check_total
from translator.diagnostics import Diagnostics, Locator
from translator.engine_settings import RANGES, Setting, settings_errors
from translator.features import Feature, Use
from translator.load.loaded import LoadedIntent
from translator.load.source import Document, SourceRef
from translator.model import NetworkIntent
from translator.origins import recording
from translator.platforms import EngineOption
from translator.semantics import INTENT_SEMANTICS, Semantics
from translator.target import Target


class Backend:
    """One target engine. Subclasses set the class attributes and override generate/import as they can.

    Class attributes:
        name: the engine name used with `--engine`.
        title: a human title.
        summary: one line for `netpolx engines`.
        capabilities: a total table Feature -> Capability (checked when the class is defined).
        imports: (apiVersion group, kind) pairs this backend's importer reads.
        semantics: how the engine enforces intents (for `reach` and `verify`).
        versions: known versions, newest last (for help and validation).
        settings: the engine settings it reads (`--engine NAME,key=value`); others are refused.
        order: display and preference order among engines (lower first; then by name).
        node_os: the node operating systems it enforces policy on (`linux`, `windows`).
        retires: the date its support ends, if announced (for `recommend` and `check` caveats).
        platform_options: per platform (e.g. `aks`), the ways to run it that `recommend` weighs.
        pre_migration_edits: moving NetworkPolicies onto it needs `migrate`'s pre-migration edits (named ports
            as numbers, selector peers next to ipBlocks that matched pods).
        migration_module: the module (`backends.<engine>.migration`) whose `CHECKS` adds this engine's migration
            pitfalls to translator/migration/checks.py's catalogue.
        namespace_labels: labels the engine itself puts on endpoints (a selector on them matches nothing on
            other engines).
        implicit_allows: traffic the engine lets through without a rule (`node-egress`: to the pod's own node;
            `load-balancers`: LoadBalancer/NodePort ingress with externalTrafficPolicy Cluster); `migrate` adds
            the post-migration rules that keep it on an engine that does not.
        switch_from: for `migrate`'s plan, how a cluster switches to it from another engine: source -> (step,
            command).
        windows_note: for `migrate`'s plan, what to do with Windows node pools when moving onto it.
        abstract: set on base classes that are not engines.
    """

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    capabilities: ClassVar[Mapping[Feature, Capability]] = {}
    imports: ClassVar[tuple[tuple[str, str], ...]] = ()
    semantics: ClassVar[Semantics] = INTENT_SEMANTICS
    versions: ClassVar[tuple[str, ...]] = ()
    platforms: ClassVar[frozenset[str]] = frozenset()
    settings: ClassVar[Mapping[str, Setting]] = RANGES
    order: ClassVar[int] = 1000
    node_os: ClassVar[frozenset[str]] = frozenset({"linux"})
    retires: ClassVar[date | None] = None
    platform_options: ClassVar[Mapping[str, tuple[EngineOption, ...]]] = {}
    pre_migration_edits: ClassVar[bool] = False
    migration_module: ClassVar[str | None] = None
    namespace_labels: ClassVar[tuple[str, ...]] = ()
    implicit_allows: ClassVar[frozenset[str]] = frozenset()
    switch_from: ClassVar[Mapping[str, tuple[str, str]]] = {}
    windows_note: ClassVar[str] = ""
    abstract: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__dict__.get("abstract", False):
            if not cls.name:
                raise TypeError(f"{cls.__name__}: a backend needs a name")
            check_total(cls.name, cls.capabilities)

    def __init__(self, target: Target | None = None) -> None:
        self.target = target or Target(self.name)

    # -- what it owns -------------------------------------------------------------------------------------

    @classmethod
    def document_groups(cls) -> frozenset[str]:
        """The API groups of the documents its importer reads."""
        return frozenset(group for group, _ in cls.imports)

    @classmethod
    def reads_networkpolicy(cls) -> bool:
        """Whether its own policies are vanilla NetworkPolicies (see Semantics.networkpolicy)."""
        return cls.semantics.networkpolicy

    @classmethod
    def setting_errors(cls, settings: Mapping[str, str]) -> list[str]:
        """Why `settings` are not valid for this engine (unknown keys, values outside their choices)."""
        return settings_errors(cls.name, cls.settings, settings)

    # -- capabilities --------------------------------------------------------------------------------------

    def capability(self, feature: Feature) -> Capability:
        """The table entry for `feature`, resolved against the target's version."""
        cap = self.capabilities[feature]
        if cap.since is not None and not self.target.at_least(cap.since):
            version = ".".join(map(str, cap.since))
            return Capability(cap.before, f"needs {self.name} >= {version}. {cap.note}".strip())
        return cap

    def support_for(self, use: Use, intent: NetworkIntent) -> Capability:
        """How this use of a feature in `intent` is supported; backends refine this with context."""
        return self.capability(use.feature)

    def check(self, intent: NetworkIntent, source: Locator | None, diags: Diagnostics) -> None:
        """Extra checks on combinations of features that one table cell cannot say (default: none)."""

    def check_all(self, loaded: list[LoadedIntent], diags: Diagnostics) -> None:
        """Checks that need every intent at once, e.g. whether any policy allows DNS (default: none)."""

    def caveats(self, diags: Diagnostics) -> None:
        """Engine-level notes for `check` (retirement dates, platform facts)."""

    # -- compile -------------------------------------------------------------------------------------------

    def lower(self, intent: NetworkIntent, source: SourceRef | None, diags: Diagnostics) -> NetworkIntent:
        """Rewrite `intent` into an equivalent one the generator can emit (default: unchanged)."""
        return intent

    def generate(self, intent: NetworkIntent) -> list[dict[str, Any]]:
        """The engine's objects for one (checked, lowered) intent."""
        raise NotImplementedError(f"{self.name} cannot generate policies")

    # -- import --------------------------------------------------------------------------------------------

    @classmethod
    def can_import(cls, doc: Document) -> bool:
        """Whether this backend's importer reads `doc`."""
        group = doc.api_version.split("/")[0]
        return (group, doc.kind) in cls.imports

    def import_document(self, doc: Document, diags: Diagnostics) -> list[NetworkIntent]:
        """Intents equivalent to one native document; anything unrepresentable is an error, never dropped."""
        raise NotImplementedError(f"{self.name} cannot import {doc.kind}")

    def import_documents(self, docs: list[Document], diags: Diagnostics,
                         advance: Callable[[int], None] | None = None) -> list[LoadedIntent]:
        """Import every document of this engine (override to see them all at once, e.g. to resolve references);
        `advance(n)`, when given, is told each time n more documents are imported (progress on a terminal)."""
        out = []
        for doc in docs:
            if advance is not None:
                advance(1)
            with recording() as marks:  # the importer marks the parts it reads with their native paths
                intents = self.import_document(doc, diags)
            out += [LoadedIntent(intent, doc.source, self.name, path_map=marks.path_map(intent, self.native_path))
                    for intent in intents]
        return out

    @staticmethod
    def native_path(path: tuple[str | int, ...]) -> tuple[str | int, ...]:
        """The native field an intent field was imported from, for paths the importer marked no part of (see
        translator/origins.py; default: the object itself)."""
        return ()
