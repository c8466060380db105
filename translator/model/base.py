"""Shared pydantic configuration for the intent model: frozen, strict about unknown fields."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    """Base of every intent-model node: immutable, unknown fields rejected, aliases accepted."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, use_enum_values=False)

    def dump(self) -> dict:
        """The node as plain data, by alias, without unset or default-valued fields."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True)
