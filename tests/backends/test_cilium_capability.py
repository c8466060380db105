"""CiliumBackend.support_for's shortcut: a feature outside REFINED takes its table entry without finding its rule.

The shortcut is only right while every feature `_refine` (and `_intent_level`) looks at is in REFINED. Two checks:
the source of those methods names no feature outside REFINED, and on every sample intent and every Cilium policy of
the shared corpus, each feature use gets the same verdict through the shortcut as through the full refinement.
"""

from __future__ import annotations

import ast
import inspect
import textwrap

import pytest

from backends.cilium import REFINED, CiliumBackend, aks, use_context
from tests.backends.cilium_helpers import load
from tests.shared import CORPUS, ROOT
from translator.compile.pipeline import uses_of
from translator.features import Feature
from translator.target import parse_target

SOURCES = sorted((ROOT / "samples").rglob("*.yaml")) + sorted((CORPUS / "wild").rglob("*.yaml"))


def _features_named(method: object) -> set[Feature]:
    """Features a method's source names (as F.NAME or through aks.L7_FEATURES)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(method)))  # type: ignore[arg-type]
    found: set[Feature] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "F":
                found.add(Feature[node.attr])
            if node.value.id == "aks" and node.attr == "L7_FEATURES":
                found |= aks.L7_FEATURES
    return found


def test_refine_names_only_refined_features() -> None:
    named = _features_named(CiliumBackend._refine) | _features_named(CiliumBackend._intent_level)
    assert named, "the source walk found no feature: the check would pass vacuously"
    assert named <= REFINED, sorted(f.value for f in named - REFINED)


@pytest.mark.parametrize(("engine", "platform"), [("cilium", None), ("cilium@1.14", None), ("cilium", "aks"),
                                                ("cilium,acns=true", "aks")])
def test_shortcut_agrees_with_full_refinement(engine: str, platform: str | None) -> None:
    backend = CiliumBackend(parse_target(engine, platform=platform))
    checked = 0
    for path in SOURCES:
        loaded, _ = load(path.read_text(encoding="utf-8"))
        for li in loaded:
            for use in uses_of(li.intent):
                if use.feature in (Feature.ORDERED, Feature.TIER):
                    continue
                rule, item, where = use_context(li.intent, use.path)
                full = backend._refine(use, li.intent, rule, item, where) or backend.capability(use.feature)
                assert backend.support_for(use, li.intent) == full, (path.name, use)
                checked += 1
    assert checked > 1000, checked  # the samples alone give thousands of uses
