"""The compile pipeline: intents -> features -> capability check -> lowering -> generation.

Diagnostics come from the backend's capability table: every use of a feature is looked up, and anything the
engine cannot express exactly is reported against the field that uses it. An intent with an error produces no
output; under ErrorLevel.RAISE (the default) nothing at all is emitted when any intent fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from translator.backend import Backend
from translator.compile.ordered import lower_ordered
from translator.diagnostics import Diagnostics, ErrorLevel
from translator.features import Feature, Use, features_used
from translator.load.allocation import bulk
from translator.load.loaded import LoadedIntent
from translator.model import NetworkIntent, expand_dns
from translator.output.progress import progress


@dataclass
class Compiled:
    """The outcome for one intent."""

    loaded: LoadedIntent
    objects: list[dict[str, Any]] = field(default_factory=list)
    refused: bool = False


def uses_of(intent: NetworkIntent) -> list[Use]:
    """Features of the intent as written and of its DNS expansion, each (feature, path) once."""
    if not intent.spec.allowDNS:
        return list(features_used(intent))
    # The switch itself is model sugar: what is checked is the rule it expands to (reported at `allowDNS`).
    seen: dict[tuple[Feature, tuple[str | int, ...]], Use] = {}
    for use in (*features_used(intent), *features_used(expand_dns(intent))):
        if use.feature is not Feature.DNS_ALLOW:
            seen.setdefault((use.feature, use.path), use)
    return list(seen.values())


def check_intent(loaded: LoadedIntent, backend: Backend, diags: Diagnostics) -> bool:
    """Report every feature the backend cannot express exactly; True when the intent can be compiled."""
    intent = loaded.intent
    before = diags.error_count
    for use in uses_of(intent):
        cap = backend.support_for(use, intent)
        severity = cap.diagnostic_severity
        if severity is None:
            continue
        what = f"{use.feature.description} ({use.feature.value})"
        direction = f" in {use.direction.value}" if use.direction else ""
        message = f"{intent.ref}: {what}{direction}: {_verdict(cap.support.value, backend.name)}"
        if cap.note:
            message += f": {cap.note}"
        diags.report(severity, cap.code, message, loaded.locate(use.path), feature=use.feature.value,
                     engine=backend.name)
    backend.check(intent, loaded, diags)  # locates intent paths in the input (native fields for imports)
    return diags.error_count == before


def _verdict(support: str, engine: str) -> str:
    return {
        "native": f"written as it is for {engine}",
        "lowered": f"rewritten exactly for {engine}",
        "changed": f"translated for {engine} with a change",
        "no": f"{engine} cannot express this without changing what traffic is allowed",
        "too old": f"not available in this {engine} version",
        "unenforced": f"{engine} would not enforce this",
        "add-on": f"{engine} needs an add-on for this",
    }[support]


@bulk()
def compile_intents(loaded: list[LoadedIntent], backend: Backend, diags: Diagnostics) -> list[Compiled]:
    """Check, lower and generate every intent, in input order."""
    # Ordered -> additive (translator/compile/ordered.py): only when the set uses order, tiers, deny or pass rules that
    # the backend cannot express natively; what cannot be rewritten stays as written (and is refused below).
    report = progress()  # on a terminal, after 2 s: `checking policies`, then `compiling policies 1,234/10,000`
    report.phase("checking policies")
    refused: set[int] = set()
    loaded = lower_ordered(loaded, backend, diags, refused)
    if diags.level in (ErrorLevel.WARN, ErrorLevel.IGNORE):
        refused.clear()  # the user asked to emit anyway: each intent as the engine can write it
    backend.check_all(loaded, diags)
    out: list[Compiled] = []
    report.phase("compiling policies", len(loaded))
    advance = report.advance
    for position, li in enumerate(loaded):
        advance()
        ok = check_intent(li, backend, diags) and position not in refused
        result = Compiled(li, refused=not ok)
        if ok:
            lowered = backend.lower(expand_dns(li.intent), li.source, diags)
            result.objects = backend.generate(lowered)
        out.append(result)
    return out
