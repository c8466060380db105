"""Engine settings (`--engine cilium,acns=true`): each backend declares the settings it reads; a setting it does
not declare, or a value outside a setting's choices, is an input error with a did-you-mean suggestion."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from translator.cluster.ranges import RANGE_SETTINGS, setting_errors

BOOLEAN = ("true", "false", "1", "0", "yes", "no", "on", "off")


@dataclass(frozen=True)
class Setting:
    """One engine setting: what it does, and the values it accepts (`choices`, compared case-insensitively;
    empty: any text that `check` accepts)."""

    help: str
    choices: tuple[str, ...] = ()
    check: Callable[[str, str], list[str]] | None = None
    """Messages for a bad value (called with the key and the value)."""


def flag(help_text: str) -> Setting:
    """A boolean setting (`true`, `1`, `yes`, `on` and their negations)."""
    return Setting(help_text, BOOLEAN)


def _ranges(key: str, value: str) -> list[str]:
    return setting_errors({key: value})


RANGES: Mapping[str, Setting] = {
    "pod-cidr": Setting("ranges that hold pod IPs (`;`-separated CIDRs)", check=_ranges),
    "node-cidr": Setting("ranges that hold node IPs (`;`-separated CIDRs)", check=_ranges),
    "service-cidr": Setting("ranges that hold Service IPs (`;`-separated CIDRs)", check=_ranges),
}
"""The cluster's address ranges: every engine reads them (translator/cluster/ranges.py)."""
assert tuple(RANGES) == RANGE_SETTINGS


def _suggest(word: str, known: list[str]) -> str:
    close = difflib.get_close_matches(word.lower(), known, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def settings_errors(engine: str, declared: Mapping[str, Setting], given: Mapping[str, str]) -> list[str]:
    """Why `given` is not a valid set of settings for `engine` (empty: it is)."""
    out = []
    for key, value in given.items():
        setting = declared.get(key)
        if setting is None:
            known = ", ".join(declared) or "none"
            out.append(f"engine {engine} has no setting {key!r}{_suggest(key, list(declared))} (known: {known})")
            continue
        if setting.choices and str(value).lower() not in setting.choices:
            out.append(f"engine setting {key}={value}: expected one of {', '.join(setting.choices)}"
                       f"{_suggest(str(value), list(setting.choices))}")
        if setting.check is not None:
            out += setting.check(key, str(value))
    return out
