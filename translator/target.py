"""Targets: an engine name with an optional version and settings, e.g. `cilium@1.16`, `cilium@aks`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from translator.errors import InvalidInput

_VERSION = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$")


class TargetError(InvalidInput, ValueError):
    """A target string that cannot be parsed."""


@dataclass(frozen=True)
class Target:
    """What to compile for: engine `name`, optional `version` (a tuple), `platform` (e.g. `aks`) and settings."""

    name: str
    version: tuple[int, ...] | None = None
    platform: str | None = None
    settings: dict[str, str] = field(default_factory=dict, hash=False)

    def at_least(self, version: tuple[int, ...]) -> bool:
        """Whether the target version is `version` or newer (an unversioned target counts as the newest)."""
        return self.version is None or self.version >= version

    def setting(self, key: str, default: str | None = None) -> str | None:
        """A setting's value."""
        return self.settings.get(key, default)

    def flag(self, key: str) -> bool:
        """A boolean setting (`true`, `1`, `yes`, `on`)."""
        return str(self.settings.get(key, "")).lower() in ("1", "true", "yes", "on")

    def __str__(self) -> str:
        out = self.name
        if self.version is not None:
            out += "@" + ".".join(map(str, self.version))
        if self.platform:
            out += f" on {self.platform}"
        return out


def parse_version(text: str) -> tuple[int, ...]:
    """`1.16` -> (1, 16)."""
    m = _VERSION.match(text.strip())
    if not m:
        raise TargetError(f"invalid version {text!r} (expected e.g. 1.16 or 3.30.1)")
    return tuple(int(g) for g in m.groups() if g is not None)


def parse_target(text: str, platform: str | None = None, settings: dict[str, str] | None = None,
                 platforms: frozenset[str] = frozenset({"aks"})) -> Target:
    """Parse `NAME[@VERSION|@PLATFORM][,key=value...]`."""
    head, *rest = [p.strip() for p in text.split(",")]
    opts = dict(settings or {})
    for item in rest:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise TargetError(f"invalid engine setting {item!r} (expected key=value)")
        opts[key.strip()] = value.strip()
    name, _, suffix = head.partition("@")
    version = None
    if suffix:
        if suffix.lower() in platforms:
            platform = platform or suffix.lower()
        else:
            version = parse_version(suffix)
    if "version" in opts:
        version = parse_version(opts.pop("version"))
    if "platform" in opts:
        platform = opts.pop("platform")
    return Target(name.strip().lower(), version, platform, opts)
