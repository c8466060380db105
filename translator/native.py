"""Shared pieces of the importers' pydantic models of native objects."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """A native structure whose unknown fields are errors (a typo must not silently change a policy)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ObjectMetadata(BaseModel):
    """The metadata the importers keep; other (server-populated) fields are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    name: str
    namespace: str | None = None
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None
