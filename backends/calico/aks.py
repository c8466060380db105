"""Calico on AKS, as `recommend` weighs it: AKS-managed Calico on new clusters (Kubernetes NetworkPolicy API
only), or self-managed Calico with the Tigera operator; the engine that remains for Windows node pools."""

from __future__ import annotations

from translator.platforms import AKS_CREATE, AKS_UPDATE, EngineOption

AKS_OPTIONS: tuple[EngineOption, ...] = (
    EngineOption("calico", "Calico", "calico@aks", windows=True,
                 create=f"{AKS_CREATE} --network-plugin azure --network-policy calico",
                 update=f"{AKS_UPDATE} --network-policy none, then install Calico with the Tigera operator "
                        "(AKS cannot switch an existing cluster to its managed Calico)",
                 conditions=("Linux and Windows Server node pools",
                             "AKS-managed Calico (new clusters only) supports the Kubernetes NetworkPolicy API only; "
                             "Calico's own kinds (GlobalNetworkPolicy, tiers, deny) need self-managed Calico"),
                 preference=2, managed=False, managed_for_networkpolicy_on_new_clusters=True),
)
