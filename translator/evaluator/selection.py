"""Selections as bitsets: which endpoints a selector, peer or port picks in one cluster.

Endpoints are numbered pods first, then externals, nodes and the API servers outside the cluster (the cluster's
order). Host-network pods are pods by name but nodes by identity: no pod selector matches them. A set of endpoints
is a Python int with bit i set for endpoint i, so unions and intersections over a thousand pods are single integer
operations. Label selectors are answered from an inverted index (key=value -> pods), IP blocks by a sorted IP list,
and every answer is cached, so selecting cost does not grow with the number of policies that repeat a selector.
"""

from __future__ import annotations

import bisect
import ipaddress
import re
from collections.abc import Iterable, Sequence
from functools import cache

from translator.cluster.model import ICMP_PROTOCOLS, Cluster, Probe
from translator.model import Entity, LabelSelector, NetworkIntent, Operator, Peer, PeerKind, PortSpec
from translator.semantics import Semantics


def bits_of(indices: Iterable[int]) -> int:
    """The bitset with the given bits set."""
    out = 0
    for i in indices:
        out |= 1 << i
    return out


def iter_bits(bits: int) -> Iterable[int]:
    """The indices of the set bits, ascending."""
    while bits:
        low = bits & -bits
        yield low.bit_length() - 1
        bits ^= low


SelectorKey = tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str, tuple[str, ...]], ...]]
"""A selector as a hashable value: its labels and its requirements, sorted."""


def selector_key(sel: LabelSelector) -> SelectorKey:
    """A hashable key for a selector (selectors hold dicts, so they are not hashable themselves)."""
    return (tuple(sorted(sel.matchLabels.items())),
            tuple(sorted((r.key, r.operator.value, r.values) for r in sel.matchExpressions)))


@cache
def fqdn_regex(pattern: str) -> re.Pattern[str]:
    """The regex of an FQDN pattern: `*` stays inside one DNS label; a lone `*` matches every name."""
    if pattern == "*":
        return re.compile(r".+")
    return re.compile("".join("[^.]*" if ch == "*" else re.escape(ch) for ch in pattern.lower()))


class LabelIndex:
    """Inverted label index over a list of label maps (pods or namespaces)."""

    def __init__(self, labels: Sequence[dict[str, str]], universe: int) -> None:
        self.universe = universe
        self.pairs: dict[tuple[str, str], int] = {}
        self.keys: dict[str, int] = {}
        for i, lab in enumerate(labels):
            bit = 1 << i
            for k, v in lab.items():
                self.pairs[(k, v)] = self.pairs.get((k, v), 0) | bit
                self.keys[k] = self.keys.get(k, 0) | bit
        self._cache: dict[SelectorKey, int] = {}

    def select(self, sel: LabelSelector) -> int:
        """The members that `sel` selects (Kubernetes semantics: terms ANDed; NotIn matches a missing key)."""
        key = selector_key(sel)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._select(sel)
        return found

    def _select(self, sel: LabelSelector) -> int:
        out = self.universe
        for k, v in sel.matchLabels.items():
            out &= self.pairs.get((k, v), 0)
        for req in sel.matchExpressions:
            values = 0
            for v in req.values:
                values |= self.pairs.get((req.key, v), 0)
            if req.operator is Operator.IN:
                out &= values
            elif req.operator is Operator.NOT_IN:
                out &= ~values
            elif req.operator is Operator.EXISTS:
                out &= self.keys.get(req.key, 0)
            else:
                out &= ~self.keys.get(req.key, 0)
        return out & self.universe


class Selection:
    """Everything the evaluator asks of the cluster, as bitsets over its endpoints."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.names = cluster.endpoint_names
        self.index = {name: i for i, name in enumerate(self.names)}
        n_pods, n_ext, n_nodes = len(cluster.pods), len(cluster.externals), len(cluster.nodes)
        self.all = (1 << len(self.names)) - 1
        host_pods = bits_of(i for i, p in enumerate(cluster.pods) if p.hostNetwork)
        self.pods = ((1 << n_pods) - 1) & ~host_pods
        """Pods with their own network identity: what pod policies select and pod selectors match."""
        node_base = n_pods + n_ext
        self.node_bits: dict[str, int] = {n.name: 1 << (node_base + i) for i, n in enumerate(cluster.nodes)}
        self.pod_node: list[str | None] = [p.nodeName for p in cluster.pods]
        for i, pod in enumerate(cluster.pods):
            if pod.hostNetwork and pod.nodeName in self.node_bits:
                self.node_bits[pod.nodeName] |= 1 << i
        self.nodes = host_pods | (((1 << n_nodes) - 1) << node_base)
        """Nodes and host-network pods (entities host and remote-node)."""
        self.externals = self.all & ~self.pods & ~self.nodes
        """Everything outside the cluster: external endpoints and API servers that are not at a node's IP."""
        self.apiserver = self.all & ~((1 << (node_base + n_nodes)) - 1)
        apiserver_ips = {a.ip for a in cluster.api_servers}
        for node in cluster.nodes:
            if node.ip is not None and node.ip in apiserver_ips:
                self.apiserver |= self.node_bits[node.name]
        self.pod_labels = LabelIndex([p.labels for p in cluster.pods], self.pods)
        self.ns_names = [ns.name for ns in cluster.namespaces]
        self.ns_labels = LabelIndex([ns.labels for ns in cluster.namespaces], (1 << len(self.ns_names)) - 1)
        self.ns_pods: dict[str, int] = {}
        self.sa_pods: dict[str, int] = {}
        for i, pod in enumerate(cluster.pods):
            if pod.hostNetwork:
                continue
            self.ns_pods[pod.namespace] = self.ns_pods.get(pod.namespace, 0) | (1 << i)
            self.sa_pods[pod.service_account] = self.sa_pods.get(pod.service_account, 0) | (1 << i)
        self._ips = self._ip_table()
        self._named = self._named_ports()
        self._cidr_cache: dict[tuple[str | None, tuple[str, ...]], tuple[int, int]] = {}
        self._fqdn_cache: dict[str, int] = {}
        self._ns_cache: dict[SelectorKey, int] = {}

    # -- labels and namespaces -------------------------------------------------------------------------------

    def pods_in_namespaces(self, names: Iterable[str]) -> int:
        """The pods in any of the namespaces."""
        out = 0
        for name in names:
            out |= self.ns_pods.get(name, 0)
        return out

    def pods_in_selected_namespaces(self, sel: LabelSelector) -> int:
        """The pods in namespaces whose labels `sel` selects."""
        key = selector_key(sel)
        found = self._ns_cache.get(key)
        if found is None:
            chosen = self.ns_labels.select(sel)
            found = self._ns_cache[key] = self.pods_in_namespaces(self.ns_names[i] for i in iter_bits(chosen))
        return found

    def service_accounts(self, names: Iterable[str]) -> int:
        """The pods running as any of the service accounts."""
        out = 0
        for name in names:
            out |= self.sa_pods.get(name, 0)
        return out

    def subject(self, intent: NetworkIntent) -> int:
        """The pods an intent applies to."""
        subject = intent.spec.subject
        if intent.is_cluster_scoped:
            scope = self.pods if subject.namespaces is None else self.pods_in_selected_namespaces(subject.namespaces)
        else:
            scope = self.ns_pods.get(intent.metadata.namespace or "", 0)
        out = scope & self.pod_labels.select(subject.pods)
        if subject.serviceAccounts is not None:
            out &= self.service_accounts(subject.serviceAccounts)
        return out

    # -- peers -----------------------------------------------------------------------------------------------

    def peer(self, peer: Peer, intent: NetworkIntent, semantics: Semantics) -> tuple[int, int]:
        """(endpoints the peer matches, of which FQDN matches) under `semantics`.

        FQDN matches are returned separately because some engines only honour them when the pod may resolve
        names (see Semantics.fqdn_needs_dns_rule); for other kinds the second value is 0. CIDR peers match pods
        and nodes only under semantics whose IP blocks match them (`cidr_matches_pods`).
        """
        kind = peer.kind
        if kind is PeerKind.ENDPOINTS:
            return self._endpoints(peer, intent), 0
        if kind is PeerKind.CIDR:
            inside_pods, inside_ext = self._cidr(peer)
            return (inside_ext | (inside_pods if semantics.cidr_matches_pods else 0)), 0
        if kind is PeerKind.FQDN:
            found = self._fqdn(peer.fqdn or "") if semantics.supports_fqdn else 0
            return found, found
        if kind is PeerKind.ENTITY:
            assert peer.entity is not None
            return self.entity(peer.entity), 0
        if kind is PeerKind.NODES:
            assert peer.nodes is not None
            return self.nodes_labelled(peer.nodes), 0
        return self._service(peer, intent), 0

    def _endpoints(self, peer: Peer, intent: NetworkIntent) -> int:
        if peer.namespaces is None and peer.namespaceNames is None:
            out = self.pods if intent.is_cluster_scoped else self.ns_pods.get(intent.metadata.namespace or "", 0)
        else:
            out = self.pods
            if peer.namespaceNames is not None:
                out &= self.pods_in_namespaces(peer.namespaceNames)
            if peer.namespaces is not None:
                out &= self.pods_in_selected_namespaces(peer.namespaces)
        if peer.pods is not None:
            out &= self.pod_labels.select(peer.pods)
        if peer.serviceAccounts is not None:
            out &= self.service_accounts(peer.serviceAccounts)
        return out

    def entity(self, entity: Entity) -> int:
        """The endpoints of an entity that do not depend on which pod asks: `host` and `remote-node` do (see
        `local_node`), so they match none here; `ingress`, `health`, `init` and `unmanaged` match no endpoint of
        a cluster file."""
        if entity is Entity.ALL:
            return self.all
        if entity is Entity.WORLD:
            return self.externals
        if entity is Entity.CLUSTER:
            return self.pods | self.nodes
        if entity is Entity.KUBE_APISERVER:
            return self.apiserver
        return 0

    def nodes_labelled(self, sel: LabelSelector) -> int:
        """The nodes whose labels `sel` selects, with the host-network pods on them."""
        out = 0
        for node in self.cluster.nodes:
            if sel.matches(node.labels):
                out |= self.node_bits[node.name]
        return out

    def local_node(self, endpoint: int) -> int:
        """The node a pod runs on, with the host-network pods there (entity `host` as that pod sees it)."""
        if endpoint >= len(self.pod_node):
            return 0
        return self.node_bits.get(self.pod_node[endpoint] or "", 0)

    def node_entity(self, entity: Entity, endpoint: int) -> int:
        """`host` or `remote-node` as seen by `endpoint`: its own node, or every other node."""
        local = self.local_node(endpoint)
        return local if entity is Entity.HOST else self.nodes & ~local

    def _service(self, peer: Peer, intent: NetworkIntent) -> int:
        ref = peer.service
        assert ref is not None
        namespace = ref.namespace or intent.metadata.namespace or "default"
        svc = self.cluster.service(namespace, ref.name)
        if svc is None or not svc.selector:
            return 0
        return self.ns_pods.get(namespace, 0) & self.pod_labels.select(LabelSelector(matchLabels=svc.selector))

    def _ip_table(self) -> dict[int, tuple[list[int], list[int]]]:
        """Per IP version: sorted IP integers and their endpoint indices."""
        rows: dict[int, list[tuple[int, int]]] = {4: [], 6: []}
        cluster = self.cluster
        ips = ([cluster.pod_ip(p) for p in cluster.pods] + [e.ip for e in cluster.externals]
               + [n.ip for n in cluster.nodes] + [a.ip for a in cluster.outside_api_servers])
        for i, ip in enumerate(ips):
            if ip is not None:
                addr = ipaddress.ip_address(ip)
                rows[addr.version].append((int(addr), i))
        return {v: ([a for a, _ in sorted(r)], [i for _, i in sorted(r)]) for v, r in rows.items()}

    def ip_range(self, net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> int:
        """The endpoints whose IP is inside `net`."""
        addrs, idx = self._ips[net.version]
        lo = bisect.bisect_left(addrs, int(net.network_address))
        hi = bisect.bisect_right(addrs, int(net.broadcast_address))
        return bits_of(idx[lo:hi])

    def _cidr(self, peer: Peer) -> tuple[int, int]:
        key = (peer.cidr, peer.except_)
        found = self._cidr_cache.get(key)
        if found is None:
            network = peer.network
            assert network is not None, "a CIDR peer has a network"
            inside = self.ip_range(network)
            for text in peer.except_:
                inside &= ~self.ip_range(ipaddress.ip_network(text))
            found = self._cidr_cache[key] = (inside & (self.pods | self.nodes), inside & self.externals)
        return found

    def fqdn(self, pattern: str) -> int:
        """The external endpoints whose DNS name `pattern` matches."""
        return self._fqdn(pattern)

    def _fqdn(self, pattern: str) -> int:
        found = self._fqdn_cache.get(pattern)
        if found is None:
            regex = fqdn_regex(pattern)
            offset = len(self.cluster.pods)
            found = bits_of(offset + i for i, e in enumerate(self.cluster.externals)
                            if e.fqdn is not None and regex.fullmatch(e.fqdn))
            self._fqdn_cache[pattern] = found
        return found

    # -- ports -----------------------------------------------------------------------------------------------

    def _named_ports(self) -> dict[tuple[str, str, int], int]:
        out: dict[tuple[str, str, int], int] = {}
        for i, pod in enumerate(self.cluster.pods):
            for cp in pod.ports:
                if cp.name:
                    key = (cp.name, cp.protocol, cp.port)
                    out[key] = out.get(key, 0) | (1 << i)
        return out

    def port_spec(self, spec: PortSpec, probe: Probe) -> int:
        """The destinations on which `spec` matches the probe (named ports resolve on each destination pod)."""
        if probe.protocol in ICMP_PROTOCOLS:
            if spec.protocol.value != probe.protocol:
                return 0
            icmp = spec.icmp
            return self.all if icmp is None or (icmp.type == probe.port and icmp.code is None) else 0
        if probe.protocol not in {p.value for p in spec.protocol.expand()}:
            return 0
        if spec.port is None:
            return self.all
        if isinstance(spec.port, str):
            return self._named.get((spec.port, probe.protocol, probe.port), 0)
        last = spec.endPort if spec.endPort is not None else spec.port
        return self.all if spec.port <= probe.port <= last else 0

    def ports(self, specs: Sequence[PortSpec] | None, not_specs: Sequence[PortSpec] | None, probe: Probe) -> int:
        """The destinations on which a rule's ports (minus its notPorts) match the probe."""
        out = self.all
        if specs:
            out = 0
            for spec in specs:
                out |= self.port_spec(spec, probe)
        for spec in not_specs or ():
            out &= ~self.port_spec(spec, probe)
        return out

