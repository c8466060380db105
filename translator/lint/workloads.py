"""Cluster facts the lints and the graph ask: which pods an intent selects, and which workload a pod belongs to."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from translator.model import NetworkIntent

if TYPE_CHECKING:  # the cluster model is only needed with --cluster
    from translator.cluster.model import Cluster, Pod

WORKLOAD_LABELS = ("app.kubernetes.io/name", "app.kubernetes.io/instance", "app", "k8s-app", "name", "component")
"""Labels that name a pod's workload, most specific convention first."""

_SAFE = "[bcdfghjklmnpqrstvwxz2456789]"  # the alphabet of generated name suffixes (k8s.io/apimachinery rand)
_POD_SUFFIX = re.compile(rf"-(?:{_SAFE}{{6,10}}-{_SAFE}{{5}}|{_SAFE}{{5}}|\d+)$")


def workload_name(pod: Pod) -> str:
    """The workload a pod belongs to: its app label, else its name without the ReplicaSet/StatefulSet suffix."""
    for key in WORKLOAD_LABELS:
        if pod.labels.get(key):
            return pod.labels[key]
    return _POD_SUFFIX.sub("", pod.name) or pod.name


def namespace_labels(cluster: Cluster) -> dict[str, Mapping[str, str]]:
    """Labels of every namespace, by name."""
    return {ns.name: ns.labels for ns in cluster.namespaces}


def selects(intent: NetworkIntent, pod: Pod, ns_labels: Mapping[str, Mapping[str, str]]) -> bool:
    """Whether the intent applies to the pod (its subject: namespace, pod labels, service accounts)."""
    subject = intent.spec.subject
    if intent.is_cluster_scoped:
        if subject.namespaces is not None and not subject.namespaces.matches(ns_labels.get(pod.namespace, {})):
            return False
    elif pod.namespace != intent.metadata.namespace:
        return False
    if not subject.pods.matches(pod.labels):
        return False
    return subject.serviceAccounts is None or pod.service_account in subject.serviceAccounts


def selected_pods(intent: NetworkIntent, cluster: Cluster) -> list[Pod]:
    """The pods of the cluster the intent applies to, in cluster order."""
    labels = namespace_labels(cluster)
    return [p for p in cluster.pods if selects(intent, p, labels)]


def workloads(pods: Iterable[Pod]) -> dict[tuple[str, str], list[Pod]]:
    """Pods grouped by (namespace, workload), in first-seen order."""
    out: dict[tuple[str, str], list[Pod]] = {}
    for pod in pods:
        out.setdefault((pod.namespace, workload_name(pod)), []).append(pod)
    return out
