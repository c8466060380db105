"""Calico's well-known labels and defaults (api/pkg/apis/projectcalico/v3/constants.go,
libcalico-go/lib/backend/k8s/conversion/constants.go, tier.go)."""

from __future__ import annotations

from translator.model.labels import NAMESPACE_NAME_LABEL

NAMESPACE_LABEL = "projectcalico.org/namespace"
"""Set on every workload endpoint (and NetworkSet) to its namespace."""
ORCHESTRATOR_LABEL = "projectcalico.org/orchestrator"
"""Set on every Kubernetes workload endpoint to `k8s`; Calico's own NetworkPolicy conversion uses it to mean 'pods'."""
ORCHESTRATOR_K8S = "k8s"
SERVICE_ACCOUNT_LABEL = "projectcalico.org/serviceaccount"
"""Set on every workload endpoint to its service account name."""
NAME_LABEL = "projectcalico.org/name"
"""Published on namespace (and service account) profiles: the namespace's name, for namespaceSelector."""
NAMESPACE_PREFIX = "pcns."
"""Prefix under which a namespace's labels are inherited by its endpoints."""
SERVICE_ACCOUNT_PREFIX = "pcsa."
K8S_NAMESPACE_NAME = NAMESPACE_NAME_LABEL

DEFAULT_TIER = "default"
DEFAULT_TIER_ORDER = 1_000_000.0
BUILTIN_TIER_ORDERS: dict[str, float] = {
    "default": DEFAULT_TIER_ORDER,
    "kube-admin": 1_000.0,
    "kube-baseline": 10_000_000.0,
    "adminnetworkpolicy": 1_000.0,
    "baselineadminnetworkpolicy": 10_000_000.0,
}
"""Tiers Calico creates itself, with their orders (used when no Tier object is in the input)."""

K8S_POLICY_ORDER = 1000.0
"""Order Calico gives converted Kubernetes NetworkPolicies (in the default tier)."""

PROTOCOL_NUMBERS = {1: "ICMP", 6: "TCP", 17: "UDP", 58: "ICMPv6", 132: "SCTP", 136: "UDPLite"}
