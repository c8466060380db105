"""The Feature vocabulary, and which features an intent uses (with the field path of each use)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from typing import assert_never

from translator.model import (
    Action,
    Direction,
    Entity,
    LabelSelector,
    NetworkIntent,
    Peer,
    PeerKind,
    PortSpec,
    Protocol,
    Rule,
)


class Feature(str, Enum):
    """Something an intent can say. Every backend declares how it supports each one."""

    # Subjects and scope
    POD_SELECTOR = "pod-selector"
    NEGATIVE_SELECTOR = "negative-selector"
    CLUSTER_SCOPE = "cluster-scope"
    SUBJECT_NAMESPACE_SELECTOR = "subject-namespace-selector"
    SUBJECT_SERVICE_ACCOUNT = "subject-service-account"
    # Isolation and actions
    DEFAULT_DENY = "default-deny"
    NON_ISOLATING_RULES = "non-isolating-rules"
    DENY_RULE = "deny-rule"
    PASS_RULE = "pass-rule"
    LOG_RULE = "log-rule"
    ORDERED = "ordered"
    TIER = "tier"
    # Peers
    PEER_PODS = "peer-pods"
    PEER_NAMESPACE_SELECTOR = "peer-namespace-selector"
    PEER_NAMESPACE_NAMES = "peer-namespace-names"
    PEER_ALL_NAMESPACES = "peer-all-namespaces"
    PEER_NEGATIVE_NAMESPACE_SELECTOR = "peer-negative-namespace-selector"
    PEER_SERVICE_ACCOUNT = "peer-service-account"
    PEER_NODES = "peer-nodes"
    CIDR = "cidr"
    CIDR_EXCEPT = "cidr-except"
    IPV6 = "ipv6"
    FQDN_EXACT = "fqdn-exact"
    FQDN_WILDCARD = "fqdn-wildcard"
    ENTITY_ALL = "entity-all"
    ENTITY_WORLD = "entity-world"
    ENTITY_CLUSTER = "entity-cluster"
    ENTITY_NODE = "entity-node"
    ENTITY_KUBE_APISERVER = "entity-kube-apiserver"
    ENTITY_OTHER = "entity-other"
    SERVICE_PEER = "service-peer"
    NEGATED_PEER = "negated-peer"
    # Ports
    PORT_NUMBER = "port-number"
    NAMED_PORT = "named-port"
    PORT_RANGE = "port-range"
    PROTOCOL_UDP = "protocol-udp"
    PROTOCOL_SCTP = "protocol-sctp"
    PROTOCOL_ICMP = "protocol-icmp"
    PROTOCOL_ANY = "protocol-any"
    NEGATED_PORT = "negated-port"
    # Layer 7
    L7_HTTP = "l7-http"
    L7_HTTP_HOST_HEADERS = "l7-http-host-headers"
    L7_HTTP_EGRESS = "l7-http-egress"
    # Conveniences
    DNS_ALLOW = "dns-allow"
    DNS_PROXY = "dns-proxy"
    DNS_NAMES = "dns-names"

    @property
    def description(self) -> str:
        """A short human description (used in the capability matrix)."""
        return DESCRIPTIONS[self]


DESCRIPTIONS: dict[Feature, str] = {
    Feature.POD_SELECTOR: "select pods by labels (matchLabels, In, Exists)",
    Feature.NEGATIVE_SELECTOR: "NotIn / DoesNotExist in a pod selector",
    Feature.CLUSTER_SCOPE: "cluster-wide intent",
    Feature.SUBJECT_NAMESPACE_SELECTOR: "cluster-wide intent limited to namespaces by labels",
    Feature.SUBJECT_SERVICE_ACCOUNT: "select pods by service account",
    Feature.DEFAULT_DENY: "default deny (isolation) per direction",
    Feature.NON_ISOLATING_RULES: "rules that add allows without isolating",
    Feature.DENY_RULE: "explicit deny rules",
    Feature.PASS_RULE: "pass to the next tier",
    Feature.LOG_RULE: "log rules (no traffic effect)",
    Feature.ORDERED: "ordered (first-match) intents",
    Feature.TIER: "tiers",
    Feature.PEER_PODS: "peer pods by labels",
    Feature.PEER_NAMESPACE_SELECTOR: "peer namespaces by labels",
    Feature.PEER_NAMESPACE_NAMES: "peer namespaces by name",
    Feature.PEER_ALL_NAMESPACES: "peer pods in all namespaces",
    Feature.PEER_NEGATIVE_NAMESPACE_SELECTOR: "NotIn / DoesNotExist in a namespace selector",
    Feature.PEER_SERVICE_ACCOUNT: "peer pods by service account",
    Feature.PEER_NODES: "nodes selected by their labels",
    Feature.CIDR: "IP blocks",
    Feature.CIDR_EXCEPT: "IP blocks with except",
    Feature.IPV6: "IPv6 blocks",
    Feature.FQDN_EXACT: "egress to an exact DNS name",
    Feature.FQDN_WILDCARD: "egress to a wildcard DNS name",
    Feature.ENTITY_ALL: "entity all (any endpoint)",
    Feature.ENTITY_WORLD: "entity world (outside the cluster)",
    Feature.ENTITY_CLUSTER: "entity cluster",
    Feature.ENTITY_NODE: "entities host / remote-node",
    Feature.ENTITY_KUBE_APISERVER: "entity kube-apiserver",
    Feature.ENTITY_OTHER: "other entities (ingress, health, init, unmanaged)",
    Feature.SERVICE_PEER: "peer Kubernetes Service by name",
    Feature.NEGATED_PEER: "negated peers (notPeers)",
    Feature.PORT_NUMBER: "numeric ports",
    Feature.NAMED_PORT: "named ports",
    Feature.PORT_RANGE: "port ranges",
    Feature.PROTOCOL_UDP: "UDP",
    Feature.PROTOCOL_SCTP: "SCTP",
    Feature.PROTOCOL_ICMP: "ICMP / ICMPv6 with type and code",
    Feature.PROTOCOL_ANY: "protocol ANY (TCP+UDP+SCTP)",
    Feature.NEGATED_PORT: "negated ports (notPorts)",
    Feature.L7_HTTP: "L7 HTTP method and path",
    Feature.L7_HTTP_HOST_HEADERS: "L7 HTTP host and headers",
    Feature.L7_HTTP_EGRESS: "L7 HTTP on egress",
    Feature.DNS_ALLOW: "allowDNS switch",
    Feature.DNS_PROXY: "DNS queries inspected, every name allowed (dns: ['*'])",
    Feature.DNS_NAMES: "DNS names the pods may look up (dns: [names])",
}


@dataclass(frozen=True)
class Use:
    """One use of a feature in an intent: where (field path), and in which direction if any."""

    feature: Feature
    path: tuple[str | int, ...]
    direction: Direction | None = None


ENTITY_FEATURES: dict[Entity, Feature] = {
    Entity.ALL: Feature.ENTITY_ALL,
    Entity.WORLD: Feature.ENTITY_WORLD,
    Entity.CLUSTER: Feature.ENTITY_CLUSTER,
    Entity.HOST: Feature.ENTITY_NODE,
    Entity.REMOTE_NODE: Feature.ENTITY_NODE,
    Entity.KUBE_APISERVER: Feature.ENTITY_KUBE_APISERVER,
}


def features_used(intent: NetworkIntent) -> Iterator[Use]:
    """Every feature the intent uses, with the path of the field that uses it."""
    spec = intent.spec
    yield from _selector_uses(spec.subject.pods, ("spec", "subject", "pods"), Feature.POD_SELECTOR)
    if intent.is_cluster_scoped:
        yield Use(Feature.CLUSTER_SCOPE, ("spec", "scope"))
    if spec.subject.namespaces is not None:
        yield Use(Feature.SUBJECT_NAMESPACE_SELECTOR, ("spec", "subject", "namespaces"))
    if spec.subject.serviceAccounts is not None:
        yield Use(Feature.SUBJECT_SERVICE_ACCOUNT, ("spec", "subject", "serviceAccounts"))
    if spec.allowDNS:
        yield Use(Feature.DNS_ALLOW, ("spec", "allowDNS"))
    if spec.order is not None:
        yield Use(Feature.ORDERED, ("spec", "order"))
    if spec.tier is not None:
        yield Use(Feature.TIER, ("spec", "tier"))
    for direction in Direction:
        section: tuple[str | int, ...] = ("spec", direction.value)
        if intent.isolates(direction):
            yield Use(Feature.DEFAULT_DENY, ("spec", "isolate") if spec.isolate is not None else section, direction)
        elif intent.rules(direction):
            yield Use(Feature.NON_ISOLATING_RULES, ("spec", "isolate") if spec.isolate is not None else section,
                      direction)
        for i, rule in enumerate(intent.rules(direction)):
            yield from _rule_uses(rule, (*section, i), direction)


def _rule_uses(rule: Rule, path: tuple[str | int, ...], direction: Direction) -> Iterator[Use]:
    action_feature = {Action.DENY: Feature.DENY_RULE, Action.PASS: Feature.PASS_RULE, Action.LOG: Feature.LOG_RULE}
    if rule.action in action_feature:
        yield Use(action_feature[rule.action], (*path, "action"), direction)
    for j, peer in enumerate(rule.peers or ()):
        yield from _peer_uses(peer, (*path, "peers", j), direction)
    if rule.notPeers:
        yield Use(Feature.NEGATED_PEER, (*path, "notPeers"), direction)
        for j, peer in enumerate(rule.notPeers):
            yield from _peer_uses(peer, (*path, "notPeers", j), direction)
    for j, port in enumerate(rule.ports or ()):
        yield from _port_uses(port, (*path, "ports", j), direction)
    if rule.notPorts:
        yield Use(Feature.NEGATED_PORT, (*path, "notPorts"), direction)
        for j, port in enumerate(rule.notPorts):
            yield from _port_uses(port, (*path, "notPorts", j), direction)
    if rule.dns is not None:
        yield Use(Feature.DNS_PROXY if rule.dns == ("*",) else Feature.DNS_NAMES, (*path, "dns"), direction)
    if rule.http is not None:
        yield Use(Feature.L7_HTTP, (*path, "http"), direction)
        if direction is Direction.EGRESS:
            yield Use(Feature.L7_HTTP_EGRESS, (*path, "http"), direction)
        for j, h in enumerate(rule.http):
            if h.host is not None or h.headers:
                yield Use(Feature.L7_HTTP_HOST_HEADERS, (*path, "http", j), direction)


def _selector_uses(sel: LabelSelector | None, path: tuple[str | int, ...], base: Feature,
                   negative: Feature = Feature.NEGATIVE_SELECTOR, direction: Direction | None = None) -> Iterator[Use]:
    if sel is None:
        return
    yield Use(base, path, direction)
    if sel.uses_negative_operators():
        yield Use(negative, path, direction)


def _peer_uses(peer: Peer, path: tuple[str | int, ...], direction: Direction) -> Iterator[Use]:
    kind = peer.kind
    if kind is PeerKind.ENDPOINTS:
        yield from _selector_uses(peer.pods, (*path, "pods"), Feature.PEER_PODS, direction=direction)
        if peer.namespaces is not None:
            feature = Feature.PEER_ALL_NAMESPACES if peer.namespaces.is_empty() else Feature.PEER_NAMESPACE_SELECTOR
            yield from _selector_uses(peer.namespaces, (*path, "namespaces"), feature,
                                      Feature.PEER_NEGATIVE_NAMESPACE_SELECTOR, direction)
        if peer.namespaceNames is not None:
            yield Use(Feature.PEER_NAMESPACE_NAMES, (*path, "namespaceNames"), direction)
        if peer.serviceAccounts is not None:
            yield Use(Feature.PEER_SERVICE_ACCOUNT, (*path, "serviceAccounts"), direction)
    elif kind is PeerKind.CIDR:
        yield Use(Feature.CIDR, (*path, "cidr"), direction)
        if peer.except_:
            yield Use(Feature.CIDR_EXCEPT, (*path, "except"), direction)
        if peer.network is not None and peer.network.version == 6:
            yield Use(Feature.IPV6, (*path, "cidr"), direction)
    elif kind is PeerKind.FQDN:
        feature = Feature.FQDN_WILDCARD if peer.is_wildcard_fqdn else Feature.FQDN_EXACT
        yield Use(feature, (*path, "fqdn"), direction)
    elif kind is PeerKind.NODES:
        yield Use(Feature.PEER_NODES, (*path, "nodes"), direction)
    elif kind is PeerKind.ENTITY:
        assert peer.entity is not None
        yield Use(ENTITY_FEATURES.get(peer.entity, Feature.ENTITY_OTHER), (*path, "entity"), direction)
    elif kind is PeerKind.SERVICE:
        yield Use(Feature.SERVICE_PEER, (*path, "service"), direction)
    else:
        assert_never(kind)


def _port_uses(port: PortSpec, path: tuple[str | int, ...], direction: Direction) -> Iterator[Use]:
    proto = {Protocol.UDP: Feature.PROTOCOL_UDP, Protocol.SCTP: Feature.PROTOCOL_SCTP,
             Protocol.ICMP: Feature.PROTOCOL_ICMP, Protocol.ICMPV6: Feature.PROTOCOL_ICMP,
             Protocol.ANY: Feature.PROTOCOL_ANY}
    if port.protocol in proto:
        yield Use(proto[port.protocol], (*path, "protocol"), direction)
    if port.is_named:
        yield Use(Feature.NAMED_PORT, (*path, "port"), direction)
    elif port.port is not None:
        yield Use(Feature.PORT_NUMBER, (*path, "port"), direction)
    if port.endPort is not None:
        yield Use(Feature.PORT_RANGE, (*path, "endPort"), direction)
