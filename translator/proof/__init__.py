"""Complete equivalence of policy sets: symbolic, for every possible cluster (see prove.py).

`prove(source, target, source_engine=None, target_engine=None, cluster=None)` returns a `Proof`: equivalent on every
possible cluster, or the difference as readable regions with a concrete witness that `reach` replays.
"""

from __future__ import annotations

from translator.proof.prove import Lens, Proof, Region, Witness, prove

__all__ = ["Lens", "Proof", "Region", "Witness", "prove"]
