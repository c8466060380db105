"""Fewer garbage collections while netpolx builds many objects at once (loading, importing, compiling, dumping).

CPython's cyclic collector runs its youngest generation every 700 container allocations and, every few of those,
walks older generations. Loading 10,000 policies allocates millions of dicts, lists, nodes and models, nearly none
of them in reference cycles, so those walks find nothing and cost a quarter of the run. `bulk()` raises the
thresholds for the duration (as mypy does for its build); reference counting still frees everything at once, and
the collector still runs, less often. The previous thresholds are restored afterwards, also on error.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

THRESHOLDS = (100_000, 50, 100)
"""Youngest generation every 100,000 allocations; the older ones proportionally less often."""


@contextmanager
def bulk() -> Iterator[None]:
    """Run the block with THRESHOLDS (unchanged when the caller already set higher ones)."""
    old = gc.get_threshold()
    if old[0] >= THRESHOLDS[0] or old[0] == 0:  # already raised, or the collector is disabled (threshold 0)
        yield
        return
    gc.set_threshold(*THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*old)
