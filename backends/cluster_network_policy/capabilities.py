"""What ClusterNetworkPolicy v1alpha2 can express (engines.md §2.7; the v1alpha2 CRD, standard and experimental
channels). Context-dependent refinements (ingress peers are pods only, the experimental channel, named ports
across protocols, domain names on Accept rules only) are in ClusterNetworkPolicyBackend.support_for and .check."""

from __future__ import annotations

from translator import codes
from translator.capabilities import Capability, Support, lowered, native, no
from translator.features import Feature

F = Feature

EXPERIMENTAL = "needs the experimental channel CRD (target setting channel=experimental)"
INGRESS_PODS_ONLY = ("ingress rules can only name pods (namespaces, pods): traffic from nodes and from outside the "
                     "cluster is never matched by a ClusterNetworkPolicy and stays allowed")

CAPABILITIES: dict[Feature, Capability] = {
    F.POD_SELECTOR: native("subject.pods.podSelector"),
    F.NEGATIVE_SELECTOR: native("matchExpressions NotIn / DoesNotExist"),
    F.CLUSTER_SCOPE: native("ClusterNetworkPolicy is cluster-scoped"),
    F.SUBJECT_NAMESPACE_SELECTOR: native("subject.namespaces / subject.pods.namespaceSelector"),
    F.SUBJECT_SERVICE_ACCOUNT: no("ClusterNetworkPolicy cannot select pods by service account"),
    F.DEFAULT_DENY: lowered("egress: a Deny to 0.0.0.0/0 and ::/0 after the tier's other rules. Ingress isolation is "
                            f"refused (NPX106): {INGRESS_PODS_ONLY}"),
    F.NON_ISOLATING_RULES: native("a ClusterNetworkPolicy never isolates: what no rule decides goes on"),
    F.DENY_RULE: native("action: Deny (deny rules of unordered intents come before their allow rules)"),
    F.PASS_RULE: native("action: Pass (to the next tier: NetworkPolicies, then Baseline)"),
    F.LOG_RULE: lowered("log rules have no traffic effect and are dropped"),
    F.ORDERED: native("priority (one per policy, first match)"),
    F.TIER: native("tier Admin (before NetworkPolicies) or Baseline (after them); at most two groups of tiers, "
                    "split where a Pass jumps"),
    F.PEER_PODS: native("pods: {namespaceSelector, podSelector}"),
    F.PEER_NAMESPACE_SELECTOR: native("namespaces"),
    F.PEER_NAMESPACE_NAMES: native("namespaces on kubernetes.io/metadata.name"),
    F.PEER_ALL_NAMESPACES: native("namespaces: {}"),
    F.PEER_NEGATIVE_NAMESPACE_SELECTOR: native("namespaces with NotIn / DoesNotExist"),
    F.PEER_SERVICE_ACCOUNT: no("ClusterNetworkPolicy cannot select peers by service account"),
    F.CIDR: native("egress networks (match any IP, pods included); no ingress CIDR peer"),
    F.CIDR_EXCEPT: lowered("networks has no except: the block minus its exceptions as up to 25 CIDRs"),
    F.IPV6: native("networks with an IPv6 CIDR"),
    F.FQDN_EXACT: Capability(Support.NEEDS_ADDON, f"egress domainNames on Accept rules; {EXPERIMENTAL}"),
    F.FQDN_WILDCARD: no("a domainNames '*.' prefix matches one or more DNS labels, the intent's '*' only part of one"),
    F.ENTITY_ALL: lowered("egress: networks 0.0.0.0/0 and ::/0; ingress: namespaces: {} where traffic from outside "
                          "the cluster is allowed anyway"),
    F.ENTITY_WORLD: no("no 'outside the cluster' peer: networks also match pods and nodes"),
    F.ENTITY_CLUSTER: Capability(Support.NEEDS_ADDON, f"egress namespaces: {{}} and nodes: {{}}; {EXPERIMENTAL}"),
    F.ENTITY_NODE: no("no peer for the pod's own node or the other nodes"),
    F.ENTITY_KUBE_APISERVER: no("the API server cannot be selected"),
    F.ENTITY_OTHER: no("no equivalent"),
    F.PEER_NODES: Capability(Support.NEEDS_ADDON, f"egress nodes; {EXPERIMENTAL}"),
    F.SERVICE_PEER: no("ClusterNetworkPolicy selects pods, not Services"),
    F.NEGATED_PEER: no("ClusterNetworkPolicy has no negated peers"),
    F.PORT_NUMBER: native("tcp/udp/sctp destinationPort.number"),
    F.NAMED_PORT: native("destinationNamedPort, which matches the container port of that name whatever its "
                         "protocol: exact when the rule names it for TCP, UDP and SCTP (or ANY)"),
    F.PORT_RANGE: native("destinationPort.range"),
    F.PROTOCOL_UDP: native("udp"),
    F.PROTOCOL_SCTP: native("sctp"),
    F.PROTOCOL_ICMP: no("ClusterNetworkPolicy has no ICMP match"),
    F.PROTOCOL_ANY: lowered("one entry per protocol tcp, udp, sctp"),
    F.NEGATED_PORT: no("ClusterNetworkPolicy has no negated ports"),
    F.L7_HTTP: no("ClusterNetworkPolicy is L3/L4 only; dropping the HTTP match would allow every request"),
    F.L7_HTTP_HOST_HEADERS: no("ClusterNetworkPolicy is L3/L4 only"),
    F.L7_HTTP_EGRESS: no("ClusterNetworkPolicy is L3/L4 only"),
    F.DNS_ALLOW: lowered("written out as an egress Accept to kube-dns on UDP/TCP 53"),
    F.DNS_PROXY: lowered("every name may be looked up, and ClusterNetworkPolicy accepts the rule's port 53 traffic "
                         "without looking into it: the same"),
    F.DNS_NAMES: Capability(Support.NOT_EXPRESSIBLE, "ClusterNetworkPolicy cannot filter DNS queries by name: "
                            "without the names the pods could resolve every name, more than the source allows "
                            "(--allow-widening drops them)", code_override=codes.WIDENED),
}
