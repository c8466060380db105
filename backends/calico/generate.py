"""Intent -> projectcalico.org/v3 (or crd.projectcalico.org/v1) NetworkPolicy / GlobalNetworkPolicy.

Rules are exact: one Calico rule per (peer x protocol) because a Calico rule has one protocol and ANDs its match
fields; an omitted protocol only where the intent means every protocol (Calico's omitted protocol also matches ICMP
and every other IP protocol, so protocol ANY is written as TCP, UDP and SCTP rules). Peer pod selectors carry
`projectcalico.org/orchestrator == 'k8s'`, as Calico's own NetworkPolicy conversion does, so that they match pods
only (not NetworkSets or host endpoints that share the labels). Layout (order, parts, trailing Pass) comes from
backends/calico/layout.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from backends.calico import constants as c
from backends.calico.api import CRD_V1, V3
from backends.calico.layout import Part, tier_name
from backends.calico.selector import MAX_LENGTH as SELECTOR_MAX_LENGTH
from backends.calico.selector import (
    Compare,
    Node,
    conj,
    disj,
    from_label_selector,
    one_of,
    rename_keys,
    render,
)
from translator.model import (
    DEFAULT_TIER,
    Action,
    Direction,
    Entity,
    HTTPRule,
    LabelSelector,
    NetworkIntent,
    Peer,
    PeerKind,
    PortSpec,
    Protocol,
    Rule,
)

PODS_ONLY = Compare(c.ORCHESTRATOR_LABEL, "==", c.ORCHESTRATOR_K8S)
MAX_PORTS = 50
ACTIONS = {Action.ALLOW: "Allow", Action.DENY: "Deny", Action.PASS: "Pass", Action.LOG: "Log"}
_PART_ACTIONS = {"deny": {Action.DENY}, "allow": {Action.ALLOW, Action.LOG}, "pass": {Action.PASS}}


class Unexpressible(ValueError):
    """A rule Calico cannot express exactly; `path` is relative to the rule."""

    def __init__(self, message: str, path: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.path = path


class Covered(Unexpressible):
    """Unexpressible, and already reported by the capability table (entities, HTTP host/headers)."""


@dataclass(frozen=True)
class Options:
    """Target settings that change the output."""

    api_version: str = V3
    enterprise: bool = False
    alp: bool = False
    node_nets: tuple[str, ...] = ()
    """The node ranges the target declares (`node-cidr`): excluded from `world`, which Calico's notSelector alone
    would let match node IPs and host endpoints."""


# -- selectors -------------------------------------------------------------------------------------------------


def namespace_expr(sel: LabelSelector) -> Node:
    """A namespace label selector as a namespaceSelector (the k8s name label read as `projectcalico.org/name`)."""
    return rename_keys(from_label_selector(sel), {c.K8S_NAMESPACE_NAME: c.NAME_LABEL})


def peer_namespace(peer: Peer) -> Node | None:
    """The namespaceSelector of an endpoints peer; None = none (own namespace, or every one for a global policy)."""
    if peer.namespaces is None and peer.namespaceNames is None:
        return None
    terms = [one_of(c.NAME_LABEL, peer.namespaceNames)] if peer.namespaceNames else []
    if peer.namespaces is not None:
        terms.append(namespace_expr(peer.namespaces))
    return conj(*terms)


def endpoint_expr(peer: Peer, intent: NetworkIntent) -> Node:
    """One selector over endpoint labels for an endpoints peer, namespace included (for notSelector)."""
    terms: list[Node] = [PODS_ONLY, from_label_selector(peer.pods or LabelSelector())]
    if peer.namespaceNames:
        terms.append(one_of(c.NAMESPACE_LABEL, peer.namespaceNames))
    if peer.namespaces is not None:
        terms.append(rename_keys(from_label_selector(peer.namespaces), {c.K8S_NAMESPACE_NAME: c.NAMESPACE_LABEL},
                                 prefix=c.NAMESPACE_PREFIX))
    if peer.namespaces is None and peer.namespaceNames is None and intent.metadata.namespace is not None:
        terms.append(Compare(c.NAMESPACE_LABEL, "==", intent.metadata.namespace))
    if peer.serviceAccounts:
        terms.append(one_of(c.SERVICE_ACCOUNT_LABEL, peer.serviceAccounts))
    return conj(*terms)


# -- peers -----------------------------------------------------------------------------------------------------


def peer_fields(peer: Peer, intent: NetworkIntent, direction: Direction, options: Options | None = None
                ) -> dict[str, Any]:
    """The EntityRule fields for one peer."""
    kind = peer.kind
    if kind is PeerKind.ENDPOINTS:
        pods = from_label_selector(peer.pods or LabelSelector())
        out: dict[str, Any] = {"selector": _selector(conj(PODS_ONLY, pods))}
        ns = peer_namespace(peer)
        if ns is not None:
            out["namespaceSelector"] = _selector(ns)
        if peer.serviceAccounts:
            out["serviceAccounts"] = {"names": list(peer.serviceAccounts)}
        return out
    if kind is PeerKind.CIDR:
        return {"nets": [peer.cidr], **({"notNets": list(peer.except_)} if peer.except_ else {})}
    if kind is PeerKind.FQDN:
        return {"domains": [peer.fqdn]}
    if kind is PeerKind.SERVICE:
        svc = peer.service
        assert svc is not None
        return {"services": {"name": svc.name, **({"namespace": svc.namespace} if svc.namespace else {})}}
    if peer.entity is Entity.ALL:
        return {}
    if peer.entity is Entity.WORLD and intent.is_cluster_scoped:
        node_nets = options.node_nets if options is not None else ()
        return {"notSelector": render(PODS_ONLY), **({"notNets": list(node_nets)} if node_nets else {})}
    raise Covered(f"entity {peer.entity.value if peer.entity else '?'} has no exact Calico form")


def not_peer_fields(not_peers: tuple[Peer, ...], intent: NetworkIntent) -> dict[str, Any]:
    """notNets / notSelector for a rule's notPeers."""
    nets: list[str] = []
    selectors: list[Node] = []
    for i, p in enumerate(not_peers):
        if p.kind is PeerKind.CIDR and not p.except_:
            nets.append(p.cidr or "")
        elif p.kind is PeerKind.ENDPOINTS:
            selectors.append(endpoint_expr(p, intent))
        else:
            raise Unexpressible(f"notPeers entry {p} has no Calico negation", ("notPeers", i))
    out: dict[str, Any] = {}
    if nets:
        out["notNets"] = nets
    if selectors:
        out["notSelector"] = _selector(disj(*selectors))
    return out


def _merge_negations(fields: dict[str, Any], negations: dict[str, Any], peer: Peer | None,
                     intent: NetworkIntent) -> dict[str, Any]:
    out = dict(fields)
    if not negations:
        return out
    if peer is not None and peer.kind in (PeerKind.SERVICE, PeerKind.FQDN):
        raise Unexpressible(f"{peer.kind.value} peers cannot be combined with notPeers in Calico", ("notPeers",))
    if "notSelector" in negations:
        positive = peer is not None and peer.kind is PeerKind.ENDPOINTS
        if not positive and intent.metadata.namespace is not None and "notSelector" not in out:
            raise Unexpressible("in a namespaced Calico NetworkPolicy a notSelector also limits the rule to the "
                                "policy's namespace; only a GlobalNetworkPolicy can negate pods here", ("notPeers",))
        if "notSelector" not in out:  # world already excludes every pod
            out["notSelector"] = negations["notSelector"]
    if "notNets" in negations:
        out["notNets"] = [*out.get("notNets", []), *negations["notNets"]]
    return out


# -- ports -----------------------------------------------------------------------------------------------------


def _calico_port(spec: PortSpec) -> int | str:
    if spec.is_range:
        return f"{spec.port}:{spec.endPort}"
    assert spec.port is not None, "only specs with a port are written as ports"
    return spec.port


def _concrete(specs: tuple[PortSpec, ...]) -> list[tuple[Protocol, PortSpec]]:
    return [(p, s) for s in specs for p in s.protocol.expand()]


def _icmp(spec: PortSpec) -> dict[str, int]:
    assert spec.icmp is not None
    return {"type": spec.icmp.type, **({"code": spec.icmp.code} if spec.icmp.code is not None else {})}


def _ip_version(proto: Protocol) -> int:
    return 4 if proto is Protocol.ICMP else 6


def port_groups(rule: Rule) -> list[dict[str, Any]]:
    """Protocol-level fields of the Calico rules one intent rule needs (one entry per Calico rule); the key
    `ports`/`notPorts` go into the destination. An empty list means the rule matches nothing."""
    negated = _concrete(rule.notPorts or ())
    if not rule.ports:
        return _all_but(negated)
    out: list[dict[str, Any]] = []
    by_proto: dict[Protocol, list[PortSpec]] = {}
    for proto, spec in _concrete(rule.ports):
        by_proto.setdefault(proto, []).append(spec)
    for proto, specs in by_proto.items():
        neg = [s for p, s in negated if p is proto]
        out.extend(_icmp_groups(proto, specs, neg) if not proto.has_ports else _port_group(proto, specs, neg))
    return out


def _all_but(negated: list[tuple[Protocol, PortSpec]]) -> list[dict[str, Any]]:
    if not negated:
        return [{}]
    protos = {p for p, _ in negated}
    if len(protos) != 1:
        raise Unexpressible("notPorts on several protocols without ports: Calico has one notProtocol per rule",
                            ("notPorts",))
    proto = protos.pop()
    out: list[dict[str, Any]] = [{"notProtocol": proto.value}]
    specs = [s for _, s in negated]
    if any(s.port is None and s.icmp is None for s in specs):
        return out
    every = [PortSpec(protocol=proto)]
    return out + (_icmp_groups(proto, every, specs) if not proto.has_ports else _port_group(proto, every, specs))


def _port_group(proto: Protocol, specs: list[PortSpec], neg: list[PortSpec]) -> list[dict[str, Any]]:
    if any(s.port is None for s in neg):
        return []
    base: dict[str, Any] = {"protocol": proto.value}
    if neg:
        base["notPorts"] = list(dict.fromkeys(_calico_port(s) for s in neg))
        if len(base["notPorts"]) > MAX_PORTS:
            raise Unexpressible(f"more than {MAX_PORTS} notPorts", ("notPorts",))
    if any(s.port is None for s in specs):
        return [base]
    ports = list(dict.fromkeys(_calico_port(s) for s in specs))
    return [{**base, "ports": ports[i:i + MAX_PORTS]} for i in range(0, len(ports), MAX_PORTS)]


def _icmp_groups(proto: Protocol, specs: list[PortSpec], neg: list[PortSpec]) -> list[dict[str, Any]]:
    if any(s.icmp is None for s in neg):
        return []
    if len(neg) > 1:
        raise Unexpressible("more than one negated ICMP type: Calico has one notICMP per rule", ("notPorts",))
    base: dict[str, Any] = {"ipVersion": _ip_version(proto), "protocol": proto.value}
    if neg:
        base["notICMP"] = _icmp(neg[0])
    if any(s.icmp is None for s in specs):
        return [base]
    return [{**base, "icmp": _icmp(s)} for s in dict.fromkeys(specs)]


# -- HTTP ------------------------------------------------------------------------------------------------------

_META = set(".^$*+?{}[]|()")


def literal(pattern: str) -> str | None:
    """The literal string a regular expression matches exactly (escapes allowed), or None."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            if i + 1 >= len(pattern) or pattern[i + 1].isalnum():
                return None
            out.append(pattern[i + 1])
            i += 2
            continue
        if ch in _META:
            return None
        out.append(ch)
        i += 1
    return "".join(out)


def http_match(h: HTTPRule) -> dict[str, Any]:
    """Calico's HTTPMatch for one intent HTTP rule: methods from a `A|B` alternation, a path that is a literal
    (exact) or a literal followed by `.*` (prefix)."""
    if h.host is not None or h.headers:
        raise Covered("Calico matches only HTTP methods and paths, not host or headers", ("http",))
    out: dict[str, Any] = {}
    if h.method is not None:
        methods = [literal(m) for m in h.method.split("|")]
        if any(m is None or not re.fullmatch(r"[A-Za-z]+", m) for m in methods):
            raise Unexpressible(f"HTTP method regex {h.method!r} is not a list of literal methods", ("http",))
        out["methods"] = methods
    if h.path is not None:
        exact = literal(h.path)
        prefix = literal(h.path[:-2]) if h.path.endswith(".*") and not h.path.endswith("\\.*") else None
        if exact is not None:
            out["paths"] = [{"exact": exact}]
        elif prefix is not None:
            out["paths"] = [{"prefix": prefix}]
        else:
            raise Unexpressible(f"HTTP path regex {h.path!r} is neither a literal nor a literal followed by '.*'",
                                ("http",))
    return out


# -- rules -----------------------------------------------------------------------------------------------------


def calico_rules(rule: Rule, intent: NetworkIntent, direction: Direction, options: Options | None = None
                 ) -> list[dict[str, Any]]:
    """The Calico rules for one intent rule, in order."""
    negations = not_peer_fields(rule.notPeers or (), intent)
    peers: list[Peer | None] = list(rule.peers) if rule.peers else [None]
    sides = []
    for p in peers:
        fields = peer_fields(p, intent, direction, options) if p is not None else {}
        sides.append(_merge_negations(fields, negations, p, intent))
    https = [http_match(h) for h in rule.http] if rule.http else [None]
    out = []
    for group in port_groups(rule):
        for side in sides:
            for h in https:
                out.append(_one(rule.action, group, side, direction, h))
    return out


def _one(action: Action, group: dict[str, Any], side: dict[str, Any], direction: Direction,
         http: dict[str, Any] | None) -> dict[str, Any]:
    ports = {k: group[k] for k in ("ports", "notPorts") if k in group}
    out: dict[str, Any] = {"action": ACTIONS[action]}
    out.update({k: group[k] for k in ("ipVersion", "protocol", "notProtocol", "icmp", "notICMP") if k in group})
    if direction is Direction.INGRESS:
        if side:
            out["source"] = side
        if ports:
            out["destination"] = ports
    elif side or ports:
        out["destination"] = {**side, **ports}
    if http:
        out["http"] = http
    return out


def part_rules(part: Part, intent: NetworkIntent, direction: Direction, options: Options = Options()
               ) -> list[dict[str, Any]]:
    """The Calico rules of one direction of one part (rules that need Calico Enterprise are left out for open
    source Calico; CalicoBackend has refused them unless errors are only warnings)."""
    if part.kind in ("isolate", "end"):
        return [{"action": "Deny" if part.kind == "isolate" else "Pass"}] if direction in part.tail else []
    rules = list(intent.rules(direction))
    if part.kind == "sorted":
        rank = {Action.DENY: 0, Action.ALLOW: 1, Action.LOG: 1, Action.PASS: 2}
        rules.sort(key=lambda r: rank[r.action])
    elif part.kind in _PART_ACTIONS:
        rules = [r for r in rules if r.action in _PART_ACTIONS[part.kind]]
    out = []
    for r in rules:
        if not options.enterprise and any(p.kind is PeerKind.FQDN for p in (*(r.peers or ()), *(r.notPeers or ()))):
            continue
        try:
            out.extend(calico_rules(r, intent, direction, options))
        except Unexpressible:
            continue  # reported by CalicoBackend.check; only reached under --error-level warn or ignore
    if part.kind == "sorted" and direction in part.tail:
        out.append({"action": "Pass"})
    return out


def _types(part: Part, intent: NetworkIntent, rules: dict[Direction, list[dict[str, Any]]]) -> list[Direction]:
    if part.kind in ("isolate", "end"):
        return list(part.tail)
    keep_isolation = part.kind in ("all", "sorted", "allow")
    return [d for d in Direction if rules[d] or (keep_isolation and intent.isolates(d))]


def policy_name(intent: NetworkIntent, part: Part) -> str:
    """The Calico name: `<tier>.` prefix outside the default tier (required before Calico 3.32), part suffix."""
    tier = tier_name(intent)
    prefix = f"{tier}." if tier != DEFAULT_TIER else ""
    return f"{prefix}{intent.metadata.name}{part.suffix}"


def subject_fields(intent: NetworkIntent) -> dict[str, Any]:
    """selector, namespaceSelector (GlobalNetworkPolicy: pods only), serviceAccountSelector."""
    subject = intent.spec.subject
    out: dict[str, Any] = {"selector": _selector(from_label_selector(subject.pods))}
    if intent.is_cluster_scoped:
        ns = subject.namespaces
        out["namespaceSelector"] = _selector(namespace_expr(ns)) if ns is not None else "all()"
    if subject.serviceAccounts:
        out["serviceAccountSelector"] = _selector(one_of(c.NAME_LABEL, subject.serviceAccounts))
    return out


def policy(intent: NetworkIntent, part: Part, options: Options) -> dict[str, Any] | None:
    """One Calico policy for one part of an intent; None when it would have no effect."""
    rules = {d: part_rules(part, intent, d, options) for d in Direction}
    types = _types(part, intent, rules)
    if not types:
        return None
    spec: dict[str, Any] = {}
    tier = tier_name(intent)
    if tier != DEFAULT_TIER or options.api_version == CRD_V1:
        spec["tier"] = tier
    if part.order is not None:
        spec["order"] = int(part.order) if part.order.is_integer() else part.order
    spec.update(subject_fields(intent))
    spec["types"] = [d.value.capitalize() for d in types]
    for d in types:
        if rules[d]:
            spec[d.value] = rules[d]
    meta: dict[str, Any] = {"name": policy_name(intent, part)}
    if intent.metadata.namespace is not None:
        meta["namespace"] = intent.metadata.namespace
    if intent.metadata.labels:
        meta["labels"] = dict(intent.metadata.labels)
    if intent.metadata.annotations:
        meta["annotations"] = dict(intent.metadata.annotations)
    kind = "GlobalNetworkPolicy" if intent.is_cluster_scoped else "NetworkPolicy"
    return {"apiVersion": options.api_version, "kind": kind, "metadata": meta, "spec": spec}


def generate(intent: NetworkIntent, parts: list[Part], options: Options) -> list[dict[str, Any]]:
    """The Calico policies for one intent."""
    return [p for part in parts if (p := policy(intent, part, options)) is not None]


def _selector(node: Node) -> str:
    """The selector's text; Unexpressible when it is longer than the selector parser reads back."""
    text = render(node)
    if len(text) > SELECTOR_MAX_LENGTH:
        raise Unexpressible(f"the Calico selector would be {len(text)} characters long, more than the "
                            f"{SELECTOR_MAX_LENGTH} netpolx reads back and verifies")
    return text


def problems(intent: NetworkIntent) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """(path, message) for every rule Calico cannot express exactly (used by CalicoBackend.check)."""
    try:
        subject_fields(intent)
    except Unexpressible as exc:
        yield ("spec", "subject"), str(exc)
    for d in Direction:
        for i, rule in enumerate(intent.rules(d)):
            try:
                calico_rules(rule, intent, d)
            except Covered:
                continue
            except Unexpressible as exc:
                yield ("spec", d.value, i, *exc.path), str(exc)
