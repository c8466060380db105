"""`netpolx explain`: what each policy does, in plain words, under an engine's own semantics.

`explain(loaded, view_of, kind_of)` builds structured explanations (translator.explain.model);
`render(explanations, "text" | "markdown" | "json")` prints them.
"""

from __future__ import annotations

from translator.explain.build import explain, explain_policy
from translator.explain.engine import EngineView
from translator.explain.model import DirectionExplanation, PolicyExplanation, RuleExplanation
from translator.explain.render import FORMATS, render

__all__ = ["FORMATS", "DirectionExplanation", "EngineView", "PolicyExplanation", "RuleExplanation", "explain",
           "explain_policy", "render"]
