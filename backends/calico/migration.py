"""Calico's migration pitfalls (translator/migration/checks.py's catalogue): Calico-only constructs (P18) and
GlobalNetworkPolicy rules without a namespaceSelector (P19) when policies move away from Calico."""

from __future__ import annotations

from collections.abc import Iterator

from translator import codes
from translator.features import Feature
from translator.migration import document_pitfalls
from translator.migration.checks import When
from translator.migration.finding import Finding
from translator.migration.inputs import MigrationInput
from translator.migration.pitfalls import feature_findings, from_origins

CALICO = frozenset({"calico"})
CALICO_ONLY = (Feature.CLUSTER_SCOPE, Feature.SUBJECT_NAMESPACE_SELECTOR, Feature.SUBJECT_SERVICE_ACCOUNT,
               Feature.PEER_SERVICE_ACCOUNT, Feature.NEGATED_PEER, Feature.NEGATED_PORT, Feature.PROTOCOL_ICMP,
               Feature.SERVICE_PEER)
"""Constructs partly or not expressible elsewhere (declared: deriving them from the capability tables would also
report what other checks already report)."""


def check_calico_only(mi: MigrationInput) -> Iterator[Finding]:
    """P18 (Calico -> other engines): global policies, service accounts, negations, ICMP, service rules, tiers."""
    for li in from_origins(mi, {mi.source}):
        yield from feature_findings(mi, li, CALICO_ONLY, "rewrite with selectors and CIDRs the target has, or keep "
                                    "this policy on Calico")


CHECKS = {
    codes.MIG_CALICO_ONLY: (When(document_pitfalls.check_calico_objects, sources=CALICO, not_targets=CALICO),
                            When(check_calico_only, sources=CALICO, not_targets=CALICO)),
    codes.MIG_GNP_EMPTY_NAMESPACE: (When(document_pitfalls.check_gnp_empty_namespace, sources=CALICO,
                                         not_targets=CALICO),),
}
