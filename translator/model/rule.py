"""Rules: what one ingress or egress rule allows, denies or passes."""

from __future__ import annotations

from enum import Enum

from pydantic import Field, field_validator, model_validator

from translator.model.base import Frozen
from translator.model.l7 import HTTPRule
from translator.model.peers import Peer, dns_name_error
from translator.model.ports import PortSpec


class Action(str, Enum):
    """What a matching rule does.

    `allow` and `deny` decide; `pass` skips the rest of the tier (ordered intents; see docs/intent.md);
    `log` records the match and continues, with no effect on traffic.
    """

    ALLOW = "allow"
    DENY = "deny"
    PASS = "pass"
    LOG = "log"


class Direction(str, Enum):
    """Traffic direction, seen from the selected pods."""

    INGRESS = "ingress"
    EGRESS = "egress"


class Rule(Frozen):
    """One rule. A connection matches when its peer matches (any of `peers`, none of `notPeers`) and its port
    matches (any of `ports`, none of `notPorts`), and, for HTTP, any of `http`.

    Absent or empty `peers` = any peer, in or outside the cluster. Absent or empty `ports` = every port of
    every protocol (ICMP included).
    """

    action: Action = Field(default=Action.ALLOW, description="allow (default), deny, pass or log.")
    peers: tuple[Peer, ...] | None = Field(default=None, description="Peers this rule matches (OR); absent = any.")
    notPeers: tuple[Peer, ...] | None = Field(default=None, description="Peers excluded from the match.")
    ports: tuple[PortSpec, ...] | None = Field(default=None, description="Ports this rule matches (OR); absent = all.")
    notPorts: tuple[PortSpec, ...] | None = Field(default=None, description="Ports excluded from the match.")
    http: tuple[HTTPRule, ...] | None = Field(default=None, description="HTTP requests allowed (OR); absent = any.")
    dns: tuple[str, ...] | None = Field(
        default=None,
        description="Egress allow rules to DNS servers (ports given, usually 53): the DNS names the pods may look "
        "up through this rule "
        "(exact names, or patterns with `*` as for fqdn peers; `*` = every name). The queries are inspected (on "
        "Cilium by its DNS proxy, which is also how fqdn peers learn addresses); other names are refused. Absent "
        "= the queries are not inspected.")
    description: str | None = Field(default=None, description="Free text carried into comments and reports.")

    @field_validator("dns")
    @classmethod
    def _dns(cls, v: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if v is None:
            return v
        if not v:
            raise ValueError("dns must list at least one name (use '*' for every name)")
        for name in v:
            if dns_name_error(name):
                raise ValueError(dns_name_error(name))
        return tuple(dict.fromkeys(name.lower().rstrip(".") for name in v))

    @model_validator(mode="after")
    def _shape(self) -> Rule:
        if self.dns is not None:
            if self.action is not Action.ALLOW or self.http is not None:
                raise ValueError("dns names are only allowed on allow rules without http")
            if not self.ports or any(p.port is None or p.endPort is not None
                                     or p.protocol.value not in ("UDP", "TCP", "ANY") for p in self.ports):
                raise ValueError("dns names need ports: the DNS servers' ports (single UDP, TCP or ANY ports, "
                                 "usually 53)")
        if self.http is not None:
            if self.action is not Action.ALLOW:
                raise ValueError("http rules are only allowed with action allow")
            if not self.ports or any(p.protocol.value != "TCP" for p in self.ports):
                raise ValueError("http rules need ports, all with protocol TCP")
        return self
