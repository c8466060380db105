"""From a point of the difference to a concrete cluster: the smallest witness, replayed by the evaluator.

A satisfying path of the difference diagram fixes some variables to one class; every other variable is free.
The witness picks the cheapest path (fewest labels, no Service membership, no DNS name, named namespaces before
fresh ones) and the simplest value of each class, and writes it as a two-endpoint cluster file that `reach` reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from translator.cluster.model import ApiServer, Cluster, ContainerPort, External, Namespace, Node, Pod, Probe, Service
from translator.proof.space import (
    API_EXTERNAL,
    API_NODE,
    EXTERNAL,
    NODES,
    OTHER,
    POD,
    PORT_PROTOCOLS,
    PROTOCOLS,
    V6_OFFSET,
    Space,
    address_point,
    address_text,
)

SERVICE_LABEL = "netpolx.io/service"
SIDE_NAMES = {"src": "client", "dst": "server"}
PREFERRED_ADDRESSES = ("10.0.0.1", "10.0.0.2", "192.0.2.1", "192.0.2.2", "2001:db8::1", "2001:db8::2")
_PREFERRED_POINTS = tuple(address_point(a) for a in PREFERRED_ADDRESSES)


def class_cost(space: Space, v: int, c: int) -> float:
    """How much choosing class `c` of variable `v` adds to a witness (labels and special cases cost)."""
    var = space.vars[v]
    dim = var.dim
    if dim in ("namespace-label", "pod-label"):
        return 0.0 if c == 0 else 1.0
    if dim == "kind":
        return 0.0 if c == POD else 0.4 + 0.1 * c
    if dim == "namespace":
        return 0.0 if c < len(space.namespaces) else 0.25
    if dim in ("service", "named-port"):
        return 0.5 * c
    if dim == "dns-name":
        return 0.0 if c == 0 else 0.5
    if dim == "icmp-code":
        return 0.0 if c == len(space.codes) else 5.0
    if dim == "proto":
        return 0.1 * c
    if dim == "service-account":
        return 0.0 if c == len(space.accounts) else 0.5
    if dim == "address":
        lo, hi = space.address_interval(c)
        return 0.0 if any(lo <= p <= hi for p in _PREFERRED_POINTS) else 0.1
    return 0.0


@dataclass
class Point:
    """A concrete connection: the cluster with its two endpoints, and the probe."""

    cluster: Cluster
    src: str
    dst: str
    probe: Probe
    icmp_code: int | None = None
    """A named ICMP code the difference needs (a probe carries a code no rule names, so it cannot replay)."""

    def cluster_data(self) -> dict[str, Any]:
        """The cluster in the contract's file form (what `reach --cluster` reads)."""
        return self.cluster.dump()


def realize(space: Space, assignment: dict[int, int]) -> Point:
    """The concrete connection of a (partial) assignment; free variables take their cheapest class."""
    def cls(dim: str, side: str = "", key: str = "") -> int:
        v = space.var(dim, side, key)
        found = assignment.get(v)
        if found is None:
            found = min(range(len(space.vars[v].classes)), key=lambda c: class_cost(space, v, c))
        return found

    proto_c = cls("proto")
    protocol = PROTOCOLS[proto_c]
    lo, _hi = space.port_interval(cls("port"))
    if proto_c in PORT_PROTOCOLS:
        port = max(lo, 1)
    else:
        port = min(lo, 255)
    code_c = cls("icmp-code")
    icmp_code = space.codes[code_c] if code_c < len(space.codes) else None
    probe = Probe(port, protocol)

    namespaces: dict[str, dict[str, str]] = {}
    pods: list[Pod] = []
    externals: list[External] = []
    nodes: list[Node] = []
    apis: list[ApiServer] = []
    services: dict[str, Service] = {}
    used_ips: set[str] = set()
    names: dict[str, str] = {}
    node_of: dict[str, str] = {}
    for side in ("src", "dst"):
        ip = _address(space, space.address_interval(cls("address", side)), used_ips)
        used_ips.add(ip)
        kind = cls("kind", side)
        base = SIDE_NAMES[side]
        if kind == EXTERNAL:
            fq = cls("dns-name", side)
            fqdn = space.fqdn_table[fq - 1][1] if fq > 0 else None
            externals.append(External(name=f"{base}-external", ip=ip, fqdn=fqdn))
            names[side] = f"{base}-external"
            continue
        if kind == API_EXTERNAL:
            apis.append(ApiServer(name=f"{base}-apiserver", ip=ip))
            names[side] = f"{base}-apiserver"
            continue
        ports = _named_ports(space, cls, side, proto_c, port, protocol)
        if kind in NODES:
            node_labels = {key: value for key, values in space.node_values.items()
                           if (value := _label_value(values, cls("node-label", side, key))) is not None}
            node = Node(name=f"{base}-node", ip=ip, labels=node_labels)
            nodes.append(node)
            node_of[side] = node.name
            names[side] = node.id
            if kind == API_NODE:
                apis.append(ApiServer(name=f"{base}-apiserver", ip=ip))
            if ports:  # a node with a named port: a host-network pod there
                host = Pod(namespace="kube-system", name=f"{base}-hostnet", hostNetwork=True, nodeName=node.name,
                           ports=tuple(ports))
                namespaces.setdefault("kube-system", {})
                pods.append(host)
                names[side] = host.id
            continue
        ns_c = cls("namespace", side)
        ns = space.namespaces[ns_c] if ns_c < len(space.namespaces) else f"{OTHER}-{base}"
        labels = namespaces.setdefault(ns, {})
        for key, values in space.ns_values.items():
            v = space.var("namespace-label", side, key)
            if v in assignment or key not in labels:
                value = _label_value(values, cls("namespace-label", side, key))
                if value is None:
                    labels.pop(key, None)
                else:
                    labels[key] = value
        pod_labels: dict[str, str] = {}
        for key, values in space.pod_values.items():
            value = _label_value(values, cls("pod-label", side, key))
            if value is not None:
                pod_labels[key] = value
        for i, (svc_ns, svc_name) in enumerate(space.services):
            if cls("service", side, f"{svc_ns}/{svc_name}") == 1:
                pod_labels[f"{SERVICE_LABEL}-{i}"] = "member"
        sa_c = cls("service-account", side)
        account = space.accounts[sa_c] if sa_c < len(space.accounts) else _fresh_account(space)
        pod = Pod(namespace=ns, name=base, labels=pod_labels, ip=ip, ports=tuple(ports),
                  serviceAccount=None if account == "default" else account)
        pods.append(pod)
        names[side] = pod.id
    if cls("own-node") == 1 and len(node_of) == 1:
        node_name = next(iter(node_of.values()))
        pods = [p.model_copy(update={"nodeName": node_name}) if not p.hostNetwork else p for p in pods]
    for i, (svc_ns, svc_name) in enumerate(space.services):
        services[f"{svc_ns}/{svc_name}"] = Service(namespace=svc_ns, name=svc_name,
                                                   selector={f"{SERVICE_LABEL}-{i}": "member"})
    cluster = Cluster([Namespace(name=n, labels=lab) for n, lab in namespaces.items()], pods, externals, [probe],
                      list(services.values()), nodes=nodes, api_servers=apis)
    return Point(cluster, names["src"], names["dst"], probe, icmp_code)


def _named_ports(space: Space, cls: Callable[..., int], side: str, proto_c: int, port: int,
                 protocol: str) -> list[ContainerPort]:
    """The destination's container ports that the assignment says match the connection."""
    if side != "dst" or proto_c not in PORT_PROTOCOLS:
        return []
    return [ContainerPort(name=key, port=port, protocol=protocol) for key in sorted(space.facts.named_ports)
            if cls("named-port", "dst", key) == 1]


def _label_value(values: list[str], c: int) -> str | None:
    if c == 0:
        return None
    if c <= len(values):
        return values[c - 1]
    other = OTHER
    while other in values:
        other += "-x"
    return other


def _fresh_account(space: Space) -> str:
    if "default" not in space.accounts:
        return "default"
    other = OTHER
    while other in space.accounts:
        other += "-x"
    return other


def _address(space: Space, interval: tuple[int, int], used: set[str]) -> str:
    lo, hi = interval
    for text in PREFERRED_ADDRESSES:
        if text not in used and lo <= address_point(text) <= hi:
            return text
    for point in (lo + 1, lo, lo + 2, hi):
        if lo <= point <= hi and (point < V6_OFFSET) == (lo < V6_OFFSET):
            text = address_text(point)
            if text not in used:
                return text
    return address_text(lo)
