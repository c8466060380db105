"""What open-source Calico (projectcalico.org/v3 NetworkPolicy and GlobalNetworkPolicy) can express
(engines.md §1, §2.3-2.4; api/pkg/apis/projectcalico/v3/policy_common.go). Context-dependent refinements (world
only in GlobalNetworkPolicy, Services only as ingress sources, FQDN with the enterprise edition, HTTP with
application layer policy) are in CalicoBackend.support_for and CalicoBackend.check."""

from __future__ import annotations

from translator import codes
from translator.capabilities import Capability, Support, lowered, native, no
from translator.features import Feature

F = Feature

ENTERPRISE_NOTE = "destination.domains exist only in Calico Enterprise / Cloud (target setting edition=enterprise)"
ALP_NOTE = ("HTTP matches are enforced only with application layer policy (target setting alp=true); otherwise "
            "Calico would allow every request on the rule's ports")

CAPABILITIES: dict[Feature, Capability] = {
    F.POD_SELECTOR: native("selector expression"),
    F.NEGATIVE_SELECTOR: native("'not in' / '!has()' (also match pods without the label, as in Kubernetes)"),
    F.CLUSTER_SCOPE: native("GlobalNetworkPolicy"),
    F.SUBJECT_NAMESPACE_SELECTOR: native("GlobalNetworkPolicy spec.namespaceSelector"),
    F.SUBJECT_SERVICE_ACCOUNT: native("serviceAccountSelector on projectcalico.org/name"),
    F.DEFAULT_DENY: native("types; a tier's end denies what no rule decided"),
    F.NON_ISOLATING_RULES: lowered("a trailing Pass rule (or Pass policy) after every other policy of the tier"),
    F.DENY_RULE: native("action: Deny (deny rules of unordered intents are placed before their allow rules)"),
    F.PASS_RULE: native("action: Pass"),
    F.LOG_RULE: native("action: Log"),
    F.ORDERED: native("order"),
    F.TIER: Capability(Support.NATIVE, "tier (the Tier object must exist)", since=(3, 29)),
    F.PEER_PODS: native("source/destination selector"),
    F.PEER_NAMESPACE_SELECTOR: native("namespaceSelector"),
    F.PEER_NAMESPACE_NAMES: native("namespaceSelector on projectcalico.org/name"),
    F.PEER_ALL_NAMESPACES: native("namespaceSelector: all()"),
    F.PEER_NEGATIVE_NAMESPACE_SELECTOR: native("namespaceSelector with 'not in' / '!has()'"),
    F.PEER_SERVICE_ACCOUNT: native("serviceAccounts.names"),
    F.CIDR: native("nets (match any IP, pods included)"),
    F.CIDR_EXCEPT: native("notNets"),
    F.IPV6: native("nets with an IPv6 CIDR"),
    F.FQDN_EXACT: Capability(Support.NEEDS_ADDON, ENTERPRISE_NOTE),
    F.FQDN_WILDCARD: no("Calico's '*' matches one or more DNS labels, the intent's only one"),
    F.ENTITY_ALL: lowered("a rule without source/destination"),
    F.ENTITY_WORLD: lowered("GlobalNetworkPolicy: notSelector projectcalico.org/orchestrator == 'k8s'"),
    F.ENTITY_CLUSTER: no("namespaceSelector all() matches pods only, not the nodes the cluster entity includes"),
    F.ENTITY_NODE: no("nodes are HostEndpoints, which intents cannot select by name"),
    F.PEER_NODES: no("nodes are HostEndpoints, whose labels are not the nodes' own; a node's IP without a host "
                     "endpoint matches no selector"),
    F.ENTITY_KUBE_APISERVER: no("the API server cannot be selected portably"),
    F.ENTITY_OTHER: no("no equivalent"),
    F.SERVICE_PEER: native("source.services (ingress)"),
    F.NEGATED_PEER: native("notNets / notSelector"),
    F.PORT_NUMBER: native("ports"),
    F.NAMED_PORT: native("ports with a port name"),
    F.PORT_RANGE: native("ports 'start:end'"),
    F.PROTOCOL_UDP: native("protocol: UDP"),
    F.PROTOCOL_SCTP: native("protocol: SCTP"),
    F.PROTOCOL_ICMP: native("protocol ICMP/ICMPv6 with icmp type/code"),
    F.PROTOCOL_ANY: lowered("one rule per protocol TCP, UDP, SCTP (an omitted protocol would also match ICMP)"),
    F.NEGATED_PORT: native("notPorts / notProtocol / notICMP"),
    F.L7_HTTP: Capability(Support.NEEDS_ADDON, ALP_NOTE),
    F.L7_HTTP_HOST_HEADERS: no("Calico matches only HTTP methods and paths"),
    F.L7_HTTP_EGRESS: no("Calico enforces HTTP matches on ingress only"),
    F.DNS_ALLOW: lowered("written out as an egress rule to kube-dns on UDP/TCP 53"),
    F.DNS_PROXY: lowered("every name may be looked up, and Calico allows the rule's port 53 traffic without "
                         "looking into it: the same"),
    F.DNS_NAMES: Capability(Support.NOT_EXPRESSIBLE, "Calico cannot filter DNS queries by name: without the names "
                            "the pods could resolve every name, more than the source allows (--allow-widening "
                            "drops them)", code_override=codes.WIDENED),
}
