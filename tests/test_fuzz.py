"""A quick run of the mutation fuzzer (tests/fuzz/fuzzer.py; `make fuzz` runs 10,000 documents)."""

from __future__ import annotations

from tests.fuzz.fuzzer import DIAGNOSTIC, fuzz, mutant, seeds


def test_quick_fuzz_run_breaks_no_invariant() -> None:
    report = fuzz(500, seed=1)
    assert report.documents == 500 and {"translate", "lint", "import"} <= set(report.commands)
    assert not report.failures, "\n\n".join(report.failures[:3])
    assert report.exits[0] and report.exits[2]  # the mutants reach both accepted and refused input


def test_mutants_differ_from_their_seeds() -> None:
    import random
    rng = random.Random(1)
    texts = [p.read_text(encoding="utf-8") for p in seeds()[:5]]
    assert all(mutant(t, rng) != t for t in texts)


def test_the_line_check_sees_a_diagnostic_without_a_line() -> None:
    assert DIAGNOSTIC.match("a.yaml: error NPX004: x").group("line") is None
    assert DIAGNOSTIC.match("a.yaml:3: error NPX004: x").group("line") == "3"
