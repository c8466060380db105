"""Defaults applied to documents before they are read as policies: the namespace of namespaced policies that
have none (`-n/--namespace`, or `namespace:` in .netpolx.yaml), as kubectl applies its context's namespace."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from translator.load.source import Document
from translator.model import API_VERSION, KIND

NAMESPACED: frozenset[tuple[str, str]] = frozenset({
    ("networking.k8s.io/v1", "NetworkPolicy"),
    ("cilium.io/v2", "CiliumNetworkPolicy"),
    ("projectcalico.org/v3", "NetworkPolicy"),
    ("crd.projectcalico.org/v1", "NetworkPolicy"),
})
"""Native policy kinds that live in a namespace (the cluster-wide kinds never get one)."""


def is_namespaced(doc: Document) -> bool:
    """Whether the document is a policy that belongs in a namespace."""
    if doc.api_version == API_VERSION and doc.kind == KIND:
        spec = doc.data.get("spec")
        return not (isinstance(spec, dict) and spec.get("scope") == "Cluster")
    return (doc.api_version, doc.kind) in NAMESPACED


def apply_default_namespace(docs: Iterable[Document], namespace: str | Callable[[Document], str | None]) -> int:
    """Set `metadata.namespace` on namespaced policies that have none (in place); `namespace` may depend on the
    document (per-path overrides). Returns how many documents were changed."""
    changed = 0
    for doc in docs:
        ns = namespace(doc) if callable(namespace) else namespace
        if not ns or not is_namespaced(doc):
            continue
        meta = doc.data.get("metadata")
        if meta is None:
            meta = doc.data["metadata"] = {}
        if isinstance(meta, dict) and not meta.get("namespace"):
            meta["namespace"] = ns
            changed += 1
    return changed
