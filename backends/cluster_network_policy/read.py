"""ClusterNetworkPolicy v1alpha2, AdminNetworkPolicy and BaselineAdminNetworkPolicy v1alpha1 -> intents.

Every implicit meaning is made explicit: the policy is cluster-scoped and isolates nothing (what no rule decides
goes on to the next tier); its tier is `admin` (order 1,000: before NetworkPolicies, which are the default tier)
or `baseline` (order 10,000,000: after them); its priority is the intent's order (a BaselineAdminNetworkPolicy,
the cluster's only one, gets order 0). Accept/Allow -> allow, Deny -> deny, Pass -> pass. Rules without
protocols match every protocol; a named port matches the container port of that name whatever its protocol, so it
becomes protocol ANY. A `*.` domain name matches one or more labels, which the intent model cannot say: refused.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from backends.cluster_network_policy import api as n
from translator import codes
from translator.diagnostics import Diagnostics
from translator.load.source import Document
from translator.load.validation import report_validation_error
from translator.model import (
    API_VERSION,
    KIND,
    Action,
    Direction,
    LabelSelector,
    NetworkIntent,
    Peer,
    PortSpec,
    Protocol,
    Rule,
    Tier,
)
from translator.origins import mark

ADMIN_TIER = Tier(name="admin", order=1000)
BASELINE_TIER = Tier(name="baseline", order=10_000_000)
ACTIONS = {"Accept": Action.ALLOW, "Allow": Action.ALLOW, "Deny": Action.DENY, "Pass": Action.PASS}
PROTOCOLS = {"TCP": Protocol.TCP, "UDP": Protocol.UDP, "SCTP": Protocol.SCTP}

Path = tuple[str | int, ...]


class _Refused(ValueError):
    def __init__(self, path: Path, message: str, code: str = codes.INVALID_VALUE) -> None:
        super().__init__(message)
        self.path, self.code = path, code


def _selector(sel: LabelSelector | None) -> LabelSelector | None:
    return None if sel is None or sel.is_empty() else sel


def _subject(s: n.Subject) -> dict[str, Any]:
    if s.namespaces is not None:
        return {"pods": LabelSelector(), "namespaces": _selector(s.namespaces)}
    assert s.pods is not None
    return {"pods": s.pods.podSelector, "namespaces": _selector(s.pods.namespaceSelector)}


def _peers(p: n.Peer, direction: Direction, path: Path) -> list[Peer]:
    if direction is Direction.INGRESS and (p.networks is not None or p.nodes is not None or p.domainNames is not None):
        field = next(k for k, v in p if v is not None)
        raise _Refused((*path, field), f"{field} is an egress peer only (ingress peers are namespaces and pods)")
    if p.namespaces is not None:
        return [mark(Peer(namespaces=p.namespaces), path)]
    if p.pods is not None:
        return [mark(Peer(pods=p.pods.podSelector, namespaces=p.pods.namespaceSelector), path)]
    if p.nodes is not None:
        return [mark(Peer(nodes=p.nodes), path)]
    if p.networks is not None:
        out = []
        for i, net in enumerate(p.networks):
            try:
                out.append(mark(Peer(cidr=net), (*path, "networks", i)))
            except ValidationError as exc:
                raise _Refused((*path, "networks", i), exc.errors()[0]["msg"].removeprefix("Value error, ")) from exc
        return out
    out = []
    for i, name in enumerate(p.domainNames or ()):
        if name.startswith("*."):
            raise _Refused((*path, "domainNames", i), f"domain name {name!r}: '*.' matches one or more DNS labels, "
                           "which an intent cannot say (its '*' stays within one label)", codes.IMPORT_UNSUPPORTED)
        try:
            out.append(mark(Peer(fqdn=name), (*path, "domainNames", i)))
        except ValidationError as exc:
            raise _Refused((*path, "domainNames", i), exc.errors()[0]["msg"].removeprefix("Value error, ")) from exc
    return out


def _port(proto: str, path: Path, port: int | None = None, start: int | None = None,
          end: int | None = None) -> PortSpec:
    protocol = PROTOCOLS.get(proto)
    if protocol is None:
        raise _Refused((*path, "protocol"), f"unsupported protocol {proto!r} (expected TCP, UDP or SCTP)")
    if start is not None and end is not None and end < start:
        raise _Refused((*path, "end"), f"end {end} is below start {start}")
    return mark(PortSpec(protocol=protocol, port=port if port is not None else start, endPort=end), path)


def _named(name: str, path: Path) -> PortSpec:
    try:
        return mark(PortSpec(protocol=Protocol.ANY, port=name), path)
    except ValidationError as exc:
        raise _Refused(path, exc.errors()[0]["msg"].removeprefix("Value error, ")) from exc


def _v2_ports(protocols: list[n.Protocol], path: Path) -> list[PortSpec]:
    out = []
    for i, p in enumerate(protocols):
        where = (*path, i)
        if p.destinationNamedPort is not None:
            out.append(_named(p.destinationNamedPort, (*where, "destinationNamedPort")))
            continue
        for proto in ("tcp", "udp", "sctp"):
            match = getattr(p, proto)
            if match is None:
                continue
            dest, at = match.destinationPort, (*where, proto, "destinationPort")
            if dest.range is not None:
                if dest.range.start >= dest.range.end:
                    raise _Refused((*at, "range"), "start must be less than end")
                out.append(_port(proto.upper(), (*at, "range"), start=dest.range.start, end=dest.range.end))
            else:
                out.append(_port(proto.upper(), at, port=dest.number))
    return out


def _v1_ports(ports: list[n.V1Port], path: Path) -> list[PortSpec]:
    out = []
    for i, p in enumerate(ports):
        where = (*path, i)
        if p.namedPort is not None:
            out.append(_named(p.namedPort, (*where, "namedPort")))
        elif p.portNumber is not None:
            out.append(_port(p.portNumber.protocol, (*where, "portNumber"), port=p.portNumber.port))
        elif p.portRange is not None:
            r = p.portRange
            out.append(_port(r.protocol, (*where, "portRange"), start=r.start, end=r.end))
    return out


def _rule(r: n.Rule | n.V1Rule, direction: Direction, path: Path, actions: tuple[str, ...]) -> Rule:
    if r.action not in actions:
        raise _Refused((*path, "action"), f"action must be one of {', '.join(actions)}, got {r.action!r}")
    key = "from" if direction is Direction.INGRESS else "to"
    raw = r.from_ if direction is Direction.INGRESS else r.to
    other = "to" if direction is Direction.INGRESS else "from"
    if (r.to if direction is Direction.INGRESS else r.from_) is not None:
        raise _Refused((*path, other), f"unknown field {other!r} (an {direction.value} rule has {key!r})",
                       codes.INVALID_FIELD)
    if not raw:
        raise _Refused((*path, key), f"{key} needs at least one peer")
    peers = [x for i, p in enumerate(raw) for x in _peers(p, direction, (*path, key, i))]
    if isinstance(r, n.Rule):
        ports = _v2_ports(r.protocols or [], (*path, "protocols"))
    else:
        ports = _v1_ports(r.ports or [], (*path, "ports"))
    rule = Rule(action=ACTIONS[r.action], peers=tuple(peers), ports=tuple(ports) or None,
                description=r.name)
    return mark(rule, path)


def import_policy(doc: Document, diags: Diagnostics) -> NetworkIntent | None:
    """One policy as an intent, or None with diagnostics."""
    what = f"{doc.kind} {doc.name}"
    v2 = doc.kind == n.CNP_KIND
    expected = n.V1ALPHA2 if v2 else n.V1ALPHA1
    if doc.api_version != expected:
        diags.error(codes.UNKNOWN_KIND, f"{what}: apiVersion {doc.api_version!r} is not read (expected {expected})",
                    doc.locate("apiVersion"))
        return None
    try:
        obj: n.ClusterNetworkPolicy | n.AdminNetworkPolicy = (
            n.ClusterNetworkPolicy if v2 else n.AdminNetworkPolicy).model_validate(doc.data)
    except ValidationError as exc:
        report_validation_error(exc, doc, what, diags)
        return None
    try:
        if isinstance(obj, n.ClusterNetworkPolicy):
            if obj.spec.tier not in (n.ADMIN, n.BASELINE):
                raise _Refused(("spec", "tier"), f"tier must be Admin or Baseline, got {obj.spec.tier!r}")
            tier, order = (ADMIN_TIER if obj.spec.tier == n.ADMIN else BASELINE_TIER), obj.spec.priority
            actions: tuple[str, ...] = ("Accept", "Deny", "Pass")
        elif doc.kind == n.ANP_KIND:
            if obj.spec.priority is None:
                raise _Refused(("spec",), "missing required field 'priority'", codes.INVALID_FIELD)
            tier, order, actions = ADMIN_TIER, obj.spec.priority, ("Allow", "Deny", "Pass")
        else:
            if obj.spec.priority is not None:
                raise _Refused(("spec", "priority"), "a BaselineAdminNetworkPolicy has no priority",
                               codes.INVALID_FIELD)
            if obj.metadata.name != "default":
                diags.warning(codes.IMPORT_NOTE, f"{what}: the API server only accepts the BaselineAdminNetworkPolicy "
                              "named 'default'", doc.locate("metadata", "name"))
            tier, order, actions = BASELINE_TIER, 0, ("Allow", "Deny")
        spec: dict[str, Any] = {"scope": "Cluster", "subject": _subject(obj.spec.subject),
                                "isolate": [], "order": order, "tier": tier}
        for direction in Direction:
            rules = getattr(obj.spec, direction.value)
            if rules:
                spec[direction.value] = tuple(_rule(r, direction, ("spec", direction.value, i), actions)
                                              for i, r in enumerate(rules))
        meta = {"name": obj.metadata.name, "labels": obj.metadata.labels or {},
                "annotations": obj.metadata.annotations or {}}
        return NetworkIntent.model_validate({"apiVersion": API_VERSION, "kind": KIND, "metadata": meta, "spec": spec})
    except _Refused as exc:
        diags.error(exc.code, f"{what}: {exc}", doc.locate(*exc.path))
    except ValidationError as exc:
        report_validation_error(exc, doc, what, diags)
    return None


def native_path(path: Path) -> Path:
    """Where an intent field of an imported policy came from, for paths no part was marked for."""
    match path:
        case ("spec", "subject", *_):
            return ("spec", "subject")
        case ("spec", "order"):
            return ("spec", "priority")
        case ("spec", "tier", *_):
            return ("spec", "tier")
        case ("spec", "ingress" | "egress" as d, *rest):
            return ("spec", d, *rest[:1])
        case ("spec", *_):
            return ("spec",)
    return ()
