"""Plain-English phrases for the parts of an intent: selectors, namespaces, peers, ports, HTTP rules, entities."""

from __future__ import annotations

from collections.abc import Sequence
from typing import assert_never

from translator.model import Entity, HTTPRule, LabelSelector, Operator, Peer, PeerKind, PortSpec, Protocol

ENTITY_WORDS: dict[Entity, str] = {
    Entity.ALL: "anything (every pod, node and outside address)",
    Entity.WORLD: "anything outside the cluster",
    Entity.CLUSTER: "everything inside the cluster (every pod, and the nodes)",
    Entity.HOST: "the pod's own node (host)",
    Entity.REMOTE_NODE: "the other nodes of the cluster",
    Entity.KUBE_APISERVER: "the Kubernetes API server",
    Entity.INGRESS: "Cilium's ingress proxy",
    Entity.HEALTH: "Cilium's health-check endpoints",
    Entity.INIT: "endpoints whose identity is not resolved yet (Cilium's init identity)",
    Entity.UNMANAGED: "pods that Cilium does not manage",
}


def join_or(parts: Sequence[str]) -> str:
    """`a`, `a or b`, `a, b or c`."""
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " or " + parts[-1]


def join_and(parts: Sequence[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def selector_terms(sel: LabelSelector) -> str:
    """A non-empty selector's terms: `app=web`, `tier in (a, b)`, `has label x`, ANDed."""
    terms = [f"{k}={v}" for k, v in sel.matchLabels.items()]
    for req in sel.matchExpressions:
        values = ", ".join(req.values)
        terms.append({
            Operator.IN: f"{req.key} in ({values})",
            Operator.NOT_IN: f"{req.key} not in ({values})",
            Operator.EXISTS: f"a label {req.key}",
            Operator.DOES_NOT_EXIST: f"no label {req.key}",
        }[req.operator])
    return join_and(terms)


def pods_phrase(sel: LabelSelector | None) -> str:
    """`every pod` or `pods with app=web`."""
    return "every pod" if sel is None or sel.is_empty() else f"pods with {selector_terms(sel)}"


def namespace_phrase(names: Sequence[str] | None, sel: LabelSelector | None, own: str | None) -> str:
    """Where the pods are: `in namespace x`, `in namespaces labelled team=a`, `in every namespace`."""
    parts = []
    if names is not None:
        parts.append(f"in namespace {names[0]}" if len(names) == 1 else f"in namespaces {join_or(list(names))}")
    if sel is not None:
        if sel.is_empty():
            if names is None:
                parts.append("in every namespace")
        else:
            parts.append(("labelled " if names is not None else "in namespaces labelled ") + selector_terms(sel))
    if not parts:
        return f"in namespace {own}" if own is not None else "in every namespace"
    return " ".join(parts)


def cidr_phrase(peer: Peer) -> str:
    """`IP addresses in 10.0.0.0/8 except 10.1.0.0/16`, `any IPv4 address (0.0.0.0/0)`."""
    net = peer.network
    assert net is not None
    base = f"any IPv{net.version} address ({net})" if net.prefixlen == 0 else \
        (f"the IP address {net.network_address}" if net.prefixlen == net.max_prefixlen else f"IP addresses in {net}")
    return base + (f" except {join_and(list(peer.except_))}" if peer.except_ else "")


def fqdn_phrase(name: str) -> str:
    """An FQDN peer in words (wildcards stay within one DNS label)."""
    if name == "*":
        return "any DNS name"
    if "*" in name:
        return f"DNS names matching {name} (each * within one label)"
    return f"the DNS name {name}"


def peer_phrase(peer: Peer, own: str | None) -> str:
    """One peer in words; `own` is the namespace peers without namespaces refer to (None = every namespace)."""
    kind = peer.kind
    if kind is PeerKind.CIDR:
        return cidr_phrase(peer)
    if kind is PeerKind.FQDN:
        return fqdn_phrase(peer.fqdn or "")
    if kind is PeerKind.ENTITY:
        assert peer.entity is not None
        return ENTITY_WORDS[peer.entity]
    if kind is PeerKind.NODES:
        return "every node" if peer.nodes is None or peer.nodes.is_empty() else f"the nodes labelled {peer.nodes}"
    if kind is PeerKind.SERVICE:
        svc = peer.service
        assert svc is not None
        return f"the pods behind Service {svc.namespace or own}/{svc.name}"
    if kind is PeerKind.ENDPOINTS:
        text = f"{pods_phrase(peer.pods)} {namespace_phrase(peer.namespaceNames, peer.namespaces, own)}"
        if peer.serviceAccounts is not None:
            text += f" running as service account {join_or(list(peer.serviceAccounts))}"
        return text
    assert_never(kind)


def peers_phrase(peers: Sequence[Peer] | None, own: str | None, anything: str) -> str:
    """Peers ORed; `anything` when the list is absent or empty."""
    return anything if not peers else join_or([peer_phrase(p, own) for p in peers])


def port_phrase(port: PortSpec) -> str:
    """`TCP port 443`, `UDP ports 8000-8100`, `named port http`, `every TCP port`, `ICMP type 8 code 0`."""
    proto = "TCP, UDP and SCTP" if port.protocol is Protocol.ANY else port.protocol.value
    if port.icmp is not None:
        code = f" code {port.icmp.code}" if port.icmp.code is not None else ""
        return f"{proto} type {port.icmp.type}{code}"
    if port.port is None:
        return f"every {proto} port" if port.protocol.has_ports else f"all {proto}"
    if port.is_named:
        return f"the port named {port.port} ({proto}, resolved on the destination pod)"
    if port.is_range:
        return f"{proto} ports {port.port}-{port.endPort}"
    return f"{proto} port {port.port}"


def ports_phrase(ports: Sequence[PortSpec] | None) -> str:
    """`on TCP port 80 or UDP port 53`, or `on any port and protocol`."""
    return "on any port and protocol" if not ports else "on " + join_or([port_phrase(p) for p in ports])


def http_phrase(rules: Sequence[HTTPRule]) -> str:
    """The HTTP requests an L7 rule allows."""
    parts = []
    for r in rules:
        bits = []
        if r.method:
            bits.append(f"method {r.method}")
        if r.path:
            bits.append(f"path {r.path}")
        if r.host:
            bits.append(f"host {r.host}")
        bits.extend(f"header {h.name}" + (f"={h.value}" if h.value is not None else " present") for h in r.headers)
        parts.append(join_and(bits) if bits else "any request")
    return "only HTTP requests with " + join_or(parts) if parts else "any HTTP request"
