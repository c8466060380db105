"""ClusterNetworkPolicy on AKS, as `recommend` weighs it: no AKS-managed engine enforces it (Azure NPM and Cilium,
managed or not, implement neither ClusterNetworkPolicy nor AdminNetworkPolicy); Calico 3.32 and later does, installed
and run by the team with the Tigera operator on a cluster created with `--network-policy none`."""

from __future__ import annotations

from translator.platforms import AKS_CREATE, AKS_UPDATE, EngineOption

IMPLEMENTED_BY = ("enforced by Calico 3.32 or later, Kube-OVN and kube-network-policies; not by Cilium or Azure NPM "
                  "(Calico 3.29-3.31, OVN-Kubernetes and Antrea implement its v1alpha1 predecessor "
                  "AdminNetworkPolicy)")

INSTALL = "then install Calico 3.32 or later with the Tigera operator"

AKS_OPTIONS: tuple[EngineOption, ...] = (
    EngineOption("cluster-network-policy", "ClusterNetworkPolicy on self-managed Calico", "cluster-network-policy",
                 create=f"{AKS_CREATE} --network-plugin azure --network-policy none, {INSTALL}",
                 update=f"{AKS_UPDATE} --network-policy none, {INSTALL}",
                 conditions=("Linux node pools", IMPLEMENTED_BY,
                             "no AKS-managed engine enforces ClusterNetworkPolicy: the team installs and supports "
                             "Calico"),
                 preference=5, managed=False),
)
