"""The cluster file of `reach`, `verify` and `--cluster`: namespaces, pods, external endpoints, probes, services.

Two input forms are read (see ../shared/contract.md, "Cluster file"):

* the contract's own YAML/JSON mapping with `namespaces`, `pods`, `externals`, `probes` and (netpolx extensions)
  `services: [{namespace, name, selector, ports}]`, which gives Service peers their pods,
  `nodes: [{name, ip, labels}]` with pods placed by `nodeName` (and `hostNetwork: true` for pods that share their
  node's network), and `apiServers: [{name, ip}]`;
* a kubectl `List` (or multi-document YAML) of `Namespace`, `Pod` and `Service` objects, as
  `kubectl get ns,pods,svc -A -o yaml` prints: labels from `metadata.labels`, IP from `status.podIP`, ports from
  the containers' `ports`, service account from `spec.serviceAccountName`, node from `spec.nodeName`,
  `spec.hostNetwork`.

Every namespace carries `kubernetes.io/metadata.name: <name>`, as the API server guarantees (1.21+); namespaces
that pods name but the file does not list are added. Bad input becomes diagnostics with file and line.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from translator import codes
from translator.cluster import kubeobjects
from translator.diagnostics import Diagnostics
from translator.errors import InvalidField
from translator.load.source import SourceFile, SourceRef, parse_text, read_text
from translator.model.labels import (
    NAMESPACE_NAME_LABEL,
    dns_label_error,
    dns_subdomain_error,
    label_key_error,
    label_value_error,
)
from translator.model.ports import port_name_error

_DNS_NAME = re.compile(r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*")
PORT_PROTOCOLS = ("TCP", "UDP", "SCTP")
ICMP_PROTOCOLS = ("ICMP", "ICMPv6")
PROBE_PROTOCOLS = PORT_PROTOCOLS + ICMP_PROTOCOLS
KUBECTL_KINDS = frozenset(kubeobjects.KINDS)


@dataclass(frozen=True)
class Probe:
    """What to test: a destination port and protocol (`80/TCP`), or an ICMP type (`8/ICMP`, `128/ICMPv6`).

    An ICMP probe is a packet of that type with a code that no rule names: rules that match ICMP by type only
    (or ICMP as a whole) match it, rules that name a code do not.
    """

    port: int
    protocol: str

    def __str__(self) -> str:
        return f"{self.port}/{self.protocol}"


def probe_error(port: int, protocol: str) -> str | None:
    """Why (port, protocol) is not a probe, or None."""
    if protocol in ICMP_PROTOCOLS:
        return None if 0 <= port <= 255 else f"the {protocol} type must be 0-255"
    if protocol not in PORT_PROTOCOLS:
        return "the protocol must be TCP, UDP, SCTP, ICMP or ICMPv6"
    return None if 1 <= port <= 65535 else "the port must be 1-65535"


def normalize_protocol(text: str) -> str:
    """`tcp` -> `TCP`, `icmpv6` -> `ICMPv6`."""
    upper = text.upper()
    return "ICMPv6" if upper == "ICMPV6" else upper


def parse_probe(text: str) -> Probe:
    """`80/TCP` (protocol defaults to TCP), `8/ICMP` -> Probe; ValueError when malformed."""
    port_text, _, proto = text.strip().partition("/")
    proto = normalize_protocol(proto or "TCP")
    err = "the port must be a number (e.g. 80/TCP)" if not port_text.isdigit() else probe_error(int(port_text), proto)
    if err:
        raise ValueError(f"invalid probe {text!r}: {err}")
    return Probe(int(port_text), proto)


# -- the model ---------------------------------------------------------------------------------------------------

class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


def _check_labels(v: dict[str, str]) -> dict[str, str]:
    for key, value in v.items():
        if not isinstance(value, str):
            raise ValueError(f"label {key!r}: the value must be a string")
        err = label_key_error(key) or label_value_error(value)
        if err:
            raise ValueError(err)
    return v


class ContainerPort(_Model):
    """A container port of a pod; `name` makes it usable as a named port."""

    name: str | None = None
    port: int = Field(ge=1, le=65535)
    protocol: str = "TCP"

    @field_validator("protocol")
    @classmethod
    def _proto(cls, v: str) -> str:
        if v.upper() not in PORT_PROTOCOLS:
            raise ValueError(f"protocol {v!r}: expected TCP, UDP or SCTP")
        return v.upper()

    @field_validator("name")
    @classmethod
    def _name(cls, v: str | None) -> str | None:
        err = v is not None and port_name_error(v)
        if err:
            raise ValueError(err)
        return v


class Namespace(_Model):
    """A namespace and its labels."""

    name: str
    labels: dict[str, str] = Field(default_factory=dict)

    _labels = field_validator("labels")(classmethod(lambda cls, v: _check_labels(v)))

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        err = dns_label_error(v, "namespace name")
        if err:
            raise ValueError(err)
        return v


def _check_subdomain(v: str | None) -> str | None:
    """Pod, node and service account names: what the API server accepts (names land in reports and graphs)."""
    err = v is not None and dns_subdomain_error(v)
    if err:
        raise ValueError(err)
    return v


def _check_external_name(v: str) -> str:
    """An external endpoint's name: printable, one line (it lands in reports, graphs and tables)."""
    if not v or len(v) > 253 or any(not ch.isprintable() for ch in v):
        raise ValueError(f"external name {v!r}: must be 1 to 253 printable characters on one line")
    return v


def _check_ip(v: str | None) -> str | None:
    if v is None:
        return v
    try:
        return str(ipaddress.ip_address(v))
    except ValueError as exc:
        raise ValueError(f"invalid IP address {v!r}") from exc


def _check_cidr(v: str) -> str:
    try:
        return str(ipaddress.ip_network(v, strict=False))
    except ValueError as exc:
        raise ValueError(f"invalid CIDR {v!r}") from exc


class Pod(_Model):
    """A pod: where it runs, its labels, IP, container ports and service account.

    `nodeName` places it on a node of `nodes` (the node's `host` entity is then this pod's own node). A pod with
    `hostNetwork: true` shares its node's network identity: no pod policy selects it, pod selectors do not match it,
    and peers see it as its node (its IP defaults to the node's).
    """

    namespace: str
    name: str
    labels: dict[str, str] = Field(default_factory=dict)
    ip: str | None = None
    ports: tuple[ContainerPort, ...] = ()
    serviceAccount: str | None = None
    nodeName: str | None = None
    hostNetwork: bool = False

    _labels = field_validator("labels")(classmethod(lambda cls, v: _check_labels(v)))
    _ip = field_validator("ip")(classmethod(lambda cls, v: _check_ip(v)))
    _namespace = field_validator("namespace")(classmethod(lambda cls, v: Namespace._name(v)))
    _names = field_validator("name", "serviceAccount")(classmethod(lambda cls, v: _check_subdomain(v)))

    @property
    def id(self) -> str:
        """`NAMESPACE/NAME`, the endpoint's name in reach results."""
        return f"{self.namespace}/{self.name}"

    @property
    def service_account(self) -> str:
        """The service account (Kubernetes' default is `default`)."""
        return self.serviceAccount or "default"


class External(_Model):
    """An endpoint outside the cluster, reached by IP and optionally known by a DNS name."""

    name: str
    ip: str
    fqdn: str | None = None

    _ip = field_validator("ip")(classmethod(lambda cls, v: _check_ip(v)))
    _name = field_validator("name")(classmethod(lambda cls, v: _check_external_name(v)))

    @field_validator("fqdn")
    @classmethod
    def _fqdn(cls, v: str | None) -> str | None:
        if v is None:
            return None
        name = v.lower().rstrip(".")
        if not _DNS_NAME.fullmatch(name) or len(name) > 253:
            raise ValueError(f"fqdn {v!r}: not a DNS name")
        return name

    @property
    def id(self) -> str:
        """The endpoint's name in reach results."""
        return self.name


class Node(_Model):
    """A node of the cluster: an endpoint with the node's IP. Policies name nodes by the entities `host` (the
    node a pod runs on), `remote-node` (the other nodes) and `cluster`, and by IP blocks on engines whose IP
    blocks match nodes; no pod policy applies to a node."""

    name: str
    ip: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    addresses: tuple[str, ...] = ()
    """The node's other addresses (ExternalIP, further InternalIPs), as kubectl lists them in status.addresses."""
    podCIDRs: tuple[str, ...] = ()
    """The ranges the node's pods get their IPs from (spec.podCIDRs)."""

    _labels = field_validator("labels")(classmethod(lambda cls, v: _check_labels(v)))
    _ip = field_validator("ip")(classmethod(lambda cls, v: _check_ip(v)))
    _name = field_validator("name")(classmethod(lambda cls, v: _check_subdomain(v)))
    _addresses = field_validator("addresses")(classmethod(lambda cls, v: tuple(_check_ip(a) for a in v)))
    _cidrs = field_validator("podCIDRs")(classmethod(lambda cls, v: tuple(_check_cidr(c) for c in v)))

    @property
    def id(self) -> str:
        """The endpoint's name in reach results: `node/NAME`."""
        return f"node/{self.name}"


class ApiServer(_Model):
    """The Kubernetes API server, as the entity `kube-apiserver` names it. At a node's IP it is that node (a
    control plane inside the cluster); elsewhere it is an endpoint outside the cluster (a managed control plane)."""

    name: str = "kube-apiserver"
    ip: str

    _ip = field_validator("ip")(classmethod(lambda cls, v: _check_ip(v)))

    @property
    def id(self) -> str:
        """The endpoint's name in reach results."""
        return self.name


class ServicePort(_Model):
    """A Service port (Service peers select pods, the rule's ports still apply; the migration checks read the
    target port)."""

    name: str | None = None
    port: int = Field(ge=1, le=65535)
    targetPort: int | str | None = None
    protocol: str = "TCP"

    @property
    def target(self) -> int | str:
        """The targetPort after the API server's defaulting (the port itself): a number or a container port name."""
        return self.targetPort if self.targetPort is not None else self.port


class Service(_Model):
    """A Service: the pods its selector picks in its namespace are the endpoints of a Service peer. `type`,
    `externalTrafficPolicy` and `loadBalancerSourceRanges` decide how traffic from outside reaches them (the
    migration checks read them)."""

    namespace: str
    name: str
    selector: dict[str, str] = Field(default_factory=dict)
    ports: tuple[ServicePort, ...] = ()
    type: Literal["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"] = "ClusterIP"
    externalTrafficPolicy: Literal["Cluster", "Local"] | None = None
    loadBalancerSourceRanges: tuple[str, ...] = ()

    _labels = field_validator("selector")(classmethod(lambda cls, v: _check_labels(v)))
    _ranges = field_validator("loadBalancerSourceRanges")(
        classmethod(lambda cls, v: tuple(_check_cidr(c) for c in v)))


class ProbeModel(_Model):
    """A probe as written in the cluster file."""

    port: int
    protocol: str = "TCP"

    @model_validator(mode="after")
    def _check(self) -> ProbeModel:
        proto = normalize_protocol(self.protocol)
        err = probe_error(self.port, proto)
        if err:
            raise ValueError(err)
        return self.model_copy(update={"protocol": proto})


class ClusterFile(_Model):
    """The contract's cluster file (validation schema)."""

    namespaces: tuple[Namespace, ...] = ()
    pods: tuple[dict[str, Any], ...] = ()
    externals: tuple[External, ...] = ()
    probes: tuple[ProbeModel, ...] = ()
    services: tuple[Service, ...] = ()
    nodes: tuple[Node, ...] = ()
    apiServers: tuple[ApiServer, ...] = ()


@dataclass
class Cluster:
    """Namespaces, pods, external endpoints, probes, Services, nodes and API servers. Endpoints are pods, then
    externals, then nodes, then the API servers that are not at a node's IP, each in file order."""

    namespaces: list[Namespace] = field(default_factory=list)
    pods: list[Pod] = field(default_factory=list)
    externals: list[External] = field(default_factory=list)
    probes: list[Probe] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """How a synthesized cluster falls short of a complete cover (empty for clusters read from files)."""
    nodes: list[Node] = field(default_factory=list)
    api_servers: list[ApiServer] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.normalize()

    def normalize(self) -> None:
        """Add namespaces that pods name, and the `kubernetes.io/metadata.name` label every namespace has."""
        known = {ns.name for ns in self.namespaces}
        for pod in self.pods:
            if pod.namespace not in known:
                self.namespaces.append(Namespace(name=pod.namespace))
                known.add(pod.namespace)
        self.namespaces = [
            ns if ns.labels.get(NAMESPACE_NAME_LABEL) == ns.name
            else ns.model_copy(update={"labels": {**ns.labels, NAMESPACE_NAME_LABEL: ns.name}})
            for ns in self.namespaces
        ]

    @property
    def endpoint_names(self) -> list[str]:
        """Every endpoint's name: pods `NAMESPACE/NAME`, externals by name, nodes `node/NAME`, then the API servers
        outside the cluster by name."""
        return ([p.id for p in self.pods] + [e.name for e in self.externals] + [n.id for n in self.nodes]
                + [a.id for a in self.outside_api_servers])

    @property
    def outside_api_servers(self) -> list[ApiServer]:
        """The API servers that are not at a node's IP (endpoints of their own)."""
        node_ips = {n.ip for n in self.nodes if n.ip}
        return [a for a in self.api_servers if a.ip not in node_ips]

    def node(self, name: str | None) -> Node | None:
        """The node called `name`."""
        return next((n for n in self.nodes if n.name == name), None) if name else None

    def pod_ip(self, pod: Pod) -> str | None:
        """A pod's IP; a host-network pod without one has its node's."""
        if pod.ip is None and pod.hostNetwork:
            node = self.node(pod.nodeName)
            return node.ip if node else None
        return pod.ip

    def namespace(self, name: str) -> Namespace | None:
        """The namespace called `name`."""
        return next((ns for ns in self.namespaces if ns.name == name), None)

    def service(self, namespace: str, name: str) -> Service | None:
        """The Service `namespace/name`."""
        return next((s for s in self.services if s.namespace == namespace and s.name == name), None)

    def dump(self) -> dict[str, Any]:
        """The cluster in the contract's file form."""
        def clean(model: BaseModel) -> dict[str, Any]:
            return model.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
        out: dict[str, Any] = {
            "namespaces": [{"name": ns.name, "labels": dict(ns.labels)} for ns in self.namespaces],
            "pods": [{"namespace": p.namespace, "name": p.name, "labels": dict(p.labels), **clean(p)}
                     for p in self.pods],
        }
        if self.externals:
            out["externals"] = [clean(e) for e in self.externals]
        if self.probes:
            out["probes"] = [{"port": p.port, "protocol": p.protocol} for p in self.probes]
        if self.services:
            out["services"] = [clean(s) for s in self.services]
        if self.nodes:
            out["nodes"] = [{"name": n.name, **clean(n)} for n in self.nodes]
        if self.api_servers:
            out["apiServers"] = [{"name": a.name, "ip": a.ip} for a in self.api_servers]
        return out


# -- loading -----------------------------------------------------------------------------------------------------

def default_probes(cluster: Cluster, extra: Sequence[Probe]) -> list[Probe]:
    """The cluster file's probes plus `extra`; when there are none, every container port the pods declare (what
    `reach` and `graph` probe by default)."""
    chosen = list(dict.fromkeys([*cluster.probes, *extra]))
    if chosen:
        return chosen
    ports = {Probe(p.port, p.protocol) for pod in cluster.pods for p in pod.ports}
    return sorted(ports, key=lambda p: (p.port, p.protocol))


def load_cluster(path: str, diags: Diagnostics) -> Cluster | None:
    """Read a cluster file (contract form, or kubectl Namespace/Pod objects); None with diagnostics when bad."""
    text = read_text(path, diags)
    if text is None:
        return None
    source = SourceFile("<stdin>" if path == "-" else path, text)
    docs = parse_text(source, diags)
    if docs is None:
        return None
    return cluster_from_data(docs, source, diags)


def cluster_from_data(docs: list[Any], source: SourceFile, diags: Diagnostics) -> Cluster | None:
    """A cluster from parsed documents (either form); None with diagnostics when bad."""
    before = len(diags.errors)
    objects = list(_kube_objects(docs, source))
    seen = _Seen(diags)
    cluster: Cluster | None
    kinds = sorted({str(o.data.get("kind")) for o in objects if o is not None})
    if objects and all(o is not None for o in objects) and not set(kinds) & set(KUBECTL_KINDS):
        diags.error(codes.INVALID_FIELD, f"{source.name}: not a cluster file: it holds {', '.join(kinds)} and no "
                    "Namespace, Pod, Service or Node (a policy file goes to -f; the cluster file's form is in "
                    "docs/cluster.md, and `netpolx snapshot` writes one)", SourceRef(source, 0).locate())
        return None
    if objects and all(o is not None for o in objects):
        cluster = _from_kubectl([o for o in objects if o is not None], seen, diags)
    elif len(docs) == 1 and isinstance(docs[0], dict) and "kind" not in docs[0]:
        cluster = _from_contract(docs[0], SourceRef(source, 0), seen, diags)
    else:
        diags.error(codes.INVALID_FIELD, f"{source.name}: not a cluster file: expected a mapping with namespaces/pods "
                    "or a kubectl List of Namespace and Pod objects", SourceRef(source, 0).locate())
        return None
    return None if cluster is None or len(diags.errors) > before else cluster


class _Seen:
    """Reports a namespace or endpoint defined twice, at the second definition. Lines are looked up only then
    (a cluster file has thousands of pods and, nearly always, no duplicate)."""

    def __init__(self, diags: Diagnostics) -> None:
        self.diags = diags
        self.names: dict[tuple[str, str], tuple[SourceRef, tuple[str | int, ...]]] = {}

    def add(self, what: str, name: str, ref: SourceRef, path: tuple[str | int, ...]) -> None:
        first = self.names.setdefault((what, name), (ref, path))
        if first != (ref, path):
            self.diags.error(codes.DUPLICATE_OBJECT, f"{what} {name} is defined twice (first at "
                             f"{first[0].locate(first[1])})", ref.locate(path))


def _report(diags: Diagnostics, exc: ValidationError, ref: SourceRef, what: str,
            prefix: tuple[str | int, ...] = ()) -> None:
    for e in exc.errors():
        path = (*prefix, *(p for p in e["loc"] if isinstance(p, (str, int))))
        code = codes.INVALID_FIELD if e["type"] in ("extra_forbidden", "missing") else codes.INVALID_VALUE
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = f"unknown field {path[-1]!r}"
        elif e["type"] == "missing":
            msg = f"field {path[-1]!r} is required"
        diags.error(code, f"{what}: {msg}", ref.locate(path))


def _from_contract(data: dict[str, Any], ref: SourceRef, seen: _Seen, diags: Diagnostics) -> Cluster | None:
    try:
        parsed = ClusterFile.model_validate(data)
    except ValidationError as exc:
        _report(diags, exc, ref, "cluster file")
        return None
    pods: list[Pod] = []
    externals = list(parsed.externals)
    for i, raw in enumerate(parsed.pods):
        if raw.get("external") is True:  # the recipes corpus lists external endpoints among the pods
            item: Any = External
            raw = {k: v for k, v in raw.items() if k != "external"}
        else:
            item = Pod
        try:
            obj = item.model_validate(raw)
        except ValidationError as exc:
            _report(diags, exc, ref, "cluster file", ("pods", i))
            continue
        (externals if isinstance(obj, External) else pods).append(obj)
        seen.add("endpoint", obj.id, ref, ("pods", i))
    for i, ns in enumerate(parsed.namespaces):
        seen.add("namespace", ns.name, ref, ("namespaces", i))
    for i, ext in enumerate(parsed.externals):
        seen.add("endpoint", ext.name, ref, ("externals", i))
    for i, svc in enumerate(parsed.services):
        seen.add("service", f"{svc.namespace}/{svc.name}", ref, ("services", i))
    for i, node in enumerate(parsed.nodes):
        seen.add("endpoint", node.id, ref, ("nodes", i))
    for i, api in enumerate(parsed.apiServers):
        seen.add("endpoint", api.id, ref, ("apiServers", i))
    probes = [Probe(p.port, p.protocol) for p in parsed.probes]
    cluster = Cluster(list(parsed.namespaces), pods, externals, probes, list(parsed.services),
                      nodes=list(parsed.nodes), api_servers=list(parsed.apiServers))
    for i, pod in enumerate(parsed.pods):
        name = pod.get("nodeName")
        if name is not None and parsed.nodes and cluster.node(name) is None:
            diags.error(codes.INVALID_VALUE, f"cluster file: pod nodeName {name!r} is not one of the nodes",
                        ref.locate(("pods", i, "nodeName")))
    return cluster


@dataclass
class _KubeObject:
    data: dict[str, Any]
    ref: SourceRef


def _kube_objects(docs: list[Any], source: SourceFile) -> Iterator[_KubeObject | None]:
    """Objects with a `kind` (Lists unpacked, `status` kept); None for a document that is not one."""
    for index, data in enumerate(docs):
        yield from _unpack(data, SourceRef(source, index))


def _unpack(data: Any, ref: SourceRef, implied: str | None = None) -> Iterator[_KubeObject | None]:
    if isinstance(data, list):
        for i, item in enumerate(data):
            yield from _unpack(item, SourceRef(ref.file, ref.doc_index, (*ref.prefix, i)))
        return
    if isinstance(data, dict) and implied is not None and "kind" not in data:
        data = {"kind": implied, **data}  # an API list response's items (PodList, ...) carry no kind
    if not isinstance(data, dict) or not isinstance(data.get("kind"), str):
        yield None
        return
    if data["kind"].endswith("List") and isinstance(data.get("items"), list):
        for i, item in enumerate(data["items"]):
            yield from _unpack(item, SourceRef(ref.file, ref.doc_index, (*ref.prefix, "items", i)),
                               kubeobjects.item_kind(data["kind"]))
        return
    yield _KubeObject(data, ref)


def _from_kubectl(objects: list[_KubeObject], seen: _Seen, diags: Diagnostics) -> Cluster:
    cluster = Cluster()
    for obj in objects:
        kind = obj.data.get("kind")
        if kind not in KUBECTL_KINDS:
            diags.info(codes.IGNORED_OBJECT, f"skipped {kind}: a cluster file holds Namespace, Pod, Service and "
                       "Node objects", obj.ref.locate(("kind",)))
            continue
        if kind == "Pod" and kubeobjects.finished(obj.data):
            continue
        try:
            _required(obj.data, "metadata", "name")
            name = _add_object(kind, kubeobjects.trimmed(kind, obj.data), cluster)
            what = {"Namespace": "namespace", "Pod": "endpoint", "Node": "endpoint", "Service": "service"}[kind]
            seen.add(what, name, obj.ref, ("metadata", "name"))
        except ValidationError as exc:
            _report(diags, exc, obj.ref, f"{kind} {_meta(obj.data).get('name', '<unnamed>')}")
        except InvalidField as exc:
            diags.error(codes.INVALID_FIELD, f"{kind}: {exc}", obj.ref.locate(exc.path))
    cluster.normalize()
    return cluster


def _meta(data: Mapping[str, Any]) -> dict[str, Any]:
    meta = data.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _required(data: Mapping[str, Any], *path: str) -> Any:
    node: Any = data
    for part in path:
        if not isinstance(node, dict) or part not in node:
            raise InvalidField(tuple(path), f"{'.'.join(path)} is required")
        node = node[part]
    return node


def _add_object(kind: str, data: dict[str, Any], cluster: Cluster) -> str:
    """Validate one trimmed object (kubeobjects.trimmed) and add it; its name for duplicate checks."""
    if kind == "Namespace":
        ns = Namespace.model_validate(data)
        cluster.namespaces.append(ns)
        return ns.name
    if kind == "Pod":
        pod = Pod.model_validate(data)
        cluster.pods.append(pod)
        return pod.id
    if kind == "Node":
        node = Node.model_validate(data)
        cluster.nodes.append(node)
        return node.id
    svc = Service.model_validate(data)
    cluster.services.append(svc)
    return f"{svc.namespace}/{svc.name}"


# -- schema --------------------------------------------------------------------------------------------------------


def cluster_schema() -> dict[str, Any]:
    """The JSON Schema of the cluster file's own form (docs/cluster.md); kubectl's List form is described there."""
    schema = ClusterFile.model_json_schema(ref_template="#/$defs/{model}")
    defs = schema.setdefault("$defs", {})
    pod = Pod.model_json_schema(ref_template="#/$defs/{model}")
    defs.update(pod.pop("$defs", {}))
    defs["Pod"] = pod
    schema["properties"]["pods"] = {"type": "array", "items": {"$ref": "#/$defs/Pod"},
                                    "description": "Pods (endpoints); `external: true` marks an external endpoint."}
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "netpolx cluster file"
    schema["description"] = ("Namespaces, pods, Services, nodes, externals, API servers and probes: the cluster facts "
                             "--cluster reads (docs/cluster.md). A kubectl List of Namespace, Pod, Service and Node "
                             "objects is read too.")
    return schema
