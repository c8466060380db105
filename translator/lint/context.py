"""What a lint check reads: the documents as written, their intents, and optionally the cluster."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from translator.diagnostics import SourceLocation
from translator.lint.finding import ignored_codes
from translator.lint.written import (
    NamespaceSelectorUse,
    PeerList,
    intent_namespace_selectors,
    intent_peer_lists,
    is_lintable,
    is_network_policy,
    namespace_selectors,
    peer_lists,
)
from translator.load.loaded import INTENT_ORIGIN, LoadedIntent
from translator.load.source import Document
from translator.model import Direction, NetworkIntent, expand_dns
from translator.registry import reads_networkpolicy

if TYPE_CHECKING:  # the cluster model is only needed with --cluster
    from translator.cluster.model import Cluster



def read_directly(origin: str) -> bool:
    """Whether the syntactic lints read documents of this origin directly: intents and vanilla NetworkPolicies."""
    return origin == INTENT_ORIGIN or reads_networkpolicy(origin)


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
        """file:line of a field (a NetworkPolicy's fields have the same paths as its intent's rules; imported Cilium
        and Calico intents know the native field of each of their parts)."""
        if self.doc is not None and (is_network_policy(self.doc) or not self.loaded.imported):
            return self.doc.locate(*path)
        return self.loaded.locate(path)

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
    _intents: list[Linted] | None = field(default=None, repr=False)
    _by_namespace: dict[str | None, list[Linted]] = field(default_factory=dict, repr=False)
    _by_labels: dict[tuple[str | None, frozenset[tuple[str, str]]], list[Linted]] = field(default_factory=dict,
                                                                                         repr=False)
    _complex: dict[str | None, list[Linted]] = field(default_factory=dict, repr=False)
    policy_pairs: list[tuple[Linted, Linted, str]] | None = field(default=None, repr=False)
    """The duplicate and redundant policies, once `lint.redundancy` found them (its rule-level check skips them)."""
    _peer_list_memo: list[PeerList] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        for doc in self.documents:
            self._doc_of[id(doc.source)] = doc

    def document_of(self, li: LoadedIntent) -> Document | None:
        """The NetworkPolicy/NetworkIntent document an intent came from (None for other kinds)."""
        if li.source is None or not read_directly(li.origin):
            return None
        doc = self._doc_of.get(id(li.source))
        return doc if doc is not None and is_lintable(doc) else None

    def intents(self) -> list[Linted]:
        """Every intent, DNS-expanded, in input order (computed once)."""
        if self._intents is None:
            self._intents = [Linted(li, expand_dns(li.intent), i, self.document_of(li),
                                    ignored_codes(li.intent.metadata.annotations))
                             for i, li in enumerate(self.loaded)]
            for x in self._intents:
                ns = None if x.intent.is_cluster_scoped else x.intent.metadata.namespace
                self._by_namespace.setdefault(ns, []).append(x)
                pods = x.intent.spec.subject.pods
                if ns is None or pods.matchExpressions:
                    self._complex.setdefault(ns, []).append(x)
                else:
                    self._by_labels.setdefault((ns, frozenset(pods.matchLabels.items())), []).append(x)
        return self._intents

    def neighbours(self, x: Linted) -> list[Linted]:
        """The intents that can apply to some pod `x` applies to, as far as scope goes: those of its namespace
        and the cluster-scoped ones (for a cluster-scoped `x`: every intent), in input order."""
        self.intents()
        if x.intent.is_cluster_scoped:
            return self._intents or []
        same = self._by_namespace.get(x.intent.metadata.namespace, [])
        wide = self._by_namespace.get(None, [])
        return sorted([*same, *wide], key=lambda y: y.position) if wide else same

    def coverers(self, x: Linted) -> list[Linted]:
        """The intents that may select every pod `x` selects (a superset of those that do), in input order: the
        cluster-scoped ones, and those of `x`'s namespace whose equality-only pod selector is a subset of `x`'s
        (found by looking up every subset of its labels), or that use expressions."""
        self.intents()
        if x.intent.is_cluster_scoped:
            return self._by_namespace.get(None, [])
        ns = x.intent.metadata.namespace
        pods = x.intent.spec.subject.pods
        items = sorted(pods.matchLabels.items())
        if pods.matchExpressions or len(items) > 8:
            return self.neighbours(x)
        found = [*self._complex.get(None, []), *self._complex.get(ns, [])]
        for size in range(len(items) + 1):
            for subset in itertools.combinations(items, size):
                found.extend(self._by_labels.get((ns, frozenset(subset)), ()))
        return sorted(found, key=lambda y: y.position)

    def peer_lists(self) -> list[PeerList]:
        """Peer lists of every policy: from the documents where lint reads them, else from the intents."""
        if self._peer_list_memo is None:
            self._peer_list_memo = list(self._peer_lists())
        return self._peer_list_memo

    def _peer_lists(self) -> Iterator[PeerList]:
        for doc in self.documents:
            if is_lintable(doc):
                yield from peer_lists(doc)
        for li in self.loaded:
            if not read_directly(li.origin):
                yield from intent_peer_lists(li)

    def namespace_selectors(self) -> Iterator[NamespaceSelectorUse]:
        """Namespace selectors of every policy, likewise."""
        for doc in self.documents:
            if is_lintable(doc):
                yield from namespace_selectors(doc)
        for li in self.loaded:
            if not read_directly(li.origin):
                yield from intent_namespace_selectors(li)
