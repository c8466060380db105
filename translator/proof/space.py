"""The dimensions of a connection and the classes that the policies of a proof can tell apart on each.

A connection is a source endpoint, a destination endpoint and a service (protocol, port or ICMP type, ICMP code).
An endpoint is a pod (namespace name and labels, pod labels, service account, membership in each Service named
by a policy, an address) or an external endpoint (an address and maybe a DNS name). Each dimension is cut into
classes of values that every policy treats alike, so deciding a class decides all of its values:

* a label key (pods and namespaces): absent, each value some selector mentions, any other value. A selector is a
  conjunction of per-key atoms (exists, value in a finite set, value not in it), so these classes decide every
  selector for every possible labelling, whatever other keys an object carries;
* the namespace name: each name some policy mentions, any other name (`kubernetes.io/metadata.name` terms are
  terms on the name);
* the address: the intervals cut by every CIDR and `except` block, IPv4 and IPv6 in one line (IPv6 after IPv4);
* the port: the intervals cut by every port range and ICMP type; the ICMP code: each code named, any other;
* a named port `n` of the destination: whether the pod has a container port `n` with the connection's protocol
  and number (the only thing a rule asks of it), so every possible port map is covered;
* a Service named by a policy: whether the pod is one of its endpoints (its selector is the cluster's business);
* the DNS name of an external endpoint: the classes of names that match the same set of patterns, found exactly
  by walking the product of the patterns' automata over valid DNS names;
* the kind of an endpoint: pod, external, node (host-network pods are their node), an API server at a node, an
  API server outside the cluster; and whether the node on one side is the own node of the pod on the other
  (entities `host` and `remote-node`).

Variables are ordered service first, then per dimension the source's and the destination's variable side by side.
"""

from __future__ import annotations

import bisect
import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from translator.model import LabelSelector, Network, NetworkIntent, Peer, PeerKind, PortSpec, expand_dns
from translator.model.labels import NAMESPACE_NAME_LABEL, dns_label_error
from translator.proof.mdd import MDD

PROTOCOLS = ("TCP", "UDP", "SCTP", "ICMP", "ICMPv6")
PORT_PROTOCOLS = frozenset({0, 1, 2})
ICMP_PROTOCOLS = frozenset({3, 4})
KINDS = ("pod", "external", "node", "API server node", "API server outside")
POD, EXTERNAL, NODE, API_NODE, API_EXTERNAL = range(5)
NODES = frozenset({NODE, API_NODE})
OUTSIDE = frozenset({EXTERNAL, API_EXTERNAL})
IN_CLUSTER = frozenset({POD, NODE, API_NODE})
API_SERVERS = frozenset({API_NODE, API_EXTERNAL})
SIDES = ("src", "dst")
V6_OFFSET = 1 << 32
ADDRESS_END = V6_OFFSET + (1 << 128)
OTHER = "netpolx-other"
NO_MATCH, MATCH = 0, 1


@dataclass(frozen=True)
class Var:
    """One variable: its dimension, side (`src`, `dst` or `` for the service), key, and class names."""

    dim: str
    side: str
    key: str
    classes: tuple[str, ...]

    @property
    def name(self) -> str:
        """`src.pod-label[app]`."""
        where = f"{self.side}." if self.side else ""
        return f"{where}{self.dim}" + (f"[{self.key}]" if self.key else "")


@dataclass
class Facts:
    """What the policies mention, per dimension."""

    namespaces: set[str] = field(default_factory=set)
    ns_labels: dict[str, set[str]] = field(default_factory=dict)
    pod_labels: dict[str, set[str]] = field(default_factory=dict)
    node_labels: dict[str, set[str]] = field(default_factory=dict)
    accounts: set[str] = field(default_factory=set)
    services: set[tuple[str, str]] = field(default_factory=set)
    named_ports: set[str] = field(default_factory=set)
    networks: set[tuple[int, int]] = field(default_factory=set)
    ports: set[tuple[int, int]] = field(default_factory=set)
    codes: set[int] = field(default_factory=set)
    fqdns: set[str] = field(default_factory=set)

    def add_intents(self, intents: Iterable[NetworkIntent]) -> None:
        """Collect what every intent mentions (allowDNS written out)."""
        for intent in intents:
            self._intent(expand_dns(intent))

    def _intent(self, intent: NetworkIntent) -> None:
        ns = intent.metadata.namespace
        if ns is not None:
            self.add_namespace(ns)
        subject = intent.spec.subject
        self._selector(self.pod_labels, subject.pods)
        self._ns_selector(subject.namespaces)
        self.accounts.update(subject.serviceAccounts or ())
        for rules in (intent.spec.ingress or (), intent.spec.egress or ()):
            for rule in rules:
                for peer in (*(rule.peers or ()), *(rule.notPeers or ())):
                    self._peer(peer, ns)
                self.fqdns.update(rule.dns or ())
                for spec in (*(rule.ports or ()), *(rule.notPorts or ())):
                    self._port(spec)

    def add_namespace(self, name: str) -> None:
        """A namespace name (names no namespace can have are left out: they match nothing)."""
        if not dns_label_error(name):
            self.namespaces.add(name)

    def _selector(self, table: dict[str, set[str]], sel: LabelSelector | None) -> None:
        if sel is None:
            return
        for req in sel.requirements():
            table.setdefault(req.key, set()).update(req.values)

    def _ns_selector(self, sel: LabelSelector | None) -> None:
        if sel is None:
            return
        for req in sel.requirements():
            if req.key == NAMESPACE_NAME_LABEL:
                for v in req.values:
                    self.add_namespace(v)
            else:
                self.ns_labels.setdefault(req.key, set()).update(req.values)

    def _peer(self, peer: Peer, ns: str | None) -> None:
        kind = peer.kind
        if kind is PeerKind.ENDPOINTS:
            self._selector(self.pod_labels, peer.pods)
            self._ns_selector(peer.namespaces)
            for name in peer.namespaceNames or ():
                self.add_namespace(name)
            self.accounts.update(peer.serviceAccounts or ())
        elif kind is PeerKind.CIDR:
            assert peer.cidr is not None
            for text in (peer.cidr, *peer.except_):
                self.networks.add(address_range(ipaddress.ip_network(text)))
        elif kind is PeerKind.FQDN:
            self.fqdns.add(peer.fqdn or "*")
        elif kind is PeerKind.NODES:
            self._selector(self.node_labels, peer.nodes)
        elif kind is PeerKind.SERVICE and peer.service is not None:
            svc_ns = peer.service.namespace or ns or "default"
            self.add_namespace(svc_ns)
            self.services.add((svc_ns, peer.service.name))

    def _port(self, spec: PortSpec) -> None:
        if spec.icmp is not None:
            self.ports.add((spec.icmp.type, spec.icmp.type))
            if spec.icmp.code is not None:
                self.codes.add(spec.icmp.code)
        elif isinstance(spec.port, str):
            self.named_ports.add(spec.port)
        elif spec.port is not None:
            self.ports.add((spec.port, spec.endPort if spec.endPort is not None else spec.port))


def address_range(net: Network) -> tuple[int, int]:
    """A network as an inclusive range on the combined address line."""
    base = 0 if net.version == 4 else V6_OFFSET
    return base + int(net.network_address), base + int(net.broadcast_address)


def address_point(ip: str) -> int:
    """An address on the combined address line."""
    addr = ipaddress.ip_address(ip)
    return int(addr) + (0 if addr.version == 4 else V6_OFFSET)


def address_text(point: int) -> str:
    """The address at a point of the combined line."""
    if point < V6_OFFSET:
        return str(ipaddress.IPv4Address(point))
    return str(ipaddress.IPv6Address(point - V6_OFFSET))


# -- DNS names ---------------------------------------------------------------------------------------------------

_STAR = None
_DNS_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789-_"


def _glob_tokens(pattern: str) -> list[str | None]:
    return [_STAR if ch == "*" else ch for ch in pattern]


def _closure(tokens: list[str | None], states: Iterable[int]) -> frozenset[int]:
    out = set()
    for s in states:
        while True:
            out.add(s)
            if s < len(tokens) and tokens[s] is _STAR:
                s += 1
                continue
            break
    return frozenset(out)


def fqdn_classes(patterns: Sequence[str]) -> list[tuple[frozenset[int], str]]:
    """The classes of valid DNS names that match the same patterns: (indices of the patterns matched, the
    shortest name of the class). Exact: every reachable state of the product of the patterns' automata is seen.

    A lone `*` matches every name; elsewhere `*` matches zero or more characters within one label."""
    tokens = [_glob_tokens(p) for p in patterns]
    chars = sorted({ch for p in patterns for ch in p if ch not in "*."})
    fresh = next((c for c in _DNS_CHARS if c not in chars), None)
    alphabet = [*chars, *([fresh] if fresh else []), "."]
    everything = {i for i, p in enumerate(patterns) if p == "*"}

    def step(state: frozenset[tuple[int, int]], ch: str) -> frozenset[tuple[int, int]]:
        out: set[tuple[int, int]] = set()
        for i, s in state:
            toks = tokens[i]
            nxt: list[int] = []
            if s < len(toks):
                tok = toks[s]
                if tok is _STAR:
                    if ch != ".":
                        nxt.append(s)
                elif tok == ch:
                    nxt.append(s + 1)
            for t in _closure(toks, nxt):
                out.add((i, t))
        return frozenset(out)

    def signature(state: frozenset[tuple[int, int]]) -> frozenset[int]:
        return frozenset({i for i, s in state if s == len(tokens[i])} | everything)

    start = frozenset((i, s) for i, toks in enumerate(tokens) if patterns[i] != "*" for s in _closure(toks, [0]))
    found: dict[frozenset[int], str] = {}
    seen = {(start, True)}
    frontier = [(start, True, "")]
    while frontier:
        nxt_frontier = []
        for state, at_dot, text in frontier:
            for ch in alphabet:
                if ch == "." and at_dot:
                    continue  # no empty label
                nstate = step(state, ch)
                ndot = ch == "."
                name = text + ch
                if not ndot:
                    found.setdefault(signature(nstate), name)
                key = (nstate, ndot)
                if key not in seen and (nstate or not found.get(frozenset(everything))):
                    seen.add(key)
                    nxt_frontier.append((nstate, ndot, name))
        frontier = nxt_frontier
    return sorted(found.items(), key=lambda kv: (len(kv[1]), kv[1]))


def fqdn_matches(pattern: str, name: str) -> bool:
    """Whether a DNS name matches a pattern (the intent's meaning, as the evaluator decides it)."""
    if pattern == "*":
        return True
    return re.fullmatch("".join("[^.]*" if ch == "*" else re.escape(ch) for ch in pattern), name) is not None


# -- the space -----------------------------------------------------------------------------------------------------

class Space:
    """The variables of a proof and their classes, with the diagram store they live in."""

    def __init__(self, facts: Facts, extra_ports: Iterable[int] = (), extra_networks: Iterable[tuple[int, int]] = ()) \
            -> None:
        self.facts = facts
        self.vars: list[Var] = []
        self.index: dict[tuple[str, str, str], int] = {}
        self.namespaces = sorted(facts.namespaces)
        self.accounts = sorted(facts.accounts)
        self.services = sorted(facts.services)
        self.fqdn_patterns = sorted(facts.fqdns)
        self.fqdn_table = fqdn_classes(self.fqdn_patterns) if self.fqdn_patterns else []
        cuts = {0, 1, 256, 65536}
        for lo, hi in facts.ports:
            cuts.update((lo, hi + 1))
        cuts.update(p for p in extra_ports)
        cuts.update(p + 1 for p in extra_ports)
        self.port_cuts = sorted(c for c in cuts if 0 <= c <= 65536)
        addr = {0, V6_OFFSET, ADDRESS_END}
        for lo, hi in (*facts.networks, *extra_networks):
            addr.update((lo, hi + 1))
        self.addr_cuts = sorted(addr)
        self.codes = sorted(facts.codes)
        self.ns_values = {k: sorted(v) for k, v in sorted(facts.ns_labels.items())}
        self.pod_values = {k: sorted(v) for k, v in sorted(facts.pod_labels.items())}
        self.node_values = {k: sorted(v) for k, v in sorted(facts.node_labels.items())}

        self._add("proto", "", "", PROTOCOLS)
        self._add("port", "", "", tuple(self._interval_name(i) for i in range(len(self.port_cuts) - 1)))
        self._add("icmp-code", "", "", (*(str(c) for c in self.codes), "other"))
        self._add("own-node", "", "", ("no", "yes"))
        self._pair("kind", "", KINDS)
        self._pair("namespace", "", (*self.namespaces, "other"))
        for key, values in self.ns_values.items():
            self._pair("namespace-label", key, ("absent", *values, "other"))
        self._pair("service-account", "", (*self.accounts, "other"))
        for ns, name in self.services:
            self._pair("service", f"{ns}/{name}", ("no", "yes"))
        for key, values in self.pod_values.items():
            self._pair("pod-label", key, ("absent", *values, "other"))
        for key, values in self.node_values.items():
            self._pair("node-label", key, ("absent", *values, "other"))
        for name in sorted(facts.named_ports):
            self._add("named-port", "dst", name, ("no", "yes"))
        self._pair("address", "", tuple(f"[{i}]" for i in range(len(self.addr_cuts) - 1)))
        self._pair("dns-name", "", ("none", *(name for _, name in self.fqdn_table)))
        self.mdd = MDD([len(v.classes) for v in self.vars])
        self.cluster_addresses: frozenset[int] = frozenset()
        """The address classes where pods and nodes may be (set by the prover from the cluster's ranges)."""

    def _add(self, dim: str, side: str, key: str, classes: tuple[str, ...]) -> None:
        self.index[(dim, side, key)] = len(self.vars)
        self.vars.append(Var(dim, side, key, classes))

    def _pair(self, dim: str, key: str, classes: tuple[str, ...]) -> None:
        for side in SIDES:
            self._add(dim, side, key, classes)

    def _interval_name(self, i: int) -> str:
        lo, hi = self.port_cuts[i], self.port_cuts[i + 1] - 1
        return str(lo) if lo == hi else f"{lo}-{hi}"

    # -- lookups -------------------------------------------------------------------------------------------------

    def var(self, dim: str, side: str = "", key: str = "") -> int:
        """The index of a variable."""
        return self.index[(dim, side, key)]

    def has(self, dim: str, side: str = "", key: str = "") -> bool:
        """Whether the space has this variable."""
        return (dim, side, key) in self.index

    def port_interval(self, c: int) -> tuple[int, int]:
        """The inclusive port (or ICMP type) range of a port class."""
        return self.port_cuts[c], self.port_cuts[c + 1] - 1

    def port_classes(self, lo: int, hi: int) -> range:
        """The port classes inside [lo, hi] (lo and hi are always cut points)."""
        return range(bisect.bisect_left(self.port_cuts, lo), bisect.bisect_left(self.port_cuts, hi + 1))

    def port_class(self, port: int) -> int:
        """The class of one port number."""
        return bisect.bisect_right(self.port_cuts, port) - 1

    def address_interval(self, c: int) -> tuple[int, int]:
        """The inclusive range of an address class on the combined line."""
        return self.addr_cuts[c], self.addr_cuts[c + 1] - 1

    def address_classes(self, lo: int, hi: int) -> range:
        """The address classes inside [lo, hi] (both cut points)."""
        return range(bisect.bisect_left(self.addr_cuts, lo), bisect.bisect_left(self.addr_cuts, hi + 1))

    def address_class(self, ip: str) -> int:
        """The class of one address."""
        return bisect.bisect_right(self.addr_cuts, address_point(ip)) - 1

    def namespace_class(self, name: str) -> int:
        """The class of a namespace name."""
        try:
            return self.namespaces.index(name)
        except ValueError:
            return len(self.namespaces)

    def label_class(self, values: Sequence[str], value: str | None) -> int:
        """The class of a label value (None: absent) among a key's mentioned values."""
        if value is None:
            return 0
        try:
            return 1 + list(values).index(value)
        except ValueError:
            return 1 + len(values)

    def account_class(self, name: str) -> int:
        """The class of a service account."""
        try:
            return self.accounts.index(name)
        except ValueError:
            return len(self.accounts)

    def fqdn_class(self, name: str | None) -> int:
        """The class of a DNS name (None: the endpoint has none)."""
        if name is None or not self.fqdn_table:
            return 0
        sig = frozenset(i for i, p in enumerate(self.fqdn_patterns) if fqdn_matches(p, name))
        for c, (found, _) in enumerate(self.fqdn_table):
            if found == sig:
                return c + 1
        raise AssertionError(f"DNS name {name} falls in no class")  # the product walk is exhaustive

    def lit(self, dim: str, side: str, key: str, classes: Iterable[int]) -> int:
        """The diagram of `variable in classes`."""
        return self.mdd.literal(self.var(dim, side, key), classes)
