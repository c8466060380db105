"""The `calico` engine: projectcalico.org/v3 NetworkPolicy and GlobalNetworkPolicy (open source by default).

Target settings (`--engine "calico@3.30,api=crd,edition=enterprise,alp=true"`):
    api=crd          emit crd.projectcalico.org/v1 instead of projectcalico.org/v3
    edition=enterprise  Calico Enterprise / Cloud: exact DNS names via destination.domains
    alp=true         application layer policy is on, so HTTP method/path matches are enforced
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backends.calico.aks import AKS_OPTIONS
from backends.calico.api import CRD_GROUP, CRD_V1, POLICY_KINDS, SET_KINDS, TIER_KIND, V3, V3_GROUP
from backends.calico.capabilities import CAPABILITIES
from backends.calico.generate import Options, generate, problems
from backends.calico.layout import Part, Plan, plan
from backends.calico.read import import_calico
from backends.calico.semantics import SEMANTICS
from translator import codes
from translator.backend import Backend
from translator.capabilities import Capability, native, no
from translator.cluster.ranges import cluster_ranges
from translator.codes import CALICO_LAYOUT, CALICO_TIER
from translator.diagnostics import Diagnostics, Locator, SourceLocation
from translator.engine_settings import RANGES, Setting, flag
from translator.features import Feature, Use
from translator.load.loaded import LoadedIntent
from translator.load.source import Document
from translator.model import Action, Direction, NetworkIntent, expand_dns
from translator.model.base import format_order
from translator.target import Target

KINDS = (*POLICY_KINDS, *SET_KINDS, TIER_KIND)


class CalicoBackend(Backend):
    """Calico: ordered tiers and policies, Allow/Deny/Pass/Log, selectors as expressions."""

    name = "calico"
    title = "Calico"
    summary = "projectcalico.org/v3 NetworkPolicy and GlobalNetworkPolicy (tiers, order, deny, pass)"
    capabilities = CAPABILITIES
    imports = tuple((group, kind) for group in (V3_GROUP, CRD_GROUP) for kind in KINDS)
    semantics = SEMANTICS
    versions = ("3.26", "3.27", "3.28", "3.29", "3.30", "3.31", "3.32")
    settings = {
        **RANGES,
        "api": Setting("the API group to emit", ("v3", V3, "crd", CRD_V1)),
        "edition": Setting("Calico edition", ("open-source", "oss", "enterprise", "cloud")),
        "alp": flag("application layer policy is on (HTTP method/path matches enforced)"),
    }
    order = 40
    node_os = frozenset({"linux", "windows"})
    platform_options = {"aks": AKS_OPTIONS}
    migration_module = "backends.calico.migration"
    namespace_labels = ("projectcalico.org/name", "projectcalico.org/namespace")

    def __init__(self, target: Target | None = None) -> None:
        super().__init__(target)
        self._plan = Plan()

    @property
    def options(self) -> Options:
        """Output options from the target settings."""
        api = CRD_V1 if (self.target.setting("api") or "").lower() in ("crd", CRD_V1) else V3
        edition = (self.target.setting("edition") or "").lower()
        nodes = cluster_ranges(self.target.settings)
        node_nets = tuple(str(n) for n in nodes.nodes) if nodes.declared else ()
        return Options(api, enterprise=edition in ("enterprise", "cloud"), alp=self.target.flag("alp"),
                       node_nets=node_nets)

    # -- capabilities --------------------------------------------------------------------------------------

    def support_for(self, use: Use, intent: NetworkIntent) -> Capability:
        """Refine the table with the context of the use (scope, direction, rule action, target settings)."""
        f = use.feature
        if f is Feature.ENTITY_WORLD and not intent.is_cluster_scoped:
            return no("a namespaced NetworkPolicy limits every negated selector to its own namespace; world is only "
                      "exact in a GlobalNetworkPolicy (a cluster-scoped intent)")
        if f is Feature.ENTITY_WORLD and not self.options.node_nets:
            return no("notSelector projectcalico.org/orchestrator == 'k8s' also matches the nodes' IPs and host "
                      "endpoints, which world excludes, so an allow would widen and a deny narrow; give the node "
                      "ranges as engine settings (calico,node-cidr=...) to have them excluded with notNets")
        if f is Feature.SERVICE_PEER and use.direction is Direction.EGRESS:
            return no("destination.services also limits the rule to the Service's ports")
        if f in (Feature.FQDN_EXACT, Feature.FQDN_WILDCARD) and self.options.enterprise:
            return self._fqdn_support(use, intent)
        if f is Feature.L7_HTTP and self.options.alp:
            return native("http methods and exact/prefix paths (ingress Allow rules)")
        return super().support_for(use, intent)

    def _fqdn_support(self, use: Use, intent: NetworkIntent) -> Capability:
        rule = intent.rules(use.direction or Direction.EGRESS)[int(use.path[2])]
        if use.direction is not Direction.EGRESS or rule.action is not Action.ALLOW:
            return no("Calico Enterprise DNS policy only allows egress")
        peer = (rule.peers or ())[int(use.path[4])] if use.path[3] == "peers" else None
        if use.feature is Feature.FQDN_WILDCARD and (peer is None or peer.fqdn != "*"):
            return self.capabilities[Feature.FQDN_WILDCARD]
        return native("destination.domains (Calico Enterprise)")

    def check(self, intent: NetworkIntent, source: Locator | None, diags: Diagnostics) -> None:
        """Rule shapes no table cell can judge: negations, ports across protocols, HTTP regexes."""
        for path, message in problems(expand_dns(intent)):
            where = source.locate(path) if source is not None else SourceLocation("<generated>")
            diags.error(codes.NOT_EXPRESSIBLE, f"{intent.ref}: {message}", where, engine=self.name)

    def check_all(self, loaded: list[LoadedIntent], diags: Diagnostics) -> None:
        """Plan the tier layouts (they depend on every intent of a tier) and say where they are not plain."""
        intents = [expand_dns(li.intent) for li in loaded]
        self._plan = plan(intents)
        for li, intent in zip(loaded, intents):
            parts = self._plan.parts[intent.ref]
            if any(p.kind != "all" for p in parts):
                diags.info(CALICO_LAYOUT, f"{intent.ref}: {self._describe(intent, parts)}", li.locate(("spec",)),
                           engine=self.name)
            tier = intent.spec.tier
            if tier is not None and tier.name != "default":
                order = f" with order {format_order(tier.effective_order)}"
                diags.info(CALICO_TIER, f"{intent.ref}: Calico tier {tier.name!r} must exist{order}",
                           li.locate(("spec", "tier")), engine=self.name)

    @staticmethod
    def _describe(intent: NetworkIntent, parts: list[Part]) -> str:
        if len(parts) == 1 and parts[0].kind == "sorted":
            actions = {r.action for d in Direction for r in intent.rules(d)}
            steps = []
            if Action.DENY in actions and actions - {Action.DENY}:
                steps.append("its deny rules first (an unordered deny wins over any allow)")
            if Action.PASS in actions and actions - {Action.PASS}:
                steps.append("its pass rules after the allow rules")
            steps += [f"a catch-all Pass at the end of {d.value}, which it does not isolate" for d in parts[0].tail]
            return "written for Calico's first-match order with " + "; ".join(steps or ["its rules as written"])
        names = ", ".join(f"{intent.metadata.name}{p.suffix}"
                          + (f" (order {format_order(p.order)})" if p.order is not None else "") for p in parts)
        return f"written as Calico policies {names}: deny, allow and pass rules of unordered intents after the " \
               "tier's ordered policies, then catch-all Deny (isolated) and Pass (not isolated) policies"

    # -- compile -------------------------------------------------------------------------------------------

    def generate(self, intent: NetworkIntent) -> list[dict[str, Any]]:
        """The Calico policies of one intent (more than one when the tier layout splits it)."""
        parts = self._plan.parts.get(intent.ref)
        if parts is None:  # generate() without check_all(): plan this intent alone
            parts = plan([intent]).parts[intent.ref]
        return generate(intent, parts, self.options)

    # -- import --------------------------------------------------------------------------------------------

    def import_documents(self, docs: list[Document], diags: Diagnostics,
                         advance: Callable[[int], None] | None = None) -> list[LoadedIntent]:
        """Calico policies, with the network sets and tiers given alongside resolved (counted all at once)."""
        out = import_calico(docs, diags, self.name)
        if advance is not None:
            advance(len(docs))
        return out

    def import_document(self, doc: Document, diags: Diagnostics) -> list[NetworkIntent]:
        """One document alone (no network sets or tiers to resolve)."""
        return [li.intent for li in import_calico([doc], diags, self.name)]


BACKENDS = [CalicoBackend]
