"""Layer-7 HTTP match conditions."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from translator.model.base import Frozen


def _regex(v: str | None) -> str | None:
    if v is not None:
        try:
            re.compile(v)
        except re.error as exc:
            raise ValueError(f"invalid regular expression {v!r}: {exc}") from exc
    return v


class HeaderMatch(Frozen):
    """A request header that must be present, with an exact value when `value` is given."""

    name: str = Field(min_length=1, description="Header name.")
    value: str | None = Field(default=None, description="Exact value; absent = the header must be present.")


class HTTPRule(Frozen):
    """One allowed HTTP request shape. Every given field must match; an empty rule allows any request.

    `method`, `path` and `host` are regular expressions matched against the whole value (full match), as Cilium
    does; `path` is matched against the request path including any query string.
    """

    method: str | None = Field(default=None, description="Method regex, e.g. `GET` or `GET|HEAD`.")
    path: str | None = Field(default=None, description="Path regex (full match), e.g. `/api/v1/.*`.")
    host: str | None = Field(default=None, description="Host (authority) regex.")
    headers: tuple[HeaderMatch, ...] = Field(default=(), description="Headers that must be present / equal.")

    _m = field_validator("method", "path", "host")(classmethod(lambda cls, v: _regex(v)))

    def __str__(self) -> str:
        parts = [p for p in (self.method, self.path) if p]
        if self.host:
            parts.append(f"host {self.host}")
        parts.extend(f"header {h.name}" + (f"={h.value}" if h.value is not None else "") for h in self.headers)
        return " ".join(parts) or "any request"
