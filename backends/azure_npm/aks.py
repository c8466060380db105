"""Azure NPM on AKS, as `recommend` weighs it (learn.microsoft.com/azure/aks/use-network-policies): Linux support
ends 2028-09-30, Windows support ended 2026-09-30; at most 250 nodes and 20,000 pods."""

from __future__ import annotations

from datetime import date

from translator.platforms import AKS_CREATE, EngineOption

LINUX_RETIREMENT = date(2028, 9, 30)
WINDOWS_RETIREMENT = date(2026, 9, 30)

LINUX_OPTION = EngineOption(
    "azure-npm-linux", "Azure NPM (Linux)", "azure-npm@aks", retires=LINUX_RETIREMENT,
    create=f"{AKS_CREATE} --network-plugin azure --network-policy azure",
    conditions=("Linux node pools", "IPv4 only", "Microsoft recommends migrating to Cilium"),
    preference=3, max_nodes=250, max_pods=20000)
WINDOWS_OPTION = EngineOption(
    "azure-npm-windows", "Azure NPM (Windows)", "azure-npm-windows@aks", linux=False, windows=True,
    retires=WINDOWS_RETIREMENT,
    conditions=("Windows Server 2022 node pools", "skips policies with named ports, SCTP, negative "
                "selectors or ipBlock except", "no new onboarding"),
    preference=4)
