"""The `allowDNS` switch: the DNS egress that default-deny egress needs (the seed's "lessons learned")."""

from __future__ import annotations

from translator.model.intent import NetworkIntent
from translator.model.peers import Peer
from translator.model.ports import PortSpec, Protocol
from translator.model.rule import Direction, Rule
from translator.model.selector import LabelSelector

KUBE_DNS_NAMESPACE = "kube-system"
KUBE_DNS_LABELS = {"k8s-app": "kube-dns"}

DNS_PEER = Peer(pods=LabelSelector(matchLabels=KUBE_DNS_LABELS), namespaceNames=(KUBE_DNS_NAMESPACE,))
DNS_PORTS = (PortSpec(protocol=Protocol.UDP, port=53), PortSpec(protocol=Protocol.TCP, port=53))
DNS_RULE = Rule(peers=(DNS_PEER,), ports=DNS_PORTS, description="DNS to kube-dns (allowDNS)")


def is_dns_rule(rule: Rule) -> bool:
    """Whether `rule` only allows port 53 to a set of pods (what engines treat as the DNS egress rule)."""
    return (
        rule.action.value == "allow"
        and bool(rule.peers)
        and all(p.kind.value == "endpoints" for p in rule.peers or ())
        and bool(rule.ports)
        and all(p.port == 53 and p.endPort in (None, 53) for p in rule.ports or ())
    )


def expand_dns(intent: NetworkIntent) -> NetworkIntent:
    """The same intent with `allowDNS` written out as an explicit egress rule (and egress isolated)."""
    if not intent.spec.allowDNS:
        return intent
    egress = intent.spec.egress or ()
    if DNS_RULE not in egress:
        egress = (*egress, DNS_RULE)
    isolate = intent.spec.isolate
    if isolate is not None and Direction.EGRESS not in isolate:
        isolate = (*isolate, Direction.EGRESS)
    elif isolate is None:
        # Keep isolation as it was: ingress only if the intent had an ingress section.
        isolate = tuple(d for d in Direction if intent.has_section(d) or d is Direction.EGRESS)
    spec = intent.spec.model_copy(update={"egress": egress, "allowDNS": False, "isolate": isolate})
    return intent.model_copy(update={"spec": spec})
