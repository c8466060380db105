"""Migration pitfalls detected on the imported intents (so they work for every source kind).

Where a pitfall is "the target cannot express feature X", the severity comes from the target backend's own
capability table (the same verdict `translate` gives), so these findings never disagree with a translation;
when that backend is not installed the finding is a warning that says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cache

from translator.backend import Backend
from translator.capabilities import Support
from translator.cluster.workloads import PodFacts
from translator.compile.pipeline import uses_of
from translator.diagnostics import Severity
from translator.features import Feature, Use
from translator.load.loaded import LoadedIntent
from translator.migration.finding import Finding, error, info, warning
from translator.migration.inputs import MigrationInput
from translator.migration.validator import endport_verdict, ipblock_covers_pods, named_port_finding
from translator.model import Direction, Entity, LabelSelector, Peer, PeerKind, Protocol, Rule
from translator.registry import all_backends, reads_networkpolicy
from translator.target import Target

API_SERVER_PORTS = frozenset({443, 6443})
MISSING_LABEL_KEYS = {"name": "namespaces have no `name` label by default; use kubernetes.io/metadata.name"}


# -- iteration helpers ----------------------------------------------------------------------------------------


def rules_of(li: LoadedIntent) -> Iterator[tuple[Direction, int, Rule]]:
    """Every rule of an intent with its direction and index."""
    for direction in Direction:
        for i, rule in enumerate(li.intent.rules(direction)):
            yield direction, i, rule


def path_of(direction: Direction, i: int, *rest: str | int) -> tuple[str | int, ...]:
    """`("spec", direction, i, ...)`."""
    return ("spec", direction.value, i, *rest)


def from_origins(mi: MigrationInput, origins: Iterable[str] | None = None,
                 exclude: Iterable[str] = ()) -> Iterator[LoadedIntent]:
    """The intents whose source engine is one of `origins` (all when None) and none of `exclude`."""
    wanted = set(origins) if origins is not None else None
    skip = set(exclude)
    for li in mi.loaded:
        origin = mi.origin_engine(li)
        if (wanted is None or origin in wanted) and origin not in skip:
            yield li


def is_np(mi: MigrationInput, li: LoadedIntent) -> bool:
    """Whether the intent came from a NetworkPolicy (the validator checks cover those natively)."""
    return reads_networkpolicy(li.origin)


# -- target capabilities --------------------------------------------------------------------------------------


@cache
def _backend(name: str, target: Target) -> Backend | None:
    cls = all_backends().get(name)
    return cls(target) if cls is not None else None


def target_backend(mi: MigrationInput) -> Backend | None:
    """The target engine's backend, or None when it is not installed."""
    return _backend(mi.target.name, mi.target)


SEVERITY = {Support.NATIVE: Severity.INFO, Support.LOWERED: Severity.INFO, Support.CHANGED: Severity.WARNING}


def feature_findings(mi: MigrationInput, li: LoadedIntent, features: Iterable[Feature], fix: str,
                     quiet_when_native: bool = False) -> Iterator[Finding]:
    """One finding per listed feature the intent uses, with the target backend's verdict on it."""
    wanted = set(features)
    seen: set[Feature] = set()
    backend = target_backend(mi)
    for use in uses_of(li.intent):
        if use.feature not in wanted or use.feature in seen:
            continue
        seen.add(use.feature)
        yield from _feature_finding(mi, li, use, backend, fix, quiet_when_native)


def _feature_finding(mi: MigrationInput, li: LoadedIntent, use: Use, backend: Backend | None, fix: str,
                     quiet: bool) -> Iterator[Finding]:
    where = mi.intent_location(li, use.path)
    subject = mi.policy_ref(li)
    what = use.feature.description
    if backend is None:
        yield warning(f"{what}: the {mi.target_name} backend is not installed, so whether it can be expressed "
                      "exactly is unknown", where, subject, fix)
        return
    cap = backend.support_for(use, li.intent)
    severity = SEVERITY.get(cap.support, Severity.ERROR)
    if severity is Severity.INFO and quiet:
        return
    verdict = {Support.NATIVE: "expressed directly", Support.LOWERED: "rewritten exactly",
               Support.CHANGED: "translated with an announced change"}.get(cap.support, "refused by the translation")
    note = f" ({cap.note})" if cap.note else ""
    yield Finding(severity, f"{what}: {verdict} for {mi.target_name}{note}", where, subject,
                  None if severity is Severity.INFO else fix)


# -- P01 / P02: CIDRs and pods ----------------------------------------------------------------------------------


def _cidr_peers(li: LoadedIntent) -> Iterator[tuple[Direction, int, int, Peer]]:
    for direction, i, rule in rules_of(li):
        for j, peer in enumerate(rule.peers or ()):
            if peer.kind is PeerKind.CIDR and peer.cidr is not None:
                yield direction, i, j, peer


def check_cidr_to_cilium(mi: MigrationInput) -> Iterator[Finding]:
    """P01 for non-NetworkPolicy sources whose CIDRs match any IP (Calico, intents): Cilium CIDRs skip pods."""
    for li in from_origins(mi, exclude={mi.target_name}):
        if is_np(mi, li):
            continue
        seen: set[Direction] = set()
        for direction, i, j, peer in _cidr_peers(li):
            if direction in seen:
                continue
            seen.add(direction)
            covers, why = ipblock_covers_pods(mi, peer.cidr or "", peer.except_)
            where = mi.intent_location(li, path_of(direction, i, "peers", j, "cidr"))
            text = f"{direction.value} CIDR {peer.cidr}: Cilium CIDR rules never match pod or node IPs"
            fix = "add pod/namespace peers for the pods meant, and host/remote-node entities for node IPs"
            yield error(f"{text}; {why}", where, mi.policy_ref(li), fix) if covers else \
                warning(text, where, mi.policy_ref(li), fix)


def check_cidr_widens(mi: MigrationInput) -> Iterator[Finding]:
    """P02 (Cilium -> NetworkPolicy, Azure NPM, Calico): a Cilium CIDR becomes an ipBlock that also matches
    pods; `world` has no ipBlock equivalent."""
    for li in from_origins(mi, {mi.source}):
        for direction, i, j, peer in _cidr_peers(li):
            covers, why = ipblock_covers_pods(mi, peer.cidr or "", peer.except_)
            where = mi.intent_location(li, path_of(direction, i, "peers", j, "cidr"))
            text = (f"{direction.value} CIDR {peer.cidr} never matched pods under Cilium, but an ipBlock on "
                    f"{mi.target_name} matches any IP in it")
            fix = "add except blocks for the pod and node CIDRs inside it"
            if covers:
                yield error(f"{text}; {why}, which widens access", where, mi.policy_ref(li), fix)
            elif mi.workloads is None:
                yield warning(f"{text}; give --cluster to see whether pods fall inside", where, mi.policy_ref(li),
                              fix)
        yield from feature_findings(mi, li, [Feature.ENTITY_WORLD], "replace world by the external CIDRs meant")


# -- P05 / P06 / P07: ports ------------------------------------------------------------------------------------


def _destination_pods(mi: MigrationInput, li: LoadedIntent, direction: Direction, rule: Rule) -> list[PodFacts]:
    wl = mi.workloads
    if wl is None:
        return []
    intent = li.intent
    ns = intent.metadata.namespace
    if direction is Direction.INGRESS:
        return wl.select(intent.spec.subject.pods, ns, intent.spec.subject.namespaces)
    if not rule.peers:
        return list(wl.pods)
    found: dict[str, PodFacts] = {}
    for peer in rule.peers:
        found.update((p.ref, p) for p in peer_pods(mi, li, peer))
    return [found[k] for k in sorted(found)]


def peer_pods(mi: MigrationInput, li: LoadedIntent, peer: Peer) -> list[PodFacts]:
    """The pods of the cluster facts that a peer matches (entities and names: none; CIDRs: by IP)."""
    wl = mi.workloads
    if wl is None:
        return []
    if peer.kind is PeerKind.CIDR and peer.cidr is not None:
        return wl.pods_in(peer.cidr, peer.except_)
    if peer.kind is PeerKind.ENTITY and peer.entity in (Entity.ALL, Entity.CLUSTER):
        return list(wl.pods)
    if peer.kind is not PeerKind.ENDPOINTS:
        return []
    scoped = peer.namespaces is None and peer.namespaceNames is None
    own = li.intent.metadata.namespace if scoped else None
    return wl.select(peer.pods, own, peer.namespaces, peer.namespaceNames)


def check_named_ports(mi: MigrationInput) -> Iterator[Finding]:
    """P05: named ports -> Cilium (non-NetworkPolicy sources; MS3 covers those)."""
    for li in mi.loaded:
        if is_np(mi, li):
            continue
        for direction, i, rule in rules_of(li):
            hit = next((j for j, p in enumerate(rule.ports or ()) if p.is_named), None)
            if hit is None:
                continue
            spec = (rule.ports or ())[hit]
            pods = _destination_pods(mi, li, direction, rule)
            protocol = None if spec.protocol is Protocol.ANY else spec.protocol.value
            numbers = mi.workloads.port_numbers(str(spec.port), pods, protocol) if mi.workloads else {}
            yield named_port_finding(f"{direction.value} port {spec.port!r}", numbers,
                                     mi.intent_location(li, path_of(direction, i, "ports", hit, "port")),
                                     mi.policy_ref(li), "replace the name with the port number")
            break


def check_port_ranges(mi: MigrationInput) -> Iterator[Finding]:
    """P06 for non-NetworkPolicy sources (MS1 covers those): port ranges need Cilium >= 1.17."""
    severity, note = endport_verdict(mi)
    for li in mi.loaded:
        if is_np(mi, li):
            continue
        for use in uses_of(li.intent):
            if use.feature is Feature.PORT_RANGE:
                yield Finding(severity, f"port range: {note}", mi.intent_location(li, use.path), mi.policy_ref(li),
                              None if severity is Severity.INFO else "upgrade Cilium or list the ports one by one")
                break


def check_protocol_any(mi: MigrationInput) -> Iterator[Finding]:
    """P07 (Cilium -> NetworkPolicy): a Cilium port without protocol is any protocol, i.e. TCP, UDP and SCTP."""
    for li in from_origins(mi, {mi.source}):
        for use in uses_of(li.intent):
            if use.feature is Feature.PROTOCOL_ANY:
                yield info("a port without protocol means TCP, UDP and SCTP in Cilium; it is written out as one "
                           "entry per protocol (NetworkPolicy would read a missing protocol as TCP)",
                           mi.intent_location(li, use.path), mi.policy_ref(li))
                break


# -- P10 / P11 / P12: selectors -------------------------------------------------------------------------------


def check_and_or(mi: MigrationInput) -> Iterator[Finding]:
    """P10: a namespace-only peer next to a pod-only peer is OR; AND needs both in one peer."""
    for li in mi.loaded:
        for direction, i, rule in rules_of(li):
            peers = [p for p in rule.peers or () if p.kind is PeerKind.ENDPOINTS]
            ns_only = [p for p in peers if p.pods is None and (p.namespaces or p.namespaceNames)]
            pod_only = [p for p in peers if p.pods is not None and p.namespaces is None and p.namespaceNames is None]
            if ns_only and pod_only:
                yield warning(f"{direction.value} rule lists namespaces {ns_only[0]} and pods {pod_only[0].pods} as "
                              "separate peers, which means either one (OR), not pods in those namespaces (AND)",
                              mi.intent_location(li, path_of(direction, i, "peers")), mi.policy_ref(li),
                              "if AND was meant, put the pod and namespace selectors into one peer")


def _selectors(li: LoadedIntent) -> Iterator[tuple[tuple[str | int, ...], LabelSelector, bool]]:
    """(path, selector, is-namespace-selector) of every selector in an intent."""
    subject = li.intent.spec.subject
    yield ("spec", "subject", "pods"), subject.pods, False
    if subject.namespaces is not None:
        yield ("spec", "subject", "namespaces"), subject.namespaces, True
    for direction, i, rule in rules_of(li):
        for j, peer in enumerate(rule.peers or ()):
            if peer.pods is not None:
                yield path_of(direction, i, "peers", j, "pods"), peer.pods, False
            if peer.namespaces is not None:
                yield path_of(direction, i, "peers", j, "namespaces"), peer.namespaces, True


def check_namespace_labels(mi: MigrationInput) -> Iterator[Finding]:
    """P11: `name` on namespaces does not exist; Calico's automatic labels exist only where Calico runs."""
    for li in mi.loaded:
        for path, sel, is_ns in _selectors(li):
            keys = sel.keys()
            where = mi.intent_location(li, path)
            if is_ns and "name" in keys and "kubernetes.io/metadata.name" not in keys:
                yield warning(f"namespace selector uses the key 'name': {MISSING_LABEL_KEYS['name']}", where,
                              mi.policy_ref(li), "select namespaces with kubernetes.io/metadata.name")
            for owner in all_backends().values():
                own = [k for k in owner.namespace_labels if k in keys]
                if own and owner.name != mi.target_name:
                    yield error(f"selector uses {own[0]}, a label only {owner.title} sets; on {mi.target_name} it "
                                "matches nothing", where, mi.policy_ref(li),
                                "select namespaces by kubernetes.io/metadata.name")
                    break


def check_cnp_namespace_labels(mi: MigrationInput) -> Iterator[Finding]:
    """P12 (-> Cilium): namespace labels in a namespaced CiliumNetworkPolicy depend on the Cilium version."""
    for li in from_origins(mi, exclude={mi.target_name}):
        if li.intent.is_cluster_scoped:
            continue
        for path, sel, is_ns in _selectors(li):
            if is_ns and not sel.is_empty():
                yield warning("namespace selected by labels in a namespaced policy: Cilium documents "
                              "io.cilium.k8s.namespace.labels.* as working only in cluster-wide policies, newer "
                              "releases honour it; check your version", mi.intent_location(li, path),
                              mi.policy_ref(li), "select namespaces by name, or keep this rule as a NetworkPolicy")
                break
