"""Which engine should enforce these policies? Every option is judged by the real capability check (the same
one `translate` runs), then ranked: available on the node pools, not retired, exact before changed before
refused, then the platform vendor's preference (on AKS: Cilium, Cilium with ACNS (paid), Calico, Azure NPM).

Facts (engines.md §3, migration-pitfalls.md (c)): Azure NPM Linux support ends 2028-09-30, Windows support ended
2026-09-30 with no new onboarding; Cilium on AKS is Linux-only and needs ACNS for FQDN and L7 policy (Kubernetes
>= 1.29), L7 not in cluster-wide policies; endPort needs Cilium >= 1.17 (AKS Kubernetes 1.32+); AKS-managed
Calico supports only the Kubernetes NetworkPolicy API (Calico's own kinds need self-managed Calico); Calico is
the engine that remains for Windows node pools.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from translator import codes
from translator.diagnostics import Diagnostics, Severity
from translator.loaded import LoadedIntent
from translator.pipeline import check_intent
from translator.registry import all_backends
from translator.target import parse_target

EXACT, CHANGED, REFUSED, UNAVAILABLE = "exact", "changed", "refused", "unavailable"
VERDICT_RANK = {EXACT: 0, CHANGED: 1, REFUSED: 2, UNAVAILABLE: 3}
AZ_CREATE = "az aks create --resource-group RG --name CLUSTER"
AZ_UPDATE = "az aks update --resource-group RG --name CLUSTER"


@dataclass(frozen=True)
class EngineOption:
    """One way to enforce policy on a platform."""

    key: str
    title: str
    target: str
    linux: bool = True
    windows: bool = False
    retires: date | None = None
    create: str = ""
    update: str = ""
    conditions: tuple[str, ...] = ()
    preference: int = 0


AKS_OPTIONS: tuple[EngineOption, ...] = (
    EngineOption("cilium", "Cilium (Azure CNI powered by Cilium)", "cilium@aks",
                 create=f"{AZ_CREATE} --network-plugin azure --network-plugin-mode overlay --network-dataplane cilium "
                        "--network-policy cilium",
                 update=f"{AZ_UPDATE} --network-dataplane cilium --network-policy cilium",
                 conditions=("Linux node pools only", "port ranges (endPort) need Cilium >= 1.17 (AKS Kubernetes "
                             ">= 1.32)", "FQDN and L7 rules need ACNS", "ipBlocks never match pod or node IPs"),
                 preference=0),
    EngineOption("cilium-acns", "Cilium with Advanced Container Networking Services", "cilium@aks,acns=true",
                 create=f"{AZ_CREATE} --network-plugin azure --network-plugin-mode overlay --network-dataplane cilium "
                        "--network-policy cilium --enable-acns --acns-advanced-networkpolicies {policies}",
                 update=f"{AZ_UPDATE} --network-dataplane cilium --network-policy cilium --enable-acns "
                        "--acns-advanced-networkpolicies {policies}",
                 conditions=("Linux node pools only", "ACNS is a paid add-on; Kubernetes >= 1.29",
                             "--acns-advanced-networkpolicies FQDN for DNS names, L7 for HTTP (also FQDN)",
                             "L7 rules are not supported in cluster-wide policies", "Azure CLI >= 2.79"),
                 preference=1),
    EngineOption("calico", "Calico", "calico@aks", windows=True,
                 create=f"{AZ_CREATE} --network-plugin azure --network-policy calico",
                 update=f"{AZ_UPDATE} --network-policy none, then install Calico with the Tigera operator "
                        "(AKS cannot switch an existing cluster to its managed Calico)",
                 conditions=("Linux and Windows Server node pools",
                             "AKS-managed Calico supports the Kubernetes NetworkPolicy API only; Calico's own kinds "
                             "(GlobalNetworkPolicy, tiers, deny) need self-managed Calico (--network-policy none)"),
                 preference=2),
    EngineOption("azure-npm-linux", "Azure NPM (Linux)", "azure-npm@aks", retires=date(2028, 9, 30),
                 create=f"{AZ_CREATE} --network-plugin azure --network-policy azure",
                 conditions=("Linux node pools", "at most 250 nodes and 20,000 pods", "IPv4 only",
                             "support ends 2028-09-30; Microsoft recommends migrating to Cilium"), preference=3),
    EngineOption("azure-npm-windows", "Azure NPM (Windows)", "azure-npm-windows@aks", linux=False, windows=True,
                 retires=date(2026, 9, 30),
                 conditions=("Windows Server 2022 node pools", "skips policies with named ports, SCTP, negative "
                             "selectors or ipBlock except", "support ended 2026-09-30; no new onboarding"),
                 preference=4),
)


@dataclass
class Assessment:
    """One option judged against the policies."""

    option: EngineOption
    verdict: str
    refused: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    available: bool = True
    retired: bool = False

    @property
    def rank(self) -> tuple[int, int, int, int]:
        """Sort key: available, not retired, verdict, vendor preference."""
        return (0 if self.available else 1, 1 if self.retired else 0, VERDICT_RANK[self.verdict],
                self.option.preference)

    def commands(self, l7: bool) -> dict[str, str]:
        """The az commands for this option (empty when it cannot be chosen any more)."""
        fill = {"policies": "L7" if l7 else "FQDN"}
        out = {}
        if self.option.create and not self.retired:
            out["create"] = self.option.create.format(**fill)
        if self.option.update and not self.retired:
            out["update"] = self.option.update.format(**fill)
        return out


def _messages(diags: Diagnostics, severity: Severity) -> list[str]:
    return list(dict.fromkeys(d.message for d in diags if d.severity is severity))


def assess(option: EngineOption, loaded: Sequence[LoadedIntent], windows_nodes: bool, today: date) -> Assessment:
    """Run the capability check of one option over every intent."""
    target = parse_target(option.target)
    retired = option.retires is not None and today >= option.retires
    backend_cls = all_backends().get(target.name)
    notes = []
    if option.retires is not None:
        notes.append(f"support {'ended' if retired else 'ends'} {option.retires.isoformat()}")
    if backend_cls is None:
        return Assessment(option, UNAVAILABLE, notes=[f"the {target.name} backend is not installed in this build"],
                          available=False, retired=retired)
    available = (windows_nodes and option.windows) or (not windows_nodes and option.linux)
    if windows_nodes and not option.windows:
        notes.append("not available: it does not support Windows node pools")
    if not windows_nodes and not option.linux:
        notes.append("only for Windows node pools (pass --windows-nodes)")
    backend = backend_cls(target)
    # A translation that needs more traffic allowed (e.g. Cilium's DNS rule for FQDN peers) is a change to
    # report here, not a reason to rule the engine out.
    diags = Diagnostics(accepted=frozenset({codes.WIDENED}))
    backend.check_all(list(loaded), diags)
    for li in loaded:
        check_intent(li, backend, diags)
    refused, changed = _messages(diags, Severity.ERROR), _messages(diags, Severity.WARNING)
    verdict = REFUSED if refused else CHANGED if changed else EXACT
    return Assessment(option, verdict, refused, changed, notes, available, retired)


def _needs_calico_kinds(loaded: Sequence[LoadedIntent]) -> bool:
    """Whether vanilla NetworkPolicy cannot express the policies (so AKS-managed Calico would not do)."""
    backend_cls = all_backends().get("kubernetes")
    if backend_cls is None:
        return False
    backend = backend_cls(parse_target("kubernetes"))
    diags = Diagnostics()
    return not all(check_intent(li, backend, diags) for li in loaded)


def recommend(loaded: Sequence[LoadedIntent], windows_nodes: bool = False, today: date | None = None,
              options: Sequence[EngineOption] = AKS_OPTIONS) -> list[Assessment]:
    """Every option, best first."""
    today = today or date.today()
    out = [assess(o, loaded, windows_nodes, today) for o in options]
    calico = next((a for a in out if a.option.key == "calico"), None)
    if calico is not None and calico.verdict != REFUSED and _needs_calico_kinds(loaded):
        calico.notes.append("needs Calico's own policy kinds: install Calico yourself (self-managed), AKS-managed "
                            "Calico supports the NetworkPolicy API only")
    return sorted(out, key=lambda a: a.rank)


def uses_l7(loaded: Sequence[LoadedIntent]) -> bool:
    """Whether any intent has HTTP rules (ACNS then needs the L7 option)."""
    return any(r.http for li in loaded for d in ("ingress", "egress") for r in getattr(li.intent.spec, d) or ())


def best(assessments: Sequence[Assessment]) -> Assessment | None:
    """The recommended option: the first available, not retired, and not refused."""
    return next((a for a in assessments if a.available and not a.retired and a.verdict in (EXACT, CHANGED)), None)


def windows_alternative(assessments: Sequence[Assessment]) -> str | None:
    """What to use on Windows node pools when Cilium cannot."""
    calico = next((a for a in assessments if a.option.key == "calico"), None)
    if calico is None:
        return None
    return ("Cilium does not support Windows node pools; Calico is the engine for them (Azure NPM on Windows "
            "reached end of support on 2026-09-30)")


def _linux_only(assessments: Sequence[Assessment]) -> str | None:
    """With Windows pools and no exact option: the option that would be exact on a Linux-only cluster."""
    chosen = best(assessments)
    if chosen is not None and chosen.verdict == EXACT:
        return None
    linux = next((a for a in assessments if a.option.linux and not a.retired and a.verdict == EXACT), None)
    return linux.option.key if linux else None


def as_dict(assessments: Sequence[Assessment], loaded: Sequence[LoadedIntent], windows_nodes: bool,
            platform: str) -> dict[str, Any]:
    """The recommendation as JSON."""
    chosen = best(assessments)
    l7 = uses_l7(loaded)
    return {
        "platform": platform,
        "windows_nodes": windows_nodes,
        "policies": len(loaded),
        "recommended": chosen.option.key if chosen else None,
        "windows_alternative": windows_alternative(assessments) if windows_nodes else None,
        "linux_only": _linux_only(assessments) if windows_nodes else None,
        "options": [{"key": a.option.key, "title": a.option.title, "target": a.option.target,
                     "verdict": a.verdict, "available": a.available, "retired": a.retired,
                     "retires": a.option.retires.isoformat() if a.option.retires else None,
                     "refused": a.refused, "changed": a.changed, "notes": a.notes,
                     "conditions": list(a.option.conditions), "az": a.commands(l7)} for a in assessments],
    }


def generic_options() -> tuple[EngineOption, ...]:
    """Without a platform: every installed engine, in the registry's order."""
    retires = {"azure-npm": date(2028, 9, 30), "azure-npm-windows": date(2026, 9, 30)}
    out = []
    for i, (name, cls) in enumerate(all_backends().items()):
        out.append(EngineOption(name, cls.title or name, name, linux=name != "azure-npm-windows",
                                windows=name in ("azure-npm-windows", "calico", "kubernetes"),
                                retires=retires.get(name), preference=i))
    return tuple(out)


def _policies(n: int) -> str:
    return "the policy" if n == 1 else f"the {n} policies"


def render_text(data: dict[str, Any]) -> str:
    """The recommendation for a terminal."""
    where = "on AKS" if data["platform"] == "aks" else "(no platform given)"
    options = data["options"]
    chosen = next((o for o in options if o["key"] == data["recommended"]), None)
    lines = []
    if chosen is None:
        lines.append(f"No engine {where} can enforce {_policies(data['policies'])} as written; see why below.")
    else:
        how = "exactly" if chosen["verdict"] == EXACT else "with announced changes"
        lines.append(f"Recommended {where}: {chosen['title']} (enforces {_policies(data['policies'])} {how})")
        lines += [f"  {kind}: {cmd}" for kind, cmd in chosen["az"].items()]
    if data.get("windows_alternative"):
        lines.append(f"Windows node pools: {data['windows_alternative']}")
    if data.get("linux_only"):
        title = next(o["title"] for o in options if o["key"] == data["linux_only"])
        lines.append(f"On a cluster with Linux node pools only, {title} would enforce them exactly.")
    lines.append("")
    for i, o in enumerate(options, 1):
        state = o["verdict"] if o["available"] else f"{o['verdict']}, not available"
        if o["retired"]:
            state += ", retired"
        lines.append(f"{i}. {o['title']} [{o['target']}]: {state}")
        lines += [f"   - cannot: {m}" for m in o["refused"]]
        lines += [f"   - changes: {m}" for m in o["changed"]]
        lines += [f"   - note: {m}" for m in o["notes"]]
        if o["conditions"]:
            lines.append(f"   - conditions: {'; '.join(o['conditions'])}")
    return "\n".join(lines) + "\n"
