"""What vanilla networking.k8s.io/v1 NetworkPolicy can express (engines.md §1 and §2.1)."""

from __future__ import annotations

from translator import codes
from translator.capabilities import Capability, Support, lowered, native, no
from translator.features import Feature

F = Feature
NO_DENY = "NetworkPolicy only adds allows; there is no deny"

CAPABILITIES: dict[Feature, Capability] = {
    F.POD_SELECTOR: native("podSelector"),
    F.NEGATIVE_SELECTOR: native("matchExpressions NotIn / DoesNotExist"),
    F.CLUSTER_SCOPE: no("NetworkPolicy is namespaced; use one intent per namespace"),
    F.SUBJECT_NAMESPACE_SELECTOR: no("NetworkPolicy is namespaced"),
    F.SUBJECT_SERVICE_ACCOUNT: no("NetworkPolicy cannot select pods by service account"),
    F.DEFAULT_DENY: native("policyTypes"),
    F.NON_ISOLATING_RULES: no("rules always isolate the direction they are in (policyTypes)"),
    F.DENY_RULE: no(NO_DENY),
    F.PASS_RULE: no("NetworkPolicy has no tiers or pass"),
    F.LOG_RULE: lowered("log rules have no traffic effect and are dropped"),
    F.ORDERED: lowered("order has no effect when every rule allows (union of allows)"),
    F.TIER: no("NetworkPolicy has no tiers"),
    F.PEER_PODS: native("podSelector"),
    F.PEER_NAMESPACE_SELECTOR: native("namespaceSelector"),
    F.PEER_NAMESPACE_NAMES: native("namespaceSelector on kubernetes.io/metadata.name"),
    F.PEER_ALL_NAMESPACES: native("namespaceSelector: {}"),
    F.PEER_NEGATIVE_NAMESPACE_SELECTOR: native("namespaceSelector NotIn / DoesNotExist"),
    F.PEER_SERVICE_ACCOUNT: no("NetworkPolicy cannot select peers by service account"),
    F.CIDR: native("ipBlock"),
    F.CIDR_EXCEPT: native("ipBlock.except"),
    F.IPV6: native("ipBlock with an IPv6 CIDR"),
    F.FQDN_EXACT: no("NetworkPolicy has no DNS-name peers"),
    F.FQDN_WILDCARD: no("NetworkPolicy has no DNS-name peers"),
    F.ENTITY_ALL: lowered("a rule without from/to"),
    F.ENTITY_WORLD: no("an ipBlock would also match pod IPs; there is no 'outside the cluster' peer"),
    F.ENTITY_CLUSTER: no("namespaceSelector: {} matches pods only, not nodes"),
    F.ENTITY_NODE: no("nodes cannot be selected portably"),
    F.PEER_NODES: no("nodes cannot be selected portably"),
    F.ENTITY_KUBE_APISERVER: no("the API server cannot be selected portably"),
    F.ENTITY_OTHER: no("no equivalent"),
    F.SERVICE_PEER: no("NetworkPolicy selects pods, not Services"),
    F.NEGATED_PEER: no("NetworkPolicy has no negated peers"),
    F.PORT_NUMBER: native("port"),
    F.NAMED_PORT: native("named container port"),
    F.PORT_RANGE: Capability(Support.NATIVE, "endPort (GA in Kubernetes 1.25)"),
    F.PROTOCOL_UDP: native("protocol: UDP"),
    F.PROTOCOL_SCTP: native("protocol: SCTP"),
    F.PROTOCOL_ICMP: no("NetworkPolicy has no ICMP"),
    F.PROTOCOL_ANY: lowered("one port entry per protocol TCP, UDP, SCTP"),
    F.NEGATED_PORT: no("NetworkPolicy has no negated ports"),
    F.L7_HTTP: no("NetworkPolicy is L3/L4 only; dropping the HTTP match would allow every request"),
    F.L7_HTTP_HOST_HEADERS: no("NetworkPolicy is L3/L4 only"),
    F.L7_HTTP_EGRESS: no("NetworkPolicy is L3/L4 only"),
    F.DNS_ALLOW: lowered("written out as an egress rule to kube-dns on UDP/TCP 53"),
    F.DNS_PROXY: lowered("every name may be looked up, and NetworkPolicy allows the rule's port 53 traffic without "
                         "looking into it: the same"),
    F.DNS_NAMES: Capability(Support.NOT_EXPRESSIBLE, "NetworkPolicy cannot filter DNS queries by name: without the "
                            "names the pods could resolve every name, more than the source allows (--allow-widening "
                            "drops them)", code_override=codes.WIDENED),
}
