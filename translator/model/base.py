"""Shared pydantic configuration for the intent model: frozen, strict about unknown fields."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainSerializer


class Frozen(BaseModel):
    """Base of every intent-model node: immutable, unknown fields rejected, aliases accepted."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, use_enum_values=False)

    def dump(self) -> dict[str, Any]:
        """The node as plain data, by alias, without unset or default-valued fields."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True)


def format_order(value: float) -> str:
    """An order as its author wrote it: `1000`, not `1000.0` or `1e+03`; `10.5` stays `10.5`."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _order_out(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


Order = Annotated[float, PlainSerializer(_order_out, return_type=int | float, when_used="always")]
"""A policy or tier order: a number, written back as an integer when it is one."""
