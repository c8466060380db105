"""How ClusterNetworkPolicy is enforced, as evaluator knobs (engines.md §2.7; network-policy-api
apis/v1alpha2/clusternetworkpolicy_types.go).

The tiers are the intent model's own: the importer puts Admin-tier policies in the tier `admin` (order 1,000,
before the default tier where NetworkPolicies are) and Baseline-tier policies in `baseline` (order 10,000,000,
after it), each policy ordered by its priority, with nothing isolated (traffic no rule decides goes on to the next
tier, and after the last one is allowed). Ingress peers are pods only, so traffic from nodes and from outside the
cluster is never matched by an ingress rule: the importer writes what the objects say, and the evaluator needs no
knob for it. What remains: `networks` match any IP, pods included; NetworkPolicies in the same input stay the
unordered default tier; domain names are matched (experimental channel); there is no L7.
"""

from __future__ import annotations

from translator.semantics import Semantics

SEMANTICS = Semantics(
    name="cluster-network-policy",
    cidr_matches_pods=True,
    supports_fqdn=True,
    supports_l7=False,
    vanilla_order=None,
    description="ClusterNetworkPolicy: Admin tier (by priority, first match) before NetworkPolicies, Baseline "
    "tier after them; Accept/Deny decide, Pass goes to the next tier, undecided traffic is allowed; networks "
    "match any IP.",
)
