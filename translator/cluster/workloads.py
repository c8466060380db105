"""Cluster facts for the migration checks (`--cluster`): namespaces, pods and Services.

The file is read by the evaluator's loader (translator.cluster.model: the contract's cluster file or a kubectl List);
the checks keep pod labels, IPs and container ports, namespace labels, and, from kubectl objects, what that loader
does not keep: Service types and externalTrafficPolicy (see `services`) and hostNetwork pods.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field

from translator import codes
from translator.cluster.model import Cluster, ContainerPort, Service, load_cluster
from translator.cluster.services import ServiceInfo, is_service, services_from_documents
from translator.diagnostics import Diagnostics
from translator.load.source import Document, SourceFile, SourceRef, expand_paths, parse_text, read_text
from translator.model import LabelSelector
from translator.model.labels import NAMESPACE_NAME_LABEL as NAME_LABEL


@dataclass(frozen=True)
class PodFacts:
    """One pod as the checks see it."""

    namespace: str
    name: str
    labels: dict[str, str] = field(default_factory=dict, hash=False)
    ip: str | None = None
    ports: tuple[ContainerPort, ...] = ()
    host_network: bool = False

    @property
    def ref(self) -> str:
        """`namespace/name`."""
        return f"{self.namespace}/{self.name}"


@dataclass
class Workloads:
    """Namespaces (name -> labels), pods and Services of one cluster."""

    namespaces: dict[str, dict[str, str]] = field(default_factory=dict)
    pods: list[PodFacts] = field(default_factory=list)
    services: list[ServiceInfo] = field(default_factory=list)

    def namespace_labels(self, namespace: str) -> dict[str, str]:
        """A namespace's labels, always with kubernetes.io/metadata.name."""
        return {**self.namespaces.get(namespace, {}), NAME_LABEL: namespace}

    def select(self, pods: LabelSelector | None, namespace: str | None = None,
               namespaces: LabelSelector | None = None, names: Iterable[str] | None = None) -> list[PodFacts]:
        """Pods matched by a pod selector, limited to one namespace, a namespace selector, or namespace names."""
        wanted = set(names) if names is not None else None
        out = []
        for pod in self.pods:
            if namespace is not None and pod.namespace != namespace:
                continue
            if wanted is not None and pod.namespace not in wanted:
                continue
            if namespaces is not None and not namespaces.matches(self.namespace_labels(pod.namespace)):
                continue
            if pods is None or pods.matches(pod.labels):
                out.append(pod)
        return out

    def pods_in(self, cidr: str, excepts: Iterable[str] = ()) -> list[PodFacts]:
        """Pods whose IP is inside `cidr` and outside every `except` block."""
        net = ipaddress.ip_network(cidr)
        holes = [ipaddress.ip_network(e) for e in excepts]
        out = []
        for pod in self.pods:
            if pod.ip is None or pod.host_network:
                continue
            ip = ipaddress.ip_address(pod.ip)
            if ip.version == net.version and ip in net and not any(ip.version == h.version and ip in h
                                                                   for h in holes):
                out.append(pod)
        return out

    @staticmethod
    def port_numbers(name: str, pods: Iterable[PodFacts], protocol: str | None = None) -> dict[int, list[str]]:
        """What a named port resolves to on `pods`: number -> pods that define it so."""
        out: dict[int, list[str]] = {}
        for pod in pods:
            for port in pod.ports:
                if port.name == name and (protocol is None or port.protocol == protocol):
                    out.setdefault(port.port, []).append(pod.ref)
        return dict(sorted(out.items()))


def workloads_from_cluster(cluster: Cluster, host_network: Iterable[str] = (),
                           services: Iterable[ServiceInfo] = ()) -> Workloads:
    """The facts the checks need from an evaluator cluster; `host_network` names pods (`ns/name`) that run in
    the node's network namespace."""
    host = set(host_network)
    pods = [PodFacts(p.namespace, p.name, dict(p.labels), p.ip,
                     tuple(p.ports), p.id in host)
            for p in cluster.pods]
    return Workloads({ns.name: dict(ns.labels) for ns in cluster.namespaces},
                     sorted(pods, key=lambda p: (p.namespace, p.name)),
                     sorted(services, key=lambda s: (s.namespace, s.name)))


def raw_documents(path: str, diags: Diagnostics) -> list[Document]:
    """The objects of one file with `List`s unpacked but `status` kept (pod IPs live in `status.podIP`)."""
    out: list[Document] = []
    for name in expand_paths([path], False, diags):
        text = read_text(name, diags)
        if text is None:
            continue
        source = SourceFile("<stdin>" if name == "-" else name, text)
        for index, data in enumerate(parse_text(source, diags) or []):
            items = data.get("items") if isinstance(data, dict) and str(data.get("kind", "")).endswith("List") \
                else None
            if isinstance(items, list):
                out.extend(Document(item, SourceRef(source, index, ("items", i)), str(item.get("kind", "")))
                           for i, item in enumerate(items) if isinstance(item, dict))
            elif isinstance(data, dict):
                out.append(Document(data, SourceRef(source, index), str(data.get("kind", ""))))
            else:
                diags.error(codes.INVALID_FIELD, "cluster: expected an object or a List", SourceRef(source, index)
                            .locate())
    return out


def load_workloads(path: str, diags: Diagnostics) -> tuple[Workloads, Cluster] | None:
    """The cluster facts in one `--cluster` file (read by the evaluator's loader) plus what that loader does not
    keep: Service types and externalTrafficPolicy, and which pods use hostNetwork (kubectl objects only)."""
    cluster = load_cluster(path, diags)
    if cluster is None:
        return None
    raw = raw_documents(path, Diagnostics())
    host = {f"{(d.data.get('metadata') or {}).get('namespace', 'default')}/{d.name}" for d in raw
            if d.kind == "Pod" and isinstance(d.data.get("spec"), dict) and d.data["spec"].get("hostNetwork")}
    services = services_from_documents((d for d in raw if is_service(d)), diags)
    if not services:  # the cluster file's own form (docs/cluster.md): Services and hostNetwork pods are listed
        services = [service_info(s) for s in cluster.services]
        host |= {p.id for p in cluster.pods if p.hostNetwork}
    return workloads_from_cluster(cluster, host, services), cluster


def service_info(svc: Service) -> ServiceInfo:
    """A cluster file's Service as the migration checks see it (Kubernetes' defaults applied)."""
    etp = svc.externalTrafficPolicy or ("Cluster" if svc.type in ("NodePort", "LoadBalancer") else "")
    return ServiceInfo(svc.namespace, svc.name, svc.type, etp, dict(svc.selector) or None, tuple(svc.ports),
                       tuple(svc.loadBalancerSourceRanges))
