"""Everything a migration check or a migration needs: the policies (as documents and as intents), the source
engine and target, and the optional cluster facts (Services, pods, namespaces)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from pydantic import ValidationError

from backends.kubernetes.api import NetworkPolicy
from translator.backend import Backend
from translator.cluster.model import Cluster
from translator.cluster.services import ServiceInfo, is_service, load_services, services_from_documents
from translator.cluster.workloads import Workloads, load_workloads
from translator.diagnostics import Diagnostics, Severity, SourceLocation
from translator.load.decode import intents_from_documents
from translator.load.found import require_policies
from translator.load.loaded import INTENT_ORIGIN, LoadedIntent
from translator.load.source import Document, documents
from translator.model import API_VERSION, KIND
from translator.output.progress import progress
from translator.registry import all_backends, engine_of_group, reads_networkpolicy
from translator.target import Target

INTENT_SOURCE = INTENT_ORIGIN
OTHER = "other"
NAMESPACED_POLICY_KINDS = frozenset({"NetworkPolicy", "CiliumNetworkPolicy", "NetworkSet", "NetworkIntent"})
CLUSTER_KINDS = frozenset({"CiliumClusterwideNetworkPolicy", "GlobalNetworkPolicy", "GlobalNetworkSet"})


def document_engine(doc: Document) -> str:
    """The engine whose object `doc` is, by API group (`intent` for NetworkIntents, `other` for anything else)."""
    if doc.api_version == API_VERSION and doc.kind == KIND:
        return INTENT_SOURCE
    return engine_of_group(doc.api_version.split("/")[0]) or OTHER


def document_ref(doc: Document) -> str:
    """`Kind namespace/name` (or `Kind name` for cluster-scoped objects)."""
    meta = doc.data.get("metadata")
    ns = meta.get("namespace") if isinstance(meta, dict) else None
    return f"{doc.kind} {ns + '/' if isinstance(ns, str) and ns else ''}{doc.name}"


def infer_source(docs: Iterable[Document]) -> str | None:
    """The engine the inputs were written for: the engine of their own kinds when they occur (e.g. Cilium or
    Calico), the NetworkPolicy engine for plain NetworkPolicies, `intent` for intents only; None when the kinds
    of two engines are mixed."""
    engines = {document_engine(d) for d in docs} - {OTHER}
    natives = {e for e in engines - {INTENT_SOURCE} if not reads_networkpolicy(e)}
    if len(natives) > 1:
        return None
    if natives:
        return natives.pop()
    return next((e for e in sorted(engines) if reads_networkpolicy(e)), INTENT_SOURCE)


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
        if reads_networkpolicy(loaded.origin):  # a NetworkPolicy is enforced by the engine it was written for
            return self.source if self.source in all_backends() else loaded.origin
        return loaded.origin

    @property
    def source_backend(self) -> type[Backend] | None:
        """The source engine's backend (None for intents)."""
        return all_backends().get(self.source)

    @property
    def target_backend(self) -> type[Backend] | None:
        """The target engine's backend (None when it is not installed)."""
        return all_backends().get(self.target.name)

    def implicitly_allowed(self, what: str) -> bool:
        """Whether the source engine let `what` through without a rule (Backend.implicit_allows)."""
        source = self.source_backend
        return source is not None and what in source.implicit_allows

    @property
    def needs_bundle_edits(self) -> bool:
        """Whether `migrate` writes pre-migration edits and post-migration add-ons (Backend.pre_migration_edits:
        a move onto such an engine from another one)."""
        target = self.target_backend
        return target is not None and target.pre_migration_edits and self.source != self.target.name

    @property
    def target_name(self) -> str:
        """The target engine's name."""
        return self.target.name

    def intent_location(self, loaded: LoadedIntent, path: tuple[str | int, ...]) -> SourceLocation:
        """Where a field of an intent is (for imported policies: the native field it came from)."""
        return loaded.locate(path)


def load_input(filenames: Iterable[str], recursive: bool, source: str | None, target: Target,
               services: Iterable[str], cluster: str | None, diags: Diagnostics,
               empty: Severity = Severity.ERROR) -> MigrationInput | None:
    """Read policies, Services and cluster facts; None when the source engine cannot be told (usage error). A `-f`
    path without policies is reported with severity `empty`."""
    filenames = list(filenames)
    report = progress()  # on a terminal, after 2 s: `reading policies N`, `importing policies N/TOTAL`
    report.phase("reading policies")
    docs = documents(filenames, diags, recursive)
    require_policies(filenames, recursive, docs, diags, empty)
    policy_docs = [d for d in docs if not is_service(d)]
    found_services = services_from_documents(docs, diags)
    report.phase("importing policies", len(policy_docs))
    loaded = intents_from_documents(policy_docs, diags)
    engine = source or infer_source(policy_docs)
    if engine is None:
        return None
    if cluster:
        report.phase("reading the cluster")
    facts = load_workloads(cluster, diags) if cluster else None
    workloads, evaluator_cluster = facts if facts is not None else (None, None)
    svc_given = bool(services) or bool(found_services) or bool(workloads and workloads.services)
    all_services = [*found_services, *load_services(services, diags)] if services else found_services
    if workloads is not None:
        all_services += workloads.services
    unique = {s.ref: s for s in all_services}
    return MigrationInput(engine, target, policy_docs, loaded,
                          sorted(unique.values(), key=lambda s: (s.namespace, s.name)) if svc_given else None,
                          workloads, evaluator_cluster)
