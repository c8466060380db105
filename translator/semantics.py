"""How an engine enforces the intent model: the per-engine knobs the evaluator core reads.

The evaluator core knows no engine by name; each backend folder declares one of these. Everything else an
engine means (empty selectors, protocol defaults, namespace scoping) is made explicit by its importer.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Semantics:
    """Enforcement knobs of one engine."""

    name: str
    """The engine these semantics belong to."""
    cidr_matches_pods: bool = True
    """Whether CIDR peers match pod IPs (Kubernetes, Azure NPM, Calico: yes; Cilium: never)."""
    fqdn_needs_dns_rule: bool = False
    """Whether an FQDN peer only matches when a DNS rule lets the pod resolve the name (Cilium)."""
    supports_fqdn: bool = True
    """Whether FQDN peers are enforced at all."""
    supports_l7: bool = True
    """Whether HTTP rules are enforced (else an L7 rule acts on its L4 part only)."""
    vanilla_order: float | None = None
    """Order given to vanilla NetworkPolicies evaluated under this engine (Calico: 1000 in the default tier);
    None keeps them unordered."""
    networkpolicy: bool = False
    """Whether the engine's own policies are vanilla NetworkPolicies (Kubernetes, Azure NPM): intents imported from
    NetworkPolicies are read as such, e.g. placed at `vanilla_order` by engines that order them."""
    description: str = ""


INTENT_SEMANTICS = Semantics(
    name="intent",
    description="The meaning docs/intent.md defines: CIDRs match any IP, FQDN peers match external names.",
)
