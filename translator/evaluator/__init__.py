"""The reference evaluator: what a set of policies allows in a cluster, per engine, and why.

`Evaluator(cluster, policies, engine=None)` decides connections (`allowed`, `explain`, `matrix`);
`translator.evaluator.verify.verify` compares two policy sets; `translator.evaluator.synth.synthesize_cluster`
builds a cluster that covers every distinction two policy sets can make.
"""

from __future__ import annotations

from translator.cluster.model import Probe
from translator.evaluator.evaluate import Evaluator, ReachResult, describe_semantics, semantics_for, semantics_of
from translator.evaluator.trace import DirectionTrace, Trace

__all__ = ["DirectionTrace", "Evaluator", "Probe", "ReachResult", "Trace", "describe_semantics", "semantics_for",
           "semantics_of"]
