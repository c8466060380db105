"""The neutral intent model (pydantic v2, frozen). See docs/intent.md for its meaning."""

from __future__ import annotations

from translator.model.dns import DNS_PEER, DNS_PORTS, DNS_RULE, expand_dns, is_dns_rule
from translator.model.entities import Entity
from translator.model.intent import (
    API_VERSION,
    DEFAULT_TIER,
    DEFAULT_TIER_ORDER,
    KIND,
    IntentSpec,
    Metadata,
    NetworkIntent,
    Scope,
    Subject,
    Tier,
)
from translator.model.l7 import HeaderMatch, HTTPRule
from translator.model.peers import (
    Network,
    Peer,
    PeerKind,
    ServiceRef,
    dns_name_covers,
    namespace_selector,
    network_minus,
    network_within,
    parse_network,
)
from translator.model.ports import PORT_PROTOCOLS, ICMPMatch, PortSpec, Protocol
from translator.model.rule import Action, Direction, Rule
from translator.model.selector import EMPTY_SELECTOR, LabelSelector, Operator, Requirement, selector_json

__all__ = [
    "API_VERSION", "DEFAULT_TIER", "DEFAULT_TIER_ORDER", "DNS_PEER", "DNS_PORTS", "DNS_RULE", "EMPTY_SELECTOR", "KIND",
    "PORT_PROTOCOLS", "Action", "Direction", "Entity", "HTTPRule", "HeaderMatch", "ICMPMatch", "IntentSpec",
    "LabelSelector", "Metadata", "Network", "NetworkIntent", "Operator", "Peer", "PeerKind", "PortSpec", "Protocol",
    "Requirement", "Rule", "Scope", "ServiceRef", "Subject", "Tier", "dns_name_covers", "expand_dns", "is_dns_rule",
    "namespace_selector", "network_minus", "network_within", "parse_network", "selector_json",
]
