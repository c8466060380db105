"""One migration, end to end: checks, pre-migration edits (verified on the old engine), translation with the
real pipeline, the self-check, post-migration add-ons, and verification of the result against the source.

`run_migration` computes everything in memory; `report` renders it and `cli/migrate.py` writes the bundle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from translator import codes
from translator.backend import Backend
from translator.compile.pipeline import Compiled, compile_intents
from translator.diagnostics import Diagnostic, Diagnostics, Severity
from translator.load.decode import intents_from_documents
from translator.load.loaded import LoadedIntent
from translator.load.source import Document, dump_yaml
from translator.migration.checks import run_checks
from translator.migration.edits import (
    AddOn,
    Edit,
    dns_addons,
    load_balancer_addons,
    node_egress_addons,
    node_ipblock_addons,
    pre_migration_edits,
    without_annotation,
)
from translator.migration.finding import Finding
from translator.migration.inputs import INTENT_SOURCE, MigrationInput, document_ref
from translator.migration.selfcheck import self_check
from translator.migration.verifying import VerifySummary, compare, equivalent, reimport, semantics_name
from translator.output.files import clashes, describe, object_file_name
from translator.output.progress import progress

EXACT, CHANGED, REFUSED = "exact", "changed", "refused"


@dataclass
class PolicyResult:
    """What happened to one source policy."""

    ref: str
    file: str
    line: int | None
    status: str = EXACT
    intents: list[str] = field(default_factory=list)
    reasons: list[Diagnostic] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    target_files: list[str] = field(default_factory=list)
    pre_migration: list[str] = field(default_factory=list)
    manual: list[str] = field(default_factory=list)
    post_migration: list[str] = field(default_factory=list)
    flows: int = 0


@dataclass
class AddOnResult:
    """A post-migration add-on and the file it was written to (one file per concern)."""

    addon: AddOn
    file: str
    compiled: bool
    reasons: list[Diagnostic] = field(default_factory=list)
    concern: str = ""


# Post-migration concerns: the file their add-ons share, and the finding they answer.
CONCERNS = {"node-egress": ("node-egress.yaml", codes.MIG_EGRESS_NODE),
            "load-balancers": ("load-balancers.yaml", codes.MIG_ETP_CLUSTER),
            "nodes-for-ipblocks": ("nodes-for-ipblocks.yaml", codes.MIG_IPBLOCK),
            "dns": ("dns.yaml", codes.MIG_NO_DNS)}
FAIL_ON = ("error", "warning", "info", "changed")


@dataclass
class Migration:
    """Everything `migrate` found and produced."""

    mi: MigrationInput
    policies: list[PolicyResult]
    findings: list[Finding]
    diagnostics: list[Diagnostic]
    target_files: dict[str, str]
    pre_files: dict[str, str]
    post_files: dict[str, str]
    addons: list[AddOnResult]
    edits: list[Edit]
    pre_verify: str
    verify: VerifySummary
    clashes: list[Diagnostic] = field(default_factory=list)
    """Target objects two sources would both become (errors: the bundle is not written)."""
    rollback_files: dict[str, str] = field(default_factory=dict)
    fail_on: str = "error"
    target_objects: list[dict[str, Any]] = field(default_factory=list)
    """The target objects `verify` judged (the written target/ files must read back as exactly these)."""
    _edit_of: dict[str, Edit] = field(init=False, repr=False, compare=False)
    """The first edit per policy (handled_by looks findings up here instead of scanning every edit)."""
    _addon_for: dict[tuple[str, str], str] = field(init=False, repr=False, compare=False)
    """The first compiled add-on file per (policy, finding code)."""

    def __post_init__(self) -> None:
        self._edit_of = {}
        for e in self.edits:
            self._edit_of.setdefault(e.ref, e)
        self._addon_for = {}
        for a in self.addons:
            if a.compiled:
                for ref in a.addon.for_policies:
                    self._addon_for.setdefault((ref, CONCERNS[a.concern][1]), f"post-migration/{a.file}")

    @property
    def counts(self) -> dict[str, int]:
        """Policies per status."""
        return {s: sum(p.status == s for p in self.policies) for s in (EXACT, CHANGED, REFUSED)}

    def handled_by(self, finding: Finding) -> str | None:
        """The bundle file that answers a finding (a pre-migration edit or a post-migration add-on), if any."""
        if finding.code in (codes.MIG_IPBLOCK, codes.MIG_NAMED_PORT):
            word = "ipBlock" if finding.code == codes.MIG_IPBLOCK else "named port"
            edit = self._edit_of.get(finding.subject)
            if edit is not None and any(word in m for m in edit.manual):
                return None
            if edit is not None and any(word in c for c in edit.changes):
                return f"pre-migration/{object_file_name(edit.data)}"
            if finding.code == codes.MIG_IPBLOCK and self.mi.workloads is not None:
                return "nothing to edit: no pod of the given cluster is in its ranges"
            return None
        return self._addon_for.get((finding.subject, finding.code))

    def failing(self, fail_on: str = "error") -> list[Finding]:
        """The findings that set exit code 1: at or above `fail_on` and not answered by the bundle."""
        if fail_on == "changed":
            return [f for f in self.findings if f.severity is not Severity.INFO]
        rank = Severity(fail_on).rank
        return [f for f in self.findings if f.severity.rank >= rank and self.handled_by(f) is None]

    def failing_notes(self, fail_on: str = "error") -> list[Diagnostic]:
        """Translation diagnostics at or above `fail_on` (announced changes are warnings)."""
        if fail_on == "changed":
            return [d for p in self.policies for d in p.reasons if d.severity is not Severity.INFO]
        rank = Severity(fail_on).rank
        return [d for p in self.policies for d in p.reasons if d.severity.rank >= rank and
                d.severity is not Severity.ERROR] + [d for d in self.diagnostics if d.severity.rank >= rank]

    def exit_code_for(self, fail_on: str = "error") -> int:
        """1 when something is refused, verification found a difference, or something at or above `fail_on` is
        left that the bundle does not answer (with `changed`, also any announced change); else 0."""
        counts = self.counts
        if counts[REFUSED] or self.verify.status == "not equivalent":
            return 1
        if fail_on == "changed" and counts[CHANGED]:
            return 1
        return 1 if self.failing(fail_on) or self.failing_notes(fail_on) else 0

    @property
    def exit_code(self) -> int:
        """The exit code under the default `--fail-on error`."""
        return self.exit_code_for(self.fail_on)



# -- pre-migration ------------------------------------------------------------------------------------------


def _edited_intents(mi: MigrationInput, edits: Sequence[Edit]) -> list[LoadedIntent]:
    """The source intents with the edited documents imported in place of the originals."""
    replaced: dict[object, list[LoadedIntent]] = {}
    for edit in edits:
        doc = edit.document
        data = without_annotation(edit.data)
        replaced[doc.source] = intents_from_documents([Document(data, doc.source, doc.raw_kind)], Diagnostics())
    out: list[LoadedIntent] = []
    done: set[object] = set()
    for li in mi.loaded:
        if li.source in replaced:
            if li.source not in done:
                out.extend(replaced[li.source])
                done.add(li.source)
            continue
        out.append(li)
    return out


def verified_edits(mi: MigrationInput, edits: list[Edit]) -> tuple[list[Edit], str]:
    """The edits that leave the old engine's verdicts unchanged (each checked on its own), and the outcome."""
    changing = [e for e in edits if e.changes]
    if not changing:
        return edits, "no edits"
    engine = semantics_name(mi.source)
    status = "verified"
    for edit in changing:
        same = equivalent(mi.loaded, _edited_intents(mi, [edit]), mi.cluster, engine, engine)
        if same is None:
            status = "not verified (the evaluator is not installed)"
        elif not same:
            where = "on the given cluster" if mi.cluster is not None else \
                "on every cluster (checked on a synthesized one; --cluster checks yours)"
            edit.manual.extend(f"not applied, it would change what {mi.source} allows {where}: {c}"
                               for c in edit.changes)
            edit.changes.clear()
    return edits, status


# -- translation ---------------------------------------------------------------------------------------------


def _doc_ranges(mi: MigrationInput) -> list[tuple[str, int, str]]:
    """(file, first line, policy ref) of every input document, for attributing diagnostics."""
    out = []
    for doc in mi.documents:
        loc = doc.locate()
        out.append((loc.file, loc.line or 0, document_ref(doc)))
    return sorted(out)


def attribute(diag: Diagnostic, ranges: list[tuple[str, int, str]]) -> str | None:
    """The policy a diagnostic belongs to: the last document of its file starting at or before its line."""
    best = None
    for file, line, ref in ranges:
        if file == diag.location.file and diag.location.line is not None and line <= diag.location.line:
            best = ref
    return best


def _file_names(objects: list[dict[str, Any]], taken: dict[str, int]) -> list[str]:
    """Injective file names (translator.output.files); an object whose identity is already taken keeps the name, and
    the clash is reported by `_clashes` (the bundle is then not written)."""
    names = []
    for obj in objects:
        name = object_file_name(obj)
        taken[name] = taken.get(name, 0) + 1
        names.append(name)
    return names


def _clashes(compiled: list[Compiled]) -> list[Diagnostic]:
    """Two sources that become one target object: kubectl apply would keep one; an error naming both."""
    items = [(obj, c.loaded.locate()) for c in compiled if not c.refused for obj in c.objects]
    out = []
    for ident, first, second in clashes(items):
        out.append(Diagnostic(codes.OUTPUT_CLASH, Severity.ERROR, f"{describe(ident)} is generated from two sources "
                              f"({first} and {second}); kubectl apply would keep only one of them. Rename one",
                              second))
    return out


def _results(mi: MigrationInput) -> dict[str, PolicyResult]:
    """One result per input document that holds policy (Tiers and network sets are only referenced)."""
    with_intents = {li.source for li in mi.loaded}
    out: dict[str, PolicyResult] = {}
    for doc in mi.documents:
        if doc.source in with_intents or doc.kind.endswith("Policy") or doc.kind == "NetworkIntent":
            loc = doc.locate()
            out.setdefault(document_ref(doc), PolicyResult(document_ref(doc), loc.file, loc.line))
    return out


def _translate(mi: MigrationInput, backend: Backend, loaded: list[LoadedIntent], results: dict[str, PolicyResult],
               findings: list[Finding], clash_errors: list[Diagnostic]) -> tuple[dict[str, str], list[Diagnostic],
                                                                                 list[dict[str, Any]]]:
    diags = Diagnostics()
    compiled = compile_intents(loaded, backend, diags)
    clash_errors.extend(_clashes(compiled))
    ranges = _doc_ranges(mi)
    unattributed = []
    for diag in diags:
        ref = attribute(diag, ranges)
        if ref in results:
            results[ref].reasons.append(diag)
        else:
            unattributed.append(diag)
    files: dict[str, str] = {}
    all_objects: list[dict[str, Any]] = []
    taken: dict[str, int] = {}
    for item in compiled:
        ref = mi.policy_ref(item.loaded)
        result = results.setdefault(ref, PolicyResult(ref, item.loaded.locate().file, item.loaded.locate().line))
        result.intents.append(item.loaded.intent.ref)
        if item.refused:
            result.status = REFUSED
            continue
        for name, obj in zip(_file_names(item.objects, taken), item.objects):
            files[name] = dump_yaml([obj])
            result.target_files.append(name)
        all_objects.extend(item.objects)
        findings.extend(self_check(item.loaded, item.objects, ref))
    return files, unattributed, all_objects


# -- post-migration ------------------------------------------------------------------------------------------


def _addons(mi: MigrationInput, findings: list[Finding], edits: list[Edit]) -> list[tuple[str, AddOn]]:
    """(concern, add-on) pairs."""
    if not mi.needs_bundle_edits:
        return []
    out: list[tuple[str, AddOn]] = []
    if mi.implicitly_allowed("node-egress"):
        out += [("node-egress", a) for a in node_egress_addons(mi)]
    if mi.implicitly_allowed("load-balancers"):
        out += [("load-balancers", a) for a in load_balancer_addons(mi)]
    out += [("nodes-for-ipblocks", a) for a in node_ipblock_addons(mi, edits)]
    lacking = []
    for f in findings:
        if f.code == codes.MIG_NO_DNS:
            li = next((li for li in mi.loaded if mi.policy_ref(li) == f.subject), None)
            if li is not None and li.intent.metadata.namespace:
                lacking.append((li.intent.metadata.namespace, f.subject, li.intent.spec.subject.pods))
    out += [("dns", a) for a in dns_addons(mi, lacking)]
    return out


def _compile_addons(addons: list[tuple[str, AddOn]], backend: Backend) -> tuple[list[AddOnResult], dict[str, str]]:
    """Compile every add-on; one file per concern (intents the target refused go to CONCERN.intent.yaml)."""
    results = []
    objects: dict[str, list[dict[str, Any]]] = {}
    for concern, addon in addons:
        diags = Diagnostics()
        compiled = compile_intents([LoadedIntent(addon.intent, None)], backend, diags)[0]
        name = CONCERNS[concern][0]
        if compiled.refused or not compiled.objects:
            name = name.replace(".yaml", ".intent.yaml")
            objects.setdefault(name, []).append(addon.intent.dump())
            results.append(AddOnResult(addon, name, False, list(diags), concern))
            continue
        objects.setdefault(name, []).extend(compiled.objects)
        results.append(AddOnResult(addon, name, True, list(diags), concern))
    return results, {name: dump_yaml(objs) for name, objs in objects.items()}


# -- the whole run -------------------------------------------------------------------------------------------


def _status(result: PolicyResult) -> str:
    """Changed only when the translation changed (an announced change, or flows that differ); migration findings
    and lint notes about the policy do not make it changed."""
    if result.status == REFUSED:
        return REFUSED
    noisy = any(d.severity is not Severity.INFO for d in result.reasons)
    return CHANGED if noisy or result.flows else EXACT


def run_migration(mi: MigrationInput, backend: Backend) -> Migration:
    """Check, edit, translate, add on and verify one migration."""
    report = progress()  # on a terminal, after 2 s: each step, with counts where the work is per policy
    findings = run_checks(mi)
    report.phase("planning pre-migration edits")
    edits, pre_status = verified_edits(mi, pre_migration_edits(mi) if mi.needs_bundle_edits else [])
    translated = _edited_intents(mi, [e for e in edits if e.changes])
    results = _results(mi)
    clash_errors: list[Diagnostic] = []
    target_files, unattributed, objects = _translate(mi, backend, translated, results, findings, clash_errors)
    addons, post_files = _compile_addons(_addons(mi, findings, edits), backend)
    back = reimport(objects, "<target>")
    report.phase("proving")
    verify = VerifySummary("not run", f"the {mi.target_name} importer cannot read the translation back") \
        if back is None else compare(mi.loaded, back, mi.cluster, semantics_name(mi.source),
                                     semantics_name(mi.target_name))
    report.phase("writing the report")
    pre_files: dict[str, str] = {}
    rollback_files: dict[str, str] = {}
    for edit in edits:
        if edit.changes:
            name = object_file_name(edit.data)
            pre_files[name] = dump_yaml([edit.data])
        if edit.ref in results:
            results[edit.ref].pre_migration = list(edit.changes)
            results[edit.ref].manual = list(edit.manual)
    _attach(mi, results, findings, addons, verify)
    for result in results.values():
        result.status = _status(result)
    policies = sorted(results.values(), key=lambda r: (r.file, r.line or 0, r.ref))
    if mi.source != INTENT_SOURCE:
        replaced = {r.ref for r in policies if r.status != REFUSED}
        for doc in mi.documents:
            if document_ref(doc) in replaced and doc.name:
                rollback_files.setdefault(object_file_name(doc.data), dump_yaml([clean_for_apply(doc.data)]))
    return Migration(mi, policies, findings, unattributed, target_files, pre_files, post_files, addons, edits,
                     pre_status, verify, clash_errors, rollback_files, target_objects=objects)


SERVER_FIELDS = ("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields", "selfLink")


def clean_for_apply(data: dict[str, Any]) -> dict[str, Any]:
    """An input object as `kubectl apply` takes it back: no status, no server-populated metadata."""
    out = {k: v for k, v in data.items() if k != "status"}
    meta = out.get("metadata")
    if isinstance(meta, dict):
        meta = {k: v for k, v in meta.items() if k not in SERVER_FIELDS}
        annotations = {k: v for k, v in (meta.get("annotations") or {}).items()
                       if k != "kubectl.kubernetes.io/last-applied-configuration"}
        if annotations:
            meta["annotations"] = annotations
        else:
            meta.pop("annotations", None)
        out["metadata"] = meta
    return out


def _attach(mi: MigrationInput, results: dict[str, PolicyResult], findings: list[Finding],
            addons: list[AddOnResult], verify: VerifySummary) -> None:
    for f in findings:
        if f.subject in results:
            results[f.subject].findings.append(f)
    for addon in addons:
        for ref in addon.addon.for_policies:
            if ref in results:
                results[ref].post_migration.append(addon.file)
    by_intent = {li.intent.ref: mi.policy_ref(li) for li in mi.loaded}
    for flow in verify.flows:
        for intent_ref in flow.get("policies", []):
            policy = by_intent.get(intent_ref)
            if policy is not None and policy in results:
                results[policy].flows += 1
