"""Everything a migration check or a migration needs: the policies (as documents and as intents), the source
engine and target, and the optional cluster facts (Services, pods, namespaces)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from pydantic import ValidationError

from backends.kubernetes.api import NetworkPolicy
from translator import codes
from translator.cluster.model import Cluster
from translator.cluster.services import ServiceInfo, is_service, load_services, services_from_documents
from translator.cluster.workloads import Workloads, load_workloads
from translator.diagnostics import Diagnostics, SourceLocation
from translator.load.decode import intents_from_documents
from translator.load.loaded import LoadedIntent
from translator.load.source import Document, documents
from translator.model import API_VERSION, KIND
from translator.registry import all_backends, importer_for
from translator.target import Target

# Engines netpolx knows about, whether or not their backend is installed in this build.
KNOWN_ENGINES = ("kubernetes", "azure-npm", "azure-npm-windows", "cilium", "calico")
NP_ENGINES = frozenset({"kubernetes", "azure-npm", "azure-npm-windows"})
NPM_ENGINES = frozenset({"azure-npm", "azure-npm-windows"})
INTENT_SOURCE = "intent"
# Which engine's objects a document is, by API group.
GROUP_ENGINES = {"networking.k8s.io": "kubernetes", "cilium.io": "cilium", "projectcalico.org": "calico",
                 "crd.projectcalico.org": "calico"}
NAMESPACED_POLICY_KINDS = frozenset({"NetworkPolicy", "CiliumNetworkPolicy", "NetworkSet", "NetworkIntent"})
CLUSTER_KINDS = frozenset({"CiliumClusterwideNetworkPolicy", "GlobalNetworkPolicy", "GlobalNetworkSet"})


def document_engine(doc: Document) -> str:
    """The engine whose object `doc` is (`intent` for NetworkIntents, `other` for anything else)."""
    if doc.api_version == API_VERSION and doc.kind == KIND:
        return INTENT_SOURCE
    return GROUP_ENGINES.get(doc.api_version.split("/")[0], "other")


def document_ref(doc: Document) -> str:
    """`Kind namespace/name` (or `Kind name` for cluster-scoped objects)."""
    meta = doc.data.get("metadata")
    ns = meta.get("namespace") if isinstance(meta, dict) else None
    return f"{doc.kind} {ns + '/' if isinstance(ns, str) and ns else ''}{doc.name}"


def infer_source(docs: Iterable[Document]) -> str | None:
    """The engine the inputs were written for: cilium or calico when their kinds occur, kubernetes for plain
    NetworkPolicies, `intent` for intents only; None when Cilium and Calico objects are mixed."""
    engines = {document_engine(d) for d in docs} - {"other"}
    natives = engines - {INTENT_SOURCE, "kubernetes"}
    if len(natives) > 1:
        return None
    if natives:
        return natives.pop()
    return "kubernetes" if "kubernetes" in engines else INTENT_SOURCE


@dataclass
class MigrationInput:
    """The inputs of one migration from `source` to `target`."""

    source: str
    target: Target
    documents: list[Document]
    loaded: list[LoadedIntent]
    services: list[ServiceInfo] | None = None
    workloads: Workloads | None = None
    cluster: Cluster | None = None
    skipped_engines: set[str] = field(default_factory=set)

    @cached_property
    def network_policies(self) -> list[tuple[Document, NetworkPolicy]]:
        """The NetworkPolicy documents with their parsed native form (invalid ones were reported at load)."""
        out = []
        for doc in self.documents:
            if doc.api_version.startswith("networking.k8s.io/") and doc.kind == "NetworkPolicy":
                try:
                    out.append((doc, NetworkPolicy.model_validate(doc.data)))
                except ValidationError:
                    continue
        return out

    @cached_property
    def _by_source(self) -> dict[object, Document]:
        return {doc.source: doc for doc in self.documents}

    def document_of(self, loaded: LoadedIntent) -> Document | None:
        """The input document an intent came from."""
        return self._by_source.get(loaded.source)

    def policy_ref(self, loaded: LoadedIntent) -> str:
        """The source policy an intent came from, as `Kind namespace/name`."""
        doc = self.document_of(loaded)
        return document_ref(doc) if doc is not None else f"NetworkIntent {loaded.intent.ref}"

    def origin_engine(self, loaded: LoadedIntent) -> str:
        """The engine whose semantics the intent had in the source cluster."""
        if loaded.origin == "kubernetes":
            return self.source if self.source in NP_ENGINES | {"calico", "cilium"} else "kubernetes"
        return loaded.origin

    @property
    def target_name(self) -> str:
        """The target engine's name."""
        return self.target.name

    def intent_location(self, loaded: LoadedIntent, path: tuple[str | int, ...]) -> SourceLocation:
        """Where a field of an intent is (for imported policies: the native field it came from)."""
        return loaded.locate(path)


def _skip_unimportable(docs: list[Document], diags: Diagnostics) -> tuple[list[Document], set[str]]:
    """Documents whose engine has no importer in this build are kept for document-level checks only."""
    installed = all_backends()
    keep, skipped = [], set()
    for doc in docs:
        engine = document_engine(doc)
        if engine in ("cilium", "calico") and importer_for(doc.api_version, doc.kind) is None \
                and engine not in installed:
            skipped.add(engine)
            diags.warning(codes.MIG_ENGINE_MISSING, f"{document_ref(doc)}: the {engine} backend is not installed, "
                          "so only document-level checks ran on it", doc.locate())
            continue
        keep.append(doc)
    return keep, skipped


def load_input(filenames: Iterable[str], recursive: bool, source: str | None, target: Target,
               services: Iterable[str], cluster: str | None, diags: Diagnostics) -> MigrationInput | None:
    """Read policies, Services and cluster facts; None when the source engine cannot be told (usage error)."""
    docs = documents(filenames, diags, recursive)
    policy_docs = [d for d in docs if not is_service(d)]
    found_services = services_from_documents(docs, diags)
    importable, skipped = _skip_unimportable(policy_docs, diags)
    loaded = intents_from_documents(importable, diags)
    engine = source or infer_source(policy_docs)
    if engine is None:
        return None
    facts = load_workloads(cluster, diags) if cluster else None
    workloads, evaluator_cluster = facts if facts is not None else (None, None)
    svc_given = bool(services) or bool(found_services) or bool(workloads and workloads.services)
    all_services = [*found_services, *load_services(services, diags)] if services else found_services
    if workloads is not None:
        all_services += workloads.services
    unique = {s.ref: s for s in all_services}
    return MigrationInput(engine, target, policy_docs, loaded,
                          sorted(unique.values(), key=lambda s: (s.namespace, s.name)) if svc_given else None,
                          workloads, evaluator_cluster, skipped)
