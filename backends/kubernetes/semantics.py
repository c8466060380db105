"""How Kubernetes (and Azure NPM) enforce NetworkPolicy: exactly the intent semantics, no FQDN or L7.

Everything else that differs from the intent model (policyTypes defaulting, empty-selector meanings, TCP as
the default protocol, namespace scoping) is made explicit by the importer (read.py).
"""

from __future__ import annotations

from translator.semantics import Semantics

SEMANTICS = Semantics(
    name="kubernetes",
    cidr_matches_pods=True,
    supports_fqdn=False,
    supports_l7=False,
    networkpolicy=True,
    description="networking.k8s.io/v1 NetworkPolicy: additive allows, isolation per direction from policyTypes, "
    "ipBlock matches any IP.",
)
