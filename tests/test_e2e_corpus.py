"""Every check of the Kubernetes e2e NetworkPolicy scenarios (../shared/upstream/corpus/k8s-e2e-netpol), through
`netpolx reach --engine kubernetes -o json`, and again after `translate --engine kubernetes` of the same policies.

Each scenario step gives the cluster (`state_after_actions`), the policies in effect and, per check, the full
expected 9x9 matrix for one port and protocol. The diagonal is not scored upstream (ignoreLoopback) and not here.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import run_cli
from tests.shared import CORPUS, corpus, load_json, validate_object

SCENARIOS = ("k8s-e2e-netpol", "scenarios")
pytestmark = pytest.mark.corpus


def _cases() -> list[Any]:
    root = CORPUS.joinpath(*SCENARIOS)
    if not root.exists():
        return [pytest.param("", 0, 0, id="corpus-missing")]
    out = []
    for path in sorted(root.glob("*.json")):
        scenario = load_json(path)
        short = scenario["id"][:6]
        for step in scenario["steps"]:
            for i, check in enumerate(step["checks"]):
                case_id = f"{short}-step{step['step']}-{check['port']}-{check['protocol']}-{i}"
                out.append(pytest.param(path.name, step["step"], i, id=case_id))
    return out


@cache
def _scenario(name: str) -> dict[str, Any]:
    return load_json(corpus(*SCENARIOS, name))


def _step(name: str, step_no: int) -> dict[str, Any]:
    return next(s for s in _scenario(name)["steps"] if s["step"] == step_no)


def _write_inputs(step: dict[str, Any], tmp_path: Path) -> tuple[Path, Path]:
    policies = tmp_path / "policies.yaml"
    policies.write_text(yaml.safe_dump_all(step["policies_in_effect"]) if step["policies_in_effect"] else "",
                        encoding="utf-8")
    cluster = tmp_path / "cluster.json"
    cluster.write_text(json.dumps(step["state_after_actions"]), encoding="utf-8")
    return policies, cluster


def _reach(policies: Path, cluster: Path, check: dict[str, Any]) -> dict[tuple[str, str], bool]:
    result = run_cli("reach", "-f", str(policies), "--cluster", str(cluster), "--engine", "kubernetes", "-o", "json",
                     "--probe", f"{check['port']}/{check['protocol']}")
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["engine"] == "kubernetes"
    return {(r["from"], r["to"]): r["allowed"] for r in data["results"]
            if r["port"] == check["port"] and r["protocol"] == check["protocol"]}


def _mismatches(got: dict[tuple[str, str], bool], check: dict[str, Any]) -> list[str]:
    out = []
    for src, row in check["expected"].items():
        for dst, expected in row.items():
            if src == dst:
                continue  # ignoreLoopback upstream
            if got.get((src, dst)) != expected:
                out.append(f"{src} -> {dst}: expected {'allowed' if expected else 'denied'}, got {got.get((src, dst))}")
    return out


def _scored_cells(check: dict[str, Any]) -> int:
    return sum(1 for src, row in check["expected"].items() for dst in row if src != dst)


@pytest.mark.parametrize(("name", "step_no", "check_no"), _cases())
def test_e2e_check(name: str, step_no: int, check_no: int, tmp_path: Path) -> None:
    step = _step(name, step_no) if name else corpus(*SCENARIOS)
    check = step["checks"][check_no]
    policies, cluster = _write_inputs(step, tmp_path)
    got = _reach(policies, cluster, check)
    assert len([k for k in got if k[0] != k[1]]) >= _scored_cells(check)
    assert _mismatches(got, check) == []


@pytest.mark.parametrize(("name", "step_no", "check_no"), _cases())
def test_e2e_check_after_round_trip(name: str, step_no: int, check_no: int, tmp_path: Path) -> None:
    step = _step(name, step_no) if name else corpus(*SCENARIOS)
    check = step["checks"][check_no]
    policies, cluster = _write_inputs(step, tmp_path)
    translated = run_cli("translate", "--engine", "kubernetes", "-f", str(policies))
    assert translated.code == 0, translated.stderr
    objects = [o for o in yaml.safe_load_all(translated.stdout) if o is not None]
    assert len(objects) == len(step["policies_in_effect"])
    for obj in objects:
        validate_object(obj)
    out = tmp_path / "translated.yaml"
    out.write_text(translated.stdout, encoding="utf-8")
    assert _mismatches(_reach(out, cluster, check), check) == []
