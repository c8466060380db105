"""The cilium.io/v2 CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy structure (pkg/policy/api), for import.

Every field Cilium knows is declared, so an unknown field (a typo) is an input error, while a known field the
intent model cannot hold reaches the importer, which refuses it by name (NPX110). Fields the importer refuses
are typed loosely (`Any`): their content is never read.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from translator.native_api import STRICT, ObjectMetadata, Strict


class _Strict(Strict):
    model_config = ConfigDict(populate_by_name=True)


class Requirement(_Strict):
    key: str
    operator: str
    values: list[str] | None = None


class Selector(_Strict):
    """A label selector whose keys may carry a Cilium source prefix (`k8s:`, `any:`, `reserved:`)."""

    matchLabels: dict[str, str] | None = None
    matchExpressions: list[Requirement] | None = None

    def raw(self) -> dict[str, Any]:
        """Plain data for selectors.parse."""
        return self.model_dump(exclude_none=True)


class CIDRRule(_Strict):
    cidr: str | None = None
    except_: list[str] | None = Field(default=None, alias="except")
    cidrGroupRef: str | None = None
    cidrGroupSelector: Any = None
    generated: Any = None


class FQDNSelector(_Strict):
    matchName: str | None = None
    matchPattern: str | None = None


class K8sService(_Strict):
    serviceName: str | None = None
    namespace: str | None = None


class Service(_Strict):
    k8sService: K8sService | None = None
    k8sServiceSelector: Any = None


class PortProtocol(_Strict):
    port: str | int | None = None
    endPort: int | None = None
    protocol: str | None = None


class HeaderMatch(_Strict):
    name: str
    value: str | None = None
    secret: Any = None
    mismatch: str | None = None


class HTTPRule(_Strict):
    method: str | None = None
    path: str | None = None
    host: str | None = None
    headers: list[str] | None = None
    headerMatches: list[HeaderMatch] | None = None


class L7Rules(_Strict):
    http: list[HTTPRule] | None = None
    dns: list[FQDNSelector] | None = None
    kafka: Any = None
    l7proto: Any = None
    l7: Any = None


class PortRule(_Strict):
    ports: list[PortProtocol] | None = None
    rules: L7Rules | None = None
    serverNames: Any = None
    terminatingTLS: Any = None
    originatingTLS: Any = None
    listener: Any = None


class PortDenyRule(_Strict):
    ports: list[PortProtocol] | None = None


class ICMPField(_Strict):
    family: str | None = None
    type: int | str


class ICMPRule(_Strict):
    fields: list[ICMPField] | None = None


class _Ingress(_Strict):
    fromEndpoints: list[Selector] | None = None
    fromCIDR: list[str] | None = None
    fromCIDRSet: list[CIDRRule] | None = None
    fromEntities: list[str] | None = None
    fromRequires: Any = None
    fromNodes: list[Selector] | None = None
    fromGroups: Any = None
    icmps: list[ICMPRule] | None = None


class IngressRule(_Ingress):
    toPorts: list[PortRule] | None = None
    authentication: Any = None


class IngressDenyRule(_Ingress):
    toPorts: list[PortDenyRule] | None = None


class _Egress(_Strict):
    toEndpoints: list[Selector] | None = None
    toCIDR: list[str] | None = None
    toCIDRSet: list[CIDRRule] | None = None
    toEntities: list[str] | None = None
    toServices: list[Service] | None = None
    toRequires: Any = None
    toNodes: list[Selector] | None = None
    toGroups: Any = None
    icmps: list[ICMPRule] | None = None


class EgressRule(_Egress):
    toFQDNs: list[FQDNSelector] | None = None
    toPorts: list[PortRule] | None = None
    authentication: Any = None


class EgressDenyRule(_Egress):
    toPorts: list[PortDenyRule] | None = None


class DefaultDeny(_Strict):
    ingress: bool | None = None
    egress: bool | None = None


class Rule(_Strict):
    """One Cilium rule (`spec` or an entry of `specs`)."""

    description: str | None = None
    endpointSelector: Selector | None = None
    nodeSelector: Any = None
    ingress: list[IngressRule] | None = None
    ingressDeny: list[IngressDenyRule] | None = None
    egress: list[EgressRule] | None = None
    egressDeny: list[EgressDenyRule] | None = None
    enableDefaultDeny: DefaultDeny | None = None
    labels: Any = None
    log: Any = None


Metadata = ObjectMetadata


class CiliumPolicy(BaseModel):
    """A CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy."""

    model_config = STRICT
    apiVersion: str
    kind: str
    metadata: Metadata
    spec: Rule | None = None
    specs: list[Rule] | None = None
