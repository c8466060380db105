"""The AKS profile of the Cilium engine (`--platform aks` or `--engine cilium@aks`).

Facts from Microsoft's "Azure CNI powered by Cilium" and ACNS pages (engines.md §3, [MS-CIL], [MS-FQDN],
[MS-L7]): FQDN and L7 policy need Advanced Container Networking Services (`--acns` says it is on; L7 also needs
the L7 advanced-policy option and Kubernetes >= 1.29); L7 rules are not supported in
CiliumClusterwideNetworkPolicy; only label-exclusion changes to cilium-config are supported, so SCTP, host
firewall and `policy-cidr-match-mode` cannot be turned on.
"""

from __future__ import annotations

from translator import codes
from translator.capabilities import Capability, Support, no
from translator.diagnostics import Diagnostics, Severity
from translator.features import Feature
from translator.platforms import AKS_CREATE, AKS_UPDATE, EngineOption

ACNS = ("on AKS, Cilium {what} needs Advanced Container Networking Services (ACNS, a paid add-on){extra}; "
        "pass --acns when it is enabled")
FQDN_FEATURES = frozenset({Feature.FQDN_EXACT, Feature.FQDN_WILDCARD, Feature.DNS_PROXY, Feature.DNS_NAMES})
L7_FEATURES = frozenset({Feature.L7_HTTP, Feature.L7_HTTP_HOST_HEADERS, Feature.L7_HTTP_EGRESS})

CILIUM_BY_KUBERNETES = (("1.31", "1.16.16"), ("1.32", "1.17.9"), ("1.33", "1.17.9"), ("1.34", "1.18.6"),
                        ("1.35", "1.18.6"), ("1.36", "1.18.9"))
"""Minimum Cilium version AKS runs per Kubernetes version."""


def capability(feature: Feature, acns: bool) -> Capability | None:
    """The AKS override for a feature, or None when AKS changes nothing."""
    if feature in FQDN_FEATURES and not acns:
        return Capability(Support.NEEDS_ADDON, ACNS.format(what="FQDN policy", extra=""))
    if feature in L7_FEATURES and not acns:
        extra = " and the L7 advanced-policy option (Kubernetes >= 1.29)"
        return Capability(Support.NEEDS_ADDON, ACNS.format(what="L7 policy", extra=extra))
    if feature is Feature.PROTOCOL_SCTP:
        return Capability(Support.UNENFORCED, "Cilium on AKS cannot enable SCTP support, so SCTP rules are not "
                          "enforced")
    return None


ENDPORT_UNVERSIONED = Capability(
    Support.NATIVE, "written with endPort, which Cilium enforces from 1.17; AKS clusters on Kubernetes 1.31 run "
    "Cilium 1.16, which does not enforce port ranges: name the version (--engine cilium@1.16 writes the range as "
    "single ports, cilium@1.17 keeps endPort)", severity=Severity.INFO, code_override=codes.ENGINE_CAVEAT)
"""A port range for AKS without a Cilium version: written for the newest, with the warning that 1.31 runs 1.16."""

L7_IN_CCNP = no("AKS does not support L7 rules in CiliumClusterwideNetworkPolicy; write them in a namespaced "
                "intent (CiliumNetworkPolicy)")


def caveats(diags: Diagnostics) -> None:
    """AKS facts that `check` prints."""
    versions = ", ".join(f"{k} -> {c}" for k, c in CILIUM_BY_KUBERNETES)
    facts = [
        f"AKS runs these Cilium versions per Kubernetes version: {versions}. Port ranges (endPort) need Cilium "
        "1.17: on Kubernetes 1.31 pass --engine cilium@1.16",
        "on AKS, ipBlock / CIDR rules cannot select pod or node IPs (policy-cidr-match-mode cannot be set)",
        "on AKS, pods with hostNetwork: true are not subject to Cilium network policy",
        "on AKS, FQDN and L7 policy need ACNS (--acns); L7 rules are not supported in cluster-wide policies",
        "on AKS with LocalDNS, DNS egress needs 169.254.10.0/24 and the host entity on port 53",
    ]
    for fact in facts:
        diags.info(codes.ENGINE_CAVEAT, fact, engine="cilium")


AKS_OPTIONS: tuple[EngineOption, ...] = (
    EngineOption("cilium", "Azure CNI powered by Cilium", "cilium@aks",
                 create=f"{AKS_CREATE} --network-plugin azure --network-plugin-mode overlay --network-dataplane cilium "
                        "--network-policy cilium",
                 update=f"{AKS_UPDATE} --network-dataplane cilium --network-policy cilium",
                 conditions=("Linux node pools only", "port ranges (endPort) need Cilium >= 1.17 (AKS Kubernetes "
                             ">= 1.32)", "FQDN and L7 rules need ACNS", "ipBlocks never match pod or node IPs",
                             "at most 65,535 security identities (exclude churny labels)"),
                 preference=0, supported_path=True),
    EngineOption("cilium-acns", "Azure CNI powered by Cilium with ACNS", "cilium@aks,acns=true",
                 create=f"{AKS_CREATE} --network-plugin azure --network-plugin-mode overlay --network-dataplane cilium "
                        "--network-policy cilium --enable-acns --acns-advanced-networkpolicies {policies}",
                 update=f"{AKS_UPDATE} --network-dataplane cilium --network-policy cilium --enable-acns "
                        "--acns-advanced-networkpolicies {policies}",
                 conditions=("Linux node pools only", "Advanced Container Networking Services is a paid add-on; "
                             "Kubernetes >= 1.29", "--acns-advanced-networkpolicies FQDN for DNS names, L7 for HTTP "
                             "(also FQDN)", "L7 rules are not supported in cluster-wide policies",
                             "Azure CLI >= 2.79"),
                 preference=1, paid=True, supported_path=True),
)
"""The ways to run Cilium on AKS that `recommend` weighs."""

SWITCH_FROM_NPM = ("Switch the data plane (disable node auto-provisioning first; a kubenet cluster moves to Azure CNI "
                   "Overlay first, as a separate operation). All node pools are reimaged together; Cilium enforces "
                   "policy once every node runs it.",
                   f"{AKS_UPDATE} --network-dataplane cilium --network-policy cilium")
"""How an AKS cluster moves from Azure NPM to Cilium (the migration plan's step and command)."""
WINDOWS_NOTE = ("If the cluster has Windows node pools: Azure CNI powered by Cilium runs on Linux node pools only "
                "and Azure NPM on Windows reached end of support on 2026-09-30. Before the switch, move Windows "
                "workloads to a cluster whose Windows pools use Calico (`netpolx translate --engine calico`) or "
                "Azure network security groups, then remove the Windows node pools from this cluster.")
