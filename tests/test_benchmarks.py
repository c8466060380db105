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


def test_reach_cluster_generator_runs_workloads() -> None:
    import random

    reach = load("reach")
    cluster = reach.make_cluster(500, 10, random.Random(7))
    pods = cluster["pods"]
    assert len(pods) == 500 and len({(p["namespace"], p["name"]) for p in pods}) == 500
    assert len({p["ip"] for p in pods}) == 500
    by_workload: dict[tuple[str, str, str], list[dict[str, str]]] = {}
    for pod in pods:
        labels = pod["labels"]
        owner = labels.get("pod-template-hash") or labels.get("controller-revision-hash") or ""
        by_workload.setdefault((pod["namespace"], labels.get("app", ""), owner), []).append(labels)
    assert len(by_workload) < 100  # replicas, not one workload per pod
    for replicas in by_workload.values():  # replicas share their labels, but for a StatefulSet pod's own name
        shared = [{k: v for k, v in lab.items() if k != "statefulset.kubernetes.io/pod-name"} for lab in replicas]
        assert all(lab == shared[0] for lab in shared)
    old = reach.make_cluster(50, 5, random.Random(3), "random")
    assert [p["name"] for p in old["pods"][:3]] == ["coredns-0", "coredns-1", "pod-0"]
