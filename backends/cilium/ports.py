"""`notPorts` for Cilium, which has no negated ports: the ports of a rule minus its notPorts, as plain port specs.

The protocols a port spec can name are TCP, UDP and SCTP (ports 1-65535) and ICMP / ICMPv6 (types 0-255). For
each, the allowed set is an interval list; the difference is written back as whole protocols (`{protocol: UDP}`),
single ports, ranges (`endPort`) and ICMP types. When all three of TCP, UDP and SCTP end up with the same ports
they are written once with protocol ANY. Named ports and ICMP codes cannot be subtracted (None).

A rule without `ports` means every port of every protocol; written out it covers TCP, UDP, SCTP, ICMP and ICMPv6
only, so other IP protocols (GRE, ESP, ...) drop out: the capability check announces that.
"""

from __future__ import annotations

from translator.model import ICMPMatch, PortSpec, Protocol, Rule

Interval = tuple[int, int]
L4 = (Protocol.TCP, Protocol.UDP, Protocol.SCTP)
ICMPS = (Protocol.ICMP, Protocol.ICMPV6)
FULL = {Protocol.TCP: (1, 65535), Protocol.UDP: (1, 65535), Protocol.SCTP: (1, 65535),
        Protocol.ICMP: (0, 255), Protocol.ICMPV6: (0, 255)}


class NotSubtractable(ValueError):
    """The difference cannot be written as plain port specs (named ports, ICMP codes)."""


def _covers(spec: PortSpec, proto: Protocol) -> bool:
    return spec.protocol is proto or (spec.protocol is Protocol.ANY and proto in L4)


def _interval(spec: PortSpec, proto: Protocol) -> Interval:
    if proto in ICMPS:
        if spec.icmp is None:
            return FULL[proto]
        if spec.icmp.code is not None:
            raise NotSubtractable("ICMP codes cannot be subtracted")
        return (spec.icmp.type, spec.icmp.type)
    if spec.port is None:
        return FULL[proto]
    if isinstance(spec.port, str):
        raise NotSubtractable("named ports cannot be subtracted")
    return (spec.port, spec.endPort if spec.endPort is not None else spec.port)


def _merge(intervals: list[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for lo, hi in sorted(intervals):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _subtract(keep: list[Interval], drop: list[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for lo, hi in keep:
        start = lo
        for dlo, dhi in drop:
            if dhi < start or dlo > hi:
                continue
            if dlo > start:
                out.append((start, dlo - 1))
            start = max(start, dhi + 1)
        if start <= hi:
            out.append((start, hi))
    return out


def _sets(specs: tuple[PortSpec, ...] | None, protos: tuple[Protocol, ...]) -> dict[Protocol, list[Interval]]:
    if not specs:
        return {p: [FULL[p]] for p in protos}
    return {p: _merge([_interval(s, p) for s in specs if _covers(s, p)]) for p in protos}


def _specs(proto: Protocol, intervals: list[Interval]) -> list[PortSpec]:
    if intervals == [FULL[proto]]:
        return [PortSpec(protocol=proto)]
    if proto in ICMPS:
        return [PortSpec(protocol=proto, icmp=ICMPMatch(type=t)) for lo, hi in intervals for t in range(lo, hi + 1)]
    return [PortSpec(protocol=proto, port=lo, endPort=hi if hi > lo else None) for lo, hi in intervals]


def remaining_ports(rule: Rule) -> tuple[PortSpec, ...]:
    """The rule's ports minus its notPorts as plain specs (empty: nothing remains); NotSubtractable if impossible."""
    protos = (*L4, *ICMPS)
    keep, drop = _sets(rule.ports, protos), _sets(rule.notPorts, protos)
    left = {p: _subtract(keep[p], drop[p]) for p in protos}
    out: list[PortSpec] = []
    if left[Protocol.TCP] and left[Protocol.TCP] == left[Protocol.UDP] == left[Protocol.SCTP]:
        out.extend(s.model_copy(update={"protocol": Protocol.ANY}) for s in _specs(Protocol.TCP, left[Protocol.TCP]))
    else:
        out.extend(s for p in L4 for s in _specs(p, left[p]))
    out.extend(s for p in ICMPS for s in _specs(p, left[p]))
    return tuple(out)


def widest_range(specs: tuple[PortSpec, ...]) -> int:
    """The size of the widest numeric range among `specs` (0 when none is a range)."""
    return max((s.endPort - s.port + 1 for s in specs if s.is_range and isinstance(s.port, int)
                and s.endPort is not None), default=0)
