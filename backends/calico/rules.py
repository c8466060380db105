"""One Calico rule -> one intent rule (or none when it can never match), with Calico's implicit meanings made
explicit: an omitted protocol is every protocol, `ports` need a protocol, `notProtocol`/`notICMP`/`notPorts`
become intent `notPorts`, HTTP exact/prefix paths become full-match regular expressions."""

from __future__ import annotations

import re

from pydantic import ValidationError

from backends.calico.api import CalicoRule, EntityRule, HTTPMatch, ICMPFields
from backends.calico.constants import PROTOCOL_NUMBERS, SERVICE_ACCOUNT_LABEL
from backends.calico.entity import NOTHING, Context, Path, entity_peers, parse_at, pod_terms
from backends.calico.selector import All, And, Node, conj, one_of
from translator.errors import InvalidField, UnsupportedField
from translator.model import Action, Direction, HTTPRule, ICMPMatch, Peer, PortSpec, Protocol, Rule
from translator.origins import mark

ACTIONS = {"Allow": Action.ALLOW, "Deny": Action.DENY, "Pass": Action.PASS, "Log": Action.LOG}
PROTOCOLS = {"tcp": Protocol.TCP, "udp": Protocol.UDP, "sctp": Protocol.SCTP, "icmp": Protocol.ICMP,
             "icmpv6": Protocol.ICMPV6}
_LOCAL_INGRESS_OK = frozenset({"ports", "notPorts"})


def protocol(value: int | str | None, path: Path) -> Protocol | None:
    """A Calico protocol (name or number) as an intent protocol; other protocols are unsupported."""
    if value is None:
        return None
    name = PROTOCOL_NUMBERS.get(value, str(value)) if isinstance(value, int) else value
    if isinstance(name, str) and name.isdigit():
        name = PROTOCOL_NUMBERS.get(int(name), name)
    found = PROTOCOLS.get(str(name).lower())
    if found is None:
        raise UnsupportedField(path, f"protocol {value!r} has no intent equivalent (TCP, UDP, SCTP, ICMP, ICMPv6 only)")
    return found


def _port(value: int | str, proto: Protocol | None, path: Path) -> PortSpec:
    if proto is None or not proto.has_ports:
        raise InvalidField(path, "ports need the rule's protocol to be TCP, UDP or SCTP")
    text = str(value)
    first, sep, last = text.partition(":")
    try:
        if sep:
            start, end = int(first), int(last)
            return PortSpec(protocol=proto, port=start, endPort=end if end != start else None)
        return PortSpec(protocol=proto, port=int(text) if text.isdigit() else text)
    except (ValueError, ValidationError) as exc:
        msg = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else f"invalid port {text!r}"
        raise InvalidField(path, msg.removeprefix("Value error, ")) from exc


def _icmp(fields: ICMPFields, proto: Protocol | None, path: Path) -> PortSpec:
    if proto not in (Protocol.ICMP, Protocol.ICMPV6):
        raise InvalidField(path, "icmp needs protocol ICMP or ICMPv6")
    if fields.type is None:
        if fields.code is not None:
            raise InvalidField(path, "an ICMP code needs a type")
        return PortSpec(protocol=proto)
    try:
        return PortSpec(protocol=proto, icmp=ICMPMatch(type=fields.type, code=fields.code))
    except ValidationError as exc:
        raise InvalidField(path, exc.errors()[0]["msg"]) from exc


def ports(rule: CalicoRule, path: Path) -> tuple[tuple[PortSpec, ...] | None, tuple[PortSpec, ...] | None]:
    """(ports, notPorts) of a rule: destination ports under the rule's protocol, plus the negated fields."""
    proto = protocol(rule.protocol, (*path, "protocol"))
    dst = rule.destination
    specs: list[PortSpec] = [_port(p, proto, (*path, "destination", "ports", i)) for i, p in enumerate(dst.ports or ())]
    if rule.icmp is not None:
        specs = [_icmp(rule.icmp, proto, (*path, "icmp"))]
    elif not specs and proto is not None:
        specs = [PortSpec(protocol=proto)]
    negated = [_port(p, proto, (*path, "destination", "notPorts", i)) for i, p in enumerate(dst.notPorts or ())]
    if rule.notICMP is not None:
        negated.append(_icmp(rule.notICMP, proto, (*path, "notICMP")))
    not_proto = protocol(rule.notProtocol, (*path, "notProtocol"))
    if not_proto is not None:
        negated.append(PortSpec(protocol=not_proto))
    return tuple(specs) or None, tuple(negated) or None


def http(match: HTTPMatch) -> tuple[HTTPRule, ...]:
    """Calico's methods (OR) and exact/prefix paths (OR), ANDed, as full-match regular expressions."""
    method = "|".join(re.escape(m) for m in match.methods or ()) or None
    paths: list[str | None] = []
    for p in match.paths or ():
        if (p.exact is None) == (p.prefix is None):
            raise InvalidField((), "each HTTP path needs exactly one of exact or prefix")
        paths.append(re.escape(p.exact) if p.exact is not None else re.escape(p.prefix or "") + ".*")
    return tuple(HTTPRule(method=method, path=p) for p in (paths or [None]))


def _check_local_side(er: EntityRule, direction: Direction, ctx: Context, path: Path) -> None:
    """The side of the rule that is the policy's own endpoint may only carry destination ports (ingress), or a
    selector that spec.selector already implies (all(), or a subset of its AND-terms)."""
    allowed = _LOCAL_INGRESS_OK if direction is Direction.INGRESS else frozenset()
    side = "destination" if direction is Direction.INGRESS else "source"
    for name, value in er:
        if value is None or name in allowed:
            continue
        if name == "selector" and _implied(value, ctx, (*path, side, name)):
            continue
        if name == "serviceAccounts" and value.names and not value.selector \
                and service_account_atom(value.names) in ctx.subject_atoms:
            continue
        if name in ("ports", "notPorts"):
            raise UnsupportedField((*path, side, name), f"{side}.{name} in an {direction.value} rule matches the "
                                "policy's own source ports, which intents cannot express")
        if name == "serviceAccounts" and value.selector:
            raise UnsupportedField((*path, side, name), f"{side}.serviceAccounts.selector in an "
                                f"{direction.value} rule narrows the policy's own pods to service accounts selected "
                                "by their labels; intents name service accounts only")
        raise UnsupportedField((*path, side, name), f"{side}.{name} in an {direction.value} rule narrows the "
                            "policy's own endpoints, which intents cannot express")


def service_account_atom(names: list[str]) -> Node:
    """The selector term a local-side `serviceAccounts.names` stands for."""
    return one_of(SERVICE_ACCOUNT_LABEL, tuple(sorted(set(names))))


def local_condition(rule: CalicoRule, direction: Direction, path: Path) -> tuple[Node, Path] | None:
    """What a rule's local side (ingress destination, egress source) requires of the policy's own pods, when it
    is only a selector and/or service-account names (and, in ingress, destination ports): the rule applies to
    the pods that also match it. None when there is no such condition (or one the importer refuses)."""
    ingress = direction is Direction.INGRESS
    side_name = "destination" if ingress else "source"
    side = rule.destination if ingress else rule.source
    used = {name for name, value in side if value is not None} - (_LOCAL_INGRESS_OK if ingress else frozenset())
    if not used or not used <= {"selector", "serviceAccounts"}:
        return None
    parts: list[Node] = []
    where: Path = (*path, side_name, sorted(used)[-1])
    if side.selector:
        parts.append(parse_at(side.selector, (*path, side_name, "selector")))
    if side.serviceAccounts is not None:
        if side.serviceAccounts.selector or not side.serviceAccounts.names:
            return None
        parts.append(service_account_atom(side.serviceAccounts.names))
    return conj(*parts), where


def _implied(text: str, ctx: Context, path: Path) -> bool:
    terms = pod_terms(text, path)
    if len(terms) != 1:
        return False
    atoms = terms[0].operands if isinstance(terms[0], And) else (terms[0],)
    return all(isinstance(a, All) or a in ctx.subject_atoms for a in atoms)


def _fqdn_peers(er: EntityRule, path: Path) -> tuple[Peer, ...]:
    others = [name for name, value in er if value is not None and name not in ("domains", "ports", "notPorts")]
    if others:
        raise UnsupportedField((*path, "destination", others[0]), "destination.domains (Calico Enterprise) together "
                            "with other destination matches cannot be expressed as intent peers")
    out = []
    for i, name in enumerate(er.domains or ()):
        if "*" in name:
            raise UnsupportedField((*path, "destination", "domains", i), f"domain {name!r} (Calico Enterprise "
                                "destination.domains): its '*' matches one or more DNS labels, intents' '*' only "
                                "one; no exact equivalent")
        try:
            out.append(Peer(fqdn=name))
        except ValidationError as exc:
            raise InvalidField((*path, "destination", "domains", i), exc.errors()[0]["msg"]) from exc
    return tuple(out)


def read_rule(rule: CalicoRule, direction: Direction, ctx: Context, path: Path) -> Rule | None:
    """The intent rule for one Calico rule; None when the rule can never match anything."""
    action = ACTIONS.get(rule.action)
    if action is None:
        raise InvalidField((*path, "action"), f"action must be Allow, Deny, Pass or Log, got {rule.action!r}")
    ingress = direction is Direction.INGRESS
    peer_side, local_side = (rule.source, rule.destination) if ingress else (rule.destination, rule.source)
    _check_local_side(local_side, direction, ctx, path)
    side = "source" if ingress else "destination"
    if peer_side.ports is not None or (ingress and peer_side.notPorts is not None):
        field = "ports" if peer_side.ports is not None else "notPorts"
        if ingress:
            raise UnsupportedField((*path, side, field), "source ports have no intent equivalent")
    if not ingress and peer_side.services is not None:
        raise UnsupportedField((*path, side, "services"), "destination.services also limits the rule to the Service's "
                            "ports, which an intent's service peer does not")
    peers: tuple[Peer, ...] | None
    not_peers: tuple[Peer, ...] | None
    if not ingress and peer_side.domains:
        peers, not_peers = _fqdn_peers(peer_side, path), None
    else:
        peers, not_peers = entity_peers(peer_side, ctx, (*path, side))
    if peers is NOTHING:
        return None
    port_specs, not_ports = ports(rule, path)
    _check_ip_version(rule, peers, port_specs, path)
    http_rules: tuple[HTTPRule, ...] | None = None
    if rule.http is not None:
        if not ingress:
            raise UnsupportedField((*path, "http"), "HTTP matches in egress rules are not enforced by Calico")
        http_rules = http(rule.http)
        port_specs = port_specs or (PortSpec(protocol=Protocol.TCP),)
    fields: dict[str, object] = {"action": action, "peers": peers, "notPeers": not_peers, "ports": port_specs,
                                 "notPorts": not_ports}
    if http_rules is not None:
        fields["http"] = http_rules
    _mark_parts(rule, path, side, (peers, not_peers), (port_specs, not_ports), http_rules)
    try:
        return Rule.model_validate(fields)
    except ValidationError as exc:
        raise InvalidField(path, exc.errors()[0]["msg"].removeprefix("Value error, ")) from exc


def _mark_parts(rule: CalicoRule, path: Path, side: str,
                peer_lists: tuple[tuple[Peer, ...] | None, tuple[Peer, ...] | None],
                port_lists: tuple[tuple[PortSpec, ...] | None, tuple[PortSpec, ...] | None],
                http_rules: tuple[HTTPRule, ...] | None) -> None:
    """Mark the rule's peers, notPeers, ports, notPorts and HTTP matches with the native fields they came from (for
    diagnostics)."""
    for peers in peer_lists:
        for peer in peers or ():
            mark(peer, (*path, side))
    for specs, listed, single in zip(port_lists, ("ports", "notPorts"), (("icmp", "protocol"),
                                                                          ("notICMP", "notProtocol"))):
        numbered = getattr(rule.destination, listed) or ()
        for j, spec in enumerate(specs or ()):
            if j < len(numbered) and spec.port is not None:
                mark(spec, (*path, "destination", listed, j))
            else:
                mark(spec, (*path, next((f for f in single if getattr(rule, f) is not None), "destination")))
    for h in http_rules or ():
        mark(h, (*path, "http"))


def _check_ip_version(rule: CalicoRule, peers: tuple[Peer, ...] | None, specs: tuple[PortSpec, ...] | None,
                      path: Path) -> None:
    version = rule.ipVersion
    if version is None:
        return
    if version not in (4, 6):
        raise InvalidField((*path, "ipVersion"), "ipVersion must be 4 or 6")
    protos = {s.protocol for s in specs or ()}
    family = {4: Protocol.ICMP, 6: Protocol.ICMPV6}[version]
    if protos and protos <= {family}:
        return
    if peers and all(p.network is not None and p.network.version == version for p in peers):
        return
    raise UnsupportedField((*path, "ipVersion"), f"ipVersion {version} limits the rule to IPv{version} traffic, which "
                        "intents cannot express for these peers")
