"""What Cilium (CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy) can express (engines.md §1, §2.2, §2.8).

Version gates: `enableDefaultDeny` exists since 1.16 (commit 75ac5d0b86); `endPort` is enforced since 1.17
(commit 036ecab321, "policy: Enable Port Ranges"); `toServices` selects the pods of a Service with a selector,
and may be combined with `toPorts`, since 1.17 (before, only selector-less Services, as CIDRs).

CIDR peers are NATIVE in the table but judged per use (CiliumBackend.support_for): Cilium CIDR rules never
match pods or nodes, while the intent's do. A CIDR whose range (minus except) can hold pod, node or service
addresses (see cidr.py for the ranges assumed) is CHANGED in an allow rule (a warning names the CIDR: traffic
to or from pods and nodes in it is dropped, and the selector rewrite is offered) and a widening in a deny rule
(pods and nodes in the range would no longer be denied): refused as NPX106 unless --allow-widening. Pass
`pod-cidr`, `node-cidr` and `service-cidr` settings to prove that a private CIDR holds no in-cluster address.
Every other CIDR is exact under that assumption, which an info diagnostic (NPX104) states, so `translate --verify`
counts it as announced.
A rule whose CIDR peers come with `notPeers: [{entity: cluster}]` (what the importer writes for Cilium CIDRs) means
exactly what Cilium means and gets no note.
"""

from __future__ import annotations

from translator.capabilities import Capability, Support, lowered, native, no
from translator.features import Feature

F = Feature
CIDR_NOTE = (
    "toCIDRSet / fromCIDRSet. Cilium CIDR rules never match pods or nodes: a CIDR that can hold in-cluster "
    "addresses is translated with a warning in an allow rule (that traffic is dropped) and refused in a deny rule "
    "unless --allow-widening (pods and nodes in it would no longer be denied)"
)

CAPABILITIES: dict[Feature, Capability] = {
    F.POD_SELECTOR: native("endpointSelector / fromEndpoints with k8s: label keys"),
    F.NEGATIVE_SELECTOR: native("matchExpressions NotIn / DoesNotExist"),
    F.CLUSTER_SCOPE: native("CiliumClusterwideNetworkPolicy"),
    F.SUBJECT_NAMESPACE_SELECTOR: native("io.cilium.k8s.namespace.labels.<key> in the CCNP endpointSelector"),
    F.SUBJECT_SERVICE_ACCOUNT: native("io.cilium.k8s.policy.serviceaccount"),
    F.DEFAULT_DENY: native("an ingress/egress section; `ingress: [{}]` isolates without allowing anything"),
    F.NON_ISOLATING_RULES: Capability(Support.NATIVE, "enableDefaultDeny: false", since=(1, 16)),
    F.DENY_RULE: native("ingressDeny / egressDeny; a deny wins over every allow of every policy"),
    F.PASS_RULE: no("Cilium has no tiers or pass; deny always wins and allows are a union"),
    F.LOG_RULE: lowered("log rules have no traffic effect and are dropped"),
    F.ORDERED: lowered("order has no effect when every rule allows (Cilium takes the union of allows)"),
    F.TIER: no("Cilium has no tiers"),
    F.PEER_PODS: native("fromEndpoints / toEndpoints"),
    F.PEER_NAMESPACE_SELECTOR: native(
        "io.cilium.k8s.namespace.labels.<key> plus io.kubernetes.pod.namespace Exists (not pinned to the policy "
        "namespace in any Cilium version)"),
    F.PEER_NAMESPACE_NAMES: native("k8s:io.kubernetes.pod.namespace"),
    F.PEER_ALL_NAMESPACES: native("io.kubernetes.pod.namespace Exists (`{}` would mean this namespace only)"),
    F.PEER_NEGATIVE_NAMESPACE_SELECTOR: native("NotIn / DoesNotExist on io.cilium.k8s.namespace.labels.<key>"),
    F.PEER_SERVICE_ACCOUNT: native("io.cilium.k8s.policy.serviceaccount"),
    F.CIDR: native(CIDR_NOTE),
    F.CIDR_EXCEPT: native("toCIDRSet except"),
    F.IPV6: native("IPv6 CIDRs"),
    F.FQDN_EXACT: native("toFQDNs matchName, always with a kube-dns egress rule carrying rules.dns"),
    F.FQDN_WILDCARD: native("toFQDNs matchPattern (`*` stays within one label, as in the intent)"),
    F.ENTITY_ALL: native("entity all"),
    F.ENTITY_WORLD: native("entity world"),
    F.ENTITY_CLUSTER: native("entity cluster"),
    F.PEER_NODES: native("toNodes / fromNodes (node labels other than {} need Cilium's "
                         "enable-node-selector-labels)"),
    F.ENTITY_NODE: native("entities host / remote-node"),
    F.ENTITY_KUBE_APISERVER: native("entity kube-apiserver (may not work for ingress on AKS and GKE)"),
    F.ENTITY_OTHER: native("entities ingress / health / init / unmanaged"),
    F.SERVICE_PEER: Capability(Support.NATIVE, "toServices (egress only)", since=(1, 17)),
    F.NEGATED_PEER: no("Cilium has no negated peers (CIDR notPeers of CIDR peers are folded into except)"),
    F.PORT_NUMBER: native("toPorts port with an explicit protocol"),
    F.NAMED_PORT: native("named port (Cilium misbehaves when one name maps to several numbers: cilium#30003)"),
    F.PORT_RANGE: Capability(Support.NATIVE, "endPort", since=(1, 17)),
    F.PROTOCOL_UDP: native("protocol UDP"),
    F.PROTOCOL_SCTP: native("protocol SCTP (needs Cilium's SCTP support enabled; beta)"),
    F.PROTOCOL_ICMP: native("icmps (type and family; no code)"),
    F.PROTOCOL_ANY: native("protocol ANY: TCP, UDP and SCTP, as in the intent"),
    F.NEGATED_PORT: lowered("Cilium has no negated ports: the ports minus notPorts are written as plain ports and "
                            "ranges (named ports and ICMP codes cannot be subtracted)"),
    F.L7_HTTP: native("toPorts rules.http (method / path regex, full match)"),
    F.L7_HTTP_HOST_HEADERS: native("rules.http host regex, headers (presence), headerMatches (exact value)"),
    F.L7_HTTP_EGRESS: native("rules.http on egress"),
    F.DNS_ALLOW: lowered("written out as an egress rule to kube-dns on UDP/TCP 53"),
    F.DNS_PROXY: native("toPorts rules.dns matchPattern '*'"),
    F.DNS_NAMES: native("toPorts rules.dns matchName / matchPattern"),
}
