"""Intent -> networking.k8s.io/v1 NetworkPolicy."""

from __future__ import annotations

from typing import Any

from translator.model import (
    Action,
    Direction,
    Entity,
    NetworkIntent,
    Peer,
    PeerKind,
    PortSpec,
    Protocol,
    Rule,
    namespace_selector,
    selector_json,
)
from translator.model.labels import NAMESPACE_NAME_LABEL

API_VERSION = "networking.k8s.io/v1"


def peer(p: Peer) -> dict[str, Any]:
    """One NetworkPolicyPeer."""
    if p.kind is PeerKind.CIDR:
        block: dict[str, Any] = {"cidr": p.cidr}
        if p.except_:
            block["except"] = list(p.except_)
        return {"ipBlock": block}
    out: dict[str, Any] = {}
    ns = namespace_selector(p)
    if ns is not None:
        out["namespaceSelector"] = selector_json(ns)
    if p.pods is not None:
        out["podSelector"] = selector_json(p.pods)
    return out


def ports(specs: tuple[PortSpec, ...]) -> list[dict[str, Any]]:
    """NetworkPolicyPorts; protocol ANY becomes one entry per protocol, protocol always explicit."""
    out: list[dict[str, Any]] = []
    for spec in specs:
        for proto in spec.protocol.expand():
            entry: dict[str, Any] = {"protocol": proto.value}
            if spec.port is not None:
                entry["port"] = spec.port
            if spec.endPort is not None and spec.is_range:
                entry["endPort"] = spec.endPort
            out.append(entry)
    return out


def expressible(p: Peer) -> bool:
    """Whether NetworkPolicy has a peer for `p` (the capability check refuses the others)."""
    if p.kind is PeerKind.CIDR:
        return True
    return p.kind is PeerKind.ENDPOINTS and p.serviceAccounts is None


def rule(r: Rule, direction: Direction) -> dict[str, Any] | None:
    """One NetworkPolicyIngressRule / EgressRule; None when none of its peers can be written (only reachable
    under --error-level warn, where the user accepted that refused parts are left out)."""
    out: dict[str, Any] = {}
    peers = r.peers or ()
    if peers and not any(p.kind is PeerKind.ENTITY and p.entity is Entity.ALL for p in peers):
        written = [peer(p) for p in peers if expressible(p)]
        if not written:
            return None  # dropping the peers would allow every peer: leave the rule out instead
        out["from" if direction is Direction.INGRESS else "to"] = written
    if r.ports:
        out["ports"] = ports(r.ports)
    return out


def generate(intent: NetworkIntent) -> list[dict[str, Any]]:
    """The NetworkPolicy for one intent; none when the intent has no effect."""
    types = [d for d in Direction if intent.isolates(d)]
    if not types:
        return []
    spec: dict[str, Any] = {"podSelector": selector_json(intent.spec.subject.pods),
                            "policyTypes": [d.value.capitalize() for d in types]}
    for direction in types:
        rules = [x for r in intent.rules(direction) if r.action is Action.ALLOW if (x := rule(r, direction))
                 is not None]
        if rules:
            spec[direction.value] = rules
    meta: dict[str, Any] = {"name": intent.metadata.name, "namespace": intent.metadata.namespace}
    if intent.metadata.labels:
        meta["labels"] = dict(intent.metadata.labels)
    if intent.metadata.annotations:
        meta["annotations"] = dict(intent.metadata.annotations)
    return [{"apiVersion": API_VERSION, "kind": "NetworkPolicy", "metadata": meta, "spec": spec}]


__all__ = ["API_VERSION", "NAMESPACE_NAME_LABEL", "Protocol", "generate", "peer", "ports", "rule"]
