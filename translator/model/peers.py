"""Peers: the other end of a connection, named by labels, IP range, DNS name, entity or service."""

from __future__ import annotations

import ipaddress
import re
from enum import Enum
from functools import cached_property, lru_cache

from pydantic import Field, ValidationInfo, field_validator, model_validator

from translator.model.base import Frozen
from translator.model.entities import Entity
from translator.model.labels import NAMESPACE_NAME_LABEL, dns_label_error, dns_subdomain_error
from translator.model.selector import LabelSelector, Operator, Requirement

_LABEL = r"[A-Za-z0-9*]([-A-Za-z0-9_*]*[A-Za-z0-9*])?"
_FQDN = re.compile(rf"^(\*|{_LABEL})(\.{_LABEL})*\.?$")


class PeerKind(str, Enum):
    """What kind of peer a `Peer` is; exactly one kind per peer."""

    ENDPOINTS = "endpoints"
    CIDR = "cidr"
    FQDN = "fqdn"
    ENTITY = "entity"
    SERVICE = "service"
    NODES = "nodes"


class ServiceRef(Frozen):
    """A Kubernetes Service by name; its endpoints are the pods its selector picks."""

    name: str = Field(description="Service name.")
    namespace: str | None = Field(default=None, description="Service namespace; absent = the intent's namespace.")

    @field_validator("name", "namespace")
    @classmethod
    def _dns(cls, v: str | None) -> str | None:
        err = v is not None and dns_label_error(v)
        if err:
            raise ValueError(err)
        return v


Network = ipaddress.IPv4Network | ipaddress.IPv6Network
"""An IP block of either address family."""


@lru_cache(maxsize=65536)
def parse_network(text: str) -> Network:
    """A CIDR in canonical form; host bits must be zero (as the Kubernetes API server requires). Cached: policy
    sets repeat the same blocks many times."""
    try:
        return ipaddress.ip_network(text, strict=True)
    except ValueError as exc:
        raise ValueError(f"invalid CIDR {text!r}: {exc}") from exc


class Peer(Frozen):
    """One peer. Exactly one kind must be given:

    * endpoints: any of `pods`, `namespaces`, `namespaceNames`, `serviceAccounts` (all given ones ANDed).
      Without `namespaces`/`namespaceNames` the pods are in the intent's own namespace (all namespaces for a
      cluster-scoped intent). `namespaces: {}` means every namespace.
    * `cidr` (with optional `except`): IP addresses, in or outside the cluster.
    * `fqdn`: a DNS name; `*` matches zero or more characters within one label (`*.example.com` matches
      `api.example.com`, not `a.b.example.com`); a lone `*` matches every name.
    * `entity`: a named group (see Entity).
    * `service`: the pods behind a Kubernetes Service.
    * `nodes`: the nodes whose labels match (`{}` = every node), and the host-network pods on them.
    """

    pods: LabelSelector | None = Field(default=None, description="Pod label selector; absent = any pod.")
    namespaces: LabelSelector | None = Field(default=None, description="Namespace label selector; `{}` = all.")
    namespaceNames: tuple[str, ...] | None = Field(default=None, description="Namespaces by name.")
    serviceAccounts: tuple[str, ...] | None = Field(default=None, description="Pods running as these accounts.")
    cidr: str | None = Field(default=None, description="IP block, e.g. `10.0.0.0/8`.")
    except_: tuple[str, ...] = Field(default=(), alias="except", description="Sub-blocks of `cidr` excluded.")
    fqdn: str | None = Field(default=None, description="DNS name, exact or with `*` wildcards.")
    entity: Entity | None = Field(default=None, description="A named group of endpoints.")
    service: ServiceRef | None = Field(default=None, description="A Kubernetes Service.")
    nodes: LabelSelector | None = Field(default=None, description="Nodes by their labels; `{}` = every node.")

    @field_validator("namespaceNames", "serviceAccounts")
    @classmethod
    def _names(cls, v: tuple[str, ...] | None, info: ValidationInfo) -> tuple[str, ...] | None:
        if v is None:
            return v
        if not v:
            raise ValueError("must list at least one name")
        for name in v:
            # Namespace names are DNS-1123 labels (at most 63 characters); service account names subdomains.
            err = dns_label_error(name, "namespace name") if info.field_name == "namespaceNames" else \
                dns_subdomain_error(name)
            if err:
                raise ValueError(err)
        return tuple(sorted(set(v)))

    @field_validator("cidr")
    @classmethod
    def _cidr(cls, v: str | None) -> str | None:
        return None if v is None else str(parse_network(v))

    @field_validator("except_")
    @classmethod
    def _except(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted({str(parse_network(e)) for e in v}, key=_net_key))

    @field_validator("fqdn")
    @classmethod
    def _fqdn(cls, v: str | None) -> str | None:
        if v is None:
            return v
        err = dns_name_error(v)
        if err:
            raise ValueError(err)
        return v.lower().rstrip(".")

    @model_validator(mode="after")
    def _one_kind(self) -> Peer:
        kinds = self.kinds()
        if len(kinds) != 1:
            given = ", ".join(k.value for k in kinds) or "nothing"
            raise ValueError(f"a peer must be exactly one of endpoints, cidr, fqdn, entity, service or nodes; got "
                             f"{given}")
        if self.except_ and self.cidr is None:
            raise ValueError("except needs cidr")
        if self.cidr is not None:
            net = parse_network(self.cidr)
            for e in self.except_:
                sub = parse_network(e)
                if not network_within(sub, net) or sub == net:
                    raise ValueError(f"except {e} must be a strict subset of cidr {self.cidr}")
        return self

    def kinds(self) -> list[PeerKind]:
        """The kinds this peer sets (valid peers set exactly one). Written without generators: it runs for every
        peer that is validated."""
        found: list[PeerKind] = []
        if (self.pods is not None or self.namespaces is not None or self.namespaceNames is not None
                or self.serviceAccounts is not None):
            found.append(PeerKind.ENDPOINTS)
        if self.cidr is not None:
            found.append(PeerKind.CIDR)
        if self.fqdn is not None:
            found.append(PeerKind.FQDN)
        if self.entity is not None:
            found.append(PeerKind.ENTITY)
        if self.service is not None:
            found.append(PeerKind.SERVICE)
        if self.nodes is not None:
            found.append(PeerKind.NODES)
        return found

    @cached_property
    def kind(self) -> PeerKind:
        """The peer's kind."""
        return self.kinds()[0]

    @property
    def network(self) -> Network | None:
        """The CIDR as a network object."""
        return parse_network(self.cidr) if self.cidr is not None else None

    @property
    def is_wildcard_fqdn(self) -> bool:
        """Whether the DNS name has a `*`."""
        return self.fqdn is not None and "*" in self.fqdn

    def __str__(self) -> str:
        kind = self.kind
        if kind is PeerKind.CIDR and self.cidr is not None:
            return self.cidr + (f" except {', '.join(self.except_)}" if self.except_ else "")
        if kind is PeerKind.FQDN:
            return f"fqdn {self.fqdn}"
        if kind is PeerKind.ENTITY and self.entity is not None:
            return f"entity {self.entity.value}"
        if kind is PeerKind.NODES and self.nodes is not None:
            return "every node" if self.nodes.is_empty() else f"nodes {self.nodes}"
        if kind is PeerKind.SERVICE and (svc := self.service) is not None:
            return f"service {svc.namespace + '/' if svc.namespace else ''}{svc.name}"
        parts = [f"pods {self.pods}" if self.pods is not None else "any pod"]
        if self.namespaceNames is not None:
            parts.append(f"in namespaces {', '.join(self.namespaceNames)}")
        if self.namespaces is not None:
            parts.append("in all namespaces" if self.namespaces.is_empty() else f"in namespaces {self.namespaces}")
        if self.serviceAccounts is not None:
            parts.append(f"as service accounts {', '.join(self.serviceAccounts)}")
        return " ".join(parts)


def network_within(inner: Network, outer: Network) -> bool:
    """Whether `inner` lies inside `outer` (or equals it); blocks of different address families never do (where
    `subnet_of` would raise)."""
    if isinstance(inner, ipaddress.IPv4Network):
        return isinstance(outer, ipaddress.IPv4Network) and inner.subnet_of(outer)
    return isinstance(outer, ipaddress.IPv6Network) and inner.subnet_of(outer)


def network_minus(net: Network, sub: Network) -> list[Network]:
    """`net` without `sub`, as disjoint blocks: `[net]` when they do not overlap (or are of different address
    families), `[]` when `sub` covers `net`."""
    if network_within(net, sub):
        return []
    if not network_within(sub, net):
        return [net]  # two CIDR blocks are nested or disjoint
    if isinstance(net, ipaddress.IPv4Network):
        assert isinstance(sub, ipaddress.IPv4Network)
        return list(net.address_exclude(sub))
    assert isinstance(sub, ipaddress.IPv6Network)
    return list(net.address_exclude(sub))


def dns_name_error(name: str) -> str | None:
    """Why `name` is not a DNS name or pattern (`*` within labels), or None."""
    if len(name) > 255 or not _FQDN.match(name):
        return f"invalid DNS name {name!r}"
    return None


def dns_name_covers(pattern: str, name: str) -> bool:
    """Whether every name that `name` (a name or pattern) matches is matched by `pattern` (a sufficient test:
    label by label, a label of `pattern` covers an equal label, any label when it is `*`, and a label without `*`
    that its glob matches)."""
    if pattern == name or pattern == "*":
        return True
    p_labels, n_labels = pattern.split("."), name.split(".")
    if len(p_labels) != len(n_labels):
        return False
    for p, n in zip(p_labels, n_labels, strict=True):
        if p == n or p == "*":
            continue
        if "*" in n or re.fullmatch("".join("[^.]*" if ch == "*" else re.escape(ch) for ch in p), n) is None:
            return False
    return True


def _net_key(text: str) -> tuple[int, int, int]:
    net = ipaddress.ip_network(text)
    return (net.version, int(net.network_address), net.prefixlen)


def namespace_selector(peer: Peer) -> LabelSelector | None:
    """The namespace part of an endpoints peer as one selector (names become kubernetes.io/metadata.name);
    None when the peer names no namespaces."""
    if peer.namespaceNames is None:
        return peer.namespaces
    base = peer.namespaces or LabelSelector()
    names = peer.namespaceNames
    if len(names) == 1 and NAMESPACE_NAME_LABEL not in base.matchLabels:
        return LabelSelector(matchLabels={**base.matchLabels, NAMESPACE_NAME_LABEL: names[0]},
                             matchExpressions=base.matchExpressions)
    req = Requirement(key=NAMESPACE_NAME_LABEL, operator=Operator.IN, values=names)
    return LabelSelector(matchLabels=base.matchLabels, matchExpressions=(*base.matchExpressions, req))
