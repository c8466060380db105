"""The `cluster-network-policy` engine: Kubernetes policy.networking.k8s.io/v1alpha2 ClusterNetworkPolicy (the
network-policy-api successor of AdminNetworkPolicy and BaselineAdminNetworkPolicy, which it also imports).

Target settings (`--engine cluster-network-policy,channel=experimental`):
    channel=experimental  the experimental channel CRD is installed: egress nodes and domainNames peers
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backends.cluster_network_policy.aks import AKS_OPTIONS, IMPLEMENTED_BY
from backends.cluster_network_policy.api import GROUP, KINDS
from backends.cluster_network_policy.capabilities import CAPABILITIES, EXPERIMENTAL, INGRESS_PODS_ONLY
from backends.cluster_network_policy.generate import Options, Plan, base_name, generate, needs_isolation, plan
from backends.cluster_network_policy.read import import_policy, native_path
from backends.cluster_network_policy.semantics import SEMANTICS
from translator import codes
from translator.backend import Backend
from translator.capabilities import Capability, Support, lowered, native, no
from translator.diagnostics import Diagnostics, Locator, SourceLocation
from translator.engine_settings import RANGES, Setting
from translator.features import Feature, Use
from translator.load.loaded import LoadedIntent
from translator.load.source import Document
from translator.model import Direction, NetworkIntent, expand_dns
from translator.target import Target

F = Feature
NOT_FROM_PODS = (F.ENTITY_WORLD, F.ENTITY_NODE, F.ENTITY_KUBE_APISERVER, F.ENTITY_OTHER, F.PEER_NODES,
                 F.ENTITY_CLUSTER, F.ENTITY_ALL)
"""Ingress peers that are (also) traffic from something other than a pod."""
EXPERIMENTAL_FEATURES = {F.PEER_NODES: "egress nodes", F.ENTITY_CLUSTER: "egress namespaces: {} and nodes: {}",
                         F.FQDN_EXACT: "egress domainNames (Accept rules)"}


class ClusterNetworkPolicyBackend(Backend):
    """ClusterNetworkPolicy: Admin and Baseline tiers around NetworkPolicies, priorities, Accept/Deny/Pass."""

    name = "cluster-network-policy"
    title = "Kubernetes ClusterNetworkPolicy (Calico 3.32+, Kube-OVN, kube-network-policies)"
    summary = "policy.networking.k8s.io/v1alpha2 ClusterNetworkPolicy (Admin/Baseline tiers, pass); reads ANP/BANP"
    capabilities = CAPABILITIES
    imports = tuple((GROUP, kind) for kind in KINDS)
    semantics = SEMANTICS
    versions = ("0.1", "0.2")
    order = 50
    settings = {**RANGES, "channel": Setting("CRD channel installed: `experimental` adds egress nodes and domainNames "
                                             "peers", ("standard", "experimental"))}
    platform_options = {"aks": AKS_OPTIONS}

    def __init__(self, target: Target | None = None) -> None:
        super().__init__(target)
        self._plan = Plan()

    @property
    def options(self) -> Options:
        """Output options from the target settings."""
        return Options(experimental=(self.target.setting("channel") or "").lower() == "experimental")

    # -- capabilities --------------------------------------------------------------------------------------

    def support_for(self, use: Use, intent: NetworkIntent) -> Capability:
        """Refine the table with the direction, the rule's action and the channel."""
        f, d = use.feature, use.direction
        if d is Direction.INGRESS and f in NOT_FROM_PODS:
            return lowered(f"{INGRESS_PODS_ONLY}, as the intent allows it; the rule keeps its pod part"
                           if f in (F.ENTITY_ALL, F.ENTITY_CLUSTER) else
                           f"left out: {INGRESS_PODS_ONLY}, as the intent allows it")
        if d is Direction.INGRESS and f in (F.CIDR, F.CIDR_EXCEPT, F.IPV6):
            return no("ingress rules have no networks peer: the pods in the block cannot be named, and traffic from "
                      "outside the cluster is never matched")
        if f is F.DEFAULT_DENY and d is not None and not needs_isolation(intent, d):
            return lowered("its own catch-all rule decides every connection: no deny-all is needed")
        if f is F.DEFAULT_DENY and d is Direction.INGRESS:
            return Capability(Support.NOT_EXPRESSIBLE, f"{INGRESS_PODS_ONLY}, which the intent denies (with "
                              "--allow-widening: a Deny from every pod)", code_override=codes.WIDENED)
        if f is F.DEFAULT_DENY:
            return lowered("a Deny to 0.0.0.0/0 and ::/0 after the tier's other rules")
        if f is F.PROTOCOL_ANY and isinstance(self._port(use, intent), str):
            return native("destinationNamedPort matches the named port whatever its protocol")
        if f in EXPERIMENTAL_FEATURES and self.options.experimental:
            return native(f"{EXPERIMENTAL_FEATURES[f]} (experimental channel)")
        return super().support_for(use, intent)

    @staticmethod
    def _port(use: Use, intent: NetworkIntent) -> int | str | None:
        """The port field of the port spec a use points at (spec, direction, rule, ports, index, ...)."""
        if len(use.path) < 5 or use.direction is None or use.path[3] != "ports":
            return None
        try:
            rule = intent.rules(use.direction)[int(use.path[2])]
            return (rule.ports or ())[int(use.path[4])].port
        except IndexError:  # a path into the allowDNS rule, which has numeric ports
            return None

    def check(self, intent: NetworkIntent, source: Locator | None, diags: Diagnostics) -> None:
        """What the layout found: named ports across protocols, deny rules that name more than pods, tiers."""
        for problem in self._plan.problems.get(intent.ref, ()):
            where = source.locate(problem.path) if source is not None else SourceLocation("<generated>")
            diags.error(problem.code, f"{intent.ref}: {problem.message}", where, engine=self.name)

    def check_all(self, loaded: list[LoadedIntent], diags: Diagnostics) -> None:
        """Plan the tiers and priorities of the whole set, and say where each intent went."""
        intents = [expand_dns(li.intent) for li in loaded]
        self._plan = plan(intents)
        for li, intent in zip(loaded, intents):
            parts = self._plan.parts[intent.ref]
            if len(parts) > 1:
                names = ", ".join(f"{base_name(intent)}{p.suffix} ({p.tier} {p.priority})" for p in parts)
                diags.info(codes.LOWERED, f"{intent.ref}: written as {names} (tier, priority): per tier the "
                           "ordered intents, then the Deny, Accept and Pass rules of the others, then a deny-all "
                           "per isolated direction", li.locate(("spec",)), engine=self.name)

    def caveats(self, diags: Diagnostics) -> None:
        """Where the engine runs, and what the standard channel lacks."""
        diags.info(codes.ENGINE_CAVEAT, f"ClusterNetworkPolicy v1alpha2 is {IMPLEMENTED_BY}; no AKS-managed engine "
                   f"enforces it; nodes and domainNames peers {EXPERIMENTAL}", engine=self.name)

    # -- compile -------------------------------------------------------------------------------------------

    def generate(self, intent: NetworkIntent) -> list[dict[str, Any]]:
        """The ClusterNetworkPolicies of one intent."""
        parts = self._plan.parts.get(intent.ref)
        if parts is None:  # generate() without check_all(): plan this intent alone
            parts = plan([intent]).parts[intent.ref]
        return generate(intent, parts)

    # -- import --------------------------------------------------------------------------------------------

    def import_documents(self, docs: list[Document], diags: Diagnostics,
                         advance: Callable[[int], None] | None = None) -> list[LoadedIntent]:
        """Every policy; policies of one tier with the same priority are reported (which one applies where both
        match is up to the implementation; netpolx evaluates them by name)."""
        out = super().import_documents(docs, diags, advance)
        seen: dict[tuple[str, float], str] = {}
        for li in out:
            tier, order = li.intent.spec.tier, li.intent.spec.order
            if tier is None or order is None:
                continue
            other = seen.setdefault((tier.name, order), li.intent.ref)
            if other != li.intent.ref:
                diags.warning(codes.IMPORT_NOTE, f"{li.intent.ref}: same tier and priority as {other}: where both "
                              "match a connection the implementation may apply either; netpolx evaluates them by "
                              "name", li.locate(("spec", "order")), engine=self.name)
        return out

    def import_document(self, doc: Document, diags: Diagnostics) -> list[NetworkIntent]:
        """One ClusterNetworkPolicy, AdminNetworkPolicy or BaselineAdminNetworkPolicy -> one intent."""
        intent = import_policy(doc, diags)
        return [intent] if intent is not None else []

    @staticmethod
    def native_path(path: tuple[str | int, ...]) -> tuple[str | int, ...]:
        """Intent field path -> native field path."""
        return native_path(path)


BACKENDS = [ClusterNetworkPolicyBackend]
