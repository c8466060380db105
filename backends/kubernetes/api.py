"""The networking.k8s.io/v1 NetworkPolicy structure, as the API server accepts it (unknown spec fields
rejected, so a typo such as `podselector` is an error rather than a silently empty selector)."""

from __future__ import annotations

from pydantic import Field, model_validator

from translator.model import LabelSelector
from translator.native_api import ObjectMetadata, Strict


class _Strict(Strict):
    pass


class IPBlock(_Strict):
    cidr: str
    except_: list[str] | None = Field(default=None, alias="except")


class NPPeer(_Strict):
    podSelector: LabelSelector | None = None
    namespaceSelector: LabelSelector | None = None
    ipBlock: IPBlock | None = None

    @model_validator(mode="after")
    def _shape(self) -> NPPeer:
        if self.ipBlock is not None and (self.podSelector is not None or self.namespaceSelector is not None):
            raise ValueError("ipBlock may not be combined with podSelector or namespaceSelector in one peer")
        if self.ipBlock is None and self.podSelector is None and self.namespaceSelector is None:
            raise ValueError("a peer needs podSelector, namespaceSelector or ipBlock")
        return self


class NPPort(_Strict):
    protocol: str | None = None
    port: int | str | None = None
    endPort: int | None = None


class NPIngressRule(_Strict):
    from_: list[NPPeer] | None = Field(default=None, alias="from")
    ports: list[NPPort] | None = None


class NPEgressRule(_Strict):
    to: list[NPPeer] | None = None
    ports: list[NPPort] | None = None


class NPSpec(_Strict):
    podSelector: LabelSelector | None = None
    policyTypes: list[str] | None = None
    ingress: list[NPIngressRule] | None = None
    egress: list[NPEgressRule] | None = None


NPMetadata = ObjectMetadata


class NetworkPolicy(Strict):
    apiVersion: str
    kind: str
    metadata: NPMetadata
    spec: NPSpec = Field(default_factory=NPSpec)
