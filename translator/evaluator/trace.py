"""Why a connection is allowed or denied: the steps of both directions, like `cilium policy trace`."""

from __future__ import annotations

from dataclasses import dataclass, field


def format_order(order: float) -> str:
    """An order as written: `1000000`, `100.5`."""
    return str(int(order)) if float(order).is_integer() else repr(order)


@dataclass
class RuleStep:
    """One rule looked at: did its peers and its ports match?"""

    intent: str
    where: str
    index: int
    action: str
    peer_match: bool
    port_match: bool
    note: str = ""

    @property
    def matched(self) -> bool:
        """Whether the rule matched the connection."""
        return self.peer_match and self.port_match

    def line(self) -> str:
        """One line: the rule, and what matched."""
        if self.matched:
            what = "matches"
        elif not self.peer_match and not self.port_match:
            what = "no match (peer and port differ)"
        else:
            what = "no match (" + ("peer" if not self.peer_match else "port") + " differs)"
        note = f"; {self.note}" if self.note else ""
        return f"{self.intent} rule {self.index} ({self.action}) at {self.where}: {what}{note}"


@dataclass
class TierStep:
    """One tier: the intents that apply, the rules looked at, and the tier's outcome."""

    name: str
    order: float
    intents: list[str] = field(default_factory=list)
    rules: list[RuleStep] = field(default_factory=list)
    outcome: str = ""


@dataclass
class DirectionTrace:
    """How one direction (the source's egress or the destination's ingress) was decided."""

    direction: str
    endpoint: str
    allowed: bool
    reason: str
    tiers: list[TierStep] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The steps, indented."""
        verdict = "allowed" if self.allowed else "denied"
        out = [f"{self.direction} of {self.endpoint}: {verdict} ({self.reason})"]
        for tier in self.tiers:
            out.append(f"  tier {tier.name} (order {format_order(tier.order)}): {', '.join(tier.intents)}")
            out.extend(f"    {step.line()}" for step in tier.rules)
            if tier.outcome:
                out.append(f"    -> {tier.outcome}")
        return out


@dataclass
class Trace:
    """The verdict on one connection and how both directions were decided."""

    src: str
    dst: str
    port: int
    protocol: str
    allowed: bool
    egress: DirectionTrace
    ingress: DirectionTrace
    semantics: str = ""

    def lines(self) -> list[str]:
        """A readable trace: the verdict, then the source's egress, then the destination's ingress."""
        verdict = "ALLOWED" if self.allowed else "DENIED"
        how = f" under {self.semantics} semantics" if self.semantics else ""
        out = [f"{self.src} -> {self.dst} {self.port}/{self.protocol}: {verdict}{how}"]
        out.extend("  " + line for line in self.egress.lines())
        out.extend("  " + line for line in self.ingress.lines())
        return out

    def as_dict(self) -> dict[str, object]:
        """JSON form."""
        return {"from": self.src, "to": self.dst, "port": self.port, "protocol": self.protocol,
                "allowed": self.allowed, "trace": self.lines()}


class Recorder:
    """Collects the steps of one direction while the engine decides it for a single peer."""

    def __init__(self, direction: str, endpoint: str) -> None:
        self.direction = direction
        self.endpoint = endpoint
        self.tiers: list[TierStep] = []
        self.reason = ""

    def tier(self, name: str, order: float, intents: list[str]) -> None:
        """A tier with applicable intents starts."""
        self.tiers.append(TierStep(name, order, intents))

    def rule(self, step: RuleStep) -> None:
        """A rule was looked at."""
        self.tiers[-1].rules.append(step)

    def outcome(self, text: str) -> None:
        """The current tier ended this way."""
        self.tiers[-1].outcome = text

    def first_matched(self, action: str) -> RuleStep | None:
        """The first matching rule with `action` in the current tier."""
        return next((s for s in self.tiers[-1].rules if s.matched and s.action == action), None)

    def finish(self, allowed: bool, reason: str) -> DirectionTrace:
        """The finished trace."""
        return DirectionTrace(self.direction, self.endpoint, allowed, reason, self.tiers)
