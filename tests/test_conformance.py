"""Conformance: every registered engine against its own capability table, the samples and the real schemas.

Everything is derived from the registry (translator.registry.all_backends) and the capability tables, so a new
engine is checked as soon as it is registered:

- one minimal intent per Feature (tests/conformance/features.yaml): where the engine's table says yes, lowered or
  changed for every feature the intent uses, it translates (only announced diagnostics), every generated object
  passes its schema, the objects are read back by the importer of their kind, and the evaluator proves them
  equivalent to the intent, or different only as announced (narrower, with an NPX104 warning); where a cell
  refuses, the translation is refused with an error naming that feature and nothing is generated;
- every policy sample under samples/ translates to every engine (or is refused with a translation diagnostic, not
  an input error), and the translation reads back and verifies against the sample;
- a few runs through the CLI (click's CliRunner) check the exit codes.

A backend that knowingly lags is listed in LAGS: NotYet (an xfail(strict=True): it alerts when fixed) or Never
(the engine cannot express the case at all: the expectation becomes a refusal).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.shared import ROOT, validate_object
from translator import codes
from translator.backend import Backend
from translator.capabilities import Support
from translator.cli import cli
from translator.cli.common import CommandExit
from translator.compile.ordered import lower_ordered
from translator.compile.pipeline import compile_intents, uses_of
from translator.diagnostics import Diagnostic, Diagnostics, Severity
from translator.evaluator.translation import verify_translation
from translator.features import Feature, features_used
from translator.load.decode import intents_from_documents
from translator.load.loaded import LoadedIntent
from translator.load.source import Document, documents, dump_yaml
from translator.proof.mdd import FALSE
from translator.registry import all_backends, importer_for
from translator.target import parse_target

FIXTURES = Path(__file__).parent / "conformance" / "features.yaml"
SAMPLES = ROOT / "samples"
ENGINES = tuple(all_backends())
ACCEPTED = frozenset({Support.NATIVE, Support.LOWERED, Support.CHANGED})
INTENT_KIND = ("netpolx.io/v1alpha1", "NetworkIntent")
INPUT_ERRORS = frozenset(code for code in codes.CODES if code < codes.NOT_EXPRESSIBLE)


@dataclass(frozen=True)
class NotYet:
    """The engine could do this and does not yet: an xfail(strict=True), so fixing it makes the suite say so."""

    reason: str


@dataclass(frozen=True)
class Never:
    """The engine cannot express this case (though its table cell accepts the feature elsewhere): a refusal is
    the expected outcome."""

    reason: str


# Known lags, keyed by (engine, feature value) for the feature cases and (engine, sample path) for the samples.
LAGS: dict[tuple[str, str], NotYet | Never] = {
    ("calico", "entity-world"): Never("Calico writes world only in a GlobalNetworkPolicy, with the node ranges given "
                                      "as engine settings; a namespaced NetworkPolicy limits negated selectors to "
                                      "its namespace"),
    ("calico", "service-peer"): Never("Calico's destination.services also limits an egress rule to the Service's "
                                      "ports; only ingress source.services is exact"),
}


# -- fixtures -------------------------------------------------------------------------------------------------------


@cache
def feature_fixtures() -> dict[str, LoadedIntent]:
    """The fixture intents by name (each named after the feature it exercises)."""
    diags = Diagnostics()
    loaded = intents_from_documents(documents([str(FIXTURES)], diags), diags)
    assert not diags.has_errors, [d.format() for d in diags]
    return {li.intent.metadata.name: li for li in loaded}


def backend_for(engine: str) -> Backend:
    """A fresh backend at its default target (newest version, no settings)."""
    return all_backends()[engine](parse_target(engine))


def _lag_marks(key: tuple[str, str]) -> list[pytest.MarkDecorator]:
    lag = LAGS.get(key)
    return [pytest.mark.xfail(strict=True, reason=lag.reason)] if isinstance(lag, NotYet) else []


def _errors(diags: Diagnostics) -> list[str]:
    return [d.format() for d in diags if d.severity is Severity.ERROR]


def _announces_change(diag: Diagnostic) -> bool:
    return diag.code in (codes.CHANGED, codes.WIDENED)


def check_generated(objects: list[dict[str, Any]], source: list[LoadedIntent], engine: str,
                    diags: Diagnostics) -> None:
    """The objects pass their schema, are read back by their kind's importer, and allow exactly what `source`
    allows, or less where a diagnostic announced the change (never more)."""
    for obj in objects:
        validate_object(obj)
        assert importer_for(obj["apiVersion"], obj["kind"]) is not None, \
            f"{engine} generates {obj['apiVersion']} {obj['kind']}, which no importer reads back"
    proof = verify_translation(source, objects, engine, diags)
    assert proof is not None, _errors(diags)
    assert not diags.has_errors, _errors(diags)
    if not proof.equivalent:
        assert any(_announces_change(d) for d in diags), f"unannounced difference: {proof.region_lines()}"
        assert proof.halves[1] == FALSE, f"the {engine} output allows more than its source: {proof.region_lines()}"


# -- one intent per feature -----------------------------------------------------------------------------------------


def test_every_feature_has_one_minimal_fixture() -> None:
    fixtures = feature_fixtures()
    assert sorted(fixtures) == sorted(f.value for f in Feature), "tests/conformance/features.yaml needs one " \
        "intent per Feature, named after it"
    for name, li in fixtures.items():
        assert Feature(name) in {u.feature for u in features_used(li.intent)}, f"fixture {name} does not use it"


def test_lag_table_names_real_cases() -> None:
    samples = {sample_id(p) for p in policy_samples()}
    for engine, case in LAGS:
        assert engine in ENGINES, f"LAGS names {engine!r}, which is not registered"
        assert case in {f.value for f in Feature} | samples, f"LAGS names {case!r}: no such feature or sample"


def feature_cases() -> Iterator[Any]:
    for engine in ENGINES:
        for feature in Feature:
            yield pytest.param(engine, feature, id=f"{engine}-{feature.value}",
                               marks=_lag_marks((engine, feature.value)))


def expected_refusals(backend: Backend, li: LoadedIntent) -> set[Feature]:
    """The features of the intent whose cell (at the backend's default version, refined by the backend's
    support_for with the use's context: direction, rule, scope) refuses, plus a Never lag."""
    out = {u.feature for u in uses_of(li.intent) if backend.support_for(u, li.intent).support not in ACCEPTED}
    out |= {f for f in Feature if isinstance(LAGS.get((backend.name, f.value)), Never)
            and f.value == li.intent.metadata.name}
    return out


def rewritten_by_ordered_lowering(backend: Backend, li: LoadedIntent) -> set[Feature]:
    """Features the ordered -> additive lowering (translator/ordered.py) compiles away for this backend."""
    after = lower_ordered([li], backend, Diagnostics())
    return {u.feature for u in uses_of(li.intent)} - {u.feature for a in after for u in uses_of(a.intent)}


@pytest.mark.parametrize(("engine", "feature"), list(feature_cases()))
def test_feature_cell(engine: str, feature: Feature) -> None:
    li = feature_fixtures()[feature.value]
    backend = backend_for(engine)
    refusals = expected_refusals(backend, li)
    rewritten = rewritten_by_ordered_lowering(backend_for(engine), li)
    diags = Diagnostics()
    compiled = compile_intents([li], backend, diags)
    objects = [o for c in compiled for o in c.objects]
    if refusals and diags.has_errors:
        assert not objects and all(c.refused for c in compiled), "a refused translation generated objects"
        named = {d.feature for d in diags.errors}
        missing = sorted(f.value for f in refusals - rewritten if f.value not in named)
        assert not missing, f"refused, but no error names {missing}: {_errors(diags)}"
        for use in uses_of(li.intent):
            said = {d.code for d in diags.errors if d.feature == use.feature.value}
            cells = {backend.capability(use.feature).code} | {  # every use of the feature, in its context
                backend.support_for(u, li.intent).code for u in uses_of(li.intent) if u.feature is use.feature}
            assert said <= cells, f"{use.feature.value} refused with {sorted(said)}, its cell says {sorted(cells)}"
        for d in diags.errors:
            assert d.code not in INPUT_ERRORS and d.location.file and d.location.line, d.format()
        return
    if refusals:
        # Only the ordered lowering may make a refusing cell translate: exactly, having compiled the feature away.
        assert refusals <= rewritten, f"{engine} translated {sorted(f.value for f in refusals)} though its " \
            f"table refuses them: {[d.format() for d in diags]}"
    assert not diags.has_errors, _errors(diags)
    assert objects, f"{engine} generated nothing"
    for use in uses_of(li.intent):
        cell = backend.support_for(use, li.intent)  # the cell, refined by the context of the use
        if cell.support in (Support.LOWERED, Support.CHANGED) and use.feature not in rewritten:
            assert any(d.code == cell.code and d.feature == use.feature.value for d in diags), \
                f"the {cell.support.value} cell of {use.feature.value} was not announced ({cell.code})"
    check_generated(objects, [li], engine, diags)
    if refusals:
        assert not any(_announces_change(d) for d in diags), "a rewritten refusing cell must be exact"


# -- every sample ---------------------------------------------------------------------------------------------------


def _is_policy(doc: Document) -> bool:
    return (doc.api_version, doc.kind) == INTENT_KIND or importer_for(doc.api_version, doc.kind) is not None


@cache
def policy_samples() -> tuple[Path, ...]:
    """Every file under samples/ (golden outputs aside) that holds a policy some importer reads; links once."""
    found: list[Path] = []
    for path in sorted(SAMPLES.rglob("*.yaml")):
        if path.is_symlink() or path.relative_to(SAMPLES).parts[0].startswith("expected"):
            continue  # links point at samples that are here anyway
        if any(_is_policy(doc) for doc in documents([str(path)], Diagnostics())):
            found.append(path)
    return tuple(found)


def sample_id(path: Path) -> str:
    """The sample's path under samples/."""
    return path.relative_to(SAMPLES).as_posix()


def sample_cases() -> Iterator[Any]:
    for path in policy_samples():
        for engine in ENGINES:
            yield pytest.param(path, engine, id=f"{engine}-{sample_id(path)}",
                               marks=_lag_marks((engine, sample_id(path))))


def test_the_samples_are_found() -> None:
    ids = {sample_id(p) for p in policy_samples()}
    intents = {sample_id(p) for p in (SAMPLES / "intents").glob("*.yaml")}
    assert intents <= ids and any(i.startswith("seed/") for i in ids), sorted(ids)


@pytest.mark.parametrize(("path", "engine"), list(sample_cases()))
def test_sample_translates_reads_back_and_verifies(path: Path, engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    read = Diagnostics()
    loaded = intents_from_documents(documents([str(path.relative_to(ROOT))], read), read)
    assert loaded and not read.has_errors, _errors(read)
    diags = Diagnostics()
    compiled = compile_intents(loaded, backend_for(engine), diags)
    objects = [o for c in compiled for o in c.objects]
    if diags.has_errors:
        # A refusal is a translation diagnostic with a place in the sample, never an input error.
        assert any(c.refused for c in compiled)
        for d in diags.errors:
            assert d.code not in INPUT_ERRORS and d.location.file and d.location.line, d.format()
        return
    check_generated(objects, loaded, engine, diags)


# -- the CLI --------------------------------------------------------------------------------------------------------


def _exit_code(result: Any) -> int:
    exc = result.exception
    return exc.code if isinstance(exc, CommandExit) else int(result.exit_code)


def _first(engine: str, refused: bool) -> Feature | None:
    backend = backend_for(engine)
    for feature in Feature:
        li = feature_fixtures()[feature.value]
        if bool(expected_refusals(backend, li)) == refused and not rewritten_by_ordered_lowering(backend, li):
            return feature
    return None




@pytest.mark.parametrize("engine", ENGINES)
def test_cli_exit_codes(engine: str, tmp_path: Path) -> None:
    runner = CliRunner()
    for refused in (False, True):
        feature = _first(engine, refused)
        if feature is None:
            continue
        path = tmp_path / f"{feature.value}.yaml"
        path.write_text(dump_yaml([feature_fixtures()[feature.value].intent.dump()]), encoding="utf-8")
        result = runner.invoke(cli, ["translate", "--engine", engine, "-f", str(path), "--verify"])
        if refused:
            assert _exit_code(result) == 1 and result.stdout == "", result.output
            named = expected_refusals(backend_for(engine), feature_fixtures()[feature.value])
            assert any(f"({f.value})" in result.stderr for f in named), result.stderr
        else:
            assert _exit_code(result) == 0, result.output
            assert result.stdout.startswith("---"), result.stdout
