"""The `cilium` engine: cilium.io/v2 CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy.

Compile (generate.py, after the exact rewrites of lower.py), import (read.py), semantics for the evaluator
(semantics.py), pitfall warnings (pitfalls.py) and the AKS profile (aks.py). The capability table is in
capabilities.py; `support_for` refines it per use where the answer depends on the rule (CIDR ranges, ICMP
codes, port-range sizes, FQDN direction, AKS limits).
"""

from __future__ import annotations

from typing import Any

from backends.cilium import aks, dnsproxy, pitfalls, regex
from backends.cilium.capabilities import CAPABILITIES
from backends.cilium.cidr import cluster_ranges, in_cluster_overlap, in_cluster_parts, setting_errors
from backends.cilium.generate import generate
from backends.cilium.lower import RANGE_EXPANSION_LIMIT, can_fold_not_peers, excludes_cluster, lower, range_size
from backends.cilium.ports import NotSubtractable, remaining_ports, widest_range
from backends.cilium.read import import_cilium_policy
from backends.cilium.selectors import reserved_key_error
from backends.cilium.semantics import SEMANTICS
from translator import codes
from translator.backend import Backend
from translator.capabilities import Capability, Support, lowered, native, no
from translator.cluster.ranges import cluster_ranges as translator_ranges
from translator.diagnostics import Diagnostics, Locator, SourceLocation
from translator.engine_settings import RANGES, flag
from translator.features import Feature, Use
from translator.load.loaded import LoadedIntent
from translator.load.source import Document, SourceRef
from translator.model import (
    DEFAULT_TIER,
    Action,
    Direction,
    LabelSelector,
    NetworkIntent,
    Peer,
    PortSpec,
    Rule,
    expand_dns,
)
from translator.target import Target

ENDPORT_SINCE = (1, 17)
F = Feature


def use_context(intent: NetworkIntent, path: tuple[str | int, ...]) -> tuple[Rule | None, Any, str | None]:
    """(rule, peer or port spec, list name) that a feature use's path points at, in the DNS-expanded intent."""
    if len(path) < 3 or path[0] != "spec" or path[1] not in ("ingress", "egress") or not isinstance(path[2], int):
        return None, None, None
    rules = expand_dns(intent).rules(Direction(path[1]))
    if path[2] >= len(rules):
        return None, None, None
    rule = rules[path[2]]
    if len(path) >= 5 and path[3] in ("peers", "notPeers", "ports", "notPorts") and isinstance(path[4], int):
        items = getattr(rule, str(path[3])) or ()
        return rule, items[path[4]] if path[4] < len(items) else None, str(path[3])
    return rule, None, None


REFINED = frozenset({F.CIDR, F.NEGATED_PEER, F.FQDN_EXACT, F.FQDN_WILDCARD, F.SERVICE_PEER, F.NEGATED_PORT,
                     F.PORT_RANGE, F.PROTOCOL_ICMP, F.NON_ISOLATING_RULES, *aks.L7_FEATURES})
"""The features whose support depends on the rule, peer or port they are used in (CiliumBackend._refine); every
other feature's support is its table entry, except inside notPorts (always subtracted natively)."""


class CiliumBackend(Backend):
    """Cilium network policy, as the Cilium agent enforces it (and its AKS profile)."""

    name = "cilium"
    title = "Cilium"
    summary = "cilium.io/v2 CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy (deny, FQDN, L7 HTTP; AKS profile)"
    capabilities = CAPABILITIES
    imports = (("cilium.io", "CiliumNetworkPolicy"), ("cilium.io", "CiliumClusterwideNetworkPolicy"))
    semantics = SEMANTICS
    versions = ("1.14", "1.15", "1.16", "1.17", "1.18", "1.19")
    platforms = frozenset({"aks"})
    settings = {**RANGES, "acns": flag("Advanced Container Networking Services is on (AKS: FQDN and L7 policy)")}
    order = 30
    platform_options = {"aks": aks.AKS_OPTIONS}
    pre_migration_edits = True
    migration_module = "backends.cilium.migration"
    switch_from = {"azure-npm": aks.SWITCH_FROM_NPM, "azure-npm-windows": aks.SWITCH_FROM_NPM}
    windows_note = aks.WINDOWS_NOTE

    def __init__(self, target: Target | None = None) -> None:
        super().__init__(target)
        self._served: set[str] = set()
        self._uncovered: dict[str, list[str]] = {}

    @property
    def on_aks(self) -> bool:
        """Whether the AKS profile applies."""
        return self.target.platform == "aks"

    # -- capabilities ------------------------------------------------------------------------------------------

    def capability(self, feature: Feature) -> Capability:
        """The table entry, resolved against the version and, on AKS, the platform's limits."""
        cap = super().capability(feature)
        if self.on_aks and cap.support in (Support.NATIVE, Support.LOWERED):
            return aks.capability(feature, self.target.flag("acns")) or cap
        return cap

    def support_for(self, use: Use, intent: NetworkIntent) -> Capability:
        """The table entry refined by the rule the use is in."""
        f = use.feature
        if f in (F.ORDERED, F.TIER):
            return self._order(use, intent)
        path = use.path
        if f not in REFINED and not (len(path) > 3 and path[3] == "notPorts"):
            return self.capability(f)  # nothing in _refine looks at it: skip finding the rule (most uses)
        rule, item, where = use_context(intent, path)
        refined = self._refine(use, intent, rule, item, where)
        return refined if refined is not None else self.capability(f)

    def _order(self, use: Use, intent: NetworkIntent) -> Capability:
        if any(r.action in (Action.DENY, Action.PASS) for d in Direction for r in intent.rules(d)):
            return no("first-match order with deny or pass rules has no equivalent: Cilium denies win over "
                      "every allow, and allows are a union")
        if use.feature is F.TIER and (intent.spec.tier is None or intent.spec.tier.name != DEFAULT_TIER):
            return self.capability(F.TIER)
        return self.capability(F.ORDERED)

    def _refine(self, use: Use, intent: NetworkIntent, rule: Rule | None, item: Any,
                where: str | None) -> Capability | None:
        # Every feature tested here (or in _intent_level) is in REFINED, or support_for never gets here for it.
        f = use.feature
        if rule is None:
            return self._intent_level(use, intent)
        if where == "notPorts" and f is not F.NEGATED_PORT:
            return native("subtracted from the rule's ports (see negated-port)")
        if f is F.CIDR and where == "peers" and isinstance(item, Peer):
            return self._cidr(item, rule, use.direction)
        if f is F.NEGATED_PEER and can_fold_not_peers(rule):
            return lowered("notPeers of CIDR peers: CIDR blocks become except blocks, and the cluster entity is "
                           "implicit (Cilium CIDR rules never match pods or nodes)")
        if f in (F.FQDN_EXACT, F.FQDN_WILDCARD):
            if use.direction is Direction.INGRESS:
                return no("DNS-name peers exist only for egress (toFQDNs)")
            if rule.action is Action.DENY:
                return no("Cilium deny rules cannot name DNS names (no toFQDNs in egressDeny)")
        if f is F.SERVICE_PEER:
            return self._service(use, intent, item)
        if f is F.NEGATED_PORT:
            return self._not_ports(rule)
        if f is F.PORT_RANGE and isinstance(item, PortSpec) and not self.target.at_least(ENDPORT_SINCE):
            return self._range(item)
        if f is F.PORT_RANGE and self.on_aks and self.target.version is None:
            return aks.ENDPORT_UNVERSIONED
        if f is F.PROTOCOL_ICMP and isinstance(item, PortSpec):
            if item.icmp is not None and item.icmp.code is not None:
                return no("Cilium ICMP rules match the type only; dropping the code would allow every code")
            if item.icmp is None:
                return lowered("every ICMP type (0-255) is listed: Cilium ICMP rules need a type")
        if f in aks.L7_FEATURES and self.on_aks and intent.is_cluster_scoped:
            return aks.L7_IN_CCNP
        return None

    def _intent_level(self, use: Use, intent: NetworkIntent) -> Capability | None:
        direction = use.direction
        if use.feature is F.NON_ISOLATING_RULES and direction is not None \
                and any(r.http is not None for r in intent.rules(direction)):
            return no("Cilium enforces HTTP rules even without default deny (other requests on those ports "
                      "get 403), so a non-isolating intent with HTTP rules would allow less")
        return None

    def _cidr(self, peer: Peer, rule: Rule, direction: Direction | None) -> Capability | None:
        if rule.action not in (Action.ALLOW, Action.DENY) or excludes_cluster(rule):
            return None  # log rules are dropped; a rule that excludes the cluster means what Cilium means
        ranges, given = cluster_ranges(self.target)
        overlap = in_cluster_overlap(peer, ranges)
        facts = "the pod/node/service ranges given" if given else "private ranges clusters use for pods and nodes"
        if not overlap:
            return None  # exact under the stated assumption (pitfalls.cidr_assumptions notes it)
        head = (f"{peer} can hold in-cluster addresses (it overlaps {', '.join(map(str, overlap))}: {facts}), and "
                "Cilium CIDR rules never match pods or nodes")
        settings = "pass the cluster's ranges as engine settings (cilium,pod-cidr=...,node-cidr=...,service-cidr=...)"
        if rule.action is Action.DENY:
            side = "from" if direction is Direction.INGRESS else "to"
            parts = in_cluster_parts(peer, ranges)
            inside = ", ".join(map(str, parts[:8])) + (f" (+{len(parts) - 8} more blocks)" if len(parts) > 8 else "")
            return Capability(Support.NOT_EXPRESSIBLE, f"{head}, so traffic {side} pods and nodes with addresses in "
                              f"{inside} would no longer be denied by this rule: more traffic allowed. Name those pods "
                              "and nodes in a deny rule with pod selectors or the host and remote-node entities, or, "
                              f"if the range holds no pod or node, {settings}; --allow-widening writes the CIDR deny "
                              "anyway", code_override=codes.WIDENED)
        side = "from" if direction is Direction.INGRESS else "to"
        return Capability(Support.CHANGED, f"{head}: traffic {side} pods and nodes in it will be dropped. To keep it, "
                          "add a rule with the same ports and the peers {namespaces: {}} (pods), {entity: host} and "
                          "{entity: remote-node} (nodes); to say this rule is meant for addresses outside the cluster, "
                          f"add notPeers: [{{entity: cluster}}] to it; if the range holds no pod or node, {settings}")

    def _service(self, use: Use, intent: NetworkIntent, item: Any) -> Capability | None:
        if use.direction is Direction.INGRESS:
            return no("Service peers exist only for egress (toServices)")
        service = item.service if isinstance(item, Peer) else None
        if intent.is_cluster_scoped and service is not None and service.namespace is None:
            return no("a cluster-wide policy must name the Service's namespace")
        return None

    def _not_ports(self, rule: Rule) -> Capability:
        try:
            ports = remaining_ports(rule)
        except NotSubtractable as exc:
            return no(f"Cilium has no negated ports, and here they cannot be subtracted: {exc}")
        widest = widest_range(ports)
        if widest > RANGE_EXPANSION_LIMIT and not self.target.at_least(ENDPORT_SINCE):
            return Capability(Support.TOO_OLD, f"the ports minus notPorts leave a range of {widest} ports, and "
                              "Cilium < 1.17 has no endPort")
        if rule.ports:
            return lowered("the ports minus notPorts are written as plain ports and ranges")
        others = "other IP protocols (GRE, ESP, ...)"
        if rule.action is Action.DENY:
            return no(f"'every port but these' is written as TCP, UDP, SCTP and ICMP ports, so {others} would no "
                      "longer be denied")
        return Capability(Support.CHANGED, f"'every port but these' is written as TCP, UDP, SCTP and ICMP ports: "
                          f"{others} are no longer allowed by this rule")

    def _range(self, port: PortSpec) -> Capability:
        size = range_size(port)
        if size <= RANGE_EXPANSION_LIMIT:
            return lowered(f"Cilium < 1.17 has no endPort: {port} is written as {size} single ports")
        return Capability(Support.TOO_OLD, f"Cilium < 1.17 has no endPort, and {port} has {size} ports (single ports "
                          f"are written only for ranges of at most {RANGE_EXPANSION_LIMIT})")

    # -- checks ------------------------------------------------------------------------------------------------

    def check(self, intent: NetworkIntent, source: Locator | None, diags: Diagnostics) -> None:
        """Selectors Cilium cannot write, bad engine settings, and the per-intent pitfalls."""
        def locate(path: tuple[str | int, ...]) -> SourceLocation:
            return source.locate(path) if source is not None else SourceLocation("<generated>")

        for path, sel in _pod_selectors(intent):
            err = reserved_key_error(sel)
            if err:
                diags.error(codes.NOT_EXPRESSIBLE, f"{intent.ref}: {err}", locate(path), feature="pod-selector",
                            engine=self.name)
        for message in setting_errors(self.target):
            diags.error(codes.INVALID_VALUE, message, engine=self.name)
        pitfalls.check(intent, locate, diags, self.on_aks, needs_dns=intent.ref not in self._served)
        pitfalls.cidr_assumptions(intent, cluster_ranges(self.target), locate, diags)
        regex.check_http(intent, locate, diags, self.name)

    def check_all(self, loaded: list[LoadedIntent], diags: Diagnostics) -> None:
        """What needs every intent: egress isolation without any DNS allow for the same pods, and which FQDN
        peers another intent's DNS rules serve (dnsproxy.py)."""
        pitfalls.egress_without_dns(loaded, diags)
        self._served = dnsproxy.served(loaded, diags)
        self._uncovered = dnsproxy.uncovered(loaded)
        for li in loaded:
            missing = self._uncovered.get(li.intent.ref)
            if missing:
                diags.error(codes.WIDENED, f"{li.intent.ref}: the DNS rules (dns) for these pods do not allow "
                            f"{', '.join(missing)}, so Cilium's DNS proxy would refuse those lookups and the FQDN "
                            "peers would match nothing; allow the names in a DNS rule, or pass --allow-widening to "
                            "have the kube-dns rule with rules.dns matchPattern '*' added (every name may then be "
                            "looked up)", li.locate(("spec", "egress")), feature="fqdn-exact", engine=self.name)

    def caveats(self, diags: Diagnostics) -> None:
        """Cilium behaviours that surprise, and on AKS the platform's facts."""
        diags.info(codes.ENGINE_CAVEAT, "Cilium CIDR rules never match pods or nodes (even 0.0.0.0/0); a deny "
                   "rule wins over every allow of every policy; host-to-pod traffic is always allowed, "
                   "but a pod's egress to its own node needs toEntities host",
                   engine=self.name)
        if self.on_aks:
            aks.caveats(diags)

    # -- compile and import ------------------------------------------------------------------------------------

    def lower(self, intent: NetworkIntent, source: SourceRef | None, diags: Diagnostics) -> NetworkIntent:
        """Drop log rules, fold CIDR notPeers, expand ranges below 1.17 and typeless ICMP, add the FQDN DNS rule."""
        return lower(intent, endport=self.target.at_least(ENDPORT_SINCE), add_dns=intent.ref not in self._served,
                     force_dns=intent.ref in self._uncovered)

    def generate(self, intent: NetworkIntent) -> list[dict[str, Any]]:
        """One CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy."""
        return generate(intent)

    def import_document(self, doc: Document, diags: Diagnostics) -> list[NetworkIntent]:
        """One CNP/CCNP -> one intent per rule (`spec`, `specs`)."""
        return import_cilium_policy(doc, diags, translator_ranges(self.target.settings))


def _pod_selectors(intent: NetworkIntent) -> list[tuple[tuple[str | int, ...], LabelSelector | None]]:
    out: list[tuple[tuple[str | int, ...], LabelSelector | None]] = [
        (("spec", "subject", "pods"), intent.spec.subject.pods)]
    for direction in Direction:
        for i, rule in enumerate(intent.rules(direction)):
            for key in ("peers", "notPeers"):
                for j, peer in enumerate(getattr(rule, key) or ()):
                    out.append((("spec", direction.value, i, key, j, "pods"), peer.pods))
    return out


__all__ = ["BACKENDS", "CiliumBackend"]

BACKENDS = [CiliumBackend]
