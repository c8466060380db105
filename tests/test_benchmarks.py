"""Smoke test of the benchmark scripts at a tiny size (they are not run by the suite; this keeps them working)."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


def load(name: str) -> ModuleType:
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_translate_benchmark_measures_translation_and_floor() -> None:
    translate = load("translate")
    text = translate.policies_text(12)
    result = translate.summary(translate.measure_here(text, "kubernetes", 1))
    assert result["output_bytes"] > 0 and result["floor_min"] > 0 and result["ratio"] > 0
    assert text.count("kind: NetworkPolicy") == 12


def test_curves_page_reports_growth() -> None:
    curves = load("curves")
    assert abs(curves.exponent([(1000, 1.0), (8000, 8.0)]) - 1.0) < 1e-9
    assert math.isclose(curves.exponent([(1000, 1.0), (2000, 4.0)]), 2.0)
    assert curves.growth(1.02).startswith("linear") and curves.growth(2.0).startswith("quadratic")
    point = {"n": 10, "cpu": 0.5, "floor": 0.4, "ratio": 1.25, "peak_mb": 70.0}
    data = {"translate": {"kubernetes": [point, {**point, "n": 20, "cpu": 1.0}]},
            "reach": [{"n": 10, "cpu": 1.0, "inner_cpu": 0.5, "peak_mb": 60.0}], "verify": [], "lint": [],
            "check": [], "nca": {"reach": [{"n": 10, "cpu": 50.0, "finished": True}]}}
    text = curves.page(data, "performance.png", "test")
    assert "1.25x floor" in text and "linear" in text and "50.0 (100x)" in text
