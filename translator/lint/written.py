"""Views of policies as written, for the syntactic lints: the peer lists and namespace selectors of
NetworkPolicy and NetworkIntent documents (with their paths, for file:line and for --fix), and the same views
built from imported intents for the other kinds (located at the object)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from translator.diagnostics import SourceLocation
from translator.lint.finding import ignored_codes
from translator.load.loaded import LoadedIntent
from translator.load.source import Document
from translator.model import API_VERSION, KIND, Direction, LabelSelector, Peer

NP_API = "networking.k8s.io/v1"
NP_KIND = "NetworkPolicy"


def is_network_policy(doc: Document) -> bool:
    """Whether the document is a vanilla NetworkPolicy."""
    return doc.api_version == NP_API and doc.kind == NP_KIND


def is_intent(doc: Document) -> bool:
    """Whether the document is a NetworkIntent."""
    return doc.api_version == API_VERSION and doc.kind == KIND


def is_lintable(doc: Document) -> bool:
    """Whether the syntactic lints read this document directly (others are linted through their intents)."""
    return is_network_policy(doc) or is_intent(doc)


@dataclass(frozen=True)
class PeerItem:
    """One peer of a from/to/peers list, reduced to what the lints ask."""

    path: tuple[str | int, ...]
    namespace_part: bool
    """Whether it names namespaces (a namespace selector or names)."""
    pod_selector: Mapping[str, Any] | None
    """The pod selector as written (None when absent)."""
    namespace_key: str
    pod_key: str
    cidr: str | None = None
    except_: tuple[str, ...] = ()

    @property
    def namespace_only(self) -> bool:
        """Namespaces without a (non-empty) pod selector: every pod of those namespaces."""
        return self.namespace_part and not _non_empty(self.pod_selector)

    @property
    def pods_only(self) -> bool:
        """A non-empty pod selector without namespaces: those pods in the policy's own namespace."""
        return not self.namespace_part and _non_empty(self.pod_selector)


@dataclass(frozen=True)
class PeerList:
    """The peers of one rule."""

    owner: str
    """`namespace/name` of the policy."""
    namespace: str | None
    direction: Direction
    rule_index: int
    path: tuple[str | int, ...]
    items: tuple[PeerItem, ...]
    doc: Document | None
    """The document (None when built from an imported intent: no --fix)."""
    loaded: LoadedIntent | None = None
    ignored: frozenset[str] = frozenset()

    def locate(self, path: tuple[str | int, ...]) -> SourceLocation:
        """file:line of a path inside the policy."""
        if self.doc is not None:
            return self.doc.locate(*path)
        assert self.loaded is not None
        return self.loaded.locate(path)


@dataclass(frozen=True)
class NamespaceSelectorUse:
    """A namespace selector as written (matchLabels / matchExpressions)."""

    owner: str
    path: tuple[str | int, ...]
    selector: Mapping[str, Any]
    doc: Document | None
    loaded: LoadedIntent | None = None
    ignored: frozenset[str] = frozenset()

    def locate(self, path: tuple[str | int, ...]) -> SourceLocation:
        """file:line of a path inside the policy."""
        if self.doc is not None:
            return self.doc.locate(*path)
        assert self.loaded is not None
        return self.loaded.locate(path)


def _non_empty(sel: Mapping[str, Any] | None) -> bool:
    return isinstance(sel, Mapping) and bool(sel.get("matchLabels") or sel.get("matchExpressions"))


def _meta(doc: Document) -> tuple[str, str | None, frozenset[str]]:
    meta = found if isinstance(found := doc.data.get("metadata"), dict) else {}
    ns = meta.get("namespace") if isinstance(meta.get("namespace"), str) else None
    owner = f"{ns}/{doc.name}" if ns else doc.name
    ann = found if isinstance(found := meta.get("annotations"), dict) else None
    return owner, ns, ignored_codes(ann)


def _rules(doc: Document) -> Iterator[tuple[Direction, int, dict[str, Any]]]:
    spec = doc.data.get("spec")
    if not isinstance(spec, dict):
        return
    for direction in Direction:
        rules = spec.get(direction.value)
        if isinstance(rules, list):
            for i, rule in enumerate(rules):
                if isinstance(rule, dict):
                    yield direction, i, rule


def _np_item(peer: dict[str, Any], path: tuple[str | int, ...]) -> PeerItem:
    block = found if isinstance(found := peer.get("ipBlock"), dict) else {}
    exc = found if isinstance(found := block.get("except"), list) else []
    return PeerItem(path, "namespaceSelector" in peer and peer["namespaceSelector"] is not None,
                    found if isinstance(found := peer.get("podSelector"), dict) else None,
                    "namespaceSelector", "podSelector",
                    str(block["cidr"]) if "cidr" in block else None, tuple(str(e) for e in exc))


def _intent_item(peer: dict[str, Any], path: tuple[str | int, ...]) -> PeerItem:
    ns_part = peer.get("namespaces") is not None or peer.get("namespaceNames") is not None
    exc = found if isinstance(found := peer.get("except"), list) else []
    return PeerItem(path, ns_part, found if isinstance(found := peer.get("pods"), dict) else None,
                    "namespaces" if peer.get("namespaces") is not None else "namespaceNames", "pods",
                    str(peer["cidr"]) if "cidr" in peer else None, tuple(str(e) for e in exc))


def peer_lists(doc: Document) -> Iterator[PeerList]:
    """The peer list of every rule of a NetworkPolicy or NetworkIntent document."""
    owner, ns, ignored = _meta(doc)
    np = is_network_policy(doc)
    for direction, i, rule in _rules(doc):
        key = ("from" if direction is Direction.INGRESS else "to") if np else "peers"
        peers = rule.get(key)
        if not isinstance(peers, list):
            continue
        path = ("spec", direction.value, i, key)
        make = _np_item if np else _intent_item
        items = tuple(make(p, (*path, j)) for j, p in enumerate(peers) if isinstance(p, dict))
        yield PeerList(owner, ns, direction, i, path, items, doc, ignored=ignored)


def namespace_selectors(doc: Document) -> Iterator[NamespaceSelectorUse]:
    """Every namespace label selector written in a NetworkPolicy or NetworkIntent document."""
    owner, _, ignored = _meta(doc)
    key = "namespaceSelector" if is_network_policy(doc) else "namespaces"
    for plist in peer_lists(doc):
        for item in plist.items:
            peer = _at(doc.data, item.path)
            sel = peer.get(key) if isinstance(peer, dict) else None
            if isinstance(sel, dict):
                yield NamespaceSelectorUse(owner, (*item.path, key), sel, doc, ignored=ignored)
    if is_intent(doc):
        sel = _at(doc.data, ("spec", "subject", "namespaces"))
        if isinstance(sel, dict):
            yield NamespaceSelectorUse(owner, ("spec", "subject", "namespaces"), sel, doc, ignored=ignored)


def _at(data: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        if isinstance(data, dict) and isinstance(part, str):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data


# -- the same views from imported intents (Cilium, Calico): located at the object, never fixed ------------------


def _selector_dict(sel: LabelSelector | None) -> dict[str, Any] | None:
    return None if sel is None else sel.dump()


def _model_item(peer: Peer, path: tuple[str | int, ...]) -> PeerItem:
    ns_part = peer.namespaces is not None or peer.namespaceNames is not None
    key = "namespaces" if peer.namespaces is not None else "namespaceNames"
    return PeerItem(path, ns_part, _selector_dict(peer.pods), key, "pods", peer.cidr, peer.except_)


def intent_peer_lists(li: LoadedIntent) -> Iterator[PeerList]:
    """Peer lists of an imported intent (paths are intent paths; the location is the native object)."""
    intent = li.intent
    ignored = ignored_codes(intent.metadata.annotations)
    for direction in Direction:
        for i, rule in enumerate(intent.rules(direction)):
            path = ("spec", direction.value, i, "peers")
            items = tuple(_model_item(p, (*path, j)) for j, p in enumerate(rule.peers or ()))
            yield PeerList(intent.ref, intent.metadata.namespace, direction, i, path, items, None, li, ignored)


def intent_namespace_selectors(li: LoadedIntent) -> Iterator[NamespaceSelectorUse]:
    """Namespace selectors of an imported intent."""
    ignored = ignored_codes(li.intent.metadata.annotations)
    for plist in intent_peer_lists(li):
        rule = li.intent.rules(plist.direction)[plist.rule_index]
        for item, peer in zip(plist.items, rule.peers or ()):
            if peer.namespaces is not None:
                yield NamespaceSelectorUse(plist.owner, (*item.path, "namespaces"), peer.namespaces.dump(), None,
                                           li, ignored)
    subject_ns = li.intent.spec.subject.namespaces
    if subject_ns is not None:
        yield NamespaceSelectorUse(li.intent.ref, ("spec", "subject", "namespaces"), subject_ns.dump(), None, li,
                                   ignored)
