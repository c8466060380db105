"""Engines. Each sub-package is one engine and exports `BACKENDS`; third parties use the entry-point group
`netpolx.backends` (see translator.registry)."""

from __future__ import annotations

from translator.backend import Backend

__all__ = ["Backend"]
