"""Service manifests (`--services`, or Services inside `-f` inputs and cluster Lists).

Only what the migration checks need is kept: type, externalTrafficPolicy, selector, ports (with the API
server's defaulting applied: protocol TCP, targetPort = port) and loadBalancerSourceRanges. Malformed Services
are input errors with file, line and field.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from translator import codes
from translator.cluster.model import ServicePort
from translator.diagnostics import Diagnostics, SourceLocation
from translator.errors import InvalidField
from translator.load.source import Document, documents

SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")
PROTOCOLS = ("TCP", "UDP", "SCTP")
DEFAULT_NAMESPACE = "default"


@dataclass(frozen=True)
class ServiceInfo:
    """A Service, reduced to what policy migration needs."""

    namespace: str
    name: str
    type: str
    external_traffic_policy: str
    selector: dict[str, str] | None
    ports: tuple[ServicePort, ...]
    source_ranges: tuple[str, ...] = ()
    document: Document | None = None

    @property
    def ref(self) -> str:
        """`namespace/name`."""
        return f"{self.namespace}/{self.name}"

    @property
    def externally_reachable(self) -> bool:
        """LoadBalancer and NodePort Services are reached through the nodes."""
        return self.type in ("LoadBalancer", "NodePort")

    @property
    def cluster_traffic_policy(self) -> bool:
        """externalTrafficPolicy is Cluster (an empty value defaults to Cluster)."""
        return self.external_traffic_policy != "Local"

    def locate(self, *path: str | int) -> SourceLocation:
        """Where a field of the Service is in the input."""
        return self.document.locate(*path) if self.document is not None else SourceLocation("<services>")


def is_service(doc: Document) -> bool:
    """Whether a document is a core/v1 Service."""
    return doc.kind == "Service" and doc.api_version in ("v1", "")


def _str_map(value: object, path: tuple[str | int, ...]) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise InvalidField(path, "must be a map of strings")
    return dict(sorted(value.items()))


def _port(raw: object, path: tuple[str | int, ...]) -> ServicePort:
    if not isinstance(raw, dict):
        raise InvalidField(path, "a Service port must be an object")
    port = raw.get("port")
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise InvalidField((*path, "port"), f"port must be a number 1-65535, got {port!r}")
    protocol = raw.get("protocol") or "TCP"
    if protocol not in PROTOCOLS:
        raise InvalidField((*path, "protocol"), f"protocol must be TCP, UDP or SCTP, got {protocol!r}")
    target = raw.get("targetPort", port)
    if isinstance(target, str) and target.isdigit():
        target = int(target)
    if isinstance(target, bool) or not isinstance(target, int | str) or (isinstance(target, int) and
                                                                         not 0 <= target <= 65535):
        raise InvalidField((*path, "targetPort"), f"targetPort must be a port number or name, got {target!r}")
    name = raw.get("name")
    return ServicePort(port=port, targetPort=target, protocol=protocol, name=name if isinstance(name, str) else None)


def parse_service(doc: Document, diags: Diagnostics) -> ServiceInfo | None:
    """One Service document, or None with an input diagnostic naming the field."""
    data = doc.data
    meta = data.get("metadata")
    spec = data.get("spec") or {}
    try:
        if not isinstance(meta, dict) or not isinstance(meta.get("name"), str):
            raise InvalidField(("metadata",), "a Service needs metadata.name")
        if not isinstance(spec, dict):
            raise InvalidField(("spec",), "spec must be an object")
        svc_type = spec.get("type") or "ClusterIP"
        if svc_type not in SERVICE_TYPES:
            raise InvalidField(("spec", "type"), f"type must be one of {', '.join(SERVICE_TYPES)}, got {svc_type!r}")
        etp = spec.get("externalTrafficPolicy") or ""
        if etp not in ("", "Cluster", "Local"):
            raise InvalidField(("spec", "externalTrafficPolicy"), f"externalTrafficPolicy must be Cluster or Local, "
                           f"got {etp!r}")
        raw_ports = spec.get("ports") or []
        if not isinstance(raw_ports, list):
            raise InvalidField(("spec", "ports"), "ports must be a list")
        ports = tuple(_port(p, ("spec", "ports", i)) for i, p in enumerate(raw_ports))
        ranges = spec.get("loadBalancerSourceRanges") or []
        if not isinstance(ranges, list) or not all(isinstance(r, str) for r in ranges):
            raise InvalidField(("spec", "loadBalancerSourceRanges"), "must be a list of CIDRs")
        selector = _str_map(spec.get("selector"), ("spec", "selector"))
    except InvalidField as exc:
        diags.error(codes.INVALID_VALUE, f"Service {doc.name}: {exc}", doc.locate(*exc.path))
        return None
    namespace = meta.get("namespace")
    if not isinstance(namespace, str) or not namespace:
        diags.warning(codes.MISSING_NAMESPACE, f"Service {meta['name']} has no metadata.namespace; assuming "
                      f"{DEFAULT_NAMESPACE!r}", doc.locate("metadata"))
        namespace = DEFAULT_NAMESPACE
    return ServiceInfo(namespace, meta["name"], svc_type, etp, selector or None, ports,
                       tuple(str(r) for r in ranges), doc)


def services_from_documents(docs: Iterable[Document], diags: Diagnostics) -> list[ServiceInfo]:
    """Every Service among `docs` (other kinds are left alone), sorted by namespace/name."""
    out = [svc for doc in docs if is_service(doc) for svc in [parse_service(doc, diags)] if svc is not None]
    return sorted(out, key=lambda s: (s.namespace, s.name))


def load_services(paths: Iterable[str], diags: Diagnostics) -> list[ServiceInfo]:
    """Services from `--services` files (a kubectl List, multi-document YAML or JSON); other kinds are skipped."""
    docs = documents(paths, diags)
    for doc in docs:
        if not is_service(doc):
            diags.info(codes.IGNORED_OBJECT, f"--services: skipped {doc.kind or 'an object'} {doc.name}: not a "
                       "Service", doc.locate())
    return services_from_documents(docs, diags)
