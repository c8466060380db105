"""networking.k8s.io/v1 NetworkPolicy -> intent, with every implicit Kubernetes meaning made explicit:
policyTypes defaulting, TCP as the default protocol, empty `from`/`to`/`ports` meaning "any", and rules of a
direction that policyTypes does not list being ignored."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from pydantic import ValidationError

from backends.kubernetes.api import NetworkPolicy, NPEgressRule, NPIngressRule, NPPeer, NPPort
from backends.kubernetes.generate import NAMESPACE_NAME_LABEL
from translator import codes
from translator.diagnostics import Diagnostics
from translator.errors import InvalidField
from translator.load.source import Document
from translator.load.validation import report_validation_error
from translator.model import (
    API_VERSION,
    KIND,
    Direction,
    LabelSelector,
    NetworkIntent,
    Operator,
    Peer,
    PortSpec,
    Protocol,
    Rule,
)

PROTOCOLS = {"TCP": Protocol.TCP, "UDP": Protocol.UDP, "SCTP": Protocol.SCTP}
DEFAULT_NAMESPACE = "default"


def split_namespace_names(sel: LabelSelector) -> tuple[tuple[str, ...] | None, LabelSelector | None]:
    """Pull `kubernetes.io/metadata.name` equality / In terms out of a namespace selector as names.

    Returns (names, rest): rest is None when nothing else remains. Exact, because Kubernetes sets that label
    to the namespace's name on every namespace (1.21+).
    """
    names: set[str] | None = None
    labels = dict(sel.matchLabels)
    if NAMESPACE_NAME_LABEL in labels:
        names = {labels.pop(NAMESPACE_NAME_LABEL)}
    rest = []
    for req in sel.matchExpressions:
        if req.key == NAMESPACE_NAME_LABEL and req.operator is Operator.IN:
            names = set(req.values) if names is None else names & set(req.values)
        else:
            rest.append(req)
    if names is None:
        return None, sel
    if not names:  # contradictory terms: keep the selector as written, it selects nothing
        return None, sel
    remaining = LabelSelector(matchLabels=labels, matchExpressions=tuple(rest))
    return tuple(sorted(names)), (None if remaining.is_empty() else remaining)


Notes = list[tuple[tuple[str | int, ...], str]]
"""Warnings found while reading (path, message), reported once the policy is read."""


def _masked(text: str, path: tuple[str | int, ...], notes: Notes) -> str:
    """A CIDR with its host bits cleared, as the API server stores it (`20.0.0.0/2` -> `0.0.0.0/2`), with a note;
    text that is not a CIDR at all is left for the model to reject."""
    try:
        ipaddress.ip_network(text)
        return text
    except ValueError:
        pass
    try:
        masked = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return text
    notes.append((path, f"CIDR {text!r} has host bits set; the API server accepts it and matches {masked}, "
                        "which is what is translated"))
    return str(masked)


def _peer(p: NPPeer, path: tuple[str | int, ...], notes: Notes) -> Peer:
    if p.ipBlock is not None:
        cidr = _masked(p.ipBlock.cidr, (*path, "ipBlock", "cidr"), notes)
        excepts = [_masked(e, (*path, "ipBlock", "except", i), notes) for i, e in enumerate(p.ipBlock.except_ or [])]
        try:
            return Peer.model_validate({"cidr": cidr, "except": excepts})
        except ValidationError as exc:
            raise InvalidField((*path, "ipBlock"), exc.errors()[0]["msg"].removeprefix("Value error, ")) from exc
    if p.namespaceSelector is None:
        return Peer(pods=p.podSelector)
    names, rest = split_namespace_names(p.namespaceSelector)
    return Peer(pods=p.podSelector, namespaces=rest, namespaceNames=names) if names else \
        Peer(pods=p.podSelector, namespaces=p.namespaceSelector)


def _port(p: NPPort, path: tuple[str | int, ...]) -> PortSpec:
    proto = PROTOCOLS.get(p.protocol or "TCP")
    if proto is None:
        raise InvalidField((*path, "protocol"), f"unsupported protocol {p.protocol!r} (expected TCP, UDP or SCTP)")
    if p.endPort is not None and not isinstance(p.port, int):
        raise InvalidField((*path, "endPort"), "endPort needs a numeric port")
    try:
        return PortSpec(protocol=proto, port=p.port, endPort=p.endPort)
    except ValidationError as exc:
        field = "endPort" if "endPort" in str(exc) else "port"
        raise InvalidField((*path, field), exc.errors()[0]["msg"].removeprefix("Value error, ")) from exc


def _rule(r: NPIngressRule | NPEgressRule, direction: Direction, path: tuple[str | int, ...], notes: Notes) -> Rule:
    key = "from" if direction is Direction.INGRESS else "to"
    raw_peers: Sequence[NPPeer] | None = r.from_ if isinstance(r, NPIngressRule) else r.to
    peers = tuple(_peer(p, (*path, key, i), notes) for i, p in enumerate(raw_peers or ())) or None
    ports = tuple(_port(p, (*path, "ports", i)) for i, p in enumerate(r.ports or ())) or None
    return Rule(peers=peers, ports=ports)


def policy_types(np: NetworkPolicy) -> list[Direction]:
    """Directions the policy isolates, with the API server's defaulting (Ingress; Egress if egress rules)."""
    if np.spec.policyTypes:
        return [Direction(t.lower()) for t in np.spec.policyTypes]
    types = [Direction.INGRESS]
    if np.spec.egress:
        types.append(Direction.EGRESS)
    return types


def import_network_policy(doc: Document, diags: Diagnostics) -> NetworkIntent | None:
    """One NetworkPolicy as an intent, or None with diagnostics."""
    try:
        np = NetworkPolicy.model_validate(doc.data)
    except ValidationError as exc:
        report_validation_error(exc, doc, f"NetworkPolicy {doc.name}", diags)
        return None
    for i, t in enumerate(np.spec.policyTypes or ()):
        if t not in ("Ingress", "Egress"):
            diags.error(codes.INVALID_VALUE, f"NetworkPolicy {doc.name}: policyTypes[{i}] must be Ingress or Egress, "
                        f"got {t!r}", doc.locate("spec", "policyTypes", i))
            return None
    namespace = np.metadata.namespace
    if namespace is None:
        diags.warning(codes.MISSING_NAMESPACE, f"NetworkPolicy {np.metadata.name} has no metadata.namespace; "
                      f"assuming {DEFAULT_NAMESPACE!r} (kubectl would use the current context's namespace)",
                      doc.locate("metadata"))
        namespace = DEFAULT_NAMESPACE
    if np.spec.podSelector is None:
        diags.warning(codes.IMPORT_NOTE, f"NetworkPolicy {np.metadata.name}: no spec.podSelector, which selects every "
                   "pod in the namespace", doc.locate("spec"))
    types = policy_types(np)
    spec: dict[str, object] = {"subject": {"pods": np.spec.podSelector or LabelSelector()}, "isolate": types}
    notes: Notes = []
    try:
        sides: tuple[tuple[Direction, Sequence[NPIngressRule | NPEgressRule] | None], ...] = (
            (Direction.INGRESS, np.spec.ingress), (Direction.EGRESS, np.spec.egress))
        for direction, rules in sides:
            if direction not in types:
                if rules:
                    diags.warning(codes.IMPORT_NOTE, f"NetworkPolicy {np.metadata.name}: {direction.value} rules are "
                                  f"ignored because policyTypes does not list {direction.value.capitalize()}",
                                  doc.locate("spec", direction.value))
                continue
            spec[direction.value] = tuple(_rule(r, direction, ("spec", direction.value, i), notes)
                                          for i, r in enumerate(rules or ()))
        meta = {"name": np.metadata.name, "namespace": namespace, "labels": np.metadata.labels or {},
                "annotations": np.metadata.annotations or {}}
        intent = NetworkIntent.model_validate({"apiVersion": API_VERSION, "kind": KIND, "metadata": meta,
                                               "spec": spec})
        for path, message in notes:
            diags.warning(codes.IMPORT_NOTE, f"NetworkPolicy {doc.name}: {message}", doc.locate(*path))
        return intent
    except InvalidField as exc:
        diags.error(codes.INVALID_VALUE, f"NetworkPolicy {doc.name}: {exc}", doc.locate(*exc.path))
    except ValidationError as exc:
        report_validation_error(exc, doc, f"NetworkPolicy {doc.name}", diags)
    return None


PEER_FIELDS = {"cidr": ("ipBlock", "cidr"), "except": ("ipBlock", "except"), "pods": ("podSelector",),
               "namespaces": ("namespaceSelector",), "namespaceNames": ("namespaceSelector",)}


def native_path(path: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """Where an intent field of an imported NetworkPolicy came from (see import_network_policy)."""
    match path:
        case ("spec", "subject", *_):
            return ("spec", "podSelector")
        case ("spec", "isolate", *_):
            return ("spec", "policyTypes")
        case ("spec", "ingress" | "egress" as d, int(i), "peers", int(j), str(f), *rest):
            return ("spec", d, i, "from" if d == "ingress" else "to", j, *PEER_FIELDS.get(f, (f,)),
                    *(rest if f not in ("namespaceNames",) else ()))
        case ("spec", "ingress" | "egress" as d, int(i), "peers", *rest):
            return ("spec", d, i, "from" if d == "ingress" else "to", *rest)
        case ("spec", "ingress" | "egress" as d, int(i), "ports", *rest):
            return ("spec", d, i, "ports", *rest)
        case ("spec", "ingress" | "egress" as d, *rest):
            return ("spec", d, *rest)
        case ("spec", *_):
            return ("spec",)
    return ()
