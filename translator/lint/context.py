"""What a lint check reads: the documents as written, their intents, and optionally the cluster."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from translator.diagnostics import SourceLocation
from translator.lint.finding import ignored_codes
from translator.lint.native import (
    NamespaceSelectorUse,
    PeerList,
    intent_namespace_selectors,
    intent_peer_lists,
    is_lintable,
    is_network_policy,
    namespace_selectors,
    peer_lists,
)
from translator.loaded import LoadedIntent
from translator.model import Direction, NetworkIntent, expand_dns
from translator.source import Document

if TYPE_CHECKING:  # the cluster model is only needed with --cluster
    from translator.cluster import Cluster

NATIVE_ORIGINS = frozenset({"intent", "kubernetes"})
"""Origins whose documents the syntactic lints read directly."""


@dataclass(frozen=True)
class Linted:
    """An intent as the semantic lints see it: `allowDNS` written out, with where it came from."""

    loaded: LoadedIntent
    intent: NetworkIntent
    position: int
    """Input order (ties are reported at the later policy)."""
    doc: Document | None
    """The NetworkPolicy/NetworkIntent document, when --fix can edit it."""
    ignored: frozenset[str] = frozenset()

    @property
    def ref(self) -> str:
        """`namespace/name`."""
        return self.intent.ref

    def locate(self, path: tuple[str | int, ...]) -> SourceLocation:
        """file:line of a field (a NetworkPolicy's fields have the same paths as its intent's rules)."""
        return self.doc.locate(*path) if self.doc is not None else self.loaded.locate(path)

    def locate_rule(self, direction: Direction, index: int) -> SourceLocation:
        """file:line of a rule (the allowDNS switch for the rule it adds)."""
        if index >= len(self.loaded.intent.rules(direction)):
            return self.locate(("spec", "allowDNS"))
        return self.locate(("spec", direction.value, index))

    def locate_subject(self) -> SourceLocation:
        """file:line of the pod selector."""
        if self.doc is not None and is_network_policy(self.doc):
            return self.doc.locate("spec", "podSelector")
        return self.locate(("spec", "subject"))


@dataclass
class LintInput:
    """The inputs of one lint run."""

    documents: list[Document]
    loaded: list[LoadedIntent]
    cluster: Cluster | None = None
    _doc_of: dict[int, Document] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for doc in self.documents:
            self._doc_of[id(doc.source)] = doc

    def document_of(self, li: LoadedIntent) -> Document | None:
        """The NetworkPolicy/NetworkIntent document an intent came from (None for other kinds)."""
        if li.source is None or li.origin not in NATIVE_ORIGINS:
            return None
        doc = self._doc_of.get(id(li.source))
        return doc if doc is not None and is_lintable(doc) else None

    def intents(self) -> list[Linted]:
        """Every intent, DNS-expanded, in input order."""
        return [Linted(li, expand_dns(li.intent), i, self.document_of(li),
                       ignored_codes(li.intent.metadata.annotations))
                for i, li in enumerate(self.loaded)]

    def peer_lists(self) -> Iterator[PeerList]:
        """Peer lists of every policy: from the documents where lint reads them, else from the intents."""
        for doc in self.documents:
            if is_lintable(doc):
                yield from peer_lists(doc)
        for li in self.loaded:
            if li.origin not in NATIVE_ORIGINS:
                yield from intent_peer_lists(li)

    def namespace_selectors(self) -> Iterator[NamespaceSelectorUse]:
        """Namespace selectors of every policy, likewise."""
        for doc in self.documents:
            if is_lintable(doc):
                yield from namespace_selectors(doc)
        for li in self.loaded:
            if li.origin not in NATIVE_ORIGINS:
                yield from intent_namespace_selectors(li)
