"""The structured explanation of policies (what the text, markdown and JSON renderers print)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RuleExplanation:
    """One rule in words."""

    direction: str
    index: int
    action: str
    text: str
    """The whole rule as a sentence."""
    peers: tuple[str, ...]
    ports: tuple[str, ...]
    location: str
    not_peers: tuple[str, ...] = ()
    not_ports: tuple[str, ...] = ()
    http: str | None = None
    notes: tuple[str, ...] = ()
    """What the engine does differently with this rule."""

    def as_dict(self) -> dict[str, Any]:
        """JSON form (stable keys)."""
        return {"direction": self.direction, "index": self.index, "action": self.action, "text": self.text,
                "peers": list(self.peers), "notPeers": list(self.not_peers), "ports": list(self.ports),
                "notPorts": list(self.not_ports), "http": self.http, "location": self.location,
                "notes": list(self.notes)}


@dataclass(frozen=True)
class DirectionExplanation:
    """One direction of a policy: whether it isolates, and its rules."""

    direction: str
    isolated: bool
    summary: str
    rules: tuple[RuleExplanation, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"direction": self.direction, "isolated": self.isolated, "summary": self.summary,
                "rules": [r.as_dict() for r in self.rules]}


@dataclass(frozen=True)
class PolicyExplanation:
    """One policy in words."""

    ref: str
    kind: str
    origin: str
    engine: str
    location: str
    selects: str
    order: str | None
    directions: tuple[DirectionExplanation, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"policy": self.ref, "kind": self.kind, "origin": self.origin, "engine": self.engine,
                "location": self.location, "selects": self.selects, "order": self.order,
                "directions": [d.as_dict() for d in self.directions], "notes": list(self.notes)}
