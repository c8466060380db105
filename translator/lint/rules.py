"""The lint rules, as data: a stable code, a name, a severity, what the mistake is and how to fix it.

Codes never change meaning (users pin them in CI and in `netpolx.io/lint-ignore` annotations); a retired rule
keeps its code reserved.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from translator import codes
from translator.diagnostics import Severity


class Level(str, Enum):
    """What a rule reads: the native documents as written (syntactic) or the intents (semantic)."""

    NATIVE = "native"
    INTENT = "intent"


@dataclass(frozen=True)
class LintRule:
    """One lint rule."""

    code: str
    """Stable diagnostic code (NPX6xx)."""
    name: str
    """Short kebab-case name, also accepted in `netpolx.io/lint-ignore`."""
    severity: Severity
    """Severity of its findings."""
    level: Level
    """Whether it reads documents or intents."""
    summary: str
    """What the mistake is, in one sentence."""
    fix: str
    """How to fix it, in one sentence (each finding gives the concrete fix)."""
    fixable: bool = False
    """Whether `--fix` can write the fix (only where it is unambiguous)."""
    fix_changes: str = ""
    """How the fix changes what traffic is allowed ("" when it does not): such fixes need `--fix-unsafe`."""
    needs_cluster: bool = False
    """Whether the rule only runs with `--cluster`."""


RULES: tuple[LintRule, ...] = (
    LintRule(
        codes.LINT_OR_OF_PEERS, "or-of-peers", Severity.WARNING, Level.NATIVE,
        "A from/to list has a namespaceSelector-only item and a podSelector-only item: Kubernetes ORs them, so "
        "every pod of the selected namespaces is allowed, not only the selected pods.",
        "Put both selectors in one item (AND) when the pods were meant to be in those namespaces.",
        fixable=True,
        fix_changes="narrows: only the selected pods of the selected namespaces stay allowed",
    ),
    LintRule(
        codes.LINT_EGRESS_ONLY_NO_POLICY_TYPES, "egress-only-without-policy-types", Severity.WARNING, Level.NATIVE,
        "A NetworkPolicy without policyTypes and with only egress rules also isolates ingress (policyTypes "
        "defaults to Ingress, plus Egress when egress rules exist).",
        "Write policyTypes: [Egress] if only egress was meant, or [Ingress, Egress] to keep the ingress lockdown "
        "explicitly.",
    ),
    LintRule(
        codes.LINT_NAMESPACE_NAME_LABEL, "namespace-name-label", Severity.WARNING, Level.NATIVE,
        "A namespace selector uses the label `name` (or projectcalico.org/name outside Calico), which namespaces "
        "do not carry by default, so it selects nothing.",
        "Select namespaces by kubernetes.io/metadata.name, which Kubernetes sets on every namespace.",
        fixable=True,
        fix_changes="widens: the selector starts matching the namespaces it names",
    ),
    LintRule(
        codes.LINT_IPBLOCK_MATCHES_CLUSTER, "ipblock-matches-cluster", Severity.INFO, Level.NATIVE,
        "An ipBlock without except for the cluster's ranges also matches pod and node IPs under Kubernetes, "
        "Calico and Azure NPM, but never pods under Cilium: the same policy allows different traffic per engine.",
        "Add except entries for the pod, service and node CIDRs if only external traffic is meant; add a "
        "namespaceSelector/podSelector peer if pods are meant.",
    ),
    LintRule(
        codes.LINT_EGRESS_WITHOUT_DNS, "egress-without-dns", Severity.WARNING, Level.INTENT,
        "Egress is isolated for some pods but no policy selecting them allows DNS (UDP and TCP 53 to kube-dns "
        "or node-local DNS): name resolution times out.",
        "Allow egress to k8s-app=kube-dns in kube-system on UDP and TCP 53 (allowDNS: true in an intent).",
        fixable=True,
        fix_changes="widens: egress to kube-dns on UDP and TCP 53 becomes allowed",
    ),
    LintRule(
        codes.LINT_DNS_ONE_PROTOCOL, "dns-one-protocol", Severity.INFO, Level.INTENT,
        "DNS is allowed over UDP or TCP only; truncated answers retry over TCP and large ones fail.",
        "Allow port 53 over both UDP and TCP.",
    ),
    LintRule(
        codes.LINT_SELECTS_NO_POD, "selects-no-pod", Severity.WARNING, Level.INTENT,
        "The policy selects no pod of the cluster, so it has no effect (often a label typo).",
        "Fix the selector (compare with the pods' labels) or delete the policy.",
        needs_cluster=True,
    ),
    LintRule(
        codes.LINT_SHADOWED_RULE, "shadowed-rule", Severity.WARNING, Level.INTENT,
        "A rule never takes effect: an earlier rule (first-match order) or a deny rule that wins covers every "
        "connection it matches with a different action.",
        "Reorder the rules, narrow the earlier rule, or delete the shadowed one.",
    ),
    LintRule(
        codes.LINT_REDUNDANT_RULE, "redundant-rule", Severity.INFO, Level.INTENT,
        "A rule adds nothing: another rule for the same (or more) pods already does the same to every "
        "connection it matches.",
        "Delete the redundant rule, or narrow the broader one if it allows more than meant.",
    ),
    LintRule(
        codes.LINT_DUPLICATE_POLICY, "duplicate-policy", Severity.WARNING, Level.INTENT,
        "Two policies say exactly the same thing; editing one later will not change what is allowed.",
        "Delete one of them.",
    ),
    LintRule(
        codes.LINT_REDUNDANT_POLICY, "redundant-policy", Severity.INFO, Level.INTENT,
        "A policy adds nothing: a policy for the same or more pods isolates the same directions and already "
        "allows everything it allows.",
        "Delete it, or check whether the broader policy allows more than meant.",
    ),
    LintRule(
        codes.LINT_SHARED_NAMESPACE_EMPTY_SELECTOR, "shared-namespace-empty-selector", Severity.WARNING,
        Level.INTENT,
        "An empty podSelector isolates every pod of a namespace that several workloads share, and some of them "
        "have no policy that allows them anything in that direction.",
        "Select the workloads the policy is meant for, or add policies for the others.",
        needs_cluster=True,
    ),
)

BY_CODE: dict[str, LintRule] = {r.code: r for r in RULES}
BY_NAME: dict[str, LintRule] = {r.name: r for r in RULES}


def rule(code: str) -> LintRule:
    """The rule with this code."""
    return BY_CODE[code]


def resolve(names: str) -> set[str]:
    """Codes named in a comma list of codes or rule names (`all` = every rule); unknown names are ignored."""
    out: set[str] = set()
    for part in (p.strip() for p in names.split(",")):
        if part == "all":
            out.update(BY_CODE)
        elif part in BY_CODE:
            out.add(part)
        elif part in BY_NAME:
            out.add(BY_NAME[part].code)
    return out
