"""Azure NPM's migration pitfalls (translator/migration/checks.py's catalogue): the Microsoft validator's
egress-to-own-node and externalTrafficPolicy checks (MS4, MS5) when moving to Cilium, named ports on Windows (P05),
NPM's own limits (P23) and the instance metadata endpoint (P24)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from functools import cache

from translator import codes
from translator.capabilities import Support
from translator.features import Feature
from translator.migration import validator
from translator.migration.checks import When
from translator.migration.finding import Finding, warning
from translator.migration.inputs import MigrationInput
from translator.migration.pitfalls import feature_findings, from_origins
from translator.model import Action, Direction, Entity, PeerKind, Rule
from translator.registry import get_backend

LINUX, WINDOWS = "azure-npm", "azure-npm-windows"
NPM = frozenset({LINUX, WINDOWS})
CILIUM = frozenset({"cilium"})
IMDS = ipaddress.ip_address("169.254.169.254")
NPM_POD_LIMIT = 20_000


@cache
def windows_only_features() -> frozenset[Feature]:
    """What Azure NPM on Windows skips and on Linux enforces (from the two capability tables), but named ports:
    P05 reports those."""
    windows, linux = get_backend(WINDOWS).capabilities, get_backend(LINUX).capabilities
    return frozenset(f for f, cap in windows.items() if cap.support is Support.UNENFORCED
                     and linux[f].support is not Support.UNENFORCED and f is not Feature.NAMED_PORT)


def check_windows_named_ports(mi: MigrationInput) -> Iterator[Finding]:
    """P05 (-> Azure NPM on Windows): it skips policies with named ports."""
    for li in mi.loaded:
        yield from feature_findings(mi, li, [Feature.NAMED_PORT], "replace the name with the port number")


def check_npm_limits(mi: MigrationInput) -> Iterator[Finding]:
    """P23 (-> Azure NPM): Windows skips policies with negatives, except, SCTP; no IPv6; size limits."""
    for li in mi.loaded:
        if mi.target_name == WINDOWS:
            yield from feature_findings(mi, li, windows_only_features(), "rewrite without these constructs (Azure NPM "
                                        "on Windows skips the whole policy), or move the pool to Calico")
        yield from feature_findings(mi, li, [Feature.IPV6], "Azure NPM is IPv4-only; use Cilium or Calico for "
                                    "IPv6")
    if mi.workloads is not None and len(mi.workloads.pods) > NPM_POD_LIMIT:
        doc = mi.documents[0] if mi.documents else None
        if doc is not None:
            yield warning(f"the cluster has {len(mi.workloads.pods)} pods; Azure NPM supports at most "
                          f"{NPM_POD_LIMIT} (and 250 nodes)", doc.locate(), "cluster",
                          "choose Cilium or Calico for a cluster this size")


def _allows_imds(rule: Rule) -> bool:
    if rule.action is not Action.ALLOW:
        return False
    if not rule.peers:
        return True
    for peer in rule.peers:
        if peer.kind is PeerKind.ENTITY and peer.entity in (Entity.ALL, Entity.WORLD):
            return True
        if peer.kind is PeerKind.CIDR and peer.network is not None and IMDS.version == peer.network.version \
                and IMDS in peer.network and not any(IMDS in ipaddress.ip_network(e) for e in peer.except_
                                                     if ipaddress.ip_network(e).version == 4):
            return True
    return False


def check_imds(mi: MigrationInput) -> Iterator[Finding]:
    """P24 (Azure NPM -> Cilium on AKS): egress isolation without an IMDS allow; aad-pod-identity selectors."""
    for li in from_origins(mi, {mi.source}):
        intent = li.intent
        if "aadpodidbinding" in intent.spec.subject.pods.keys():  # noqa: SIM118 (a selector, not a dict)
            yield warning("selects pods by aadpodidbinding: aad-pod-identity does not work with Cilium",
                          mi.intent_location(li, ("spec", "subject", "pods")), mi.policy_ref(li),
                          "move these workloads to Microsoft Entra Workload ID first")
        if intent.isolates(Direction.EGRESS) and not any(_allows_imds(r) for r in intent.rules(Direction.EGRESS)):
            yield warning("egress is isolated with no allow for the Azure instance metadata endpoint "
                          "169.254.169.254; Azure NPM never filtered it, Cilium likely will (inference, verify on "
                          "a test cluster), which breaks managed identity", mi.intent_location(li, ("spec",)),
                          mi.policy_ref(li), "if the pods use managed identity, allow egress to 169.254.169.254/32 "
                          "on TCP 80")


CHECKS = {
    codes.MIG_NAMED_PORT: (When(check_windows_named_ports, targets=frozenset({WINDOWS})),),
    codes.MIG_EGRESS_NODE: (When(validator.check_egress, sources=NPM, targets=CILIUM),),
    codes.MIG_ETP_CLUSTER: (When(validator.check_services, sources=NPM, targets=CILIUM),),
    codes.MIG_NPM_LIMITS: (When(check_npm_limits, targets=NPM),),
    codes.MIG_IMDS: (When(check_imds, sources=NPM, targets=CILIUM),),
}
