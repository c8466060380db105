"""CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy -> intents: the generator in reverse.

Every implicit Cilium meaning is made explicit:

* one intent per rule (`spec`, then each entry of `specs`), named `<name>`, or `<name>-<i>` when there are
  several;
* isolation by section presence (a non-empty `ingress`/`ingressDeny`, resp. egress) unless `enableDefaultDeny`
  says otherwise;
* `k8s:` / `any:` key prefixes dropped; `io.kubernetes.pod.namespace` becomes namespace names (Exists: all
  namespaces), `io.cilium.k8s.namespace.labels.<key>` a namespace selector, and
  `io.cilium.k8s.policy.serviceaccount` service accounts; a `reserved:<entity>` selector an entity;
* in a CNP a peer selector without namespace key is pinned to the policy namespace (`{}` = this namespace), as
  Cilium does; in a CCNP it covers all namespaces;
* an omitted or ANY protocol is ANY (TCP, UDP and SCTP); port `0` is every port;
* a rule without peers and ports (`{}`) allows nothing; L4-only rules allow any peer;
* `rules.dns` on port 53 becomes the rule's `dns` names (`matchPattern: '*'` = every name), so the DNS proxy
  that FQDN peers of every policy for these pods depend on is never dropped.

Anything the intent model cannot hold is an error naming the field (NPX110), never dropped: Kafka and other L7
protocols, `fromRequires`/`toRequires`, `authentication`, `toGroups`, `from/toNodes`, `cidrGroupRef`,
`nodeSelector`, TLS interception, header matches with secrets or mismatch actions, ClusterMesh cluster labels,
and selectors that can match non-pod identities. Fields with no traffic
effect (`labels`, `log`) are ignored with a note; `description` is kept in an annotation.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from pydantic import ValidationError

from backends.cilium import api as n
from backends.cilium.cidr import in_cluster_overlap
from backends.cilium.generate import CCNP, DESCRIPTION_ANNOTATION
from backends.cilium.icmp import icmp_type
from backends.cilium.lower import CLUSTER_PEER
from backends.cilium.selectors import (
    SelectorError,
    entity_of,
    namespace_part,
    parse,
    selector_of,
)
from translator import codes
from translator.cluster.ranges import DEFAULT_RANGES, ClusterRanges
from translator.diagnostics import Diagnostics
from translator.errors import InvalidField, UnsupportedField
from translator.load.source import Document
from translator.model import (
    API_VERSION,
    KIND,
    Action,
    Direction,
    Entity,
    HTTPRule,
    LabelSelector,
    NetworkIntent,
    Operator,
    Peer,
    PeerKind,
    PortSpec,
    Protocol,
    Requirement,
    Rule,
    network_within,
)
from translator.model.labels import NAMESPACE_NAME_LABEL
from translator.origins import mark

DEFAULT_NAMESPACE = "default"
PROTOCOLS = {"TCP": Protocol.TCP, "UDP": Protocol.UDP, "SCTP": Protocol.SCTP, "ANY": Protocol.ANY}
Path = tuple[str | int, ...]
NON_POD_ENTITIES = (Entity.WORLD, Entity.HOST, Entity.REMOTE_NODE, Entity.KUBE_APISERVER, Entity.INGRESS,
                    Entity.HEALTH, Entity.INIT, Entity.UNMANAGED)
"""Cilium's reserved identities: the endpoints without a namespace label (CIDR identities are world)."""
PortGroup = tuple[tuple[PortSpec, ...] | None, tuple[HTTPRule, ...] | None, tuple[str, ...] | None]


def _refuse_present(obj: Any, fields: tuple[str, ...], path: Path, why: str) -> None:
    for name in fields:
        value = getattr(obj, name)
        if value is not None:
            raise UnsupportedField((*path, name), f"{name} {why}", field=name)


class Reader:
    """Reads the rules of one Cilium policy object."""

    def __init__(self, doc: Document, cluster: bool, namespace: str | None, diags: Diagnostics,
                 ranges: ClusterRanges = DEFAULT_RANGES) -> None:
        self.doc, self.cluster, self.namespace, self.diags = doc, cluster, namespace, diags
        self.ranges = ranges

    def note(self, message: str, path: Path, warning: bool = False) -> None:
        """An IMPORT_NOTE diagnostic."""
        report = self.diags.warning if warning else self.diags.info
        report(codes.IMPORT_NOTE, f"{self.doc.kind} {self.doc.name}: {message}", self.doc.locate(*path))

    # -- selectors --------------------------------------------------------------------------------------------

    def subject(self, rule: n.Rule, path: Path) -> dict[str, Any]:
        """The intent subject of a rule's endpointSelector."""
        if rule.nodeSelector is not None:
            raise UnsupportedField((*path, "nodeSelector"),
                          "nodeSelector (a host policy for nodes) has no equivalent: intents select pods",
                          field="nodeSelector")
        if rule.endpointSelector is None:
            raise InvalidField(path, "a rule needs endpointSelector (or nodeSelector)")
        where = (*path, "endpointSelector")
        parsed = self._parse(rule.endpointSelector, where)
        if parsed.nothing:
            raise UnsupportedField(where, "an endpointSelector on the pod's node name selects no endpoint "
                          "in Cilium; such a policy has no effect and no equivalent", field="endpointSelector")
        if parsed.reserved:
            raise UnsupportedField(where, "an endpointSelector on reserved identities "
                          f"({', '.join(parsed.reserved)}) has no equivalent: intents select pods",
                          field="endpointSelector")
        out: dict[str, Any] = {"pods": selector_of(parsed.pods)}
        if parsed.service_accounts is not None:
            out["serviceAccounts"] = tuple(sorted(parsed.service_accounts))
        if not self.cluster:
            if parsed.namespace_terms:
                raise UnsupportedField(where, "namespace-label terms in the endpointSelector of a "
                              "namespaced policy have no equivalent (use a CiliumClusterwideNetworkPolicy)",
                              field="endpointSelector")
            other = parsed.namespace_negative or parsed.namespace_names not in (None, {self.namespace})
            if other:
                raise UnsupportedField(where, "a namespace term naming another namespace in the "
                              "endpointSelector of a CiliumNetworkPolicy (Cilium forces the policy's own namespace "
                              "and may then select nothing)", field="endpointSelector")
            return out
        names, nsel = namespace_part(parsed) if parsed.has_namespace_key or parsed.namespace_terms else (None, None)
        out["namespaces"] = _namespaces_with_names(names, nsel)
        return out

    def _parse(self, sel: n.Selector, path: Path) -> Any:
        try:
            parsed = parse(sel.raw())
            for note in parsed.notes:
                self.note(note, path, warning=parsed.nothing)
            return parsed
        except SelectorError as exc:
            raise UnsupportedField(path, str(exc), field=exc.field) from exc
        except ValueError as exc:
            raise InvalidField(path, str(exc)) from exc

    def endpoint_peer(self, sel: n.Selector, path: Path) -> Peer | list[Peer] | None:
        """The peer of one from/toEndpoints selector; None when it selects nothing. A selector whose namespace
        terms are all negative and whose pod terms are all negative also matches every identity that is not a pod
        (they carry no namespace label): those come as entity peers after the pods."""
        parsed = self._parse(sel, path)
        if parsed.nothing:
            return None
        if parsed.reserved:
            try:
                return Peer(entity=entity_of(parsed, "reserved:" + parsed.reserved[0]))
            except SelectorError as exc:
                raise UnsupportedField(path, str(exc), field=exc.field) from exc
        if parsed.namespace_names == set() or parsed.service_accounts == set():
            return None
        pods = selector_of(parsed.pods) if parsed.pods else None
        accounts = tuple(sorted(parsed.service_accounts)) if parsed.service_accounts is not None else None
        scoped = parsed.has_namespace_key or (parsed.namespace_terms and not self.cluster)
        non_pods: list[Peer] = []
        if scoped and not parsed.selects_only_pods and accounts is None \
                and not any(r.operator in (Operator.IN, Operator.EXISTS) for r in parsed.pods):
            non_pods = [Peer(entity=e) for e in NON_POD_ENTITIES]
            self.note("a selector whose namespace and pod terms are all negative also matches every identity that "
                      "is not a pod (no namespace label): imported with the entities "
                      f"{', '.join(e.value for e in NON_POD_ENTITIES)}", path)
        if parsed.namespace_terms and not parsed.has_namespace_key and not self.cluster:
            self.note("a namespace-label selector without io.kubernetes.pod.namespace is read as Cilium >= 1.16 "
                      "reads it (any namespace with those labels); older Cilium pins it to the policy namespace",
                      path)
        names, nsel = namespace_part(parsed) if (scoped or parsed.namespace_terms) else (None, None)
        if self.cluster and names is None and nsel is not None and nsel.is_empty():
            nsel = None  # `io.kubernetes.pod.namespace Exists` is what a CCNP peer means anyway
        if pods is None and accounts is None and names is None and nsel is None:
            pods = LabelSelector()
        peer = Peer(pods=pods, namespaces=nsel, namespaceNames=names, serviceAccounts=accounts)
        return [peer, *non_pods] if non_pods else peer

    # -- peers ------------------------------------------------------------------------------------------------

    def peers(self, rule: Any, direction: Direction, path: Path) -> tuple[list[Peer], bool]:
        """(peers, has_l3): the peers of a rule, and whether it names any L3 peer at all."""
        pre = "from" if direction is Direction.INGRESS else "to"
        refused = ("Requires", "Groups")
        _refuse_present(rule, tuple(pre + r for r in refused), path, "has no equivalent in the intent model")
        readers = ((pre + "Endpoints", self._endpoints), (pre + "CIDR", self._cidrs),
                   (pre + "CIDRSet", self._cidr_set), (pre + "Entities", self._entities),
                   ("toFQDNs", self._fqdns), ("toServices", self._services), (pre + "Nodes", self._nodes))
        used = [name for name, _ in readers if getattr(rule, name, None)]
        if len(used) > 1:
            raise InvalidField((*path, used[1]), f"Cilium rejects a rule combining {used[0]} and {used[1]} (one "
                               "kind of peer per rule), so the whole policy would not be enforced")
        has_l3 = False
        peers: list[Peer] = []
        for field_name, reader in readers:
            values = getattr(rule, field_name, None)
            if values is None:
                continue
            where = (*path, field_name)
            if not values:
                raise UnsupportedField(where, f"an empty {field_name} list: Cilium versions disagree on whether "
                              "it selects nothing or everything", field=field_name)
            has_l3 = True
            for i, v in enumerate(values):
                found = reader(v, (*where, i))
                peers.extend(mark(q, (*where, i)) for q in (found if isinstance(found, list) else [found])
                             if q is not None)
        return peers, has_l3

    def _endpoints(self, sel: n.Selector, path: Path) -> Peer | list[Peer] | None:
        return self.endpoint_peer(sel, path)

    def _nodes(self, sel: Any, path: Path) -> Peer | None:
        """A toNodes / fromNodes selector: nodes by their labels (keys with a label source are refused)."""
        raw = sel if isinstance(sel, dict) else sel.raw() if hasattr(sel, "raw") else None
        if not isinstance(raw, dict):
            raise InvalidField(path, "a node selector must be a label selector")
        data: dict[str, Any] = {"matchLabels": raw.get("matchLabels") or {},
                                "matchExpressions": raw.get("matchExpressions") or []}
        keys = [*data["matchLabels"], *(e.get("key", "") for e in data["matchExpressions"] if isinstance(e, dict))]
        for key in keys:
            if ":" in str(key).split("/")[0] and not str(key).startswith(("k8s:", "any:")):
                raise UnsupportedField(path, f"node selector key {key!r} with a label source has no equivalent",
                                       field=str(key))
        data["matchLabels"] = {str(k).removeprefix("k8s:").removeprefix("any:"): v
                               for k, v in data["matchLabels"].items()}
        for e in data["matchExpressions"]:
            if isinstance(e, dict) and "key" in e:
                e["key"] = str(e["key"]).removeprefix("k8s:").removeprefix("any:")
        try:
            return Peer(nodes=LabelSelector.model_validate(data))
        except ValidationError as exc:
            raise InvalidField(path, exc.errors()[0]["msg"].removeprefix("Value error, ")) from exc

    def _cidrs(self, text: str, path: Path) -> Peer | None:
        return self._cidr(text, [], path)

    def _cidr_set(self, rule: n.CIDRRule, path: Path) -> Peer | None:
        _refuse_present(rule, ("cidrGroupRef", "cidrGroupSelector"), path,
                        "refers to CiliumCIDRGroup objects, which are not part of the input")
        if rule.cidr is None:
            raise InvalidField(path, "a CIDR rule needs cidr")
        return self._cidr(rule.cidr, rule.except_ or [], path)

    def _cidr(self, text: str, excepts: list[str], path: Path) -> Peer | None:
        try:
            net = ipaddress.ip_network(text, strict=False)
            blocks = [ipaddress.ip_network(e, strict=False) for e in excepts]
        except ValueError as exc:
            raise InvalidField(path, f"invalid CIDR: {exc}") from exc
        if any(network_within(net, b) for b in blocks):
            return None  # the except removes the whole block
        try:
            return Peer.model_validate({"cidr": str(net), "except": [str(b) for b in blocks]})
        except ValidationError as exc:
            raise InvalidField(path, exc.errors()[0]["msg"].removeprefix("Value error, ")) from exc

    def _entities(self, name: str, path: Path) -> Peer | None:
        if name == "none":
            return None
        try:
            return Peer(entity=Entity(name))
        except ValueError as exc:
            raise UnsupportedField(path, f"entity {name!r} has no equivalent in the intent model", field=name) from exc

    def _fqdns(self, sel: n.FQDNSelector, path: Path) -> Peer | None:
        name = sel.matchName if sel.matchName is not None else sel.matchPattern
        if name is None or (sel.matchName is not None and sel.matchPattern is not None):
            raise InvalidField(path, "a toFQDNs entry needs exactly one of matchName or matchPattern")
        if sel.matchPattern is not None and "**" in sel.matchPattern:
            raise UnsupportedField((*path, "matchPattern"),
                          f"matchPattern {sel.matchPattern!r}: '**' (several labels) has no equivalent",
                          field="matchPattern")
        if sel.matchName is not None and "*" in sel.matchName:
            raise InvalidField(path, f"matchName {sel.matchName!r} cannot contain '*' (use matchPattern)")
        try:
            return Peer(fqdn=name)
        except ValidationError as exc:
            raise InvalidField(path, exc.errors()[0]["msg"].removeprefix("Value error, ")) from exc

    def _services(self, svc: n.Service, path: Path) -> Peer | None:
        _refuse_present(svc, ("k8sServiceSelector",), path,
                        "(Services chosen by labels) has no equivalent; name the Services")
        ref = svc.k8sService
        if ref is None or not ref.serviceName:
            raise InvalidField(path, "a toServices entry needs k8sService.serviceName")
        if ref.namespace is None and self.cluster:
            raise UnsupportedField((*path, "k8sService"), "a Service without namespace in a cluster-wide "
                          "policy has no equivalent", field="k8sService")
        try:
            return Peer.model_validate({"service": {"name": ref.serviceName, "namespace": ref.namespace}})
        except ValidationError as exc:
            raise InvalidField(path, exc.errors()[0]["msg"].removeprefix("Value error, ")) from exc

    # -- ports ------------------------------------------------------------------------------------------------

    def port_spec(self, pp: n.PortProtocol, path: Path) -> PortSpec:
        """One PortProtocol: protocol made explicit (omitted = ANY), port 0 = every port."""
        name = (pp.protocol or "ANY").upper()
        proto = PROTOCOLS.get(name)
        if proto is None:
            raise UnsupportedField((*path, "protocol"), f"protocol {pp.protocol} has no equivalent "
                          "(TCP, UDP, SCTP or ANY)", field="protocol")
        port: int | str | None = pp.port
        if isinstance(port, str) and port.strip().isdigit():
            port = int(port)
        if port in (0, "", None):
            return mark(PortSpec(protocol=proto), path)
        end = pp.endPort if isinstance(port, int) and pp.endPort and pp.endPort > port else None
        try:
            return mark(PortSpec(protocol=proto, port=port.lower() if isinstance(port, str) else port, endPort=end),
                        path)
        except ValidationError as exc:
            raise InvalidField((*path, "port"), exc.errors()[0]["msg"].removeprefix("Value error, ")) from exc

    def ports(self, specs: list[n.PortProtocol] | None, path: Path) -> list[PortSpec]:
        """Every PortProtocol of a PortRule; none listed = every port of TCP, UDP and SCTP."""
        if not specs:
            return [mark(PortSpec(protocol=Protocol.ANY), path)]
        return [self.port_spec(pp, (*path, "ports", i)) for i, pp in enumerate(specs)]

    def http(self, rules: list[n.HTTPRule], path: Path) -> tuple[HTTPRule, ...]:
        """HTTP rules; header matches with secrets or mismatch actions are refused."""
        out = []
        for i, h in enumerate(rules):
            where = (*path, i)
            headers: list[dict[str, str]] = []
            for text in h.headers or []:
                name, _, value = text.partition(" ")
                headers.append({"name": name.rstrip(":")} | ({"value": value.strip()} if value.strip() else {}))
            for j, m in enumerate(h.headerMatches or []):
                _refuse_present(m, ("secret", "mismatch"), (*where, "headerMatches", j),
                                "has no equivalent (intents match header values given in the policy, and drop "
                                "requests that do not match)")
                if m.value is None:
                    raise UnsupportedField((*where, "headerMatches", j),
                                  "a headerMatches entry without value has no equivalent", field="headerMatches")
                headers.append({"name": m.name, "value": m.value})
            data = {"method": h.method or None, "path": h.path or None, "host": h.host or None, "headers": headers}
            try:
                out.append(mark(HTTPRule.model_validate({k: v for k, v in data.items() if v}), where))
            except ValidationError as exc:
                raise UnsupportedField(where, exc.errors()[0]["msg"].removeprefix("Value error, "),
                                       field="http") from exc
        return tuple(out)

    def l7(self, rules: n.L7Rules, specs: list[PortSpec],
           path: Path) -> tuple[tuple[HTTPRule, ...] | None, tuple[str, ...] | None]:
        """(HTTP rules, DNS names) of a PortRule; (None, None) = plain L4."""
        _refuse_present(rules, ("kafka", "l7proto", "l7"), path, "(an L7 protocol other than HTTP and DNS) has no "
                        "equivalent in the intent model")
        if rules.dns is not None and not rules.dns:
            raise UnsupportedField((*path, "dns"), "an empty rules.dns list has no equivalent (list the names, "
                          "or matchPattern '*' for every name)", field="rules.dns")
        dns = self.dns_names(rules.dns, specs, (*path, "dns")) if rules.dns else None
        if rules.http:
            return self.http(rules.http, (*path, "http")), dns
        return None, dns

    def dns_names(self, rules: list[n.FQDNSelector], specs: list[PortSpec], path: Path) -> tuple[str, ...]:
        """The names of a `rules.dns` list (`matchPattern: '*'` = every name)."""
        if any(s.port is None or s.endPort is not None or s.protocol is Protocol.SCTP for s in specs):
            raise UnsupportedField(path, "DNS rules on every port, a port range or SCTP have no equivalent "
                          "(intents inspect DNS on the servers' UDP/TCP ports)", field="rules.dns")
        names = []
        for i, sel in enumerate(rules):
            peer = self._fqdns(sel, (*path, i))
            if peer is not None and peer.fqdn is not None:
                names.append(peer.fqdn)
        return tuple(dict.fromkeys(names))

    def port_groups(self, rule: Any, direction: Direction, deny: bool, path: Path) -> list[PortGroup]:
        """(ports, http, dns) per intent rule: plain ports together, each PortRule with L7 rules on its own."""
        plain: list[PortSpec] = []
        with_l7: list[PortGroup] = []
        if rule.toPorts and rule.icmps:
            raise InvalidField((*path, "icmps"), "Cilium rejects a rule with both icmps and toPorts, so the whole "
                               "policy would not be enforced")
        for i, pr in enumerate(rule.toPorts or []):
            where = (*path, "toPorts", i)
            specs = self.ports(pr.ports, where)
            if not deny:
                _refuse_present(pr, ("serverNames", "terminatingTLS", "originatingTLS", "listener"), where,
                                "(TLS interception / Envoy listeners) has no equivalent in the intent model")
            if not deny and pr.rules is not None and pr.rules.dns and direction is Direction.INGRESS:
                raise InvalidField((*where, "rules", "dns"), "Cilium rejects DNS rules on ingress")
            http, dns = self.l7(pr.rules, specs, (*where, "rules")) if not deny and pr.rules is not None \
                else (None, None)
            if http is not None or dns is not None:
                with_l7.append((tuple(specs), http, dns))
            else:
                plain.extend(specs)
        plain.extend(self.icmps(rule.icmps or [], (*path, "icmps")))
        if not rule.toPorts and not rule.icmps:
            return [(None, None, None)]
        return ([(tuple(dict.fromkeys(plain)), None, None)] if plain else []) + with_l7

    def icmps(self, rules: list[n.ICMPRule], path: Path) -> list[PortSpec]:
        """ICMP / ICMPv6 types; a family listed with every type 0-255 is that whole protocol (as the generator
        writes a typeless ICMP port)."""
        out: list[PortSpec] = []
        for i, r in enumerate(rules):
            for j, f in enumerate(r.fields or []):
                where = (*path, i, "fields", j)
                family = f.family or "IPv4"
                try:
                    proto, number = icmp_type(family, f.type)
                except ValueError as exc:
                    raise InvalidField(where, str(exc)) from exc
                out.append(mark(PortSpec.model_validate({"protocol": proto, "icmp": {"type": number}}), where))
        for proto in (Protocol.ICMP, Protocol.ICMPV6):
            types = {p.icmp.type for p in out if p.protocol is proto and p.icmp is not None}
            if len(types) == 256:
                out = [p for p in out if p.protocol is not proto] + [PortSpec(protocol=proto)]
        return out

    # -- rules ------------------------------------------------------------------------------------------------

    def rules(self, rules: list[Any] | None, direction: Direction, action: Action, path: Path) -> list[Rule]:
        """Intent rules of one Cilium section."""
        out: list[Rule] = []
        for i, rule in enumerate(rules or []):
            where = (*path, i)
            if action is Action.ALLOW:
                _refuse_present(rule, ("authentication",), where, "(mutual authentication) has no equivalent")
            peers, has_l3 = self.peers(rule, direction, where)
            if has_l3 and not peers:
                continue  # every peer selects nothing: the rule allows (denies) nothing
            groups = self.port_groups(rule, direction, action is Action.DENY, where)
            if not has_l3 and groups == [(None, None, None)]:
                continue  # `{}`: isolates, allows nothing
            not_peers = self.cluster_exclusion(peers, where)
            for ports, http, dns in groups:
                out.append(mark(Rule(action=action, peers=tuple(peers) or None, notPeers=not_peers, ports=ports,
                                     http=http, dns=dns), where))
        return out

    def cluster_exclusion(self, peers: list[Peer], path: Path) -> tuple[Peer, ...] | None:
        """`notPeers: [{entity: cluster}]` for CIDR peers that may hold pod or node addresses: Cilium's CIDR rules
        never match them, while an intent's CIDR peer matches any address."""
        if not peers or any(p.kind is not PeerKind.CIDR for p in peers):
            return None
        if not any(in_cluster_overlap(p, list(self.ranges.all)) for p in peers):
            return None
        self.note("CIDR peers that may hold pod or node addresses are imported with notPeers [{entity: cluster}]: "
                  "Cilium CIDR rules never match pods or nodes", path)
        return (CLUSTER_PEER,)


def _namespaces_with_names(names: tuple[str, ...] | None, nsel: LabelSelector | None) -> LabelSelector | None:
    """A CCNP subject's namespace part as one namespace selector (names via kubernetes.io/metadata.name)."""
    if names is None:
        return None if nsel is None or nsel.is_empty() else nsel
    req = Requirement(key=NAMESPACE_NAME_LABEL, operator=Operator.IN, values=names)
    base = nsel or LabelSelector()
    return LabelSelector(matchLabels=base.matchLabels, matchExpressions=(*base.matchExpressions, req)).canonical()


def isolation(rule: n.Rule) -> list[Direction]:
    """Directions the rule puts into default deny: a non-empty section, unless enableDefaultDeny says otherwise."""
    out = []
    for direction, allow, deny in ((Direction.INGRESS, rule.ingress, rule.ingressDeny),
                                   (Direction.EGRESS, rule.egress, rule.egressDeny)):
        explicit = getattr(rule.enableDefaultDeny, direction.value) if rule.enableDefaultDeny else None
        if explicit if explicit is not None else bool(allow or deny):
            out.append(direction)
    return out


def _has_dns_rule(rule: n.Rule) -> bool:
    return any(pr.rules is not None and pr.rules.dns for e in rule.egress or [] for pr in e.toPorts or [])


def read_rule(reader: Reader, rule: n.Rule, meta: dict[str, Any], path: Path) -> NetworkIntent:
    """One Cilium rule as an intent."""
    if not any((rule.ingress, rule.ingressDeny, rule.egress, rule.egressDeny)):
        raise InvalidField(path, "Cilium rejects a rule without ingress, ingressDeny, egress or egressDeny rules")
    spec: dict[str, Any] = {"scope": "Cluster" if reader.cluster else "Namespaced",
                            "subject": reader.subject(rule, path),
                            "isolate": [d.value for d in isolation(rule)]}
    for direction in Direction:
        d = direction.value
        rules = [*reader.rules(getattr(rule, d), direction, Action.ALLOW, (*path, d)),
                 *reader.rules(getattr(rule, d + "Deny"), direction, Action.DENY, (*path, d + "Deny"))]
        if rules:
            spec[d] = tuple(rules)
    for name in ("labels", "log"):
        if getattr(rule, name) is not None:
            reader.note(f"{name} is ignored (it has no effect on traffic)", (*path, name))
    if any(e.toFQDNs for e in rule.egress or []) and not _has_dns_rule(rule):
        reader.note("toFQDNs without a DNS rule (rules.dns on port 53) in the same policy: Cilium learns the "
                    "names' addresses only if another policy for these pods has one", (*path, "egress"))
    if rule.description:
        meta = {**meta, "annotations": {**meta.get("annotations", {}), DESCRIPTION_ANNOTATION: rule.description}}
    intent = NetworkIntent.model_validate({"apiVersion": API_VERSION, "kind": KIND, "metadata": meta, "spec": spec})
    mark(intent.spec, path)
    mark(intent.spec.subject, (*path, "endpointSelector"))
    mark(intent.spec, ("kind",), "scope")
    return intent


def _validate(doc: Document, diags: Diagnostics) -> n.CiliumPolicy | None:
    try:
        return n.CiliumPolicy.model_validate(doc.data)
    except ValidationError as exc:
        for e in exc.errors():
            path = tuple(p for p in e["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            code = codes.INVALID_FIELD if e["type"] in ("extra_forbidden", "missing") else codes.INVALID_VALUE
            msg = e["msg"].removeprefix("Value error, ")
            if e["type"] == "extra_forbidden" and path:
                msg = f"unknown field {path[-1]!r} (not a field of cilium.io/v2 policies)"
            diags.error(code, f"{doc.kind} {doc.name}: {msg}", doc.locate(*path))
        return None


def _namespace(policy: n.CiliumPolicy, doc: Document, cluster: bool, diags: Diagnostics) -> str | None:
    namespace = policy.metadata.namespace
    if cluster:
        if namespace is not None:
            diags.info(codes.IMPORT_NOTE, f"{doc.kind} {doc.name}: metadata.namespace is ignored (the policy is "
                       "cluster-wide)", doc.locate("metadata", "namespace"))
        return None
    if namespace is None:
        diags.warning(codes.MISSING_NAMESPACE, f"{doc.kind} {doc.name} has no metadata.namespace; assuming "
                      f"{DEFAULT_NAMESPACE!r} (kubectl would use the current context's namespace)",
                      doc.locate("metadata"))
        return DEFAULT_NAMESPACE
    return namespace


def import_cilium_policy(doc: Document, diags: Diagnostics, ranges: ClusterRanges = DEFAULT_RANGES
                         ) -> list[NetworkIntent]:
    """The intents of one CNP/CCNP; nothing (with errors naming each field) when any part cannot be imported."""
    policy = _validate(doc, diags)
    if policy is None:
        return []
    cluster = policy.kind == CCNP
    namespace = _namespace(policy, doc, cluster, diags)
    entries: list[tuple[Path, n.Rule]] = [(("spec",), policy.spec)] if policy.spec is not None else []
    entries += [(("specs", i), r) for i, r in enumerate(policy.specs or [])]
    if not entries:
        diags.error(codes.INVALID_FIELD, f"{doc.kind} {doc.name}: needs spec or specs", doc.locate())
        return []
    reader = Reader(doc, cluster, namespace, diags, ranges)
    base = {"namespace": namespace, "labels": policy.metadata.labels or {},
            "annotations": policy.metadata.annotations or {}}
    intents, failed = [], False
    for i, (path, rule) in enumerate(entries):
        name = policy.metadata.name if len(entries) == 1 else f"{policy.metadata.name}-{i}"
        try:
            intents.append(read_rule(reader, rule, {"name": name, **base}, path))
        except UnsupportedField as exc:
            failed = True
            diags.error(codes.IMPORT_UNSUPPORTED, f"{doc.kind} {doc.name}: {exc.field}: {exc}",
                        doc.locate(*exc.path))
        except InvalidField as exc:
            failed = True
            diags.error(codes.INVALID_VALUE, f"{doc.kind} {doc.name}: {exc}", doc.locate(*exc.path))
        except ValidationError as exc:
            failed = True
            e = exc.errors()[0]
            diags.error(codes.INVALID_VALUE, f"{doc.kind} {doc.name}: {e['msg'].removeprefix('Value error, ')}",
                        doc.locate(*path))
    return [] if failed else intents
