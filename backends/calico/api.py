"""The projectcalico.org/v3 (and crd.projectcalico.org/v1) policy structure, as Calico's API accepts it
(api/pkg/apis/projectcalico/v3 policy_common.go, networkpolicy.go, globalnetworkpolicy.go, networkset.go,
tier.go). Unknown fields are rejected so that a typo is an error rather than a silently ignored match."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field, field_validator

from translator.native_api import ObjectMetadata, Strict

V3_GROUP = "projectcalico.org"
CRD_GROUP = "crd.projectcalico.org"
V3 = f"{V3_GROUP}/v3"
CRD_V1 = f"{CRD_GROUP}/v1"
POLICY_KINDS = ("NetworkPolicy", "GlobalNetworkPolicy")
SET_KINDS = ("NetworkSet", "GlobalNetworkSet")
TIER_KIND = "Tier"


class _Strict(Strict):
    model_config = ConfigDict(populate_by_name=True)


class ICMPFields(_Strict):
    type: int | None = None
    code: int | None = None


class HTTPPath(_Strict):
    exact: str | None = None
    prefix: str | None = None


class HTTPMatch(_Strict):
    methods: list[str] | None = None
    paths: list[HTTPPath] | None = None


class ServiceAccountMatch(_Strict):
    names: list[str] | None = None
    selector: str | None = None


class ServiceMatch(_Strict):
    name: str = ""
    namespace: str | None = None


class EntityRule(_Strict):
    nets: list[str] | None = None
    notNets: list[str] | None = None
    selector: str | None = None
    notSelector: str | None = None
    namespaceSelector: str | None = None
    ports: list[int | str] | None = None
    notPorts: list[int | str] | None = None
    serviceAccounts: ServiceAccountMatch | None = None
    services: ServiceMatch | None = None
    domains: list[str] | None = None  # Calico Enterprise / Cloud only


class RuleMetadata(_Strict):
    annotations: dict[str, str] | None = None


class CalicoRule(_Strict):
    action: str
    ipVersion: int | None = None
    protocol: int | str | None = None
    notProtocol: int | str | None = None
    icmp: ICMPFields | None = None
    notICMP: ICMPFields | None = None
    source: EntityRule = Field(default_factory=EntityRule)
    destination: EntityRule = Field(default_factory=EntityRule)
    http: HTTPMatch | None = None
    metadata: RuleMetadata | None = None

    @field_validator("source", "destination", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        """Calico reads `source:` / `destination:` written without a value (null) as `{}`."""
        return {} if value is None else value


class PolicySpec(_Strict):
    order: float | None = None
    tier: str | None = None
    selector: str | None = None
    types: list[str] | None = None
    ingress: list[CalicoRule] | None = None
    egress: list[CalicoRule] | None = None
    serviceAccountSelector: str | None = None
    performanceHints: list[str] | None = None

    @field_validator("types")
    @classmethod
    def _types(cls, types: list[str] | None) -> list[str] | None:
        for t in types or ():
            if t.lower() not in ("ingress", "egress"):
                raise ValueError(f"types: {t!r} is neither Ingress nor Egress")
        return types

    # GlobalNetworkPolicy only (checked by the importer).
    namespaceSelector: str | None = None
    doNotTrack: bool | None = None
    preDNAT: bool | None = None
    applyOnForward: bool | None = None


class SetSpec(_Strict):
    nets: list[str] | None = None
    allowedEgressDomains: list[str] | None = None  # Calico Enterprise only


class TierSpec(_Strict):
    order: float | None = None
    defaultAction: str | None = None


Metadata = ObjectMetadata


class _Object(Strict):
    apiVersion: str
    kind: str
    metadata: Metadata


class CalicoPolicy(_Object):
    spec: PolicySpec = Field(default_factory=PolicySpec)


class CalicoSet(_Object):
    spec: SetSpec = Field(default_factory=SetSpec)


class CalicoTier(_Object):
    spec: TierSpec = Field(default_factory=TierSpec)
