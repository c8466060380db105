"""Which engine should enforce these policies? Decided as a platform team decides, not by exactness alone.

Every option is judged by the real capability check (the same one `translate` runs). A Cilium "change" that
`migrate`'s pre-migration edits remove (a named port that becomes its number, selector peers next to an ipBlock
that matched pods) is exact after those edits: with `--cluster` the edits are computed, checked on the old engine
and the whole migration verified on the cluster. Options are then ranked by what the team must weigh, in order:

1. can run on the node pools (Linux/Windows) and within the engine's scale limits;
2. still supported (a retired engine is last; one with an announced end of support comes after every supported one);
3. can enforce the policies at all (not refused);
4. run by the platform (managed) before self-managed (you install, upgrade and support it);
5. exact, or exact after pre-migration edits, before announced changes that remain;
6. no paid add-on the policies do not need (ACNS only for FQDN and L7 rules);
7. the platform vendor's own preference (on AKS: Azure CNI powered by Cilium).

Facts (engines.md §3, migration-pitfalls.md (c)): Azure NPM Linux support ends 2028-09-30, Windows support ended
2026-09-30 with no new onboarding; NPM Linux handles at most 250 nodes and 20,000 pods; Cilium on AKS is Linux-only
and needs ACNS for FQDN and L7 policy (Kubernetes >= 1.29), L7 not in cluster-wide policies; endPort needs Cilium
>= 1.17 (AKS Kubernetes 1.32+); AKS-managed Calico supports only the Kubernetes NetworkPolicy API on new clusters
(Calico's own kinds, or switching an existing cluster, need self-managed Calico with --network-policy none);
Calico is the engine that remains for Windows node pools.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from translator import codes
from translator.backend import Backend
from translator.compile.pipeline import check_intent
from translator.diagnostics import Diagnostic, Diagnostics, Severity
from translator.load.loaded import LoadedIntent
from translator.migration.bundle import run_migration
from translator.migration.inputs import MigrationInput
from translator.output.plural import count
from translator.output.progress import progress
from translator.platforms import EngineOption
from translator.registry import all_backends, reads_networkpolicy
from translator.target import parse_target

EXACT, FIXABLE, CHANGED, REFUSED, UNAVAILABLE = "exact", "exact-after-edits", "changed", "refused", "unavailable"
VERDICT_RANK = {EXACT: 0, FIXABLE: 0, CHANGED: 1, REFUSED: 2, UNAVAILABLE: 3}
VERDICT_WORDS = {EXACT: "exact", FIXABLE: "exact after pre-migration edits", CHANGED: "announced changes remain",
                 REFUSED: "cannot enforce them", UNAVAILABLE: "not installed"}
# Features whose Cilium change a pre-migration edit removes, and how (edits.py computes the edit itself).
PRE_MIGRATION_FIXES = {"named-port": ("named port", "the named port becomes its number"),
                       "cidr": ("ipBlock", "selector peers next to the ipBlock for the pods it matches")}
# Warnings about the policies themselves (true on every engine), not about what an engine changes.
ADVICE_CODES = frozenset({codes.CILIUM_EGRESS_WITHOUT_DNS})
RULE_PATH = re.compile(r"^spec\.(ingress|egress)\[(\d+)\]")


@dataclass(frozen=True)
class Change:
    """One announced change an option makes, and whether a pre-migration edit removes it."""

    policy: str
    message: str
    feature: str | None
    fix: str = ""
    """The pre-migration edit that removes it ("" when none does)."""
    fixed: bool = False
    """True when netpolx computed that edit (it is in `migrate`'s pre-migration/); False: it needs --cluster."""


@dataclass
class Context:
    """What the team told us about the cluster."""

    windows_nodes: bool = False
    nodes: int | None = None
    pods: int | None = None
    new_cluster: bool = False
    today: date = field(default_factory=date.today)


@dataclass
class Assessment:
    """One option judged against the policies and the cluster."""

    option: EngineOption
    verdict: str
    refused: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    blockers: list[str] = field(default_factory=list)
    """Why the option cannot be chosen on this cluster (node pools, scale, not installed)."""
    factors: list[str] = field(default_factory=list)
    """What the team weighs, short: lifecycle, managed or not, cost, Microsoft's path."""
    retired: bool = False
    retiring: bool = False
    managed: bool = True
    paid_unneeded: bool = False
    verified: str = ""
    """With --cluster, the migration's verification after the pre-migration edits."""

    @property
    def available(self) -> bool:
        """Whether the option can run on this cluster."""
        return not self.blockers

    @property
    def changed(self) -> list[str]:
        """The change messages (JSON compatibility)."""
        return [c.message for c in self.changes]

    @property
    def rank(self) -> tuple[int, ...]:
        """Sort key, in the order of the module docstring."""
        return (0 if self.available else 1, 1 if self.retired else 0, 1 if self.verdict == REFUSED else 0,
                1 if self.retiring else 0, 0 if self.managed else 1, VERDICT_RANK[self.verdict],
                1 if self.paid_unneeded else 0, self.option.preference)

    def commands(self, l7: bool) -> dict[str, str]:
        """The az commands for this option (empty when it cannot be chosen any more)."""
        fill = {"policies": "L7" if l7 else "FQDN"}
        out = {}
        if self.option.create and not self.retired:
            out["create"] = self.option.create.format(**fill)
        if self.option.update and not self.retired:
            out["update"] = self.option.update.format(**fill)
        return out


@dataclass
class PreMigration:
    """`migrate`'s pre-migration edits for a move to Cilium, keyed for matching against Cilium's changes."""

    by_rule: dict[tuple[str, str, int], list[str]] = field(default_factory=dict)
    """(policy ref `namespace/name`, direction, rule index) -> the edits' change texts."""
    manual: dict[tuple[str, str, int], list[str]] = field(default_factory=dict)
    computed: bool = False
    """True when the cluster was given (edits are computed and checked on the old engine)."""
    verified: str = ""
    equivalent: bool | None = None
    """The verification's answer (None: not run)."""


def _messages(diags: Diagnostics, severity: Severity) -> list[str]:
    return list(dict.fromkeys(d.message for d in diags if d.severity is severity))


def _intent_ref(message: str) -> str:
    head = message.split(":", 1)[0]
    return head if "/" in head and " " not in head else ""


def _change(diag: Diagnostic, pre: PreMigration | None) -> Change:
    """Classify one Cilium change: does a pre-migration edit remove it?"""
    policy = _intent_ref(diag.message)
    fixable = PRE_MIGRATION_FIXES.get(diag.feature or "")
    if pre is None or fixable is None:
        return Change(policy, diag.message, diag.feature)
    m = RULE_PATH.match(diag.location.field_path)
    if m is None:
        return Change(policy, diag.message, diag.feature)
    key = (policy, m.group(1), int(m.group(2)))
    if not pre.computed:
        return Change(policy, diag.message, diag.feature, fixable[1], False)
    done = [c.split(": ", 1)[1] for c in pre.by_rule.get(key, []) if fixable[0] in c]
    if done:
        return Change(policy, diag.message, diag.feature, "; ".join(done), True)
    if diag.feature == "cidr" and key not in pre.manual and pre.equivalent:
        return Change(policy, diag.message, diag.feature, "none needed: no pod of your cluster is in the range", True)
    return Change(policy, diag.message, diag.feature)


def _blockers(option: EngineOption, ctx: Context) -> list[str]:
    out = []
    if ctx.windows_nodes and not option.windows:
        out.append("does not run on Windows node pools")
    if not ctx.windows_nodes and not option.linux:
        out.append("only for Windows node pools (pass --windows-nodes)")
    if option.max_nodes and ctx.nodes and ctx.nodes > option.max_nodes:
        out.append(f"at most {option.max_nodes} nodes (the cluster has {ctx.nodes})")
    if option.max_pods and ctx.pods and ctx.pods > option.max_pods:
        out.append(f"at most {option.max_pods:,} pods (the cluster has {ctx.pods:,})")
    return out


def assess(option: EngineOption, loaded: Sequence[LoadedIntent], ctx: Context,
           pre: PreMigration | None = None) -> Assessment:
    """Run the capability check of one option over every intent and weigh it."""
    target = parse_target(option.target)
    retired = option.retires is not None and ctx.today >= option.retires
    retiring = option.retires is not None and not retired
    backend_cls = all_backends().get(target.name)
    factors = []
    if option.retires is not None:
        factors.append(f"support {'ended' if retired else 'ends'} {option.retires.isoformat()}")
    if option.max_nodes:
        factors.append(f"at most {option.max_nodes} nodes and {option.max_pods:,} pods")
    blockers = _blockers(option, ctx)
    if backend_cls is None:
        return Assessment(option, UNAVAILABLE, blockers=[f"the {target.name} backend is not installed in this build",
                                                         *blockers], factors=factors, retired=retired,
                          retiring=retiring, managed=option.managed)
    backend = backend_cls(target)
    # A translation that needs more traffic allowed (e.g. Cilium's DNS rule for FQDN peers) is a change to
    # report here, not a reason to rule the engine out.
    diags = Diagnostics(accepted=frozenset({codes.WIDENED}))
    report = progress()  # on a terminal, after 2 s: `checking policies for cilium 1,234/10,000`
    report.phase(f"checking policies for {option.key}", len(loaded))
    backend.check_all(list(loaded), diags)
    advance = report.advance
    for li in loaded:
        advance()
        check_intent(li, backend, diags)
    refused = _messages(diags, Severity.ERROR)
    seen: set[str] = set()
    changes = []
    for d in diags:
        if d.severity is Severity.WARNING and d.message not in seen and d.code not in ADVICE_CODES:
            seen.add(d.message)
            changes.append(_change(d, pre if backend_cls.pre_migration_edits else None))
    if refused:
        verdict = REFUSED
    elif not changes:
        verdict = EXACT
    elif all(c.fix for c in changes) and (pre is None or not pre.computed or
                                          (all(c.fixed for c in changes) and pre.equivalent is not False)):
        verdict = FIXABLE
    else:
        verdict = CHANGED
    return Assessment(option, verdict, refused, changes, blockers, factors, retired, retiring, option.managed,
                      verified=pre.verified if pre is not None and backend_cls.pre_migration_edits else "")


def _needs_more_than_networkpolicy(loaded: Sequence[LoadedIntent]) -> bool:
    """Whether vanilla NetworkPolicy cannot express the policies (so a platform-managed engine limited to that API
    would not do)."""
    backend_cls = next((cls for cls in all_backends().values() if cls.reads_networkpolicy()), None)
    if backend_cls is None:
        return False
    backend = backend_cls(parse_target(backend_cls.name))
    diags = Diagnostics()
    counted = progress().track(loaded, "checking policies for NetworkPolicy", len(loaded))
    return not all(check_intent(li, backend, diags) for li in counted)


def _weigh(out: list[Assessment], loaded: Sequence[LoadedIntent], ctx: Context) -> None:
    """The factors that depend on the other options: managed only for vanilla NetworkPolicy (AKS-managed Calico),
    unneeded paid add-ons."""
    calico = next((a for a in out if a.option.managed_for_networkpolicy_on_new_clusters), None)
    if calico is not None and calico.verdict != REFUSED:
        if _needs_more_than_networkpolicy(loaded):
            calico.factors.append("self-managed (Calico's own policy kinds need Calico installed with the Tigera "
                                  "operator)")
        elif ctx.new_cluster:
            calico.managed = True
            calico.factors.append("managed by AKS on a new cluster (--network-policy calico)")
        else:
            calico.factors.append("self-managed (AKS cannot switch an existing cluster to its managed Calico)")
    free = [a for a in out if not a.option.paid and a.option.supported_path and a.verdict in (EXACT, FIXABLE,
                                                                                               CHANGED)]
    for a in out:
        if a.option.paid and a.verdict != REFUSED:
            if free:
                a.paid_unneeded = True
                a.factors.append("paid add-on these policies do not need")
            else:
                a.factors.append("paid add-on, needed for these policies' FQDN or L7 rules")
        elif a.option.supported_path:
            a.factors.append("Microsoft's supported path, managed by AKS")


def recommend(loaded: Sequence[LoadedIntent], windows_nodes: bool = False, today: date | None = None,
              options: Sequence[EngineOption] | None = None, ctx: Context | None = None,
              pre: PreMigration | None = None) -> list[Assessment]:
    """Every option, best first."""
    ctx = ctx or Context(windows_nodes=windows_nodes)
    if today is not None:
        ctx.today = today
    if options is None:
        options = platform_options("aks")
    out = [assess(o, loaded, ctx, pre) for o in options]
    _weigh(out, loaded, ctx)
    return sorted(out, key=lambda a: a.rank)


def uses_l7(loaded: Sequence[LoadedIntent]) -> bool:
    """Whether any intent has HTTP rules (ACNS then needs the L7 option)."""
    return any(r.http for li in loaded for d in ("ingress", "egress") for r in getattr(li.intent.spec, d) or ())


def best(assessments: Sequence[Assessment]) -> Assessment | None:
    """The recommended option: the first available, not retired, and not refused."""
    return next((a for a in assessments if a.available and not a.retired and a.verdict in (EXACT, FIXABLE, CHANGED)),
                None)


def windows_alternative(assessments: Sequence[Assessment]) -> str | None:
    """What to use on Windows node pools when Cilium cannot."""
    windows = next((a for a in assessments if a.option.windows and a.option.retires is None), None)
    if windows is None:
        return None
    return ("Cilium does not support Windows node pools; Calico is the engine for them (Azure NPM on Windows "
            "reached end of support on 2026-09-30)")


def linux_only(assessments: Sequence[Assessment]) -> str | None:
    """With Windows pools and no exact option: the option that would be exact on a Linux-only cluster."""
    chosen = best(assessments)
    if chosen is not None and chosen.verdict in (EXACT, FIXABLE):
        return None
    linux = next((a for a in assessments if a.option.linux and not a.retired and a.verdict in (EXACT, FIXABLE)),
                 None)
    return linux.option.key if linux else None


def platform_options(platform: str) -> tuple[EngineOption, ...]:
    """The ways to run each installed engine on `platform`, as their backends declare them, by preference."""
    found = [o for cls in all_backends().values() for o in cls.platform_options.get(platform, ())]
    return tuple(sorted(found, key=lambda o: o.preference))


def generic_options() -> tuple[EngineOption, ...]:
    """Without a platform: every installed engine, in the registry's order."""
    out = []
    for i, (name, cls) in enumerate(all_backends().items()):
        out.append(EngineOption(name, cls.title or name, name, linux="linux" in cls.node_os,
                                windows="windows" in cls.node_os, retires=cls.retires, preference=i))
    return tuple(out)


EDIT_RULE = re.compile(r"^(ingress|egress) rule (\d+): ")


def pre_migration(mi: MigrationInput) -> PreMigration | None:
    """`migrate`'s pre-migration edits for a move of `mi`'s NetworkPolicies to Cilium (None when the inputs have
    none). With a cluster they are computed, checked on the old engine, and the migration is verified."""
    if not mi.network_policies or not reads_networkpolicy(mi.source):
        return None
    if mi.workloads is None:
        return PreMigration()
    backend_cls = pre_migration_backend()
    if backend_cls is None:
        return None
    migration = run_migration(mi, backend_cls(mi.target))
    pre = PreMigration(computed=True)
    for edit in migration.edits:
        policy = edit.ref.split(" ", 1)[-1]
        for text, into in [(c, pre.by_rule) for c in edit.changes] + [(c, pre.manual) for c in edit.manual]:
            m = EDIT_RULE.match(text)
            if m is not None:
                into.setdefault((policy, m.group(1), int(m.group(2))), []).append(text)
    v = migration.verify
    pre.equivalent = v.equivalent
    pre.verified = v.status if v.status == "not run" else \
        (f"{v.status} on your cluster after the edits ({v.total_differences:,} of "
         f"{count(v.connections, 'connection')} differ)")
    return pre


def pre_migration_backend() -> type[Backend] | None:
    """The engine whose move from NetworkPolicies `migrate`'s pre-migration edits prepare."""
    return next((cls for cls in all_backends().values() if cls.pre_migration_edits), None)
