"""Lints that need the cluster (--cluster): a policy that selects no pod (NPX606), and an empty podSelector that
isolates workloads of a shared namespace that no policy of their own allows anything (NPX611, the seed
article's "lessons learned 1")."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from translator import codes
from translator.compile.ordered import effectively_isolates
from translator.lint.context import Linted, LintInput
from translator.lint.finding import Finding
from translator.lint.rules import rule
from translator.lint.workloads import namespace_labels, selects, workload_name
from translator.model import Direction

if TYPE_CHECKING:  # the cluster model is only needed with --cluster
    from translator.cluster.model import Cluster, Pod


def selects_no_pod(ctx: LintInput) -> Iterator[Finding]:
    """Policies whose subject matches no pod of the cluster."""
    if ctx.cluster is None:
        return
    labels = namespace_labels(ctx.cluster)
    for x in ctx.intents():
        if any(selects(x.intent, p, labels) for p in ctx.cluster.pods):
            continue
        yield Finding(rule(codes.LINT_SELECTS_NO_POD), f"{x.ref}: {_why_none(x, ctx.cluster)}", x.locate_subject(),
                      "compare the selector with the pods' labels (a typo?), or delete the policy", None, x.ignored)


def _why_none(x: Linted, cluster: Cluster) -> str:
    intent = x.intent
    if not intent.is_cluster_scoped and not any(p.namespace == intent.metadata.namespace for p in cluster.pods):
        return f"selects no pod: the cluster has no pod in namespace {intent.metadata.namespace}"
    return f"selects no pod of the cluster (pod selector {intent.spec.subject.pods})"


def shared_namespace_empty_selector(ctx: LintInput) -> Iterator[Finding]:
    """An empty-podSelector policy that isolates workloads which no other policy selects, in a namespace where
    other workloads do have policies of their own."""
    if ctx.cluster is None:
        return
    items = ctx.intents()
    labels = namespace_labels(ctx.cluster)
    for x in items:
        subject = x.intent.spec.subject
        if x.intent.is_cluster_scoped or not subject.pods.is_empty() or subject.serviceAccounts is not None:
            continue
        isolated = [d for d in Direction if effectively_isolates(x.intent, d)]
        if not isolated:
            continue
        groups: dict[str, list[Pod]] = {}
        for pod in ctx.cluster.pods:
            if pod.namespace == x.intent.metadata.namespace:
                groups.setdefault(workload_name(pod), []).append(pod)
        if len(groups) < 2:
            continue
        others = [y for y in items if y is not x]
        untouched = sorted(w for w, pods in groups.items()
                           if not any(selects(y.intent, p, labels) for y in others for p in pods))
        if untouched and len(untouched) < len(groups):
            yield _shared_finding(x, untouched, isolated, len(groups))


def _shared_finding(x: Linted, untouched: list[str], isolated: list[Direction], total: int) -> Finding:
    dirs = " and ".join(d.value for d in isolated)
    names = ", ".join(untouched)
    one = len(untouched) == 1
    message = (f"{x.ref} selects every pod of namespace {x.intent.metadata.namespace}, which {total} workloads "
               f"share; {'workload' if one else 'workloads'} {names} {'has' if one else 'have'} no policy of "
               f"{'its' if one else 'their'} own, so {'it loses' if one else 'they lose'} all {dirs} that this "
               "policy does not allow")
    hint = (f"give {x.ref} a podSelector for the workloads it is meant for, or add policies that allow what "
            f"{names} {'needs' if one else 'need'}")
    return Finding(rule(codes.LINT_SHARED_NAMESPACE_EMPTY_SELECTOR), message, x.locate_subject(), hint, None,
                   x.ignored)
