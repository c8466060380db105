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
from translator.capabilities import Capability, Support
from translator.cli import cli
from translator.cli.common import CommandExit
from translator.compile.ordered import lower_ordered
from translator.compile.pipeline import compile_intents, uses_of
from translator.diagnostics import Diagnostic, Diagnostics, Severity
from translator.evaluator.translation import verify_translation
from translator.features import Feature, features_used
from translator.load.decode import intents_from_documents
from translator.load.loaded import LoadedIntent
from translator.load.source import Document, documents, documents_from_text, dump_yaml
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


# Known lags, keyed by (engine or one of its VARIANTS, fixture name) for the feature cases and (engine, sample path)
# for the samples; an engine's entry also holds for its variants. A Never entry named after a feature also excuses
# that feature's cell where another fixture's use of it is refused (an engine that refuses it in one context).
CALICO_WORLD = Never("Calico writes world only in a GlobalNetworkPolicy, with the node ranges given as engine "
                     "settings; a namespaced NetworkPolicy limits negated selectors to its namespace")
CNP_INGRESS_NETWORKS = Never("ClusterNetworkPolicy has networks (CIDR) peers for egress only")
LAGS: dict[tuple[str, str], NotYet | Never] = {
    ("calico", "entity-world"): CALICO_WORLD,
    ("calico", "entity-world-mirrored"): CALICO_WORLD,
    ("calico", "service-peer"): Never("Calico's destination.services also limits an egress rule to the Service's "
                                      "ports; only ingress source.services is exact"),
    ("cilium", "service-peer-mirrored"): Never("Cilium has Service peers for egress only (toServices)"),
    ("cluster-network-policy", "default-deny"): Never(
        "ClusterNetworkPolicy ingress rules name only pods, so traffic from nodes and from outside the cluster can "
        "never be denied: ingress isolation is refused (NPX106); egress isolation is lowered"),
    ("cluster-network-policy", "cidr"): CNP_INGRESS_NETWORKS,
    ("cluster-network-policy", "cidr-except"): CNP_INGRESS_NETWORKS,
    ("cluster-network-policy", "ipv6"): CNP_INGRESS_NETWORKS,
    ("cluster-network-policy", "named-port-mirrored"): Never(
        "ClusterNetworkPolicy namedPort has no protocol: a TCP-only named port would also match a UDP or SCTP port "
        "of that name"),
    ("calico,edition=enterprise", "fqdn-exact"): NotYet(
        "Calico Enterprise DNS names (destination.domains) are written, but the output is judged with Calico's "
        "open-source semantics (supports_fqdn=False; semantics are per engine, not per target setting), so "
        "`translate --engine calico,edition=enterprise --verify` reports NPX120; the open-source CRD has no domains "
        "field either"),
}


# Targets other than an engine's default that change what it can express or what it writes (settings that turn
# on an add-on, a platform profile, another API group): every feature case runs on them too. Data, keyed by engine.
VARIANTS: dict[str, tuple[str, ...]] = {
    "calico": ("calico,api=crd", "calico,edition=enterprise", "calico,alp=true"),
    "cilium": ("cilium@aks", "cilium@aks,acns=true"),
}


# -- fixtures -------------------------------------------------------------------------------------------------------


MIRRORED = "-mirrored"
ONE_WAY = frozenset({Feature.FQDN_EXACT, Feature.FQDN_WILDCARD, Feature.L7_HTTP_EGRESS, Feature.DNS_ALLOW,
                     Feature.DNS_PROXY, Feature.DNS_NAMES})
"""Features that exist in one direction only (the intent model's own rules): their fixtures are not mirrored."""


def _mirror(doc: dict[str, Any]) -> dict[str, Any]:
    """The same intent with ingress and egress swapped, named NAME-mirrored."""
    spec = dict(doc["spec"])
    rules = {d: spec.pop(d) for d in ("ingress", "egress") if d in spec}
    spec.update({{"ingress": "egress", "egress": "ingress"}[d]: r for d, r in rules.items()})
    if "isolate" in spec:
        spec["isolate"] = [{"ingress": "egress", "egress": "ingress"}[d] for d in spec["isolate"]]
    return {**doc, "metadata": {**doc["metadata"], "name": doc["metadata"]["name"] + MIRRORED}, "spec": spec}


@cache
def feature_fixtures() -> dict[str, LoadedIntent]:
    """The fixture intents by name: one named after each feature, and the same with ingress and egress swapped
    (NAME-mirrored), so that an engine that writes one direction only is exercised on both."""
    diags = Diagnostics()
    loaded = intents_from_documents(documents([str(FIXTURES)], diags), diags)
    assert not diags.has_errors, [d.format() for d in diags]
    mirrored = [_mirror(li.intent.dump()) for li in loaded
                if not ONE_WAY & {u.feature for u in features_used(li.intent)}]
    name = f"{FIXTURES.relative_to(ROOT)} (ingress and egress swapped)"
    loaded += intents_from_documents(documents_from_text(dump_yaml(mirrored), name, diags), diags)
    assert not diags.has_errors, [d.format() for d in diags]
    return {li.intent.metadata.name: li for li in loaded}


def feature_of(case: str) -> Feature:
    """The feature a fixture exercises."""
    return Feature(case.removesuffix(MIRRORED))


def backend_for(target: str) -> Backend:
    """A fresh backend for `NAME[@VERSION|@PLATFORM][,key=value...]` (default: newest version, no settings)."""
    parsed = parse_target(target)
    return all_backends()[parsed.name](parsed)


def lag(target: str, case: str) -> NotYet | Never | None:
    """The lag listed for this target (e.g. `calico,alp=true`), else for its engine."""
    return LAGS.get((target, case)) or LAGS.get((parse_target(target).name, case))


def _lag_marks(target: str, case: str) -> list[pytest.MarkDecorator]:
    found = lag(target, case)
    return [pytest.mark.xfail(strict=True, reason=found.reason)] if isinstance(found, NotYet) else []


def _errors(diags: Diagnostics) -> list[str]:
    return [d.format() for d in diags if d.severity is Severity.ERROR]


def _announces_change(diag: Diagnostic) -> bool:
    return diag.code in (codes.CHANGED, codes.WIDENED)


def check_generated(objects: list[dict[str, Any]], source: list[LoadedIntent], engine: str,
                    diags: Diagnostics) -> None:
    """The objects pass their schema, are read back by their kind's importer, and allow exactly what `source`
    allows, or less where a diagnostic announced the change (never more)."""
    for obj in objects:
        assert importer_for(obj["apiVersion"], obj["kind"]) is not None, \
            f"{engine} generates {obj['apiVersion']} {obj['kind']}, which no importer reads back"
    proof = verify_translation(source, objects, engine, diags)
    assert proof is not None, _errors(diags)
    assert not diags.has_errors, _errors(diags)
    if not proof.equivalent:
        assert any(_announces_change(d) for d in diags), f"unannounced difference: {proof.region_lines()}"
        assert proof.halves[1] == FALSE, f"the {engine} output allows more than its source: {proof.region_lines()}"
    for obj in objects:
        validate_object(obj)


# -- one intent per feature -----------------------------------------------------------------------------------------


def test_every_feature_has_one_minimal_fixture() -> None:
    fixtures = feature_fixtures()
    assert sorted(n for n in fixtures if not n.endswith(MIRRORED)) == sorted(f.value for f in Feature), \
        "tests/conformance/features.yaml needs one intent per Feature, named after it"
    assert any(n.endswith(MIRRORED) for n in fixtures)
    for name, li in fixtures.items():
        assert feature_of(name) in {u.feature for u in features_used(li.intent)}, f"fixture {name} does not use it"


def test_lag_tables_name_real_cases() -> None:
    samples = {sample_id(p) for p in policy_samples()}
    known = {t for engine in ENGINES for t, _ in targets(engine)}
    for target, case in LAGS:
        assert target in known, f"LAGS names {target!r}, which is not a registered engine or one of its VARIANTS"
        assert case in set(feature_fixtures()) | samples, f"LAGS names {case!r}: no such feature case or sample"
    for engine, variants in VARIANTS.items():
        assert engine in ENGINES, f"VARIANTS names {engine!r}, which is not registered"
        assert all(backend_for(v).name == engine for v in variants), variants


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


def targets(engine: str) -> Iterator[tuple[str, frozenset[Feature] | None]]:
    """The targets an engine's feature cases run on, each with the features to run there (None: all): the default,
    the VARIANTS, and for each version-gated cell the newest known version below it (for that feature)."""
    yield engine, None
    for variant in VARIANTS.get(engine, ()):
        yield variant, None
    cls = all_backends()[engine]
    gated: dict[str, set[Feature]] = {}
    for feature, cap in cls.capabilities.items():
        older = [v for v in cls.versions if cap.since is not None and _version(v) < cap.since]
        if older:
            gated.setdefault(f"{engine}@{max(older, key=_version)}", set()).add(feature)
    for target, features in sorted(gated.items()):
        yield target, frozenset(features)


def feature_cases() -> Iterator[Any]:
    for engine in ENGINES:
        for target, only in targets(engine):
            for case in feature_fixtures():
                # the mirrored fixtures on each engine's default target only (the variants change no direction)
                if (only is None or feature_of(case) in only) and (target == engine or not case.endswith(MIRRORED)):
                    yield pytest.param(target, case, id=f"{target}-{case}", marks=_lag_marks(target, case))


def _refuses(cap: Capability) -> bool:
    return cap.support not in ACCEPTED


def expected_refusals(backend: Backend, li: LoadedIntent) -> set[Feature]:
    """The features of the intent whose cell, refined by the context of their use (Backend.support_for), refuses."""
    return {u.feature for u in uses_of(li.intent) if _refuses(backend.support_for(u, li.intent))}


def overpromised(backend: Backend, li: LoadedIntent) -> set[Feature]:
    """Features whose table cell accepts them but which the backend refuses in this (minimal) use."""
    return {u.feature for u in uses_of(li.intent)
            if not _refuses(backend.capability(u.feature)) and _refuses(backend.support_for(u, li.intent))}


def rewritten_by_ordered_lowering(backend: Backend, li: LoadedIntent) -> set[Feature]:
    """Features the ordered -> additive lowering (translator/compile/ordered.py) compiles away for this backend."""
    after = lower_ordered([li], backend, Diagnostics())
    return {u.feature for u in uses_of(li.intent)} - {u.feature for a in after for u in uses_of(a.intent)}


@pytest.mark.parametrize(("target", "case"), list(feature_cases()))
def test_feature_cell(target: str, case: str) -> None:
    li = feature_fixtures()[case]
    backend = backend_for(target)
    engine = backend.name
    never = isinstance(lag(target, case), Never)
    for f in overpromised(backend, li):
        assert never or isinstance(lag(target, f.value), Never), f"{target}: the {f.value} cell says " \
            f"{backend.capability(f).cell()} but this minimal use is refused: fix the cell or the backend, or list " \
            "it in LAGS as Never with the reason"
    refusals = expected_refusals(backend, li)
    rewritten = rewritten_by_ordered_lowering(backend_for(target), li)
    diags = Diagnostics()
    compiled = compile_intents([li], backend, diags)
    objects = [o for c in compiled for o in c.objects]
    if never:  # refused, whatever the cells say (a check beyond the table may be the one that refuses)
        assert diags.has_errors and not objects, f"{target} translates {case}, listed as Never: {_errors(diags)}"
    if (refusals or never) and diags.has_errors:
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
        assert refusals <= rewritten, f"{target} translated {sorted(f.value for f in refusals)} though it " \
            f"refuses them: {[d.format() for d in diags]}"
    assert not diags.has_errors, _errors(diags)
    assert objects, f"{target} generated nothing"
    if rewritten:
        assert any(d.code == codes.ORDERED_LOWERED for d in diags), \
            f"{sorted(f.value for f in rewritten)} compiled away without an {codes.ORDERED_LOWERED} info"
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
                               marks=_lag_marks(engine, sample_id(path)))


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


def _first(engine: str, refused: bool) -> tuple[str, Feature] | None:
    """A fixture the engine translates (refused=False), or one it refuses for the feature the fixture is about."""
    backend = backend_for(engine)
    for case, li in feature_fixtures().items():
        refusals = expected_refusals(backend, li)
        if rewritten_by_ordered_lowering(backend, li):
            continue
        if (feature_of(case) in refusals) if refused else not refusals:
            return case, feature_of(case)
    return None


@pytest.mark.parametrize("engine", ENGINES)
def test_cli_exit_codes(engine: str, tmp_path: Path) -> None:
    runner = CliRunner()
    for refused in (False, True):
        found = _first(engine, refused)
        if found is None:
            continue
        case, feature = found
        path = tmp_path / f"{case}.yaml"
        path.write_text(dump_yaml([feature_fixtures()[case].intent.dump()]), encoding="utf-8")
        result = runner.invoke(cli, ["translate", "--engine", engine, "-f", str(path), "--verify"])
        if refused:
            assert _exit_code(result) == 1 and result.stdout == "", result.output
            assert f"({feature.value})" in result.stderr and " error " in result.stderr, result.stderr
        else:
            assert _exit_code(result) == 0, result.output
            assert result.stdout.startswith("---"), result.stdout
