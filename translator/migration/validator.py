"""Microsoft's five azure-npm-to-cilium-validator checks (MS1-MS5), offline, with the validator's exact logic.

Source: Azure/azure-container-networking `tools/azure-npm-to-cilium-validator/azure-npm-to-cilium-validator.go`
(functions getEndportNetworkPolicies, getCIDRNetworkPolicies, getNamedPortPolicies, getEgressPolicies and
getUnsafeExternalTrafficPolicyClusterServices with checkNoServiceRisk, checkPolicyMatchServiceLabels and
checkServiceTargetPortMatchPolicyPorts). Like the validator, each policy is flagged once per direction. The
validator reads objects from the API server, where `policyTypes` and port protocols are already defaulted; files
get the same defaulting here. Where cluster facts are given, a finding's severity is sharpened: an ipBlock that
provably covers pods, a named port that resolves to different numbers, and an endPort on a Cilium older than
1.17 are errors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from backends.kubernetes.api import NetworkPolicy, NPEgressRule, NPIngressRule, NPPeer, NPPort
from backends.kubernetes.read import policy_types
from translator import codes
from translator.cluster.services import ServiceInfo
from translator.cluster.workloads import PodFacts
from translator.diagnostics import Severity, SourceLocation
from translator.migration.finding import Finding, error, warning
from translator.migration.inputs import MigrationInput, document_ref
from translator.model import Direction, LabelSelector

CILIUM_ENDPORT = (1, 17)
Rules = Sequence[NPIngressRule | NPEgressRule]


def rules_of(np: NetworkPolicy, direction: Direction) -> Rules:
    """The native rules of one direction (whatever policyTypes says, as the validator reads them)."""
    return (np.spec.ingress if direction is Direction.INGRESS else np.spec.egress) or []


def peers_of(rule: NPIngressRule | NPEgressRule) -> list[NPPeer]:
    """A rule's `from` or `to` peers."""
    return list((rule.from_ if isinstance(rule, NPIngressRule) else rule.to) or [])


def peer_key(direction: Direction) -> str:
    """`from` for ingress, `to` for egress."""
    return "from" if direction is Direction.INGRESS else "to"


def namespace_of(np: NetworkPolicy) -> str:
    """The policy's namespace (`default` when absent, as the importer assumes)."""
    return np.metadata.namespace or "default"


def is_all_addresses(cidr: str) -> bool:
    """`0.0.0.0/0` or `::/0`."""
    return cidr.endswith("/0")


def _first_port(np: NetworkPolicy, direction: Direction,
                wanted: Callable[[NPPort], bool]) -> tuple[int, int, NPPort] | None:
    """(rule index, port index, port) of the first port of a direction that `wanted` picks."""
    for i, rule in enumerate(rules_of(np, direction)):
        for j, port in enumerate(rule.ports or []):
            if wanted(port):
                return i, j, port
    return None


def has_endport(port: NPPort) -> bool:
    """Whether a port entry is a range."""
    return port.endPort is not None


def is_named(port: NPPort) -> bool:
    """Whether a port entry names a container port."""
    return isinstance(port.port, str)


def endport_verdict(mi: MigrationInput) -> tuple[Severity, str]:
    """How bad an endPort is for the target Cilium version."""
    target = mi.target
    if target.version is not None:
        if target.version >= CILIUM_ENDPORT:
            return Severity.INFO, "Cilium >= 1.17 enforces endPort; nothing to change"
        return Severity.ERROR, (f"Cilium {'.'.join(map(str, target.version))} does not support endPort (needs "
                                ">= 1.17), so the range is not enforced as written")
    note = "; AKS clusters on Kubernetes 1.31 run Cilium 1.16" if target.platform == "aks" else ""
    return Severity.WARNING, f"endPort needs Cilium >= 1.17{note}; give the target version (e.g. cilium@1.16) to " \
                             "know for sure"


def check_endport(mi: MigrationInput) -> Iterator[Finding]:
    """MS1: any ingress or egress port with endPort."""
    severity, note = endport_verdict(mi)
    for doc, np in mi.network_policies:
        for direction in Direction:
            hit = _first_port(np, direction, has_endport)
            if hit is None:
                continue
            i, j, port = hit
            where = doc.locate("spec", direction.value, i, "ports", j, "endPort")
            yield Finding(severity, f"{direction.value} port {port.port}-{port.endPort} uses endPort; {note}",
                          where, document_ref(doc),
                          None if severity is Severity.INFO else
                          "upgrade to Cilium >= 1.17 first, or list the ports one by one")


def pods_covered(mi: MigrationInput, cidr: str, excepts: Sequence[str]) -> list[PodFacts] | None:
    """Pods whose IPs an ipBlock matches (None without cluster facts)."""
    if mi.workloads is None:
        return None
    try:
        return mi.workloads.pods_in(cidr, excepts)
    except ValueError:
        return []


def ipblock_covers_pods(mi: MigrationInput, cidr: str, excepts: Sequence[str]) -> tuple[bool, str]:
    """Whether an ipBlock provably matches pod IPs, with the evidence."""
    pods = pods_covered(mi, cidr, excepts)
    if pods:
        names = ", ".join(p.ref for p in pods[:5]) + (f" and {len(pods) - 5} more" if len(pods) > 5 else "")
        return True, f"it matches the IPs of pods {names}"
    if is_all_addresses(cidr) and not excepts and pods is None:
        return True, "it matches every pod IP"
    return False, ""


def _ipblocks(np: NetworkPolicy, direction: Direction) -> list[tuple[int, int, str, list[str]]]:
    """(rule index, peer index, cidr, except) of every ipBlock in one direction."""
    return [(i, j, p.ipBlock.cidr, list(p.ipBlock.except_ or [])) for i, r in enumerate(rules_of(np, direction))
            for j, p in enumerate(peers_of(r)) if p.ipBlock is not None and p.ipBlock.cidr]


def check_cidr(mi: MigrationInput) -> Iterator[Finding]:
    """MS2 (and P01): any peer with an ipBlock; an error when it provably covers pods."""
    fix = ("next to each ipBlock meant for pods add a namespaceSelector/podSelector peer before migrating "
           "(pre-migration/); allow node IPs after migrating with toEntities host/remote-node (post-migration/)")
    for doc, np in mi.network_policies:
        for direction in Direction:
            blocks = _ipblocks(np, direction)
            if not blocks:
                continue
            proofs = [(b, *ipblock_covers_pods(mi, b[2], b[3])) for b in blocks]
            bad = [p for p in proofs if p[1]]
            (i, j, _, _), _, why = bad[0] if bad else proofs[0]
            cidrs = ", ".join(dict.fromkeys(b[2] for b in blocks))
            where = doc.locate("spec", direction.value, i, peer_key(direction), j, "ipBlock")
            text = (f"{direction.value} ipBlock {cidrs}: Cilium ipBlocks never match pod or node IPs (Azure NPM "
                    "matched any IP)")
            if bad:
                yield error(f"{text}; {why}, so that traffic is dropped after the migration", where,
                            document_ref(doc), fix)
            else:
                extra = "" if mi.workloads is not None else "; give --cluster to see which pods it matches"
                yield warning(f"{text}{extra}", where, document_ref(doc), fix)


def named_port_pods(mi: MigrationInput, np: NetworkPolicy, direction: Direction,
                    rule: NPIngressRule | NPEgressRule) -> list[PodFacts]:
    """The pods a named port of `rule` resolves on: the selected pods for ingress, the peers for egress."""
    if mi.workloads is None:
        return []
    wl = mi.workloads
    ns = namespace_of(np)
    if direction is Direction.INGRESS:
        return wl.select(np.spec.podSelector or LabelSelector(), ns)
    peers = peers_of(rule)
    if not peers:
        return list(wl.pods)
    out: dict[str, PodFacts] = {}
    for p in peers:
        if p.ipBlock is not None:
            found = wl.pods_in(p.ipBlock.cidr, p.ipBlock.except_ or [])
        elif p.namespaceSelector is None:
            found = wl.select(p.podSelector, ns)
        else:
            found = wl.select(p.podSelector, namespaces=p.namespaceSelector)
        out.update((pod.ref, pod) for pod in found)
    return [out[k] for k in sorted(out)]


def resolve_named_port(mi: MigrationInput, np: NetworkPolicy, direction: Direction, rule_index: int,
                       port: NPPort) -> dict[int, list[str]]:
    """Number -> pods, for one named port of a native rule (empty without cluster facts)."""
    rule = rules_of(np, direction)[rule_index]
    pods = named_port_pods(mi, np, direction, rule)
    return mi.workloads.port_numbers(str(port.port), pods, port.protocol or "TCP") if mi.workloads else {}


def check_named_ports(mi: MigrationInput) -> Iterator[Finding]:
    """MS3 (and P05): any port given by name; an error when the name maps to different numbers."""
    for doc, np in mi.network_policies:
        for direction in Direction:
            hit = _first_port(np, direction, is_named)
            if hit is None:
                continue
            i, j, port = hit
            numbers = resolve_named_port(mi, np, direction, i, port)
            yield named_port_finding(f"{direction.value} port {port.port!r}", numbers,
                                     doc.locate("spec", direction.value, i, "ports", j, "port"), document_ref(doc),
                                     "replace the name with the port number (pre-migration/ does it where the number "
                                     "is unique)")


def named_port_finding(port: str, numbers: dict[int, list[str]], where: SourceLocation, subject: str,
                       fix: str) -> Finding:
    """P05 (MS3), the one named-port pitfall of a migration to Cilium, for NetworkPolicies and every other source:
    an error when the name resolves to different numbers on the pods it applies to (cilium/cilium#30003), else
    a warning saying what it resolves to, when the cluster facts tell."""
    base = f"{port} is a named port"
    if len(numbers) > 1:
        spread = "; ".join(f"{n} on {', '.join(pods[:3])}" for n, pods in numbers.items())
        return error(f"{base} that resolves to different numbers ({spread}); Cilium mis-enforces such names "
                     "(cilium/cilium#30003)", where, subject, fix)
    if numbers:
        return warning(f"{base} (resolves to {next(iter(numbers))} on every matching pod); Cilium can "
                       "mis-enforce named ports", where, subject, fix)
    return warning(f"{base}; Cilium mis-enforces a name that maps to different numbers on different pods", where,
                   subject, fix)


def locks_down_egress(np: NetworkPolicy) -> tuple[bool, tuple[str | int, ...]]:
    """The validator's getEgressPolicies rule, and the field that triggers it."""
    if Direction.EGRESS in policy_types(np) and not np.spec.egress:
        return True, ("spec", "policyTypes")
    for i, rule in enumerate(np.spec.egress or []):
        if rule.to or rule.ports:
            return True, ("spec", "egress", i)
    return False, ()


def check_egress(mi: MigrationInput) -> Iterator[Finding]:
    """MS4 (and P03): egress that is not allow-all (deny-all, or rules with `to` or `ports`)."""
    for doc, np in mi.network_policies:
        hit, path = locks_down_egress(np)
        if hit:
            yield warning("egress is restricted; Azure NPM always allowed egress to the pod's own node, Cilium "
                          "does not (node-local agents, hostNetwork and hostPort endpoints, node IPs)",
                          doc.locate(*path), document_ref(doc),
                          "apply the post-migration add-on that allows egress to the host entity")


def _has_ingress_type(np: NetworkPolicy) -> bool:
    return Direction.INGRESS in policy_types(np)


def selector_covers_service(service_selector: dict[str, str] | None, pod_selector: LabelSelector | None) -> bool:
    """checkPolicyMatchServiceLabels: empty podSelector, or matchLabels that are a subset of the Service
    selector; any matchExpressions never count."""
    sel = pod_selector or LabelSelector()
    if sel.is_empty():
        return True
    if sel.matchExpressions:
        return False
    labels = service_selector or {}
    return len(sel.matchLabels) <= len(labels) and all(labels.get(k) == v for k, v in sel.matchLabels.items())


def ports_cover_service(service: ServiceInfo, ports: Sequence[NPPort]) -> bool:
    """checkServiceTargetPortMatchPolicyPorts: every targetPort is numeric, non-zero, and allowed by a policy
    port of the same protocol (a protocol-only entry covers all its ports; endPort is not considered)."""
    if not service.ports:
        return False
    for sp in service.ports:
        if isinstance(sp.target, str) or sp.target == 0:
            return False
        if not any(_port_matches(sp.target, sp.protocol, p) for p in ports):
            return False
    return True


def _port_matches(target: int, protocol: str, p: NPPort) -> bool:
    proto = p.protocol or "TCP"
    if p.port is None:
        return proto == protocol
    if isinstance(p.port, str) or p.port == 0:
        return False
    return p.port == target and proto == protocol


def service_is_covered(service: ServiceInfo, policies: Sequence[NetworkPolicy]) -> bool:
    """checkNoServiceRisk: some policy selecting the Service's pods has an ingress rule without `from` whose
    ports are empty or cover every targetPort."""
    for np in policies:
        for rule in np.spec.ingress or []:
            if not selector_covers_service(service.selector, np.spec.podSelector):
                continue
            if not rule.from_ and (not rule.ports or ports_cover_service(service, rule.ports)):
                return True
    return False


def unsafe_services(mi: MigrationInput) -> list[ServiceInfo]:
    """getUnsafeExternalTrafficPolicyClusterServices over the given Services."""
    by_ns: dict[str, list[NetworkPolicy]] = {}
    for _, np in mi.network_policies:
        by_ns.setdefault(namespace_of(np), []).append(np)
    out = []
    for svc in mi.services or []:
        policies = by_ns.get(svc.namespace, [])
        if not any(_has_ingress_type(np) for np in policies):
            continue
        if svc.externally_reachable and svc.cluster_traffic_policy and not service_is_covered(svc, policies):
            out.append(svc)
    return out


def check_services(mi: MigrationInput) -> Iterator[Finding]:
    """MS5 (and P04): LoadBalancer/NodePort Services with externalTrafficPolicy Cluster that no allow-all ingress
    rule covers, in namespaces with ingress policies."""
    if mi.services is None:
        if mi.network_policies:
            yield Finding(Severity.INFO, "not checked: give the Service manifests with --services (or a cluster "
                          "List that holds Services)", _first_location(mi), "Services",
                          code=codes.MIG_NOT_CHECKED)
        return
    for svc in unsafe_services(mi):
        field = "externalTrafficPolicy" if svc.external_traffic_policy else "type"
        yield error(f"{svc.type} Service with externalTrafficPolicy Cluster in a namespace with ingress policies, "
                    "and no allow-all ingress rule covers its pods and target ports; Azure NPM let this traffic "
                    "bypass ingress policy, Cilium enforces it, so clients may be cut off",
                    svc.locate("spec", field), f"Service {svc.ref}",
                    "apply the post-migration add-on that allows ingress from the load balancer to the target "
                    "ports, or set externalTrafficPolicy: Local")


def _first_location(mi: MigrationInput) -> SourceLocation:
    return mi.network_policies[0][0].locate()
