"""Cilium endpoint selectors: intent selectors and peers to Cilium identity-label selectors, and back.

Cilium selects endpoints by identity labels. Keys carry a source prefix (`k8s:app`; a bare key means any
source). The namespace of a pod is the label `io.kubernetes.pod.namespace`, its namespace's labels are
`io.cilium.k8s.namespace.labels.<key>` and its service account is `io.cilium.k8s.policy.serviceaccount`
(pkg/k8s/apis/cilium.io/const.go).

How Cilium scopes a peer selector (pkg/k8s/apis/cilium.io/utils/utils.go, getEndpointSelector): in a
CiliumNetworkPolicy a selector without a pod-namespace key and without a namespace-labels key is pinned to the
policy's namespace; in a CiliumClusterwideNetworkPolicy a selector without a pod-namespace key gets
`io.kubernetes.pod.namespace Exists` (pods of any namespace, never reserved identities). The generator always
writes the namespace part explicitly (a pod-namespace key whenever the peer leaves the own namespace), so the
result does not depend on the Cilium version (namespace-labels keys stopped being pinned only in 1.16).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from translator.model import Entity, LabelSelector, Operator, Peer, Requirement
from translator.model.labels import NAMESPACE_NAME_LABEL

K8S_PREFIX = "k8s:"
ANY_PREFIX = "any:"
RESERVED_PREFIX = "reserved:"
POD_NAMESPACE = "io.kubernetes.pod.namespace"
NAMESPACE_LABELS = "io.cilium.k8s.namespace.labels."
SERVICE_ACCOUNT = "io.cilium.k8s.policy.serviceaccount"
CLUSTER = "io.cilium.k8s.policy.cluster"
LOCAL_CLUSTER = "default"
"""Cilium's default `cluster-name`: a selector on it names every pod of a cluster that kept the default."""
NODE_NAME = "io.kubernetes.pod.nodeName"
CILIUM_KEY_PREFIXES = ("io.kubernetes.pod.", "io.cilium.k8s.", "io.cilium.")

NS_KEY = K8S_PREFIX + POD_NAMESPACE
SA_KEY = K8S_PREFIX + SERVICE_ACCOUNT


@dataclass
class Terms:
    """A Cilium selector being built: matchLabels and matchExpressions with full (prefixed) keys."""

    labels: dict[str, str] = field(default_factory=dict)
    exprs: list[dict[str, Any]] = field(default_factory=list)

    def add(self, key: str, op: Operator, values: tuple[str, ...] = ()) -> None:
        """Add one term (single-value In becomes a matchLabels entry when the key is free)."""
        if op is Operator.IN and len(values) == 1 and key not in self.labels:
            self.labels[key] = values[0]
            return
        expr: dict[str, Any] = {"key": key, "operator": op.value}
        if values:
            expr["values"] = list(values)
        if expr not in self.exprs:
            self.exprs.append(expr)

    def add_selector(self, sel: LabelSelector, prefix: str) -> None:
        """Add every term of a Kubernetes selector with `prefix` before each key."""
        for key, value in sel.matchLabels.items():
            self.labels[prefix + key] = value
        for req in sel.matchExpressions:
            self.add(prefix + req.key, req.operator, req.values)

    def names(self, key: str, names: tuple[str, ...]) -> None:
        """`key` equal to one of `names`."""
        self.add(key, Operator.IN, names)

    def has(self, key: str) -> bool:
        """Whether a term on `key` exists."""
        return key in self.labels or any(e["key"] == key for e in self.exprs)

    def dump(self) -> dict[str, Any]:
        """The selector as Cilium YAML (`{}` when it has no terms)."""
        out: dict[str, Any] = {}
        if self.labels:
            out["matchLabels"] = dict(sorted(self.labels.items()))
        if self.exprs:
            out["matchExpressions"] = list(self.exprs)
        return out


def reserved_key_error(sel: LabelSelector | None) -> str | None:
    """Why a pod selector cannot be written for Cilium (it uses a key Cilium derives itself), or None."""
    for key in sorted(sel.keys() if sel is not None else ()):
        if key.startswith(CILIUM_KEY_PREFIXES):
            return f"label key {key!r} is one Cilium derives itself; a pod label with that key cannot be selected"
    return None


def subject_selector(pods: LabelSelector, namespaces: LabelSelector | None, service_accounts: tuple[str, ...] | None,
                     cluster: bool) -> dict[str, Any]:
    """The `endpointSelector` of a rule.

    A CNP's subject is pinned to its namespace by Cilium. A CCNP's subject gets an explicit
    `io.kubernetes.pod.namespace Exists` so it selects pods only (an empty CCNP selector would also select
    reserved endpoints such as the health endpoint).
    """
    terms = Terms()
    terms.add_selector(pods, K8S_PREFIX)
    if namespaces is not None:
        terms.add_selector(namespaces, K8S_PREFIX + NAMESPACE_LABELS)
    if service_accounts is not None:
        terms.names(SA_KEY, service_accounts)
    if cluster:
        terms.add(NS_KEY, Operator.EXISTS)
    return terms.dump()


def peer_selector(peer: Peer, cluster: bool) -> dict[str, Any]:
    """The endpoint selector of one endpoints peer (see the module docstring for the namespace part)."""
    terms = Terms()
    if peer.pods is not None:
        terms.add_selector(peer.pods, K8S_PREFIX)
    if peer.namespaceNames is not None:
        terms.names(NS_KEY, peer.namespaceNames)
    if peer.namespaces is not None:
        terms.add_selector(peer.namespaces, K8S_PREFIX + NAMESPACE_LABELS)
    if peer.serviceAccounts is not None:
        terms.names(SA_KEY, peer.serviceAccounts)
    leaves_namespace = peer.namespaces is not None or peer.namespaceNames is not None
    if (leaves_namespace or cluster) and not terms.has(NS_KEY):
        terms.add(NS_KEY, Operator.EXISTS)
    return terms.dump()


# -- reading -------------------------------------------------------------------------------------------------

class SelectorError(ValueError):
    """A Cilium selector the intent model cannot hold; `field` names what (for NPX110)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


def normalize_key(key: str) -> str:
    """`k8s:app` / `any:app` -> `app`; other sources (reserved:, cidr:, ...) are kept as written."""
    for prefix in (K8S_PREFIX, ANY_PREFIX):
        if key.startswith(prefix):
            return key[len(prefix):]
    return key


@dataclass
class Parsed:
    """A Cilium selector split into what the intent model calls pods, namespaces and service accounts."""

    pods: list[Requirement] = field(default_factory=list)
    namespace_names: set[str] | None = None
    namespace_terms: list[Requirement] = field(default_factory=list)
    namespace_exists: bool = False
    namespace_negative: list[Requirement] = field(default_factory=list)
    service_accounts: set[str] | None = None
    reserved: list[str] = field(default_factory=list)
    any_cluster: bool = False
    nothing: bool = False
    """A term no Cilium identity carries: the selector matches no endpoint."""
    notes: list[str] = field(default_factory=list)
    """Assumptions made while reading (reported as import notes)."""

    @property
    def has_namespace_key(self) -> bool:
        """Whether the selector constrains `io.kubernetes.pod.namespace`."""
        return self.namespace_names is not None or self.namespace_exists or bool(self.namespace_negative)

    @property
    def selects_only_pods(self) -> bool:
        """Whether a positive term guarantees the selected endpoints are pods (have a namespace)."""
        positive_ns_labels = any(r.operator in (Operator.IN, Operator.EXISTS) for r in self.namespace_terms)
        return self.namespace_names is not None or self.namespace_exists or positive_ns_labels or self.any_cluster


def _requirements(raw: dict[str, Any]) -> list[tuple[str, Operator, tuple[str, ...]]]:
    out: list[tuple[str, Operator, tuple[str, ...]]] = [
        (str(k), Operator.IN, (str(v),)) for k, v in (raw.get("matchLabels") or {}).items()]
    for e in raw.get("matchExpressions") or []:
        out.append((str(e["key"]), Operator(e["operator"]), tuple(str(v) for v in e.get("values") or ())))
    return out


def parse(raw: dict[str, Any]) -> Parsed:
    """Split a raw Cilium selector; SelectorError for keys the intent model cannot hold."""
    out = Parsed()
    for full_key, op, values in _requirements(raw):
        key = normalize_key(full_key)
        if key.startswith(RESERVED_PREFIX):
            if op not in (Operator.IN, Operator.EXISTS):
                raise SelectorError(full_key, f"{full_key} {op.value} (every identity but a reserved one) has no "
                                    "equivalent")
            out.reserved.append(key[len(RESERVED_PREFIX):])
        elif ":" in key:
            raise SelectorError(full_key, f"label source {key.split(':')[0]!r} in selector key {full_key!r} "
                                "has no equivalent (only k8s: and any: labels can be imported)")
        elif key == POD_NAMESPACE:
            _namespace_term(out, op, values)
        elif key.startswith(NAMESPACE_LABELS):
            out.namespace_terms.append(_requirement(key[len(NAMESPACE_LABELS):], op, values, full_key))
        elif key == SERVICE_ACCOUNT:
            if op is not Operator.IN:
                raise SelectorError(full_key, f"service-account term {full_key} {op.value} has no equivalent "
                                    "(only equality / In)")
            out.service_accounts = set(values) if out.service_accounts is None else out.service_accounts & set(values)
        elif key == CLUSTER and op is Operator.EXISTS:
            out.any_cluster = True  # every pod of the (local) cluster carries its cluster name
        elif key == CLUSTER and op is Operator.IN and LOCAL_CLUSTER in values:
            out.any_cluster = True
            out.notes.append(f"{full_key}: {LOCAL_CLUSTER!r} is read as this cluster (Cilium's default cluster-name; "
                             "pods of other ClusterMesh clusters are not part of the intent model)")
        elif key == NODE_NAME and op in (Operator.IN, Operator.EXISTS):
            out.nothing = True
            out.notes.append(f"{full_key}: no Cilium identity carries the pod's node name (labels starting with "
                             "io.kubernetes are not identity-relevant in Cilium's default label filter), so this "
                             "selector matches no endpoint; to name the nodes, use toNodes/fromNodes or the host and "
                             "remote-node entities")
        elif key.startswith(CILIUM_KEY_PREFIXES):
            raise SelectorError(full_key, f"Cilium label {full_key!r} {op.value} (e.g. a ClusterMesh cluster name) has "
                                "no equivalent in the intent model")
        else:
            out.pods.append(_requirement(key, op, values, full_key))
    return out


def _namespace_term(out: Parsed, op: Operator, values: tuple[str, ...]) -> None:
    if op is Operator.IN:
        out.namespace_names = set(values) if out.namespace_names is None else out.namespace_names & set(values)
    elif op is Operator.EXISTS:
        out.namespace_exists = True
    elif op is Operator.NOT_IN:
        out.namespace_negative.append(Requirement(key=NAMESPACE_NAME_LABEL, operator=op, values=values))
    else:
        raise SelectorError(POD_NAMESPACE, f"{POD_NAMESPACE} DoesNotExist selects endpoints that are not pods "
                            "(world, host, ...); no equivalent")


def _requirement(key: str, op: Operator, values: tuple[str, ...], full_key: str) -> Requirement:
    try:
        return Requirement(key=key, operator=op, values=values)
    except ValueError as exc:
        raise SelectorError(full_key, f"selector term on {full_key!r}: {exc}") from exc


def selector_of(reqs: list[Requirement]) -> LabelSelector:
    """A LabelSelector of requirements, canonical (equality terms as matchLabels)."""
    return LabelSelector(matchExpressions=tuple(reqs)).canonical()


def namespace_part(parsed: Parsed) -> tuple[tuple[str, ...] | None, LabelSelector | None]:
    """(namespaceNames, namespaces) of a parsed peer selector that has a namespace constraint."""
    names = tuple(sorted(parsed.namespace_names)) if parsed.namespace_names is not None else None
    reqs = [*parsed.namespace_terms, *parsed.namespace_negative]
    if reqs:
        return names, selector_of(reqs)
    if names is not None:
        return names, None
    return None, LabelSelector()


def entity_of(parsed: Parsed, raw_key: str) -> Entity:
    """The entity a selector made of one `reserved:<name>` term stands for."""
    if len(parsed.reserved) != 1 or parsed.pods or parsed.has_namespace_key or parsed.namespace_terms \
            or parsed.service_accounts is not None:
        raise SelectorError(raw_key, "a selector mixing reserved: labels with other terms has no equivalent")
    try:
        return Entity(parsed.reserved[0])
    except ValueError as exc:
        raise SelectorError(raw_key, f"reserved identity {parsed.reserved[0]!r} has no equivalent entity") from exc
