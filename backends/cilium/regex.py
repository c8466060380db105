"""Cilium's regex dialect for HTTP rules: `method`, `path` and `host` are regular expressions that Cilium's proxy
(Envoy) compiles with RE2 and matches against the whole value. RE2 has no lookaround, no backreferences and no
possessive quantifiers, so a pattern Python's `re` accepts (the intent model checks only that) can still be
rejected when Cilium applies the policy. Header values are exact matches in Cilium (`headerMatches.value`), not
regexes, so they are not checked here.

Every pattern is compiled with a real RE2 (the `google-re2` binding): what RE2 refuses is an error naming the
field and the position of the offending part; a pattern that reads like a shell glob (`/v1/*`, `*.example.com`)
gets a warning, because as a regex it means something else (`/v1/*` matches `/v1` followed by slashes only).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import re2

from translator import codes
from translator.diagnostics import Diagnostics, SourceLocation
from translator.model import Direction, NetworkIntent

FIELDS = ("method", "path", "host")
_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # RE2 would otherwise log every failed compile to stderr
# A `*` right after `/`: the glob habit `/v1/*` (as a regex: `/v1` then any number of `/`). Patterns that start
# with `*` (`*.example.com`) do not compile at all and are refused by the intent model already.
GLOB = re.compile(r"/\*")


def re2_error(pattern: str) -> tuple[str, int] | None:
    """Why RE2 refuses `pattern` and the 0-based position of the offending part; None when it compiles."""
    try:
        re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        raw = exc.args[0] if exc.args else str(exc)
        text = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)
        reason, _, fragment = text.partition(": ")
        where = pattern.find(fragment) if fragment else -1
        return (text if fragment else reason), max(where, 0)
    return None


def glob_hint(field: str, pattern: str) -> str | None:
    """A warning text when `pattern` looks like a glob, with the regex that was probably meant."""
    m = GLOB.search(pattern)
    if m is None:
        return None
    meant = re.sub(r"/\*+", "/.*", pattern)
    return (f"{field} {pattern!r} looks like a glob, but it is a regular expression: '*' repeats the character "
            f"before it (here '/'), it is not a wildcard; did you mean {meant!r}?")


def _http_fields(intent: NetworkIntent) -> Iterator[tuple[tuple[str | int, ...], str, str]]:
    for direction in Direction:
        for i, rule in enumerate(getattr(intent.spec, direction.value) or ()):
            for j, http in enumerate(rule.http or ()):
                for field in FIELDS:
                    value = getattr(http, field)
                    if value is not None:
                        yield ("spec", direction.value, i, "http", j, field), field, value


def check_http(intent: NetworkIntent, locate: Callable[[tuple[str | int, ...]], SourceLocation],
               diags: Diagnostics, engine: str = "cilium") -> None:
    """Refuse HTTP patterns RE2 cannot compile (with the position); warn on glob-like ones."""
    for path, field, value in _http_fields(intent):
        error = re2_error(value)
        if error is not None:
            reason, pos = error
            diags.error(codes.NOT_EXPRESSIBLE,
                        f"{intent.ref}: HTTP {field} {value!r} is not valid in Cilium's regex dialect (RE2): {reason} "
                        f"at position {pos + 1} ({value[pos:pos + 12]!r}); RE2 has no lookaround, backreferences "
                        "or possessive quantifiers, so Cilium would reject the policy when it is applied",
                        locate(path), feature="l7-http", engine=engine)
            continue
        hint = glob_hint(field, value)
        if hint is not None:
            diags.warning(codes.CILIUM_REGEX_GLOB, f"{intent.ref}: HTTP {hint}", locate(path), feature="l7-http",
                          engine=engine)
