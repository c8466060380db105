"""NPX601: a NetworkPolicy with only egress rules and no policyTypes, which isolates ingress by accident."""

from __future__ import annotations

from collections.abc import Iterator

from translator import codes
from translator.lint.context import LintInput
from translator.lint.finding import Finding, ignored_codes
from translator.lint.rules import rule
from translator.lint.written import is_network_policy


def egress_only_without_policy_types(ctx: LintInput) -> Iterator[Finding]:
    """No policyTypes, egress rules, no ingress rules: Kubernetes defaults policyTypes to [Ingress, Egress]."""
    for doc in ctx.documents:
        if not is_network_policy(doc):
            continue
        spec = doc.data.get("spec")
        if not isinstance(spec, dict) or spec.get("policyTypes") or spec.get("ingress"):
            continue
        if not isinstance(spec.get("egress"), list) or not spec["egress"]:
            continue
        meta = found if isinstance(found := doc.data.get("metadata"), dict) else {}
        ns = meta.get("namespace")
        owner = f"{ns}/{doc.name}" if ns else doc.name
        message = (f"{owner}: no policyTypes and only egress rules, so Kubernetes also isolates ingress: the "
                   "selected pods accept no connection at all")
        hint = ("write `policyTypes: [Egress]` if only egress was meant, or `policyTypes: [Ingress, Egress]` to keep "
                "the ingress lockdown explicitly")
        yield Finding(rule(codes.LINT_EGRESS_ONLY_NO_POLICY_TYPES), message, doc.locate("spec", "egress"), hint,
                      None, ignored_codes(meta.get("annotations") if isinstance(meta.get("annotations"), dict)
                                          else None))
