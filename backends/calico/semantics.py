"""How Calico enforces policy, as evaluator knobs (engines.md §2.3; felix/calc/policy_sorter.go).

Calico's ordered model (tiers by order, policies by order then name, first Allow/Deny decides, Log continues,
Pass jumps to the next tier, a tier that selected the endpoint denies what no rule decided, unselected endpoints
are allowed by their namespace profile) is the intent model's own. Everything else is made explicit by the
importer: types defaulting, tier orders and Pass default actions, rule-selector namespace scoping, NetworkSets,
and policies without order. What remains are these knobs: `nets` match any IP (pods included); Kubernetes
NetworkPolicies in the same input are enforced as Calico converts them (order 1000 in the default tier); DNS-name
peers need Calico Enterprise and HTTP matches need application layer policy, so neither is enforced here.
"""

from __future__ import annotations

from backends.calico.constants import K8S_POLICY_ORDER
from translator.semantics import Semantics

SEMANTICS = Semantics(
    name="calico",
    cidr_matches_pods=True,
    supports_fqdn=False,
    supports_l7=False,
    vanilla_order=K8S_POLICY_ORDER,
    description="Calico (open source): tiers and orders, first match, Pass to the next tier, nets match any IP; "
    "Kubernetes NetworkPolicies at order 1000 in the default tier.",
)
