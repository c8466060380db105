"""The policy.networking.k8s.io objects this engine reads and writes: ClusterNetworkPolicy v1alpha2, and the
AdminNetworkPolicy / BaselineAdminNetworkPolicy v1alpha1 it replaces (read only). Decoded strictly, as the API
server does (unknown fields are errors); the CRD's one-of rules (one field per peer, subject and protocol) are
checked here too, since they decide what a field means."""

from __future__ import annotations

from pydantic import Field, model_validator

from translator.model import LabelSelector
from translator.native_api import ObjectMetadata, Strict

GROUP = "policy.networking.k8s.io"
V1ALPHA2 = f"{GROUP}/v1alpha2"
V1ALPHA1 = f"{GROUP}/v1alpha1"
CNP_KIND = "ClusterNetworkPolicy"
ANP_KIND = "AdminNetworkPolicy"
BANP_KIND = "BaselineAdminNetworkPolicy"
KINDS = (CNP_KIND, ANP_KIND, BANP_KIND)

ADMIN, BASELINE = "Admin", "Baseline"
MAX_PRIORITY = 1000
MAX_RULES = 25
"""Rules per direction, peers per rule, protocols per rule and CIDRs / names per peer (v1alpha2)."""


def _one_of(model: Strict, what: str) -> None:
    given = [k for k, v in model if v is not None]
    if len(given) != 1:
        fields = ", ".join(type(model).model_fields)
        raise ValueError(f"{what} must set exactly one of {fields}; got {', '.join(given) or 'none'}")


class NamespacedPod(Strict):
    namespaceSelector: LabelSelector
    podSelector: LabelSelector


class Subject(Strict):
    namespaces: LabelSelector | None = None
    pods: NamespacedPod | None = None

    @model_validator(mode="after")
    def _one(self) -> Subject:
        _one_of(self, "a subject")
        return self


class Peer(Strict):
    """An ingress or egress peer (ingress peers are namespaces and pods only; the reader checks the direction)."""

    namespaces: LabelSelector | None = None
    pods: NamespacedPod | None = None
    networks: list[str] | None = None
    nodes: LabelSelector | None = None
    domainNames: list[str] | None = None

    @model_validator(mode="after")
    def _one(self) -> Peer:
        _one_of(self, "a peer")
        return self


class PortRange(Strict):
    start: int = Field(ge=1, le=65535)
    end: int = Field(ge=1, le=65535)


class PortNumber(Strict):
    number: int | None = Field(default=None, ge=1, le=65535)
    range: PortRange | None = None

    @model_validator(mode="after")
    def _one(self) -> PortNumber:
        _one_of(self, "destinationPort")
        return self


class ProtocolPort(Strict):
    destinationPort: PortNumber


class Protocol(Strict):
    """One v1alpha2 protocol match: exactly one of tcp, udp, sctp, destinationNamedPort."""

    tcp: ProtocolPort | None = None
    udp: ProtocolPort | None = None
    sctp: ProtocolPort | None = None
    destinationNamedPort: str | None = None

    @model_validator(mode="after")
    def _one(self) -> Protocol:
        _one_of(self, "a protocol")
        return self


class Rule(Strict):
    """A v1alpha2 rule; `peers` is `from` or `to`."""

    name: str | None = Field(default=None, max_length=100)
    action: str
    from_: list[Peer] | None = Field(default=None, alias="from")
    to: list[Peer] | None = None
    protocols: list[Protocol] | None = None


class Spec(Strict):
    tier: str
    priority: int = Field(ge=0, le=MAX_PRIORITY)
    subject: Subject
    ingress: list[Rule] | None = None
    egress: list[Rule] | None = None


class ClusterNetworkPolicy(Strict):
    apiVersion: str
    kind: str
    metadata: ObjectMetadata
    spec: Spec


# -- v1alpha1 (read only) ---------------------------------------------------------------------------------------


class V1PortNumber(Strict):
    protocol: str = "TCP"
    port: int = Field(ge=1, le=65535)


class V1PortRange(Strict):
    protocol: str = "TCP"
    start: int = Field(ge=1, le=65535)
    end: int = Field(ge=1, le=65535)


class V1Port(Strict):
    portNumber: V1PortNumber | None = None
    portRange: V1PortRange | None = None
    namedPort: str | None = None

    @model_validator(mode="after")
    def _one(self) -> V1Port:
        _one_of(self, "a port")
        return self


class V1Rule(Strict):
    name: str | None = Field(default=None, max_length=100)
    action: str
    from_: list[Peer] | None = Field(default=None, alias="from")
    to: list[Peer] | None = None
    ports: list[V1Port] | None = None


class V1Spec(Strict):
    priority: int | None = Field(default=None, ge=0, le=MAX_PRIORITY)
    subject: Subject
    ingress: list[V1Rule] | None = None
    egress: list[V1Rule] | None = None


class AdminNetworkPolicy(Strict):
    """AdminNetworkPolicy or BaselineAdminNetworkPolicy (the latter has no priority)."""

    apiVersion: str
    kind: str
    metadata: ObjectMetadata
    spec: V1Spec
