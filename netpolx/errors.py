"""Exceptions of the Python API: each carries the diagnostics that explain it.

They are translator/errors.py's vocabulary (one root for everything netpolx raises on purpose), exported here as the
public API: `NetpolxError` (the root), `InvalidInput` (exit 2) and `TranslationRefused` (exit 1).
"""

from __future__ import annotations

from translator.errors import InvalidInput, NetpolxError, TranslationRefused

__all__ = ["InvalidInput", "NetpolxError", "TranslationRefused"]
