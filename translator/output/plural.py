"""Counts in human output: `1 connection`, `2 connections`, `261,744 connections` (thousands separated; JSON
output keeps plain numbers)."""

from __future__ import annotations


def count(n: int, noun: str, plural: str | None = None) -> str:
    """`n noun` with the noun in the plural unless n is 1, and n with thousands separators."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"
