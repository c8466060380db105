"""Rules: what one ingress or egress rule allows, denies or passes."""

from __future__ import annotations

from enum import Enum

from pydantic import Field, model_validator

from translator.model.base import Frozen
from translator.model.l7 import HTTPRule
from translator.model.peers import Peer
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
    description: str | None = Field(default=None, description="Free text carried into comments and reports.")

    @model_validator(mode="after")
    def _shape(self) -> Rule:
        if self.http is not None:
            if self.action is not Action.ALLOW:
                raise ValueError("http rules are only allowed with action allow")
            if not self.ports or any(p.protocol.value != "TCP" for p in self.ports):
                raise ValueError("http rules need ports, all with protocol TCP")
        return self
