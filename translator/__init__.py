"""netpolx: translate Kubernetes network policy between engines without changing what traffic is allowed."""

from __future__ import annotations

__version__ = "0.1.0"
