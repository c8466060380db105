"""The migration report: one JSON-able document (`build_report`) rendered as JSON, Markdown and a single
self-contained HTML page (inline CSS, no scripts, nothing fetched from the network)."""

from __future__ import annotations

import html
import json
from typing import Any

from translator import __version__, escape
from translator.diagnostics import Diagnostic
from translator.migration.bundle import CHANGED, REFUSED, Migration, PolicyResult
from translator.migration.checks import checks
from translator.migration.inputs import INTENT_SOURCE, NAMESPACED_POLICY_KINDS, document_ref
from translator.output.plural import count as counted
from translator.registry import all_backends


def _diag(d: Diagnostic) -> dict[str, Any]:
    return {"code": d.code, "severity": d.severity.value, "message": d.message, "file": d.location.file,
            "line": d.location.line, "path": d.location.field_path or None}


def _policy(p: PolicyResult) -> dict[str, Any]:
    return {"policy": p.ref, "file": p.file, "line": p.line, "status": p.status, "intents": p.intents,
            "reasons": [_diag(d) for d in p.reasons], "findings": [f.as_dict() for f in p.findings],
            "target_files": [f"target/{n}" for n in p.target_files],
            "pre_migration": p.pre_migration, "manual": p.manual,
            "post_migration": [f"post-migration/{n}" for n in p.post_migration], "changed_flows": p.flows}


VALIDATOR_KINDS = ("NetworkPolicy ", "Service ")


def off_retiring_engine(m: Migration) -> bool:
    """Whether the policies run today on an engine the platform retires (Azure NPM): Microsoft's validator and the
    Windows node-pool step concern only a move off it."""
    source = all_backends().get(m.mi.source)
    return source is not None and source.retires is not None


def microsoft_table(m: Migration) -> list[dict[str, Any]]:
    """The validator's five rows: each check, how many NetworkPolicies and Services it flags, and which (the
    validator reads only those kinds; the same pitfalls on other kinds are in the findings). Empty unless the
    source is Azure NPM: the validator is Microsoft's check of an Azure NPM -> Cilium move."""
    if not off_retiring_engine(m):
        return []
    rows = []
    for check in checks():
        ms = [i for i in check.ids if i.startswith("MS")]
        if not ms:
            continue
        found = [f for f in m.findings if f.code == check.code and f.subject.startswith(VALIDATOR_KINDS)]
        skipped = [f for f in m.findings if set(f.ids) == set(check.ids) and f.code != check.code]
        applies = check.applies(m.mi.source, m.mi.target_name)
        rows.append({"check": ms[0], "ids": list(check.ids), "code": check.code, "title": check.title,
                     "applies": applies, "count": len(found), "status": "not checked" if skipped else
                     ("not applicable" if not applies else ("flagged" if found else "ok")),
                     "flagged": list(dict.fromkeys(f.subject for f in found)),
                     "note": skipped[0].message if skipped else None})
    return rows


def _resource(doc_api_version: str, kind: str) -> str:
    """kubectl's `kind.group` name for an object (`networkpolicy.networking.k8s.io`)."""
    group = doc_api_version.split("/")[0] if "/" in doc_api_version else ""
    return f"{kind.lower()}.{group}" if group else kind.lower()


def old_objects(m: Migration) -> list[dict[str, Any]]:
    """The source objects the translation replaces (refused ones stay), grouped for `kubectl delete`."""
    if m.mi.source == INTENT_SOURCE:
        return []
    keep = {p.ref for p in m.policies if p.status == REFUSED}
    groups: dict[tuple[str, str], list[str]] = {}
    for doc in m.mi.documents:
        ref = document_ref(doc)
        if ref in keep or not any(p.ref == ref for p in m.policies) or not doc.name:
            continue
        meta = found if isinstance(found := doc.data.get("metadata"), dict) else {}
        ns = given if isinstance(given := meta.get("namespace"), str) else ""
        if not ns and doc.kind in NAMESPACED_POLICY_KINDS:
            ns = "default"  # where the translation put it (NPX524 asks for the namespace to be written)
        names = groups.setdefault((_resource(doc.api_version, doc.kind), ns), [])
        if doc.name not in names:
            names.append(doc.name)
    return [{"resource": r, "namespace": ns or None, "names": names,
             "command": f"kubectl delete {r}{f' -n {ns}' if ns else ''} {' '.join(names)}"}
            for (r, ns), names in sorted(groups.items())]


def _windows_step(m: Migration) -> str | None:
    """What to do with Windows node pools: for a move off Azure NPM, or onto AKS (--platform aks)."""
    target = m.mi.target_backend
    if target is None or not (off_retiring_engine(m) or m.mi.target.platform == "aks"):
        return None
    return target.windows_note or None


def plan(m: Migration) -> list[dict[str, Any]]:
    """The order to apply the bundle in: each step with the commands it runs."""
    out: list[dict[str, Any]] = []
    windows = _windows_step(m)
    if windows:
        out.append({"step": windows, "commands": []})
    if m.pre_files:
        out.append({"step": f"On {m.mi.source}, before switching, apply the pre-migration edits ({len(m.pre_files)} "
                    f"policies; same traffic on the old engine: {m.pre_verify}). rollback/ holds every policy the "
                    "plan replaces as it is today.", "commands": ["kubectl apply -f pre-migration/"]})
    target = m.mi.target_backend
    switch = target.switch_from.get(m.mi.source) if target is not None else None
    if switch is not None:
        out.append({"step": switch[0], "commands": [switch[1]]})
    else:
        out.append({"step": f"Switch the cluster from {m.mi.source} to {m.mi.target_name}.", "commands": []})
    if m.target_files:
        out.append({"step": f"Apply the translation ({len(m.target_files)} objects).",
                    "commands": ["kubectl apply -f target/"]})
    if m.post_files:
        out.append({"step": f"Review and apply the post-migration add-ons ({len(m.addons):,} in "
                    f"{counted(len(m.post_files), 'file')}, one per concern; each object says what it allows).",
                    "commands": ["kubectl apply -f post-migration/"]})
    deletes = old_objects(m)
    if deletes:
        count = sum(len(d["names"]) for d in deletes)
        out.append({"step": f"Delete the {count} old objects the translation replaces (only after target/ is "
                    "applied, so no pod is left without policy):", "commands": [d["command"] for d in deletes]})
    return out


def rollback(m: Migration) -> list[str]:
    """How to undo the policy changes; rollback/ holds every replaced object as it is today (the data plane switch
    itself is not undone by the bundle)."""
    if not m.rollback_files:
        return []
    out = []
    if m.pre_files:
        out.append("Before the switch: `kubectl apply -f rollback/` puts back the policies the pre-migration edits "
                   "changed.")
    undo = " ".join(f"-f {d}/" for d, files in (("post-migration", m.post_files), ("target", m.target_files))
                    if files)
    out.append(f"After the switch: `kubectl apply -f rollback/` first (so no pod is left without policy), then "
               f"`kubectl delete {undo}`. The data plane stays {m.mi.target_name}; going back to {m.mi.source} "
               "is a cluster operation the bundle does not cover.")
    return out


def steps(m: Migration) -> list[str]:
    """The plan as lines (the step, then its commands)."""
    return [step["step"] + ("" if not step["commands"] else " " + "; ".join(f"`{c}`" for c in step["commands"]))
            for step in plan(m)]


def coverage(m: Migration) -> list[str]:
    """What the run could and could not check or do, and what would let it do more."""
    out = []
    v = m.verify
    if v.status == "not run":
        out.append(f"Not verified: {v.note}")
    elif v.coverage:
        out.append(v.coverage)
    elif v.synthesized:
        out.append(f"Verified on a synthesized cluster ({v.connections} connections); --cluster verifies on yours.")
    else:
        out.append(f"Verified on the given cluster ({v.connections} connections).")
    if m.mi.workloads is None:
        need = [f"{e.ref}: {x}" for e in m.edits for x in e.manual if "--cluster" in x]
        if m.mi.needs_bundle_edits and m.mi.network_policies:
            out.append(f"Without --cluster, netpolx could not compute {len(need)} pre-migration edits (which pods an "
                       "ipBlock matches, which number a named port has), so pre-migration/ holds only the edits "
                       "that are exact on every cluster.")
        out += [f"needs --cluster: {x}" for x in need]
    if m.mi.services is None and m.mi.implicitly_allowed("load-balancers"):
        out.append("Without Services (--services, or Services in the cluster file), the LoadBalancer/NodePort "
                   "check (MS5) and its add-ons could not run.")
    return out


def exit_reason(m: Migration) -> str:
    """Why the exit code is what it is, in one sentence."""
    counts = m.counts
    code = m.exit_code
    if counts[REFUSED]:
        return f"Exit 1: {counts[REFUSED]} policies are refused (nothing is written for them; see Policies)."
    if m.verify.status == "not equivalent":
        return (f"Exit 1: verification found {m.verify.total_differences:,} connections whose verdict changes "
                "(see Verification).")
    failing, notes = m.failing(m.fail_on), m.failing_notes(m.fail_on)
    if code:
        what = [f"{len(failing)} findings" if failing else "", f"{len(notes)} translation notes" if notes else "",
                f"{counts[CHANGED]} changed policies" if m.fail_on == "changed" and counts[CHANGED] else ""]
        first = failing[0].subject + ": " + failing[0].label if failing else ""
        return (f"Exit 1: {', '.join(w for w in what if w)} at or above --fail-on {m.fail_on} that the bundle "
                f"does not answer{f' (first: {first})' if first else ''}.")
    verified = "verified equivalent" if m.verify.status == "equivalent" else "not verified"
    handled = sum(m.handled_by(f) is not None for f in m.findings)
    return (f"Exit 0: nothing refused, {verified}, and no finding at or above --fail-on {m.fail_on} is left "
            f"unanswered ({counted(handled, 'finding')} {'is' if handled == 1 else 'are'} answered by "
            f"pre-migration/ or post-migration/; {counted(counts[CHANGED], 'policy', 'policies')} "
            f"change{'s' if counts[CHANGED] == 1 else ''} in form, each change announced).")


def build_report(m: Migration, files: list[str]) -> dict[str, Any]:
    """The report as plain data (also written as report.json)."""
    counts = m.counts
    return {
        "generator": f"netpolx {__version__}",
        "kind": "MigrationReport",
        "source": m.mi.source,
        "target": str(m.mi.target),
        "headline": exit_reason(m),
        "summary": {"policies": len(m.policies), **counts, "verify": m.verify.status,
                    "pre_migration_edits": len(m.pre_files), "post_migration_addons": len(m.addons),
                    "findings": len(m.findings), "exit_code": m.exit_code, "fail_on": m.fail_on},
        "coverage": coverage(m),
        "steps": steps(m),
        "plan": plan(m),
        "delete": old_objects(m),
        "rollback": rollback(m),
        "microsoft_checks": microsoft_table(m),
        "policies": [_policy(p) for p in m.policies],
        "findings": [{**f.as_dict(), "handled_by": m.handled_by(f)} for f in m.findings],
        "translation_notes": [_diag(d) for d in m.diagnostics],
        "verify": m.verify.as_dict(),
        "pre_migration": {"verified": m.pre_verify,
                          "edits": [{"policy": e.ref, "changes": e.changes, "manual": e.manual} for e in m.edits]},
        "post_migration": [{"file": f"post-migration/{a.file}", "concern": a.concern,
                            "name": a.addon.intent.metadata.name,
                            "namespace": a.addon.intent.metadata.namespace, "why": a.addon.why,
                            "allows": a.addon.allows, "for": a.addon.for_policies, "compiled": a.compiled,
                            "reasons": [_diag(d) for d in a.reasons]} for a in m.addons],
        "files": files,
    }


def render_json(report: dict[str, Any]) -> str:
    """report.json."""
    return json.dumps(report, indent=2) + "\n"


# -- Markdown ------------------------------------------------------------------------------------------------


def _cell(text: object) -> str:
    return escape.markdown_with_code(text if text is not None else "", table=True)


def _table(head: list[str], rows: list[list[object]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return [*out, ""]


def render_markdown(r: dict[str, Any]) -> str:
    """report.md. Every string from the input (file, policy and pod names, messages quoting them) is escaped for
    Markdown, so the rendered report shows it as text (no HTML, links or extra lines)."""
    md, mdc = escape.markdown, escape.markdown_with_code
    s = r["summary"]
    out = [f"# Migration report: {md(r['source'])} -> {md(r['target'])}", "", f"**{mdc(r['headline'])}**", "",
           f"{s['policies']} policies: **{s['exact']} exact**, **{s['changed']} with announced changes**, "
           f"**{s['refused']} refused**. Verification: **{md(s['verify'])}**. Exit code {s['exit_code']}.", "",
           "## Coverage", ""]
    out += [f"- {mdc(c)}" for c in r["coverage"]] + ["", "## Plan", ""]
    for i, step in enumerate(r["plan"], 1):
        out.append(f"{i}. {mdc(step['step'])}")
        out += [f"   - {escape.md_code(c)}" for c in step["commands"]]
    out += ["", "## Rollback", ""]
    out += [f"- {mdc(x)}" for x in r["rollback"]] or ["Nothing to roll back."]
    out += [""]
    if r["microsoft_checks"]:
        out += ["## Microsoft's five checks (azure-npm-to-cilium-validator)", ""]
        out += _table(["check", "what", "result", "count", "flagged"],
                      [[c["check"], c["title"], c["status"], c["count"], ", ".join(c["flagged"]) or c["note"] or ""]
                       for c in r["microsoft_checks"]])
    out += ["## Policies", ""]
    out += _table(["policy", "status", "why", "target", "pre-migration", "post-migration"],
                  [[p["policy"], p["status"], "; ".join(_reason_lines(p)), ", ".join(p["target_files"]),
                    "; ".join(p["pre_migration"] + [f"manual: {x}" for x in p["manual"]]),
                    ", ".join(p["post_migration"])] for p in r["policies"]])
    out += ["## Findings", ""]
    out += _table(["severity", "code", "check", "subject", "message", "fix", "answered by", "where"],
                  [[f["severity"], f["code"], "/".join(f["checks"]), f["subject"], f["message"], f["fix"] or "",
                    f["handled_by"] or "", f"{f['file']}:{f['line']}" if f["line"] else f["file"]]
                   for f in r["findings"]])
    out += _verify_markdown(r["verify"])
    out += ["## Post-migration add-ons", ""]
    out += _table(["file", "why", "allows", "for"], [[a["file"], a["why"], a["allows"], ", ".join(a["for"])]
                                                     for a in r["post_migration"]])
    return "\n".join(out).rstrip() + "\n"


def _short(text: str, limit: int = 140) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _reason_lines(p: dict[str, Any]) -> list[str]:
    """Short reasons for the policy table (the findings section has the full text)."""
    lines = [f"{d['code']} {_short(d['message'])}" for d in p["reasons"] if d["severity"] != "info"]
    lines += [f"{f['code']} {'/'.join(f['checks'])} {f['title']}" for f in p["findings"] if f["severity"] != "info"]
    if p["changed_flows"]:
        lines.append(f"{counted(p['changed_flows'], 'flow')} change{'s' if p['changed_flows'] == 1 else ''}")
    return list(dict.fromkeys(lines))


def _verify_markdown(v: dict[str, Any]) -> list[str]:
    out = ["## Verification", "",
           f"**{escape.markdown(v['status'])}** over {v['connections']} connections ({v['cluster']} cluster)."
           + (f" {escape.markdown_with_code(v['note'])}" if v["note"] else ""), ""]
    if v["flows"]:
        out += _table(["from", "to", "port", "before", "after", "policies"],
                      [[f["from"], f["to"], f"{f['port']}/{f['protocol']}", f["before"], f["after"],
                        ", ".join(f.get("policies", []))] for f in v["flows"]])
        if v["differences"] > v["flows_shown"]:
            out += [f"... and {v['differences'] - v['flows_shown']} more.", ""]
    return out


# -- HTML ----------------------------------------------------------------------------------------------------

CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;background:#f5f6f8;
color:#1d2330}
header{background:#1f3a5f;color:#fff;padding:22px 32px}header h1{margin:0 0 6px;font-size:24px}
header p{margin:0;opacity:.9}main{padding:20px 32px;max-width:1400px}
section{background:#fff;border:1px solid #d9dde5;border-radius:8px;padding:16px 20px;margin:0 0 18px}
h2{font-size:18px;margin:0 0 12px;color:#1f3a5f}
.cards{display:flex;flex-wrap:wrap;gap:12px}.card{flex:1 1 140px;border-radius:8px;padding:12px 16px;
background:#eef1f6}.card b{display:block;font-size:26px}.card.exact{background:#e3f4e8}.card.changed{background:#fff4d6}
.card.refused{background:#fde4e4}.card.verify{background:#e6eefc}
table{border-collapse:collapse;width:100%;font-size:14px}th,td{border-bottom:1px solid #e3e6ec;padding:6px 8px;
text-align:left;vertical-align:top}th{background:#f0f2f6}
.badge{display:inline-block;border-radius:10px;padding:1px 9px;font-size:12px;font-weight:600;white-space:nowrap}
.exact,.ok,.info,.equivalent{background:#d7f0de;color:#17632e}.changed,.warning,.flagged{background:#ffeab0;color:#7a5200}
.refused,.error,.not-equivalent{background:#fbd0d0;color:#8c1616}.not-applicable,.not-checked,.not-run{background:#e4e6eb;
color:#434a57}code{background:#f0f2f6;padding:1px 4px;border-radius:4px}ol li{margin:4px 0}
details pre{white-space:pre-wrap;font-size:12px;background:#f7f8fa;padding:8px}
"""


def _e(text: object) -> str:
    return html.escape(str(text if text is not None else ""))


def _badge(text: str) -> str:
    return f'<span class="badge {_e(text.replace(" ", "-"))}">{_e(text)}</span>'


def _html_table(head: list[str], rows: list[list[str]]) -> str:
    if not rows:
        return "<p>None.</p>"
    cells = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return "<table><thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + f"</tr></thead><tbody>{cells}" \
        "</tbody></table>"


def _list(items: list[str]) -> str:
    return "<br>".join(_e(i) for i in items)


def render_html(r: dict[str, Any]) -> str:
    """report.html: one self-contained page."""
    s, v = r["summary"], r["verify"]
    cards = "".join(f'<div class="card {cls}"><b>{_e(val)}</b>{_e(label)}</div>' for cls, val, label in (
        ("", s["policies"], "policies"), ("exact", s["exact"], "exact"), ("changed", s["changed"],
                                                                          "announced changes"),
        ("refused", s["refused"], "refused"), ("verify", v["status"], "verification")))
    ms = _html_table(["check", "what", "result", "count", "flagged"], [
        [_e(c["check"]), _e(c["title"]), _badge(c["status"]), _e(c["count"]),
         _list(c["flagged"]) or _e(c["note"] or "")] for c in r["microsoft_checks"]])
    policies = _html_table(["policy", "status", "why", "target", "pre-migration", "post-migration"], [
        [f"{_e(p['policy'])}<br><small>{_e(p['file'])}:{_e(p['line'])}</small>", _badge(p["status"]),
         _list(_reason_lines(p)), _list(p["target_files"]),
         _list(p["pre_migration"] + [f"manual: {x}" for x in p["manual"]]), _list(p["post_migration"])]
        for p in r["policies"]])
    findings = _html_table(["severity", "code", "check", "subject", "message", "fix"], [
        [_badge(f["severity"]), _e(f["code"]), _e("/".join(f["checks"])), _e(f["subject"]),
         f"{_e(f['message'])}<br><small>{_e(f['file'])}:{_e(f['line'])}</small>", _e(f["fix"] or "")]
        for f in r["findings"]])
    flows = _html_table(["from", "to", "port", "before", "after", "why"], [
        [_e(f["from"]), _e(f["to"]), _e(f"{f['port']}/{f['protocol']}"), _e(f["before"]), _e(f["after"]),
         _trace(f)] for f in v["flows"]])
    addons = _html_table(["file", "why", "allows"], [[_e(a["file"]), _e(a["why"]), _e(a["allows"])]
                                                      for a in r["post_migration"]])
    steps = "".join(f"<li>{_e(x['step'])}" + "".join(f"<br><code>{_e(c)}</code>" for c in x["commands"]) + "</li>"
                    for x in r["plan"])
    cover = "".join(f"<li>{_e(c)}</li>" for c in r["coverage"])
    back = "".join(f"<li>{_e(c)}</li>" for c in r["rollback"]) or "<li>Nothing to roll back.</li>"
    title = f"Migration report: {_e(r['source'])} &rarr; {_e(r['target'])}"
    verify_line = (f"{_badge(v['status'])} over {_e(v['connections'])} connections ({_e(v['cluster'])} cluster). "
                   f"{_e(v['note'] or '')}")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>'
            f"<style>{CSS}</style></head><body><header><h1>{title}</h1><p>{_e(r['generator'])} &middot; exit code "
            f"{_e(s['exit_code'])}</p></header><main>"
            f'<section><h2>Summary</h2><p><b>{_e(r["headline"])}</b></p><div class="cards">{cards}</div></section>'
            f"<section><h2>Coverage</h2><ul>{cover}</ul></section>"
            f"<section><h2>Plan</h2><ol>{steps}</ol></section>"
            f"<section><h2>Rollback</h2><ul>{back}</ul></section>"
            + (f"<section><h2>Microsoft's five checks</h2>{ms}</section>" if r["microsoft_checks"] else "") +
            f"<section><h2>Policies</h2>{policies}</section>"
            f"<section><h2>Verification</h2><p>{verify_line}</p>{flows}</section>"
            f"<section><h2>Findings</h2>{findings}</section>"
            f"<section><h2>Post-migration add-ons</h2>{addons}</section>"
            "</main></body></html>\n")


def _trace(flow: dict[str, Any]) -> str:
    if "source_trace" not in flow:
        return ""
    text = "\n".join(["before:", *flow["source_trace"], "after:", *flow["target_trace"]])
    return f"<details><summary>trace</summary><pre>{_e(text)}</pre></details>"


def bundle_files(m: Migration) -> dict[str, str]:
    """Every file of the bundle: relative path -> text (reports last, listing the others)."""
    files: dict[str, str] = {}
    for folder, content in (("target", m.target_files), ("pre-migration", m.pre_files),
                            ("post-migration", m.post_files), ("rollback", m.rollback_files)):
        for name in sorted(content):
            files[f"{folder}/{name}"] = content[name]
    names = [*files, "report.md", "report.html", "report.json"]
    report = build_report(m, names)
    files["report.md"] = render_markdown(report)
    files["report.html"] = render_html(report)
    files["report.json"] = render_json(report)
    return files
