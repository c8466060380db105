"""The neutral intent: `netpolx.io/v1alpha1` `NetworkIntent`. Its meaning is defined in docs/intent.md."""

from __future__ import annotations

from enum import Enum
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from translator.model.base import Frozen, Order
from translator.model.labels import dns_label_error, dns_subdomain_error
from translator.model.rule import Direction, Rule
from translator.model.selector import LabelSelector

API_VERSION = "netpolx.io/v1alpha1"
KIND = "NetworkIntent"
DEFAULT_TIER = "default"
DEFAULT_TIER_ORDER = 1_000_000.0


class Scope(str, Enum):
    """Where the intent applies: one namespace, or the whole cluster."""

    NAMESPACED = "Namespaced"
    CLUSTER = "Cluster"


class Metadata(Frozen):
    """Object metadata. `namespace` is required for namespaced intents and forbidden for cluster-wide ones."""

    name: str = Field(description="Intent name (RFC 1123 subdomain).")
    namespace: str | None = Field(default=None, description="Namespace of a namespaced intent.")
    labels: dict[str, str] = Field(default_factory=dict, description="Carried to generated objects.")
    annotations: dict[str, str] = Field(default_factory=dict, description="Carried to generated objects.")

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        err = dns_subdomain_error(v, "metadata.name")
        if err:
            raise ValueError(err)
        return v

    @field_validator("namespace")
    @classmethod
    def _ns(cls, v: str | None) -> str | None:
        err = v is not None and dns_label_error(v, "metadata.namespace")
        if err:
            raise ValueError(err)
        return v


class Subject(Frozen):
    """The pods the intent applies to."""

    pods: LabelSelector = Field(default_factory=LabelSelector, description="Pod selector; `{}` = every pod.")
    namespaces: LabelSelector | None = Field(
        default=None, description="Cluster-scoped intents only: namespaces whose pods are selected; absent = all."
    )
    serviceAccounts: tuple[str, ...] | None = Field(
        default=None, description="Only pods running as one of these service accounts."
    )


class Tier(Frozen):
    """A precedence group. Tiers are evaluated by ascending `order`; the default tier has order 1,000,000."""

    name: str = Field(default=DEFAULT_TIER, description="Tier name.")
    order: Order | None = Field(default=None, description="Tier order; absent = the default tier's order.")

    @property
    def effective_order(self) -> float:
        """The order used for sorting."""
        return DEFAULT_TIER_ORDER if self.order is None else self.order


class IntentSpec(Frozen):
    """What the intent selects, isolates, and allows or denies."""

    scope: Scope = Field(default=Scope.NAMESPACED, description="Namespaced (default) or Cluster.")
    subject: Subject = Field(default_factory=Subject, description="The selected pods.")
    isolate: tuple[Direction, ...] | None = Field(
        default=None,
        description="Directions put into default deny for the selected pods. Absent = every direction that has a "
        "rule list (even an empty one).",
    )
    ingress: tuple[Rule, ...] | None = Field(default=None, description="Ingress rules.")
    egress: tuple[Rule, ...] | None = Field(default=None, description="Egress rules.")
    allowDNS: bool = Field(
        default=False,
        description="Add an egress allow to kube-dns (kube-system, k8s-app=kube-dns) on UDP and TCP 53 and isolate "
        "egress; see docs/intent.md.",
    )
    order: Order | None = Field(
        default=None, description="Makes the intent ordered: its rules are evaluated first-match, by this order."
    )
    tier: Tier | None = Field(default=None, description="Precedence tier; absent = the default tier.")

    @field_validator("isolate")
    @classmethod
    def _isolate(cls, v: tuple[Direction, ...] | None) -> tuple[Direction, ...] | None:
        return None if v is None else tuple(sorted(set(v), key=lambda d: d.value != "ingress"))


class NetworkIntent(Frozen):
    """A neutral network-policy intent."""

    apiVersion: Literal["netpolx.io/v1alpha1"] = Field(description="Always `netpolx.io/v1alpha1`.")
    kind: Literal["NetworkIntent"] = Field(description="Always `NetworkIntent`.")
    metadata: Metadata
    spec: IntentSpec

    @model_validator(mode="after")
    def _scope(self) -> NetworkIntent:
        cluster = self.spec.scope is Scope.CLUSTER
        if cluster and self.metadata.namespace is not None:
            raise ValueError("a cluster-scoped intent has no metadata.namespace")
        if not cluster and self.metadata.namespace is None:
            raise ValueError("a namespaced intent needs metadata.namespace (or spec.scope: Cluster)")
        if not cluster and self.spec.subject.namespaces is not None:
            raise ValueError("spec.subject.namespaces is only allowed with spec.scope: Cluster")
        if any(r.dns is not None for r in self.spec.ingress or ()):
            raise ValueError("dns names are only allowed in egress rules (they filter the pods' own queries)")
        return self

    @property
    def ref(self) -> str:
        """`namespace/name`, or `name` for a cluster-scoped intent."""
        ns = self.metadata.namespace
        return f"{ns}/{self.metadata.name}" if ns else self.metadata.name

    @property
    def is_cluster_scoped(self) -> bool:
        """Whether the intent applies cluster-wide."""
        return self.spec.scope is Scope.CLUSTER

    def rules(self, direction: Direction) -> tuple[Rule, ...]:
        """The rules of one direction (empty when the section is absent)."""
        return (self.spec.ingress if direction is Direction.INGRESS else self.spec.egress) or ()

    def has_section(self, direction: Direction) -> bool:
        """Whether the intent has a rule list for `direction` (possibly empty)."""
        return (self.spec.ingress if direction is Direction.INGRESS else self.spec.egress) is not None

    def isolates(self, direction: Direction) -> bool:
        """Whether the intent puts its pods into default deny for `direction`."""
        if self.spec.isolate is not None:
            return direction in self.spec.isolate
        return self.has_section(direction)

    @property
    def is_ordered(self) -> bool:
        """Whether the intent's rules are first-match (it has an `order`)."""
        return self.spec.order is not None

    def dump(self) -> dict[str, Any]:
        """The intent as plain data in canonical field order."""
        data = super().dump()
        data["apiVersion"], data["kind"] = API_VERSION, KIND
        return {"apiVersion": API_VERSION, "kind": KIND, "metadata": data["metadata"], "spec": data.get("spec", {})}
