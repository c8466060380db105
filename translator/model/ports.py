"""Ports and protocols."""

from __future__ import annotations

import re
from enum import Enum

from pydantic import Field, field_validator, model_validator

from translator.model.base import Frozen

_IANA_SVC_NAME = re.compile(r"^(?=.*[a-z])[a-z0-9]([a-z0-9-]*[a-z0-9])?$")


class Protocol(str, Enum):
    """An IP protocol. `ANY` means TCP, UDP and SCTP (the protocols that have ports)."""

    TCP = "TCP"
    UDP = "UDP"
    SCTP = "SCTP"
    ICMP = "ICMP"
    ICMPV6 = "ICMPv6"
    ANY = "ANY"

    @property
    def has_ports(self) -> bool:
        """Whether the protocol carries port numbers."""
        return self in (Protocol.TCP, Protocol.UDP, Protocol.SCTP, Protocol.ANY)

    def expand(self) -> tuple[Protocol, ...]:
        """The concrete protocols this one stands for."""
        if self is Protocol.ANY:
            return (Protocol.TCP, Protocol.UDP, Protocol.SCTP)
        return (self,)


PORT_PROTOCOLS = (Protocol.TCP, Protocol.UDP, Protocol.SCTP)


def port_name_error(name: str) -> str | None:
    """Why `name` is not a valid named port (IANA_SVC_NAME), or None."""
    if len(name) > 15 or not _IANA_SVC_NAME.match(name) or "--" in name:
        return (
            f"port name {name!r}: must be 1-15 lowercase alphanumerics or '-', contain a letter, "
            "and not start, end or repeat '-'"
        )
    return None


class ICMPMatch(Frozen):
    """An ICMP type and optional code."""

    type: int = Field(ge=0, le=255, description="ICMP type (0-255).")
    code: int | None = Field(default=None, ge=0, le=255, description="ICMP code; absent = any code.")


class PortSpec(Frozen):
    """One protocol with an optional port, port range or named port.

    No `port` means every port of the protocol. `endPort` makes `port`..`endPort` an inclusive range.
    A string `port` is a named container port, resolved on the destination pod.
    """

    protocol: Protocol = Field(default=Protocol.TCP, description="TCP (default), UDP, SCTP, ICMP, ICMPv6 or ANY.")
    port: int | str | None = Field(default=None, description="Port number 1-65535 or a container port name.")
    endPort: int | None = Field(default=None, ge=1, le=65535, description="Last port of an inclusive range.")
    icmp: ICMPMatch | None = Field(default=None, description="ICMP type/code (protocol ICMP or ICMPv6 only).")

    @field_validator("port")
    @classmethod
    def _port(cls, v: int | str | None) -> int | str | None:
        if isinstance(v, bool):
            raise ValueError("port must be a number or a name")
        if isinstance(v, int) and not 1 <= v <= 65535:
            raise ValueError(f"port {v} is out of range 1-65535")
        if isinstance(v, str):
            if v.isdigit():
                return cls._port(int(v))
            err = port_name_error(v)
            if err:
                raise ValueError(err)
        return v

    @model_validator(mode="before")
    @classmethod
    def _single_port_range(cls, data: object) -> object:
        # `port: 80, endPort: 80` is the single port 80: keep one canonical form.
        if isinstance(data, dict) and data.get("endPort") is not None and data.get("endPort") == data.get("port"):
            return {k: v for k, v in data.items() if k != "endPort"}
        return data

    @model_validator(mode="after")
    def _shape(self) -> PortSpec:
        if self.endPort is not None:
            if not isinstance(self.port, int):
                raise ValueError("endPort needs a numeric port")
            if self.endPort < self.port:
                raise ValueError(f"endPort {self.endPort} is below port {self.port}")
        if not self.protocol.has_ports and self.port is not None:
            raise ValueError(f"protocol {self.protocol.value} has no ports")
        if self.icmp is not None and self.protocol not in (Protocol.ICMP, Protocol.ICMPV6):
            raise ValueError("icmp needs protocol ICMP or ICMPv6")
        return self

    @property
    def is_named(self) -> bool:
        """Whether the port is a container port name."""
        return isinstance(self.port, str)

    @property
    def is_range(self) -> bool:
        """Whether the spec is a numeric range wider than one port."""
        return self.endPort is not None and self.endPort != self.port

    def numeric_range(self) -> tuple[int, int] | None:
        """The inclusive numeric range, or None when the port is named or absent."""
        if isinstance(self.port, int):
            return (self.port, self.endPort if self.endPort is not None else self.port)
        return None

    def __str__(self) -> str:
        if self.icmp is not None:
            code = f"/{self.icmp.code}" if self.icmp.code is not None else ""
            return f"{self.protocol.value} type {self.icmp.type}{code}"
        if self.port is None:
            return f"{self.protocol.value} (all ports)"
        end = f"-{self.endPort}" if self.is_range else ""
        return f"{self.port}{end}/{self.protocol.value}"
