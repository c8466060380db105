"""A synthesized cluster that covers every distinction some policy sets can draw, for `verify` without --cluster.

What the policies can tell apart, and how the cluster covers it:

* pod labels: per namespace, every key used by a selector that looks into that namespace takes, per pod, one
  of: absent, each value those selectors mention, or a value none mentions. All combinations when there are few
  (POD_STATES), otherwise each selector's satisfying assignment, each single-key variation of it, and pairwise
  merges (a pod that is both a subject and a peer);
* namespaces: every namespace named anywhere (intents, namespaceNames, `kubernetes.io/metadata.name` terms,
  Service refs) with no other labels, one synthetic namespace per namespace-label combination (as for pods), and
  one namespace nobody names. Every pod state is placed in every namespace;
* service accounts: pods run as `default` and as every account named;
* twins: every kind of pod exists at least twice, so connections between two pods that look alike are seen too;
* IPs: every CIDR and `except` block, and every range that may hold pods or nodes (translator/cluster/ranges.py: the
  default private ranges, or the ranges the target's settings declare), cuts the address space into regions.
  Pods and nodes only take addresses in the ranges that may hold them; each region where something outside the
  cluster may live gets an external endpoint (declared ranges hold only pods and nodes), and every kind of pod
  (namespace, labels, account, ports) has a pod in each pod region (round-robin beyond MAX_REGION_REPLICAS
  regions), so "inside" and "outside" of every block are seen on pods, nodes and externals;
* nodes: when a policy names IP blocks or entities, one node per node region (at least one). They run none of
  the synthesized pods: a pod and its own node always reach each other, so only other nodes tell policies
  apart (`remote-node`, `cluster`, `world`, IP blocks). An API server outside the cluster when a policy names
  `kube-apiserver`;
* DNS names: for each FQDN pattern a matching name, a name one label deeper and the parent name;
* ports: probes on every port-range boundary and its neighbours (a-1, a, b, b+1), on TCP, UDP and SCTP, and
  ICMP probes on every ICMP type named plus one no rule names; each named port resolves to its own number on
  one pod profile and is missing on another;
* Services: each Service peer gets a Service whose selector is a synthetic label that the pod states include.

Limits (noted in `Cluster.notes`): a namespace named by a policy never also carries other labels, and beyond
MAX_PODS pods the label states are cut down, so the cover may miss distinctions of very large policy sets.
"""

from __future__ import annotations

import ipaddress
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from translator.cluster.model import (
    ICMP_PROTOCOLS,
    ApiServer,
    Cluster,
    ContainerPort,
    External,
    Namespace,
    Node,
    Pod,
    Probe,
    Service,
)
from translator.cluster.ranges import DEFAULT_RANGES, ClusterRanges
from translator.load.loaded import LoadedIntent
from translator.model import (
    Entity,
    LabelSelector,
    Network,
    NetworkIntent,
    Operator,
    Peer,
    PeerKind,
    PortSpec,
    Rule,
    expand_dns,
)
from translator.model.labels import NAMESPACE_NAME_LABEL, dns_label_error

SERVICE_LABEL = "netpolx.io/service"
OTHER = "netpolx-other"
FRESH_NAMESPACE = "netpolx-other"
POD_STATES = 96
NAMESPACE_STATES = 16
MAX_PODS = 10000
REPLICAS = 2
"""Pods per (namespace, labels, account, ports): at least two, so a pod can also talk to its twin."""
MAX_REGION_REPLICAS = 8
"""Up to this many IP regions, every kind of pod gets one pod in each region."""
MERGE_LIMIT = 400
FIRST_FRESH_PORT = 30000
PROTOCOLS = ("TCP", "UDP", "SCTP")

State = dict[str, str]
StateKey = tuple[tuple[str, str], ...]
ScopeKey = tuple[tuple[str, ...] | None, str | None]


@dataclass
class LabelSpace:
    """The label keys and values some selectors mention, and the label states that cover them."""

    values: dict[str, set[str]] = field(default_factory=dict)
    selectors: dict[str, LabelSelector] = field(default_factory=dict)

    def add(self, sel: LabelSelector | None, skip: frozenset[str] = frozenset()) -> None:
        """Record a selector (keys in `skip` are handled elsewhere)."""
        if sel is None:
            return
        terms = [(k, (v,)) for k, v in sel.matchLabels.items()] + [(r.key, r.values) for r in sel.matchExpressions]
        for key, vals in terms:
            if key not in skip:
                self.values.setdefault(key, set()).update(vals)
        kept = LabelSelector(matchLabels={k: v for k, v in sel.matchLabels.items() if k not in skip},
                             matchExpressions=tuple(r for r in sel.matchExpressions if r.key not in skip))
        if not kept.is_empty():
            self.selectors.setdefault(repr(kept.canonical()), kept)

    def options(self, key: str) -> list[str | None]:
        """A key's distinguishable states: absent, each mentioned value, an unmentioned value."""
        mentioned = sorted(self.values.get(key, ()))
        other = OTHER
        while other in mentioned:
            other += "-x"
        return [None, *mentioned, other]

    def size(self) -> int:
        """How many states the full product has."""
        out = 1
        for key in self.values:
            out *= len(self.options(key))
        return out

    def states(self, limit: int) -> list[State]:
        """Covering label states: all combinations within `limit`, else per-selector variations and merges."""
        keys = sorted(self.values)
        if self.size() <= limit:
            return [_state(zip(keys, combo)) for combo in itertools.product(*(self.options(k) for k in keys))]
        found: dict[StateKey, State] = {(): {}}
        bases: list[State] = []
        for sel in self.selectors.values():
            base = _satisfy(sel)
            if base is None:
                continue
            bases.append(base)
            found.setdefault(_key(base), base)
            for key in sorted(sel.keys()):  # every way to violate (or satisfy otherwise) each term
                for option in self.options(key):
                    variant = {k: v for k, v in base.items() if k != key}
                    if option is not None:
                        variant[key] = option
                    found.setdefault(_key(variant), variant)
        for a, b in itertools.islice(itertools.combinations(bases, 2), MERGE_LIMIT):
            if all(a[k] == b[k] for k in a.keys() & b.keys()):
                merged = {**a, **b}
                found.setdefault(_key(merged), merged)
        return list(found.values())


def _state(pairs: Iterable[tuple[str, str | None]]) -> State:
    return {k: v for k, v in pairs if v is not None}


def _key(state: State) -> StateKey:
    return tuple(sorted(state.items()))


def _satisfy(sel: LabelSelector) -> State | None:
    """A minimal label set that `sel` selects, or None when no label set can satisfy it."""
    state: State = dict(sel.matchLabels)
    for req in sel.matchExpressions:
        if req.operator is Operator.IN and req.key not in state:
            state[req.key] = req.values[0]
        elif req.operator is Operator.EXISTS and req.key not in state:
            state[req.key] = OTHER
    return state if sel.matches(state) else None


@dataclass(frozen=True)
class Scope:
    """The namespaces where a pod selector looks for pods: by name and/or by labels; neither = all."""

    names: tuple[str, ...] | None = None
    selector: LabelSelector | None = None

    def includes(self, ns: Namespace) -> bool:
        """Whether pods of `ns` are within the scope."""
        return (self.names is None or ns.name in self.names) and \
            (self.selector is None or self.selector.matches(ns.labels))

    def key(self) -> ScopeKey:
        """A hashable identity."""
        return (self.names, None if self.selector is None else repr(self.selector.canonical()))


@dataclass
class Facts:
    """Everything in some intents that a cluster must vary to tell policies apart."""

    namespaces: dict[str, None] = field(default_factory=dict)
    pod_selectors: dict[tuple[ScopeKey, str], tuple[Scope, LabelSelector]] = field(default_factory=dict)
    ns_labels: LabelSpace = field(default_factory=LabelSpace)
    accounts: set[str] = field(default_factory=set)
    networks: list[Network] = field(default_factory=list)
    fqdns: dict[str, None] = field(default_factory=dict)
    ranges: set[tuple[int, int]] = field(default_factory=set)
    icmp_types: dict[str, set[int]] = field(default_factory=dict)
    named: dict[str, list[str]] = field(default_factory=dict)
    services: dict[tuple[str, str], None] = field(default_factory=dict)
    entities: set[Entity] = field(default_factory=set)
    node_labels: LabelSpace = field(default_factory=LabelSpace)

    @classmethod
    def of(cls, intents: Iterable[NetworkIntent]) -> Facts:
        """Collect the facts of every intent (with allowDNS written out)."""
        facts = cls()
        for intent in intents:
            facts.add_intent(expand_dns(intent))
        return facts

    def add_namespace(self, name: str) -> None:
        """Remember a namespace name (names that cannot be namespaces are dropped: no pod can be there)."""
        if not dns_label_error(name):
            self.namespaces.setdefault(name, None)

    def add_namespace_selector(self, sel: LabelSelector | None) -> None:
        """A namespace selector: `kubernetes.io/metadata.name` values become namespace names."""
        if sel is None:
            return
        for value in (sel.matchLabels.get(NAMESPACE_NAME_LABEL),
                      *(v for r in sel.matchExpressions if r.key == NAMESPACE_NAME_LABEL for v in r.values)):
            if value is not None:
                self.add_namespace(value)
        self.ns_labels.add(sel, skip=frozenset({NAMESPACE_NAME_LABEL}))

    def add_pod_selector(self, scope: Scope, sel: LabelSelector | None) -> None:
        """A pod selector and the namespaces it looks in."""
        if sel is not None and not sel.is_empty():
            self.pod_selectors.setdefault((scope.key(), repr(sel.canonical())), (scope, sel))

    def add_intent(self, intent: NetworkIntent) -> None:
        """Collect one intent."""
        namespace = intent.metadata.namespace
        if namespace is not None:
            self.add_namespace(namespace)
        subject = intent.spec.subject
        own = Scope((namespace,)) if namespace is not None else Scope()
        self.add_pod_selector(own if namespace is not None else Scope(None, subject.namespaces), subject.pods)
        self.add_namespace_selector(subject.namespaces)
        self.accounts.update(subject.serviceAccounts or ())
        for rule in _rules(intent):
            for peer in (*(rule.peers or ()), *(rule.notPeers or ())):
                self.add_peer(peer, namespace, own)
            for spec in (*(rule.ports or ()), *(rule.notPorts or ())):
                self.add_port(spec)

    def add_peer(self, peer: Peer, namespace: str | None, own: Scope) -> None:
        """Collect one peer (`own`: the scope of a peer that names no namespace)."""
        kind = peer.kind
        if kind is PeerKind.ENDPOINTS:
            scoped = peer.namespaces is not None or peer.namespaceNames is not None
            self.add_pod_selector(Scope(peer.namespaceNames, peer.namespaces) if scoped else own, peer.pods)
            self.add_namespace_selector(peer.namespaces)
            for name in peer.namespaceNames or ():
                self.add_namespace(name)
            self.accounts.update(peer.serviceAccounts or ())
        elif kind is PeerKind.CIDR:
            self.networks.extend(ipaddress.ip_network(c) for c in (peer.cidr, *peer.except_) if c is not None)
        elif kind is PeerKind.FQDN:
            self.fqdns.setdefault(peer.fqdn or "*", None)
        elif kind is PeerKind.ENTITY and peer.entity is not None:
            self.entities.add(peer.entity)
        elif kind is PeerKind.NODES and peer.nodes is not None:
            self.node_labels.add(peer.nodes)
            self.entities.add(Entity.REMOTE_NODE)
        elif kind is PeerKind.SERVICE and peer.service is not None:
            svc_ns = peer.service.namespace or namespace or "default"
            self.add_namespace(svc_ns)
            self.services.setdefault((svc_ns, peer.service.name), None)
            self.add_pod_selector(Scope((svc_ns,)), LabelSelector(matchLabels={SERVICE_LABEL: peer.service.name}))

    def add_port(self, spec: PortSpec) -> None:
        """Collect one port spec."""
        if spec.protocol.value in ICMP_PROTOCOLS:
            types = self.icmp_types.setdefault(spec.protocol.value, set())
            if spec.icmp is not None:
                types.add(spec.icmp.type)
        elif isinstance(spec.port, str):
            protocols = self.named.setdefault(spec.port, [])
            for proto in spec.protocol.expand():
                if proto.value in PROTOCOLS and proto.value not in protocols:
                    protocols.append(proto.value)
        elif spec.port is not None:
            self.ranges.add((spec.port, spec.endPort if spec.endPort is not None else spec.port))


def _rules(intent: NetworkIntent) -> Iterator[Rule]:
    yield from intent.spec.ingress or ()
    yield from intent.spec.egress or ()


# -- building the cluster ----------------------------------------------------------------------------------------

def synthesize_cluster(*policy_sets: Sequence[LoadedIntent], ranges: ClusterRanges = DEFAULT_RANGES) -> Cluster:
    """A cluster on which any two of the policy sets that differ somewhere also differ (see module docstring);
    pods and nodes only in `ranges`."""
    facts = Facts.of(li.intent for policies in policy_sets for li in policies)
    notes: list[str] = []
    namespaces = _namespaces(facts)
    fresh_ports, profiles = _port_profiles(facts)
    accounts = [None, *sorted(facts.accounts - {"default"})]
    allocator = _Allocator(facts.networks, ranges)
    regions = len(allocator.pod_regions)
    replicas = max(REPLICAS, regions) if regions <= MAX_REGION_REPLICAS else REPLICAS
    states = _pod_states(facts, namespaces, len(accounts) * len(profiles) * replicas, notes)
    if replicas < regions:
        notes.append(f"{regions} IP regions: each kind of pod takes IPs in {replicas} of them, round-robin")
    pods: list[Pod] = []
    kind = 0
    for ns in namespaces:
        for state, account, profile in itertools.product(states[ns.name], accounts, profiles):
            for replica in range(replicas):
                ip = allocator.take_pod(kind + replica)  # with replicas == regions: one pod of each kind per region
                pods.append(Pod.model_construct(namespace=ns.name, name=f"pod-{len(pods)}", labels=state, ip=ip,
                                                ports=profile, serviceAccount=account, nodeName=None,
                                                hostNetwork=False))
            kind += 1
    pods.extend(allocator.bare_pods(namespaces[-1].name, kind * replicas))
    externals = allocator.externals() + _fqdn_externals(facts, allocator)
    services = [Service(namespace=ns, name=name, selector={SERVICE_LABEL: name}) for ns, name in facts.services]
    nodes = allocator.nodes() if facts.networks or facts.entities else []
    for i, state in enumerate(s for s in facts.node_labels.states(NAMESPACE_STATES) if s):
        nodes.append(Node(name=f"node-l{i}", ip=allocator.take(allocator.node_regions[i % len(allocator.node_regions)]
                                                                if allocator.node_regions else 0, "node"),
                          labels=state))
    api_servers = []
    if Entity.KUBE_APISERVER in facts.entities:
        ip = allocator.take_external(0)
        if ip is not None:
            api_servers.append(ApiServer(name="kube-apiserver", ip=ip))
    cluster = Cluster(namespaces, pods, externals, probes_for(facts, fresh_ports), services,
                      nodes=nodes, api_servers=api_servers)
    cluster.notes.extend(notes)
    return cluster


def _pod_states(facts: Facts, namespaces: Sequence[Namespace], per_state: int,
                notes: list[str]) -> dict[str, list[State]]:
    """Per namespace, the label states that the selectors looking into it can tell apart (within MAX_PODS)."""
    out: dict[str, list[State]] = {}
    for ns in namespaces:
        space = LabelSpace()
        for scope, sel in facts.pod_selectors.values():
            if scope.includes(ns):
                space.add(sel)
        out[ns.name] = space.states(POD_STATES)
    total = sum(len(v) for v in out.values()) * per_state
    if total > MAX_PODS:
        share = MAX_PODS / total
        for name, states in out.items():
            keep = max(1, int(len(states) * share))
            if keep < len(states):
                notes.append(f"namespace {name}: pod label states cut from {len(states)} to {keep} (at most "
                             f"{MAX_PODS} pods)")
                out[name] = states[:keep]
    return out


def _namespaces(facts: Facts) -> list[Namespace]:
    names = [name for name in facts.namespaces if name != FRESH_NAMESPACE]
    labelled = [(f"netpolx-ns-{i}", state) for i, state in enumerate(s for s in facts.ns_labels.states(
        NAMESPACE_STATES) if s)]
    out: list[tuple[str, State]] = [(name, {}) for name in names] + labelled + [(FRESH_NAMESPACE, {})]
    return [Namespace(name=name, labels={**labels, NAMESPACE_NAME_LABEL: name}) for name, labels in out]


def _port_profiles(facts: Facts) -> tuple[list[int], list[tuple[ContainerPort, ...]]]:
    """Fresh port numbers of the named ports, and the container-port profiles pods take."""
    if not facts.named:
        return [], [()]
    taken = {p for lo, hi in facts.ranges for p in (lo, hi)}
    numbers: list[int] = []
    candidate = FIRST_FRESH_PORT
    while len(numbers) < len(facts.named):
        if not any(lo - 1 <= candidate <= hi + 1 for lo, hi in facts.ranges) and candidate not in taken:
            numbers.append(candidate)
        candidate += 1
    names = sorted(facts.named)
    first = tuple(ContainerPort(name=n, port=numbers[i], protocol=facts.named[n][0] if facts.named[n] else "TCP")
                  for i, n in enumerate(names))
    profiles: list[tuple[ContainerPort, ...]] = [first, ()]
    for i, name in enumerate(names):
        for proto in facts.named[name][1:]:
            profiles.append(tuple(ContainerPort(name=cp.name, port=cp.port, protocol=proto) if j == i else cp
                                  for j, cp in enumerate(first)))
    return numbers, profiles


def probes_for(facts: Facts, extra_ports: Iterable[int] = ()) -> list[Probe]:
    """Probes on every range boundary and its neighbours, the given ports, on TCP, UDP and SCTP; ICMP on every
    type named and on one type none names (so "every protocol" and "TCP, UDP and SCTP" differ)."""
    ports: set[int] = set(extra_ports)
    for lo, hi in facts.ranges:
        ports.update(p for p in (lo - 1, lo, hi, hi + 1) if 1 <= p <= 65535)
    if not ports - set(extra_ports):
        ports.add(80)
    out = [Probe(port, proto) for port in sorted(ports) for proto in PROTOCOLS]
    for proto in ICMP_PROTOCOLS:
        if proto == "ICMP" or proto in facts.icmp_types:
            named = facts.icmp_types.get(proto, set())
            fresh = next(t for t in (8, 128, *range(256)) if t not in named)
            out.extend(Probe(t, proto) for t in sorted(named | {fresh}))
    return out


def probes_of(*policy_sets: Sequence[LoadedIntent]) -> list[Probe]:
    """The probes a synthesized cluster would use for these policy sets (for clusters without probes)."""
    facts = Facts.of(li.intent for policies in policy_sets for li in policies)
    return probes_for(facts, _port_profiles(facts)[0])


def _fqdn_names(pattern: str) -> list[str]:
    if pattern == "*":
        return ["netpolx-any.example"]
    one = pattern.replace("*", "x")
    names = [one, "a." + one]
    if "." in one:
        names.append(one.split(".", 1)[1])
    if pattern.startswith("*."):
        names.append("a.b." + pattern[2:])
    return list(dict.fromkeys(names))


def _fqdn_externals(facts: Facts, allocator: _Allocator) -> list[External]:
    names = list(dict.fromkeys(n for pattern in facts.fqdns for n in _fqdn_names(pattern)))
    out = []
    for i, name in enumerate(names):
        ip = allocator.take_external(i)
        if ip is not None:
            out.append(External(name=f"dns-{name}", ip=ip, fqdn=name))
    return out


class _Allocator:
    """Hands out unused IPs region by region; regions are the pieces the policies' CIDRs cut the address space into
    (addresses of one region are alike to every policy). In each region pods take IPs only inside the ranges that
    may hold pods, nodes inside the node ranges, externals outside declared ranges (translator/cluster/ranges.py)."""

    PREFERRED = {4: int(ipaddress.ip_address("10.244.0.1")), 6: int(ipaddress.ip_address("fd00:10:244::1"))}

    def __init__(self, networks: Sequence[Network], ranges: ClusterRanges = DEFAULT_RANGES) -> None:
        self.regions: list[tuple[int, int, int]] = []  # (version, first, last)
        for version, bits in ((4, 32), (6, 128)):
            nets = [n for n in networks if n.version == version]
            if version == 6 and not nets:
                continue
            cuts = sorted({0, 1 << bits} | {int(n.network_address) for n in nets}
                          | {int(n.broadcast_address) + 1 for n in nets})
            self.regions.extend((version, lo, hi - 1) for lo, hi in itertools.pairwise(cuts))
        self.used: set[tuple[int, int]] = set()
        self.spans: dict[str, list[list[tuple[int, int]]]] = {
            "pod": [_clip(r, ranges.pods) for r in self.regions],
            "node": [_clip(r, ranges.nodes) for r in self.regions],
            "external": [_outside(r, ranges.all) if ranges.exclusive else [r[1:]] for r in self.regions],
        }
        self.pod_regions = [i for i, spans in enumerate(self.spans["pod"]) if spans]
        self.node_regions = [i for i, spans in enumerate(self.spans["node"]) if spans]
        self.external_regions = [i for i, spans in enumerate(self.spans["external"]) if spans]
        if not self.pod_regions:  # the ranges are of an IP version the policies do not use
            self.spans["pod"] = self.spans["node"] = [[r[1:]] for r in self.regions]
            self.pod_regions = self.node_regions = list(range(len(self.regions)))

    def take(self, region: int, kind: str = "external") -> str | None:
        """An unused IP of `kind` in region `region` (modulo the count), or None when there is none."""
        region %= len(self.regions)
        version = self.regions[region][0]
        for lo, hi in self.spans[kind][region]:
            start = self.PREFERRED[version] if lo <= self.PREFERRED[version] <= hi else lo
            for candidate in itertools.chain(range(start, min(hi, start + 4096) + 1),
                                             range(lo, min(start, lo + 4096))):
                if (version, candidate) not in self.used and (candidate != 0 or lo == hi):
                    self.used.add((version, candidate))
                    return str(ipaddress.ip_address(candidate) if version == 4 else ipaddress.IPv6Address(candidate))
        return None

    def take_pod(self, i: int) -> str | None:
        """An IP in the i-th pod region (round-robin)."""
        return self.take(self.pod_regions[i % len(self.pod_regions)], "pod")

    def take_external(self, i: int) -> str | None:
        """An IP in the i-th region where external endpoints may live (round-robin)."""
        if not self.external_regions:
            return None
        return self.take(self.external_regions[i % len(self.external_regions)])

    def bare_pods(self, namespace: str, placed: int) -> list[Pod]:
        """Unlabelled pods for the pod regions that `placed` round-robin pods did not reach."""
        return [Pod.model_construct(namespace=namespace, name=f"ip-{i}", labels={}, ip=self.take_pod(i), ports=(),
                                    serviceAccount=None, nodeName=None, hostNetwork=False)
                for i in range(placed, len(self.pod_regions))]

    def externals(self) -> list[External]:
        """One external endpoint per region where something outside the cluster may live."""
        out = []
        for region in self.external_regions:
            ip = self.take(region)
            if ip is not None:
                out.append(External(name=f"ext-{ip}", ip=ip))
        return out

    def nodes(self) -> list[Node]:
        """One node per node region (at most MAX_REGION_REPLICAS, at least one)."""
        out = []
        for i, region in enumerate(self.node_regions[:MAX_REGION_REPLICAS] or [0]):
            out.append(Node(name=f"node-{i}", ip=self.take(region, "node")))
        return out


def _clip(region: tuple[int, int, int], nets: Sequence[Network]) -> list[tuple[int, int]]:
    """The parts of a region inside `nets`."""
    version, lo, hi = region
    out = [(max(lo, int(n.network_address)), min(hi, int(n.broadcast_address))) for n in nets if n.version == version]
    return [(a, b) for a, b in out if a <= b]


def _outside(region: tuple[int, int, int], nets: Sequence[Network]) -> list[tuple[int, int]]:
    """The parts of a region outside `nets`."""
    version, lo, hi = region
    spans = [(lo, hi)]
    for n in nets:
        if n.version != version:
            continue
        a, b = int(n.network_address), int(n.broadcast_address)
        spans = [piece for s_lo, s_hi in spans
                 for piece in ((s_lo, min(s_hi, a - 1)), (max(s_lo, b + 1), s_hi)) if piece[0] <= piece[1]]
    return spans


__all__ = ["Facts", "LabelSpace", "probes_for", "probes_of", "synthesize_cluster"]
