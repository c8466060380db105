"""`recommend`'s answer as data (JSON), one terminal screen (default), the full reasoning (-v) and Markdown.

Every message appears once: options refer to shared notes by number instead of repeating a paragraph.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from translator.load.loaded import LoadedIntent
from translator.migration.recommend import (
    EXACT,
    FIXABLE,
    REFUSED,
    VERDICT_WORDS,
    Assessment,
    Context,
    best,
    linux_only,
    uses_l7,
    windows_alternative,
)
from translator.output.plural import count

ORDER = ("runs on the node pools and within its scale limits", "still supported (retiring engines after "
         "supported ones)", "can enforce the policies", "managed by the platform before self-managed",
         "exact (or exact after pre-migration edits) before remaining changes",
         "no paid add-on the policies do not need", "the platform's recommended engine")
WIDTH = 118


def as_dict(assessments: Sequence[Assessment], loaded: Sequence[LoadedIntent], ctx: Context,
            platform: str) -> dict[str, Any]:
    """The recommendation as JSON."""
    chosen = best(assessments)
    l7 = uses_l7(loaded)
    notes: list[str] = []

    def note(message: str) -> int:
        if message not in notes:
            notes.append(message)
        return notes.index(message) + 1

    options = []
    for a in assessments:
        options.append({
            "key": a.option.key, "title": a.option.title, "target": a.option.target, "verdict": a.verdict,
            "verdict_text": VERDICT_WORDS[a.verdict], "available": a.available, "retired": a.retired,
            "retiring": a.retiring, "managed": a.managed, "paid": a.option.paid,
            "retires": a.option.retires.isoformat() if a.option.retires else None,
            "blockers": a.blockers, "factors": a.factors, "notes": [*a.blockers, *a.factors],
            "refused": a.refused, "refused_notes": [note(m) for m in a.refused],
            "changed": a.changed,
            "changes": [{"policy": c.policy, "note": note(c.message), "feature": c.feature,
                         "pre_migration_fix": c.fix or None, "fix_computed": c.fixed} for c in a.changes],
            "verified": a.verified or None, "conditions": list(a.option.conditions), "az": a.commands(l7)})
    return {
        "platform": platform, "windows_nodes": ctx.windows_nodes, "nodes": ctx.nodes, "pods": ctx.pods,
        "policies": len(loaded), "recommended": chosen.option.key if chosen else None,
        "ranking": list(ORDER),
        "windows_alternative": windows_alternative(assessments) if ctx.windows_nodes else None,
        "linux_only": linux_only(assessments) if ctx.windows_nodes else None,
        "options": options, "notes": [{"id": i, "text": t} for i, t in enumerate(notes, 1)],
    }


def _policies(n: int) -> str:
    if n == 0:
        return "no policy"
    return "the policy" if n == 1 else f"the {n:,} policies"


def _clip(text: str, width: int = WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "\u2026"


def _where(data: dict[str, Any]) -> str:
    return "on AKS" if data["platform"] == "aks" else "(no platform given)"


def _edits(o: dict[str, Any]) -> tuple[list[str], bool]:
    """The pre-migration edits an option relies on, one line each, and whether they were computed."""
    lines = [f"{c['policy']}: {c['pre_migration_fix']}" for c in o["changes"] if c["pre_migration_fix"]]
    return list(dict.fromkeys(lines)), all(c["fix_computed"] for c in o["changes"] if c["pre_migration_fix"])


def _why_not(o: dict[str, Any]) -> str:
    """The one thing that ranks an option down, for the short list."""
    if o["blockers"]:
        return f"not available: {o['blockers'][0]}"
    if o["retired"]:
        return f"support ended {o['retires']}"
    state = o["verdict_text"]
    if o["verdict"] == REFUSED:
        return f"{state} ({count(len(o['refused']), 'reason')})"
    if o["retiring"]:
        return f"{state}; support ends {o['retires']}, so you would migrate again"
    extra = [f for f in o["factors"] if f.startswith(("self-managed", "paid add-on these"))]
    if o["verdict"] not in (EXACT, FIXABLE):
        left = sum(not c['pre_migration_fix'] for c in o['changes'])
        state = f"{count(left, 'announced change')} remain{'s' if left == 1 else ''}"
    return "; ".join([state, *extra])


def render_text(data: dict[str, Any], verbose: bool = False) -> str:
    """The recommendation for a terminal: one screen, or with `verbose` the full reasoning."""
    options = data["options"]
    chosen = next((o for o in options if o["key"] == data["recommended"]), None)
    lines = []
    if chosen is None:
        lines.append(f"No engine {_where(data)} can enforce {_policies(data['policies'])} as written.")
    else:
        lines.append(f"Recommended {_where(data)} for {_policies(data['policies'])}: {chosen['title']} "
                     f"({chosen['verdict_text']})")
        why = [f for f in chosen["factors"] if not f.startswith("at most")]
        if why:
            lines.append(_clip("  why: " + "; ".join(why)))
        edits, computed = _edits(chosen)
        if edits:
            head = "netpolx migrate writes them to pre-migration/" if computed else \
                "give --cluster so netpolx computes them and verifies the result"
            lines.append(f"  pre-migration edits that make it exact ({head}):")
            shown = edits if verbose else edits[:8]
            lines += [_clip(f"    - {e}") for e in shown]
            if len(edits) > len(shown):
                lines.append(f"    ... and {len(edits) - len(shown):,} more (-v)")
        remaining = [c for c in chosen["changes"] if not c["pre_migration_fix"]]
        if remaining:
            lines.append(f"  changes that remain: {len(remaining)} (notes "
                         f"{', '.join(str(c['note']) for c in remaining[:6])}{', ...' if len(remaining) > 6 else ''}"
                         "; -v shows them)" if not verbose else f"  changes that remain: {len(remaining)}")
        if chosen["verified"]:
            lines.append(f"  verified: {chosen['verified']}")
        for kind, label in (("update", "switch an existing cluster"), ("create", "new cluster")):
            if kind in chosen["az"]:
                lines.append(f"  {label}: {chosen['az'][kind]}")
    if data.get("windows_alternative"):
        lines.append(f"Windows node pools: {data['windows_alternative']}")
    if data.get("linux_only"):
        title = next(o["title"] for o in options if o["key"] == data["linux_only"])
        lines.append(f"On a cluster with Linux node pools only, {title} would enforce them exactly.")
    others = [o for o in options if o is not chosen]
    if others:
        lines.append("Other options:")
        for i, o in enumerate(options, 1):
            if o is not chosen:
                lines.append(_clip(f"  {i}. {o['title']}: {_why_not(o)}"))
    if verbose:
        lines += _verbose(data)
    else:
        lines.append("-v for every reason; -o markdown for a change board, -o json for a pipeline.")
    return "\n".join(lines) + "\n"


def _verbose(data: dict[str, Any]) -> list[str]:
    lines = ["", "Ranked by, in order: " + "; ".join(f"({i}) {c}" for i, c in enumerate(data["ranking"], 1)), ""]
    for i, o in enumerate(data["options"], 1):
        lines.append(f"{i}. {o['title']} [{o['target']}]: {o['verdict_text']}")
        lines += [f"   - not available: {b}" for b in o["blockers"]]
        lines += [f"   - {f}" for f in o["factors"]]
        if o["refused"]:
            lines.append(f"   - cannot: notes {', '.join(str(n) for n in o['refused_notes'])}")
        for c in o["changes"]:
            fix = f" (pre-migration: {c['pre_migration_fix']})" if c["pre_migration_fix"] else ""
            lines.append(f"   - change: note {c['note']}{fix}")
        if o["verified"]:
            lines.append(f"   - verified: {o['verified']}")
        if o["conditions"]:
            lines.append(f"   - conditions: {'; '.join(o['conditions'])}")
    if data["notes"]:
        lines += ["", "Notes:"]
        lines += [f"  [{n['id']}] {n['text']}" for n in data["notes"]]
    return lines


def _cell(text: object) -> str:
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def render_markdown(data: dict[str, Any]) -> str:
    """The recommendation for a change board."""
    options = data["options"]
    chosen = next((o for o in options if o["key"] == data["recommended"]), None)
    out = [f"# Network policy engine {_where(data)}", ""]
    if chosen is None:
        out += [f"No engine can enforce {_policies(data['policies'])} as written.", ""]
    else:
        out += [f"**Recommended: {chosen['title']}** ({chosen['verdict_text']}) for {_policies(data['policies'])}.",
                ""]
        out += [f"- {f}" for f in chosen["factors"]]
        if chosen["verified"]:
            out.append(f"- verified: {chosen['verified']}")
        out += [f"- `{cmd}`" for cmd in chosen["az"].values()]
        out.append("")
        edits, computed = _edits(chosen)
        if edits:
            out += ["## Pre-migration edits that make it exact", "",
                    "`netpolx migrate` writes them to `pre-migration/`." if computed else
                    "Give `--cluster` so netpolx computes them and verifies the result.", ""]
            out += [f"- {e}" for e in edits] + [""]
    out += ["## Options", "", "| # | option | verdict | why |", "|---|---|---|---|"]
    out += [f"| {i} | {_cell(o['title'])} | {_cell(o['verdict_text'])} | {_cell(_why_not(o))} |"
            for i, o in enumerate(options, 1)]
    out += ["", "Ranked by, in order: " + "; ".join(data["ranking"]) + ".", ""]
    if data["notes"]:
        out += ["## Notes", ""]
        out += [f"{n['id']}. {_cell(n['text'])}" for n in data["notes"]]
    return "\n".join(out).rstrip() + "\n"
