"""The netpolx Python API: load, translate, check, lint, reach and verify without a subprocess.

Every function takes policies as YAML/JSON text, a `pathlib.Path` (file or directory), a parsed object or a list of
them, or the result of `load()`. Diagnostics come back as `Report` objects; bad input raises `InvalidInput`, a
translation the engine cannot express exactly raises `TranslationRefused` (both carry the diagnostics).
The CLI is built on the same functions (`load_policies`, `compile_policies`, `check_policies`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from netpolx.errors import InvalidInput, TranslationRefused
from netpolx.report import Report
from netpolx.sources import read_documents
from translator import codes
from translator.cluster.model import Cluster, Probe, cluster_from_data, parse_probe
from translator.cluster.model import load_cluster as _load_cluster_file
from translator.cluster.ranges import DEFAULT_RANGES, ClusterRanges, cluster_ranges
from translator.compile.pipeline import Compiled, compile_intents
from translator.diagnostics import Diagnostics, ErrorLevel
from translator.evaluator.evaluate import Evaluator, ReachResult, semantics_of
from translator.evaluator.verify import VerifyResult
from translator.evaluator.verify import verify as _verify
from translator.load.decode import intents_from_documents
from translator.load.defaults import apply_default_namespace
from translator.load.loaded import LoadedIntent
from translator.load.source import Document, SourceFile, documents, dump_json, dump_yaml, parse_text
from translator.model import NetworkIntent
from translator.registry import UnknownEngineError, check_target, get_backend
from translator.target import Target, TargetError, parse_target

# -- the pieces the CLI shares ---------------------------------------------------------------------------------------


def load_policies(paths: Iterable[str], diags: Diagnostics, recursive: bool = False,
                  namespace: str | None = None) -> list[LoadedIntent]:
    """Read `-f` paths and return their intents; `namespace` fills in namespaced policies that have none."""
    return policies_from_documents(documents(paths, diags, recursive), diags, namespace)


def policies_from_documents(docs: list[Document], diags: Diagnostics, namespace: str | None = None,
                            ranges: ClusterRanges = DEFAULT_RANGES) -> list[LoadedIntent]:
    """Intents from read documents, after the default namespace is applied (`ranges`: where pods and nodes may
    be, which importers need to read IP blocks)."""
    if namespace:
        apply_default_namespace(docs, namespace)
    return intents_from_documents(docs, diags, ranges)


def resolve_engine(engine: str | Target, diags: Diagnostics, settings: Mapping[str, Any] | None = None,
                   platform: str | None = None) -> Target | None:
    """`NAME[@VERSION][,key=value]` as a Target, or None with an NPX006 diagnostic."""
    if isinstance(engine, Target):
        return engine
    try:
        target = parse_target(engine, platform, {k: _setting(v) for k, v in (settings or {}).items()})
        check_target(target)
        return target
    except (TargetError, UnknownEngineError) as exc:
        diags.error(codes.UNKNOWN_ENGINE, str(exc))
        return None


def _setting(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def compile_policies(loaded: list[LoadedIntent], target: Target, diags: Diagnostics,
                     verify: bool = False) -> list[Compiled]:
    """Compile for `target`; with `verify`, read the output back and report changed verdicts (NPX120)."""
    compiled = compile_intents(loaded, get_backend(target.name)(target), diags)
    if verify and not diags.has_errors:
        from translator.evaluator.translation import verify_translation

        verify_translation(loaded, [o for c in compiled for o in c.objects], target.name, diags,
                           ranges=cluster_ranges(target.settings))
    return compiled


def check_policies(loaded: list[LoadedIntent], target: Target, diags: Diagnostics) -> None:
    """What `translate` would report, plus the engine's caveats."""
    backend = get_backend(target.name)(target)
    backend.caveats(diags)
    compile_intents(loaded, backend, diags)


# -- results ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Policies(Sequence[LoadedIntent]):
    """Loaded policies: each intent with where it came from, and the diagnostics of loading them."""

    items: tuple[LoadedIntent, ...]
    diagnostics: Report = field(default_factory=Report)

    @overload
    def __getitem__(self, index: int) -> LoadedIntent: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[LoadedIntent, ...]: ...

    def __getitem__(self, index: int | slice) -> LoadedIntent | tuple[LoadedIntent, ...]:
        return self.items[index]

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[LoadedIntent]:
        return iter(self.items)

    @property
    def intents(self) -> list[NetworkIntent]:
        """The intents (native policies imported into the neutral model)."""
        return [li.intent for li in self.items]

    def to_yaml(self) -> str:
        """The intents as multi-document YAML (what `netpolx import` prints)."""
        return dump_yaml([li.intent.dump() for li in self.items])


@dataclass(frozen=True)
class Translation:
    """The objects compiled for one engine; `str()` is the multi-document YAML `netpolx translate` prints."""

    engine: Target
    objects: list[dict[str, Any]]
    diagnostics: Report

    def to_yaml(self) -> str:
        """Multi-document YAML."""
        return dump_yaml(self.objects) if self.objects else ""

    def to_json(self) -> str:
        """A JSON `List` (as `-o json`)."""
        return dump_json(self.objects)

    def __str__(self) -> str:
        return self.to_yaml()


@dataclass(frozen=True)
class Reachability:
    """Every probe between every pair of endpoints; `allowed()` asks about one connection."""

    evaluator: Evaluator
    probes: list[Probe]
    diagnostics: Report

    @property
    def engine(self) -> str:
        """The semantics the policies were judged under (`intent`, an engine, or `mixed`)."""
        return self.evaluator.semantics_name

    @property
    def results(self) -> list[ReachResult]:
        """One result per ordered pair of distinct endpoints and per probe."""
        return self.evaluator.matrix(self.probes)

    def allowed(self, src: str, dst: str, port: int, protocol: str = "TCP") -> bool:
        """Whether `src` (`ns/pod` or an external's name) may connect to `dst` on `port`/`protocol`."""
        return self.evaluator.allowed(src, dst, port, protocol)

    def explain(self, src: str, dst: str, port: int, protocol: str = "TCP") -> str:
        """Why, step by step (as `reach --explain`)."""
        return "\n".join(self.evaluator.explain(src, dst, port, protocol).lines())

    def as_dict(self) -> dict[str, Any]:
        """The contract's `reach -o json` document."""
        return {"engine": self.engine, "results": [r.as_dict() for r in self.results]}


@dataclass(frozen=True)
class Verification:
    """The outcome of comparing two policy sets; truthy when they are equivalent."""

    result: VerifyResult
    diagnostics: Report

    @property
    def equivalent(self) -> bool:
        """Whether every connection has the same verdict under both sets."""
        return self.result.equivalent

    @property
    def differences(self) -> list[dict[str, object]]:
        """The connections whose verdict differs, with both traces."""
        return [d.as_dict() for d in self.result.differences]

    def __bool__(self) -> bool:
        return self.equivalent


# -- the public functions --------------------------------------------------------------------------------------------

PolicySource = Any
"""Text, a path, a dict, a list of dicts, or `Policies` (see `netpolx.sources.Source`)."""


def _raise_on_input_errors(diags: Diagnostics) -> None:
    report = Report.of(diags)
    if report.input_errors or (report.errors and report.exit_code() == 2):
        raise InvalidInput(report)


def _loaded(source: PolicySource, diags: Diagnostics, namespace: str | None, name: str,
            target: Target | None = None) -> list[LoadedIntent]:
    if isinstance(source, Policies):
        return list(source.items)
    ranges = cluster_ranges(target.settings) if target is not None else DEFAULT_RANGES
    return policies_from_documents(read_documents(source, diags, name), diags, namespace, ranges)


def load(source: PolicySource, *, namespace: str | None = None, name: str = "<string>") -> Policies:
    """Read policies of any supported kind as intents. `namespace` fills in namespaced policies that have none;
    `name` is the file name diagnostics use for text input. Raises InvalidInput on any error."""
    diags = Diagnostics()
    loaded = _loaded(source, diags, namespace, name)
    if diags.has_errors:
        raise InvalidInput(Report.of(diags))
    return Policies(tuple(loaded), Report.of(diags))


def translate(source: PolicySource, engine: str | Target, *, settings: Mapping[str, Any] | None = None,
              platform: str | None = None, allow_widening: bool = False, verify: bool = False,
              namespace: str | None = None, name: str = "<string>") -> Translation:
    """Compile policies for `engine` (`cilium`, `calico@3.30`, `azure-npm`, ...).

    Raises InvalidInput on bad input and TranslationRefused when the engine cannot express something without
    changing what traffic is allowed (or, with `verify`, when a verdict changed unannounced). Warnings and notes
    are in the result's `diagnostics`.
    """
    diags = Diagnostics(ErrorLevel.RAISE, None, frozenset({codes.WIDENED}) if allow_widening else frozenset())
    target = resolve_engine(engine, diags, settings, platform)
    loaded = _loaded(source, diags, namespace, name, target)
    _raise_on_input_errors(diags)
    assert target is not None
    compiled = compile_policies(loaded, target, diags, verify)
    if diags.has_errors:
        raise TranslationRefused(Report.of(diags))
    return Translation(target, [o for c in compiled for o in c.objects], Report.of(diags))


def check(source: PolicySource, engine: str | Target, *, settings: Mapping[str, Any] | None = None,
          platform: str | None = None, allow_widening: bool = False, namespace: str | None = None,
          name: str = "<string>") -> Report:
    """What `translate` would report for `engine`, plus the engine's caveats; never raises for findings
    (`report.exit_code(fail_on)` is the CLI's). Raises InvalidInput on bad input."""
    diags = Diagnostics(ErrorLevel.RAISE, None, frozenset({codes.WIDENED}) if allow_widening else frozenset())
    target = resolve_engine(engine, diags, settings, platform)
    loaded = _loaded(source, diags, namespace, name, target)
    _raise_on_input_errors(diags)
    assert target is not None
    check_policies(loaded, target, diags)
    return Report.of(diags)


def lint(source: PolicySource, *, cluster: Any = None, select: Iterable[str] | None = None,
         ignore: Iterable[str] = (), namespace: str | None = None, name: str = "<string>") -> Report:
    """Authoring mistakes (rule codes or names in `select`/`ignore`). Raises InvalidInput on bad input."""
    from translator.lint import LintInput
    from translator.lint import lint as run_lint
    from translator.lint.rules import resolve

    diags = Diagnostics()
    model = load_cluster(cluster) if cluster is not None else None
    docs = read_documents(source, diags, name)
    loaded = policies_from_documents(docs, diags, namespace)
    _raise_on_input_errors(diags)
    selected = resolve(",".join(select)) if select is not None else None
    skipped = resolve(",".join(ignore)) if ignore else set()
    for finding in run_lint(LintInput(docs, loaded, model), selected, skipped):
        diags.add(finding.diagnostic())
    return Report.of(diags)


def load_cluster(source: Any, *, name: str = "<cluster>") -> Cluster:
    """A cluster (namespaces, pods, externals, probes) from a path, YAML/JSON text or a dict (the contract's form
    or kubectl Namespace/Pod objects). Raises InvalidInput when bad."""
    if isinstance(source, Cluster):
        return source
    diags = Diagnostics()
    cluster: Cluster | None
    if isinstance(source, os.PathLike):
        cluster = _load_cluster_file(os.fspath(source), diags)
    else:
        text = source if isinstance(source, str) else json.dumps(source)
        file = SourceFile(name, text)
        docs = parse_text(file, diags)
        cluster = cluster_from_data(docs, file, diags) if docs is not None else None
    if cluster is None or diags.has_errors:
        raise InvalidInput(Report.of(diags))
    return cluster


def reach(source: PolicySource, cluster: Any, *, engine: str | None = None, probes: Iterable[str | Probe] = (),
          namespace: str | None = None) -> Reachability:
    """Decide every probe (the cluster's, plus `probes` like `"80/TCP"`) between every pair of endpoints, under
    `engine`'s semantics (default: each policy under its own kind's). Raises InvalidInput on bad input."""
    diags = Diagnostics()
    if engine is not None:
        try:
            semantics_of(engine)
        except UnknownEngineError as exc:
            diags.error(codes.UNKNOWN_ENGINE, str(exc))
    loaded = _loaded(source, diags, namespace, "<string>")
    extra: list[Probe] = []
    for p in probes:
        try:
            extra.append(p if isinstance(p, Probe) else parse_probe(p))
        except ValueError as exc:
            diags.error(codes.INVALID_VALUE, f"probe: {exc}")
    if diags.has_errors:
        raise InvalidInput(Report.of(diags))
    model = load_cluster(cluster)
    wanted = list(dict.fromkeys([*model.probes, *extra]))
    return Reachability(Evaluator(model, loaded, engine), wanted, Report.of(diags))


def verify(source: PolicySource, against: PolicySource, *, cluster: Any = None, source_engine: str | None = None,
           target_engine: str | None = None) -> Verification:
    """Whether two policy sets (any kinds, each under its own engine's semantics unless given) allow exactly the
    same connections, on `cluster` or a synthesized complete cover. Raises InvalidInput on bad input."""
    diags = Diagnostics()
    for option, engine in (("source_engine", source_engine), ("target_engine", target_engine)):
        if engine is not None:
            try:
                semantics_of(engine)
            except UnknownEngineError as exc:
                diags.error(codes.UNKNOWN_ENGINE, f"{option}: {exc}")
    src = _loaded(source, diags, None, "<source>")
    dst = _loaded(against, diags, None, "<target>")
    if diags.has_errors:
        raise InvalidInput(Report.of(diags))
    model = load_cluster(cluster) if cluster is not None else None
    return Verification(_verify(src, dst, model, source_engine, target_engine), Report.of(diags))
