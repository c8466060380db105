"""Intent -> cilium.io/v2 CiliumNetworkPolicy (namespaced) or CiliumClusterwideNetworkPolicy (cluster-wide).

The intent has already been checked against the capability table and lowered (lower.py). Shapes Cilium
requires (pkg/policy/api/rule_validation.go):

* one L3 kind per rule: an intent rule whose peers mix endpoints, CIDRs, entities, DNS names or services is
  split into one Cilium rule per kind (same ports), which is the same union of peers;
* `icmps` never share a rule with `toPorts`: ICMP ports go to a sibling rule with the same peers;
* at most 40 ports per PortRule and 40 fields per ICMP rule: longer lists are chunked;
* every port carries an explicit protocol (an omitted protocol means ANY in Cilium);
* `ingress: [{}]` isolates without allowing anything; "any peer, any port" is written `fromEntities: [all]`.

Key and object order are fixed, so the output is deterministic.
"""

from __future__ import annotations

import json
from typing import Any

from backends.cilium.lower import has_fqdn, is_fqdn_dns_rule
from backends.cilium.selectors import peer_selector, subject_selector
from translator.model import (
    Action,
    Direction,
    HTTPRule,
    LabelSelector,
    NetworkIntent,
    Peer,
    PeerKind,
    PortSpec,
    Protocol,
    Rule,
)

API_VERSION = "cilium.io/v2"
CNP = "CiliumNetworkPolicy"
CCNP = "CiliumClusterwideNetworkPolicy"
DESCRIPTION_ANNOTATION = "netpolx.io/description"
"""The importer keeps a Cilium `spec.description` in this annotation; the generator writes it back."""
MAX_PORTS = 40
MAX_ICMP_FIELDS = 40
DNS_L7_RULES: dict[str, Any] = {"dns": [{"matchPattern": "*"}]}
"""The DNS rule that lets Cilium's DNS proxy see every query (and so learn the IPs of FQDN peers)."""
ICMP_FAMILY = {Protocol.ICMP: "IPv4", Protocol.ICMPV6: "IPv6"}


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _dedupe(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def port_entry(spec: PortSpec) -> dict[str, Any]:
    """One PortProtocol: `port` as a string (`"0"` = every port), `endPort` for ranges, explicit protocol."""
    entry: dict[str, Any] = {"port": "0" if spec.port is None else str(spec.port)}
    if spec.is_range:
        entry["endPort"] = spec.endPort
    entry["protocol"] = spec.protocol.value
    return entry


def http_rule(h: HTTPRule) -> dict[str, Any]:
    """One PortRuleHTTP: presence-only headers go to `headers`, headers with a value to `headerMatches`."""
    out: dict[str, Any] = {}
    for key in ("method", "path", "host"):
        value = getattr(h, key)
        if value is not None:
            out[key] = value
    present = [m.name for m in h.headers if m.value is None]
    matches = [{"name": m.name, "value": m.value} for m in h.headers if m.value is not None]
    if present:
        out["headers"] = present
    if matches:
        out["headerMatches"] = matches
    return out


def dns_rules(names: tuple[str, ...]) -> list[dict[str, str]]:
    """The `rules.dns` entries for an intent rule's DNS names: `matchPattern` with `*`, else `matchName`."""
    return [{"matchPattern" if "*" in name else "matchName": name} for name in names]


def port_parts(rule: Rule, dns_l7: bool) -> list[dict[str, Any]]:
    """The L4 halves of the Cilium rules for one intent rule: `toPorts` and/or `icmps`, or one empty part."""
    if not rule.ports:
        return [{}]
    parts: list[dict[str, Any]] = []
    l4 = _dedupe([port_entry(p) for p in rule.ports if p.protocol.has_ports])
    if l4:
        l7: dict[str, Any] | None = None
        if rule.http is not None:
            l7 = {"http": [http_rule(h) for h in rule.http]}
        elif rule.dns is not None:
            l7 = {"dns": dns_rules(rule.dns)}
        elif dns_l7:
            l7 = DNS_L7_RULES
        port_rules = [{"ports": chunk, **({"rules": l7} if l7 is not None else {})}
                      for chunk in _chunks(l4, MAX_PORTS)]
        parts.append({"toPorts": port_rules})
    fields = _dedupe([{"type": p.icmp.type, "family": ICMP_FAMILY[p.protocol]}
                      for p in rule.ports if p.icmp is not None])
    if fields:
        parts.append({"icmps": [{"fields": chunk} for chunk in _chunks(fields, MAX_ICMP_FIELDS)]})
    return parts


def node_selector(sel: LabelSelector) -> dict[str, Any]:
    """A toNodes / fromNodes selector: node labels as they are."""
    out: dict[str, Any] = {}
    if sel.matchLabels:
        out["matchLabels"] = dict(sorted(sel.matchLabels.items()))
    if sel.matchExpressions:
        out["matchExpressions"] = [{"key": r.key, "operator": r.operator.value,
                                    **({"values": list(r.values)} if r.values else {})} for r in sel.matchExpressions]
    return out


def _peer_value(peer: Peer, cluster: bool, namespace: str | None) -> Any:
    kind = peer.kind
    if kind is PeerKind.ENDPOINTS:
        return peer_selector(peer, cluster)
    if kind is PeerKind.CIDR:
        return {"cidr": peer.cidr, **({"except": list(peer.except_)} if peer.except_ else {})}
    if kind is PeerKind.ENTITY:
        assert peer.entity is not None
        return peer.entity.value
    if kind is PeerKind.NODES:
        assert peer.nodes is not None
        return node_selector(peer.nodes)
    if kind is PeerKind.FQDN:
        assert peer.fqdn is not None
        return {"matchPattern" if "*" in peer.fqdn else "matchName": peer.fqdn}
    svc = peer.service
    assert svc is not None
    return {"k8sService": {"serviceName": svc.name, "namespace": svc.namespace or namespace}}


L3_FIELD = {
    PeerKind.ENDPOINTS: "Endpoints",
    PeerKind.CIDR: "CIDRSet",
    PeerKind.ENTITY: "Entities",
    PeerKind.FQDN: "FQDNs",
    PeerKind.SERVICE: "Services",
    PeerKind.NODES: "Nodes",
}


def peer_groups(peers: tuple[Peer, ...] | None, direction: Direction, cluster: bool,
                namespace: str | None = None) -> list[dict[str, Any]]:
    """The L3 halves: one selector list per peer kind, kinds in order of first appearance; `[{}]` for any."""
    if not peers:
        return [{}]
    prefix = "from" if direction is Direction.INGRESS else "to"
    if len(peers) == 1:  # the common case: nothing to de-duplicate
        return [{prefix + L3_FIELD[peers[0].kind]: [_peer_value(peers[0], cluster, namespace)]}]
    groups: dict[PeerKind, dict[str, Any]] = {}  # kind -> canonical text -> value (linear de-duplication)
    for peer in peers:
        value = _peer_value(peer, cluster, namespace)
        groups.setdefault(peer.kind, {}).setdefault(json.dumps(value, sort_keys=True), value)
    return [{prefix + L3_FIELD[kind]: list(values.values())} for kind, values in groups.items()]


def rule_entries(rule: Rule, direction: Direction, cluster: bool, dns_l7: bool,
                 namespace: str | None = None) -> list[dict[str, Any]]:
    """The Cilium rules (ingress/egress entries) for one intent rule."""
    prefix = "from" if direction is Direction.INGRESS else "to"
    entries = []
    for group in peer_groups(rule.peers, direction, cluster, namespace):
        for part in port_parts(rule, dns_l7):
            entry = {**group, **part}
            entries.append(entry or {prefix + "Entities": ["all"]})
    return entries


def _section(intent: NetworkIntent, direction: Direction, action: Action, dns: bool) -> list[dict[str, Any]]:
    cluster = intent.is_cluster_scoped
    return [entry for rule in intent.rules(direction) if rule.action is action
            for entry in rule_entries(rule, direction, cluster, dns and is_fqdn_dns_rule(rule),
                                      intent.metadata.namespace)]


def spec_of(intent: NetworkIntent) -> dict[str, Any] | None:
    """The rule (`spec`) for one intent, or None when the intent neither isolates nor has rules."""
    subject = intent.spec.subject
    dns = has_fqdn(intent)
    sections: dict[str, list[dict[str, Any]]] = {}
    default_deny: dict[str, bool] = {}
    for direction in Direction:
        allow = _section(intent, direction, Action.ALLOW, dns and direction is Direction.EGRESS)
        deny = _section(intent, direction, Action.DENY, False)
        isolates = intent.isolates(direction)
        if isolates and not allow and not deny:
            allow = [{}]
        if not isolates and (allow or deny):
            default_deny[direction.value] = False
        if allow:
            sections[direction.value] = allow
        if deny:
            sections[direction.value + "Deny"] = deny
    if not sections:
        return None
    spec: dict[str, Any] = {}
    description = intent.metadata.annotations.get(DESCRIPTION_ANNOTATION)
    if description:
        spec["description"] = description
    spec["endpointSelector"] = subject_selector(subject.pods, subject.namespaces, subject.serviceAccounts,
                                                intent.is_cluster_scoped)
    if default_deny:
        spec["enableDefaultDeny"] = default_deny
    spec.update(sections)
    return spec


def metadata_of(intent: NetworkIntent) -> dict[str, Any]:
    """Object metadata: name, namespace (CNP only), labels and annotations."""
    meta: dict[str, Any] = {"name": intent.metadata.name}
    if not intent.is_cluster_scoped:
        meta["namespace"] = intent.metadata.namespace
    if intent.metadata.labels:
        meta["labels"] = dict(sorted(intent.metadata.labels.items()))
    annotations = {k: v for k, v in sorted(intent.metadata.annotations.items()) if k != DESCRIPTION_ANNOTATION}
    if annotations:
        meta["annotations"] = annotations
    return meta


def generate(intent: NetworkIntent) -> list[dict[str, Any]]:
    """The CNP or CCNP for one checked, lowered intent (none when the intent has no effect)."""
    spec = spec_of(intent)
    if spec is None:
        return []
    kind = CCNP if intent.is_cluster_scoped else CNP
    return [{"apiVersion": API_VERSION, "kind": kind, "metadata": metadata_of(intent), "spec": spec}]
