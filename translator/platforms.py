"""Ways to run an engine on a platform (e.g. AKS), as `recommend` weighs them. Each backend declares its own
options (`Backend.platform_options`); `recommend` collects them from the registry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

AKS_CREATE = "az aks create --resource-group RG --name CLUSTER"
AKS_UPDATE = "az aks update --resource-group RG --name CLUSTER"


@dataclass(frozen=True)
class EngineOption:
    """One way to enforce policy on a platform."""

    key: str
    title: str
    target: str
    linux: bool = True
    windows: bool = False
    retires: date | None = None
    create: str = ""
    update: str = ""
    conditions: tuple[str, ...] = ()
    preference: int = 0
    managed: bool = True
    """Run and supported by the platform; False: the team installs, upgrades and supports it."""
    managed_for_networkpolicy_on_new_clusters: bool = False
    """The platform runs it for new clusters whose policies vanilla NetworkPolicy expresses (else self-managed)."""
    paid: bool = False
    """A paid add-on (chosen only when the policies need it)."""
    supported_path: bool = False
    """The platform vendor's recommended engine."""
    max_nodes: int | None = None
    max_pods: int | None = None
