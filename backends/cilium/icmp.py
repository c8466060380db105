"""ICMP type names Cilium accepts in `icmps` (pkg/policy/api/icmp.go), and their numbers."""

from __future__ import annotations

ICMPV4_TYPES: dict[str, int] = {
    "EchoReply": 0, "DestinationUnreachable": 3, "Redirect": 5, "Echo": 8, "EchoRequest": 8,
    "RouterAdvertisement": 9, "RouterSelection": 10, "TimeExceeded": 11, "ParameterProblem": 12,
    "Timestamp": 13, "TimestampReply": 14, "Photuris": 40, "ExtendedEchoRequest": 42, "ExtendedEchoReply": 43,
}
ICMPV6_TYPES: dict[str, int] = {
    "DestinationUnreachable": 1, "PacketTooBig": 2, "TimeExceeded": 3, "ParameterProblem": 4,
    "EchoRequest": 128, "EchoReply": 129, "MulticastListenerQuery": 130, "MulticastListenerReport": 131,
    "MulticastListenerDone": 132, "RouterSolicitation": 133, "RouterAdvertisement": 134,
    "NeighborSolicitation": 135, "NeighborAdvertisement": 136, "RedirectMessage": 137, "RouterRenumbering": 138,
    "ICMPNodeInformationQuery": 139, "ICMPNodeInformationResponse": 140,
    "InverseNeighborDiscoverySolicitation": 141, "InverseNeighborDiscoveryAdvertisement": 142,
    "HomeAgentAddressDiscoveryRequest": 144, "HomeAgentAddressDiscoveryReply": 145,
    "MobilePrefixSolicitation": 146, "MobilePrefixAdvertisement": 147, "DuplicateAddressRequestCodeSuffix": 157,
    "DuplicateAddressConfirmationCodeSuffix": 158, "ExtendedEchoRequest": 160, "ExtendedEchoReply": 161,
}
FAMILIES = {"IPv4": ("ICMP", ICMPV4_TYPES), "IPv6": ("ICMPv6", ICMPV6_TYPES)}


def icmp_type(family: str, value: int | str) -> tuple[str, int]:
    """(intent protocol, type number) of one Cilium ICMP field; ValueError when unknown."""
    if family not in FAMILIES:
        raise ValueError(f"ICMP family {family!r} must be IPv4 or IPv6")
    proto, names = FAMILIES[family]
    if isinstance(value, str) and not value.strip().isdigit():
        if value not in names:
            raise ValueError(f"ICMP type {value!r} is not a known {family} type name")
        return proto, names[value]
    number = int(value)
    if not 0 <= number <= 255:
        raise ValueError(f"ICMP type {number} is out of range 0-255")
    return proto, number
