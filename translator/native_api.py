"""The shared strict base of the importers' pydantic models of native objects.

Native objects are decoded as the API server's strict decoder does: unknown fields are errors (a typo must not
silently change a policy), and types are not coerced: `port: true` is not port 1, `endPort: "90"` is not 90, a
float is not an integer, and NaN or infinity is no number. Fields the API declares int-or-string stay `int | str`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

STRICT = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class Strict(BaseModel):
    """A native structure decoded strictly (see the module docstring)."""

    model_config = STRICT


class ObjectMetadata(BaseModel):
    """The metadata the importers keep; other (server-populated) fields are ignored, the kept ones are typed
    strictly (label values are strings: `version: 1` is an error, as for the API server)."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)
    name: str
    namespace: str | None = None
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None
