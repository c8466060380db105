"""Golden files: every sample intent translated to every engine.

samples/expected/<case>/<engine>.yaml holds the output, <engine>.diagnostics.txt the diagnostics and the exit
code. `pytest tests/test_golden.py --update-golden` (or `make golden`) rewrites them; review the diff.
Every generated object is also validated against the real schema of its kind.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from tests.conftest import run_cli
from tests.shared import ROOT, validate_object
from translator.registry import all_backends

SAMPLES = ROOT / "samples"
CASES = sorted(p.stem for p in (SAMPLES / "intents").glob("*.yaml"))
ENGINES = list(all_backends())


def _compare(path: Path, actual: str, update: bool) -> None:
    if update:
        if actual:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8")
        elif path.exists():
            path.unlink()
        return
    expected = path.read_text(encoding="utf-8") if path.exists() else ""
    assert actual == expected, f"{path.relative_to(ROOT)} differs; run `make golden` and review the diff"


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", CASES)
def test_golden(case: str, engine: str, update_golden: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = run_cli("translate", "--engine", engine, "-f", os.path.join("samples", "intents", f"{case}.yaml"))
    assert result.code in (0, 1), result.stderr
    if result.code == 1:
        assert result.stdout == "", "a refused translation must write nothing"
        assert " error " in result.stderr
    diagnostics = f"exit: {result.code}\n{result.stderr}" if (result.stderr or result.code) else ""
    expected_dir = SAMPLES / "expected" / case
    _compare(expected_dir / f"{engine}.yaml", result.stdout, update_golden)
    _compare(expected_dir / f"{engine}.diagnostics.txt", diagnostics, update_golden)
    for obj in yaml.safe_load_all(result.stdout):
        if obj is not None:
            validate_object(obj)
