"""How Cilium enforces policy, as knobs of the evaluator (translator/semantics.py).

* CIDR peers never match pods (nor nodes), even 0.0.0.0/0 (Documentation/security/policy/language.rst).
* A DNS-name peer matches only when the pod's DNS queries go through Cilium's DNS proxy, i.e. when a DNS rule
  lets the pod resolve the name; otherwise Cilium learns no IPs for it.
* FQDN and HTTP rules are enforced (the L4 part of an HTTP rule decides reachability).
* Deny beats allow from any policy, allows are a union, and vanilla NetworkPolicies in the same input are
  enforced together with the CNPs (no order): these are the intent semantics for unordered intents of one tier.

Everything else Cilium means by its syntax (isolation by section presence and `enableDefaultDeny`, `{}`
selectors pinned to the policy namespace, a missing protocol meaning ANY) is made explicit by the importer
(read.py), so the evaluator needs no other knob.
"""

from __future__ import annotations

from translator.semantics import Semantics

SEMANTICS = Semantics(
    name="cilium",
    cidr_matches_pods=False,
    fqdn_needs_dns_rule=True,
    supports_fqdn=True,
    supports_l7=True,
    vanilla_order=None,
    description="Cilium: identity-based selection; CIDR rules never match pods or nodes; deny wins over allow "
    "from any policy; DNS-name peers need a DNS rule; HTTP rules enforced.",
)
