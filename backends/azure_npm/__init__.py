"""The `azure-npm` and `azure-npm-windows` engines: Azure Network Policy Manager on AKS.

Both enforce vanilla NetworkPolicy, so they subclass the kubernetes backend and only narrow its capability
table (engines.md §2.5; Azure/azure-container-networking npm/pkg/controlplane/translation).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from backends.azure_npm.aks import LINUX_OPTION, LINUX_RETIREMENT, WINDOWS_OPTION, WINDOWS_RETIREMENT
from backends.kubernetes import KubernetesBackend
from backends.kubernetes.semantics import SEMANTICS as K8S_SEMANTICS
from translator import codes
from translator.capabilities import Capability, Support
from translator.diagnostics import Diagnostics
from translator.features import Feature

SKIPPED = "Azure NPM on Windows skips the whole policy (warning log only), so its pods stay open"


def _unenforced(note: str) -> Capability:
    return Capability(Support.UNENFORCED, note)


def _retirement(diags: Diagnostics, platform: str, when: date, today: date | None = None) -> None:
    today = today or date.today()
    if today >= when:
        diags.warning(codes.RETIREMENT, f"Azure NPM on {platform} reached end of support on {when.isoformat()}; "
                      "plan the move (see `netpolx recommend --platform aks`)")
    else:
        diags.info(codes.RETIREMENT, f"Azure NPM on {platform} is retiring: support ends {when.isoformat()}")


class AzureNPMBackend(KubernetesBackend):
    """Azure NPM on Linux nodes: vanilla NetworkPolicy, IPv4 only."""

    name = "azure-npm"
    title = "Azure NPM (Linux)"
    summary = "Azure Network Policy Manager on AKS Linux nodes (retiring 2028-09-30)"
    capabilities = {
        **KubernetesBackend.capabilities,
        Feature.IPV6: _unenforced("Azure NPM is IPv4-only; IPv6 ipBlocks are not programmed"),
    }
    imports = ()
    semantics = replace(K8S_SEMANTICS, name="azure-npm", description="Azure NPM: NetworkPolicy semantics, IPv4 only.")
    platforms = frozenset({"aks"})
    order = 10
    node_os = frozenset({"linux"})
    retires = LINUX_RETIREMENT
    platform_options = {"aks": (LINUX_OPTION,)}
    migration_module = "backends.azure_npm.migration"
    implicit_allows = frozenset({"node-egress", "load-balancers"})

    def caveats(self, diags: Diagnostics) -> None:
        """Retirement date, and the node behaviours Cilium does not copy."""
        _retirement(diags, "Linux", LINUX_RETIREMENT)
        diags.info(codes.ENGINE_CAVEAT, "Azure NPM implicitly allows egress to the pod's own node and does not "
                   "enforce ingress arriving through LoadBalancer/NodePort Services with externalTrafficPolicy: "
                   "Cluster; other engines do")


class AzureNPMWindowsBackend(AzureNPMBackend):
    """Azure NPM on Windows Server nodes: skips policies with named ports, SCTP, except or negative selectors."""

    name = "azure-npm-windows"
    title = "Azure NPM (Windows)"
    summary = "Azure Network Policy Manager on AKS Windows nodes (support ended 2026-09-30)"
    capabilities = {
        **AzureNPMBackend.capabilities,
        Feature.NAMED_PORT: _unenforced(f"named ports are not supported; {SKIPPED}"),
        Feature.PROTOCOL_SCTP: _unenforced(f"SCTP is not supported; {SKIPPED}"),
        Feature.PROTOCOL_ANY: _unenforced(f"ANY would need an SCTP entry; {SKIPPED}"),
        Feature.CIDR_EXCEPT: _unenforced(f"ipBlock.except is not supported; {SKIPPED}"),
        Feature.NEGATIVE_SELECTOR: _unenforced(f"NotIn/DoesNotExist pod selectors are not supported; {SKIPPED}"),
        Feature.PEER_NEGATIVE_NAMESPACE_SELECTOR: _unenforced(
            "negative namespace selectors fail ACL conversion in the Windows dataplane; the policy is not programmed"
        ),
    }
    semantics = replace(K8S_SEMANTICS, name="azure-npm-windows",
                        description="Azure NPM on Windows: NetworkPolicy semantics for the policies it programs.")
    order = 20
    node_os = frozenset({"windows"})
    retires = WINDOWS_RETIREMENT
    platform_options = {"aks": (WINDOWS_OPTION,)}

    def caveats(self, diags: Diagnostics) -> None:
        """Retirement: Windows support has ended; Calico is the long-term engine for Windows pools."""
        _retirement(diags, "Windows", WINDOWS_RETIREMENT)
        diags.info(codes.ENGINE_CAVEAT, "Cilium does not support Windows nodes; Calico is the engine that remains "
                   "for Windows node pools on AKS")


BACKENDS = [AzureNPMBackend, AzureNPMWindowsBackend]
