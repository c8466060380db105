"""The `kubernetes` engine: vanilla networking.k8s.io/v1 NetworkPolicy."""

from __future__ import annotations

from typing import Any, ClassVar

from backends.kubernetes.capabilities import CAPABILITIES
from backends.kubernetes.generate import generate
from backends.kubernetes.read import import_network_policy, native_path
from backends.kubernetes.semantics import SEMANTICS
from translator.backend import Backend
from translator.capabilities import Capability, no
from translator.diagnostics import Diagnostics
from translator.features import Feature, Use
from translator.load.source import Document
from translator.model import DEFAULT_TIER, Action, NetworkIntent


class KubernetesBackend(Backend):
    """networking.k8s.io/v1 NetworkPolicy, as every conformant CNI enforces it."""

    name = "kubernetes"
    title = "Kubernetes NetworkPolicy"
    summary = "vanilla networking.k8s.io/v1 NetworkPolicy (any conformant CNI)"
    capabilities = CAPABILITIES
    imports: ClassVar[tuple[tuple[str, str], ...]] = (("networking.k8s.io", "NetworkPolicy"),)
    semantics = SEMANTICS
    versions = ("1.25", "1.36")
    order = 0
    node_os = frozenset({"linux", "windows"})

    def support_for(self, use: Use, intent: NetworkIntent) -> Capability:
        """Order and tiers are exact only when every rule allows and the tier is the default one."""
        if use.feature is Feature.ORDERED and any(
            r.action in (Action.DENY, Action.PASS) for d in ("ingress", "egress")
            for r in (getattr(intent.spec, d) or ())
        ):
            return no("first-match order with deny or pass rules has no additive equivalent here")
        if use.feature is Feature.TIER and intent.spec.tier is not None and intent.spec.tier.name == DEFAULT_TIER:
            return self.capabilities[Feature.ORDERED]
        return super().support_for(use, intent)

    def generate(self, intent: NetworkIntent) -> list[dict[str, Any]]:
        """One NetworkPolicy."""
        return generate(intent)

    @staticmethod
    def native_path(path: tuple[str | int, ...]) -> tuple[str | int, ...]:
        """Intent field path -> NetworkPolicy field path (so diagnostics on imported policies point at the line)."""
        return native_path(path)

    def import_document(self, doc: Document, diags: Diagnostics) -> list[NetworkIntent]:
        """One NetworkPolicy -> one intent."""
        intent = import_network_policy(doc, diags)
        return [intent] if intent is not None else []


BACKENDS = [KubernetesBackend]
