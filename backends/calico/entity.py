"""Calico EntityRule (source/destination) -> intent peers, with Calico's meaning made explicit.

How Calico matches an EntityRule (libcalico-go/lib/backend/syncersv1/updateprocessors/rules.go
GetEntityRuleSelector): every given field must hold. `selector`, `namespaceSelector` and `serviceAccounts` form one
positive selector over Calico endpoints (pods, NetworkSets, host endpoints); in a namespaced NetworkPolicy that
selector is limited to the policy's namespace as soon as any selector field is used, `notSelector` included.
`namespaceSelector` sees namespace labels (published with the `pcns.` prefix, plus `projectcalico.org/name`);
`all()` there means every namespace and `global()` only non-namespaced endpoints. `nets`/`notNets` match any IP,
pods included. NetworkSets matched by a selector contribute their CIDRs: they are expanded here (a snapshot).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pydantic import ValidationError

from backends.calico import constants as c
from backends.calico.api import EntityRule
from backends.calico.selector import (
    All,
    And,
    Compare,
    Global,
    Has,
    InSet,
    Node,
    Not,
    Or,
    SelectorError,
    conj,
    disj,
    dnf,
    negate,
    parse,
    to_label_selector,
)
from backends.kubernetes.read import split_namespace_names
from translator.errors import FieldError, InvalidField, UnsupportedField
from translator.load.source import SourceRef
from translator.model import LabelSelector, Network, Peer, ServiceRef, network_within

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class NetSet:
    """A NetworkSet (namespace set) or GlobalNetworkSet (namespace None) from the input."""

    kind: str
    name: str
    namespace: str | None
    labels: dict[str, str]
    nets: tuple[str, ...]
    source: SourceRef | None = None

    def selector_labels(self) -> dict[str, str]:
        """The labels a rule selector sees on this set (its own, plus its namespace's as Calico publishes them)."""
        out = dict(self.labels)
        if self.namespace is not None:
            out[c.NAMESPACE_LABEL] = self.namespace
            out[c.NAMESPACE_PREFIX + c.NAME_LABEL] = self.namespace
            out[c.NAMESPACE_PREFIX + c.K8S_NAMESPACE_NAME] = self.namespace
        return out

    def namespace_labels(self) -> dict[str, str]:
        """The namespace labels a namespaceSelector sees for this set (only the name is known offline)."""
        if self.namespace is None:
            return {}
        return {c.NAME_LABEL: self.namespace, c.K8S_NAMESPACE_NAME: self.namespace}


@dataclass
class Context:
    """What an EntityRule is read against: the policy's namespace (None for a GlobalNetworkPolicy) and the
    network sets of the input. `expanded` collects the sets used, for the snapshot warning."""

    namespace: str | None
    sets: list[NetSet] = field(default_factory=list)
    expanded: list[NetSet] = field(default_factory=list)
    subject_atoms: frozenset[Node] = frozenset()


def parse_at(text: str, path: Path) -> Node:
    """Parse a selector, turning a syntax error into a malformed-input problem that names the column."""
    try:
        return parse(text)
    except SelectorError as exc:
        raise InvalidField(path, f"invalid selector {text!r}: {exc}") from exc


def _key(atom: Node) -> str | None:
    inner = atom.operand if isinstance(atom, Not) else atom
    return inner.key if isinstance(inner, (Has, Compare, InSet)) else None


def _rename(atom: Node, key: str) -> Node:
    if isinstance(atom, Not):
        return Not(_rename(atom.operand, key))
    if isinstance(atom, Has):
        return Has(key)
    if isinstance(atom, Compare):
        return Compare(key, atom.op, atom.value)
    assert isinstance(atom, InSet)
    return InSet(key, atom.values, atom.negated)


@dataclass
class Routed:
    """One AND-term of a pod selector, split by what each atom constrains."""

    pods: list[Node] = field(default_factory=list)
    namespaces: list[Node] = field(default_factory=list)
    service_accounts: set[str] | None = None


def service_account_names(atom: Node, path: Path) -> set[str]:
    """The names an `==` or `in` service-account term allows."""
    if isinstance(atom, Compare) and atom.op == "==":
        return {atom.value}
    if isinstance(atom, InSet) and not atom.negated:
        return set(atom.values)
    raise UnsupportedField(path, f'"{atom}" selects service accounts by exclusion; only names (== or in) are supported')


def route(term: Node, path: Path) -> Routed:
    """Split one AND-term into pod, namespace (renamed to namespace-label keys) and service-account parts."""
    out = Routed()
    for atom in (term.operands if isinstance(term, And) else (term,)):
        key = _key(atom)
        if key is None:
            if isinstance(atom, Global):
                raise InvalidField(path, "global() is only valid in a namespaceSelector")
            if not isinstance(atom, All):
                raise UnsupportedField(path, f'"{atom}" has no Kubernetes label-selector equivalent')
        elif key == c.ORCHESTRATOR_LABEL:
            if atom not in (Compare(key, "==", c.ORCHESTRATOR_K8S), Has(key)):
                raise UnsupportedField(path, f'"{atom}" selects non-Kubernetes endpoints, which intents cannot name')
        elif key == c.NAMESPACE_LABEL:
            out.namespaces.append(_rename(atom, c.K8S_NAMESPACE_NAME))
        elif key.startswith(c.NAMESPACE_PREFIX):
            rest = key[len(c.NAMESPACE_PREFIX):]
            out.namespaces.append(_rename(atom, c.K8S_NAMESPACE_NAME if rest == c.NAME_LABEL else rest))
        elif key == c.SERVICE_ACCOUNT_LABEL:
            names = service_account_names(atom, path)
            out.service_accounts = names if out.service_accounts is None else out.service_accounts & names
        elif key.startswith(c.SERVICE_ACCOUNT_PREFIX):
            raise UnsupportedField(path, f'"{atom}" selects service accounts by their labels, which intents cannot '
                                   "name")
        else:
            out.pods.append(atom)
    return out


def label_selector(node: Node, path: Path) -> LabelSelector:
    """An exact label selector, or an unsupported-field problem naming the construct."""
    try:
        return to_label_selector(node)
    except SelectorError as exc:
        raise UnsupportedField(path, str(exc)) from exc


FALSE: Node = Not(All())
"""A term that matches nothing (Calico's `!all()`; `global()` for pods)."""


def _atoms(term: Node) -> tuple[Node, ...]:
    return term.operands if isinstance(term, And) else (term,)


def _without_global(node: Node) -> Node:
    """`node` as it applies to pods: `global()` (non-namespaced endpoints only) matches no pod."""
    if isinstance(node, Global):
        return FALSE
    if isinstance(node, Not):
        return negate(_without_global(node.operand))
    if isinstance(node, And):
        return conj(*(_without_global(o) for o in node.operands))
    if isinstance(node, Or):
        return disj(*(_without_global(o) for o in node.operands))
    return node


def satisfiable_terms(node: Node, path: Path) -> list[Node]:
    """The OR-terms of `node` (De Morgan, distribution), without terms that can match nothing; terms that differ
    only in the value of one key are merged (`name == 'a' || name == 'b'` is one term `name in {a, b}`)."""
    try:
        terms = dnf(_without_global(node))
    except SelectorError as exc:
        raise UnsupportedField(path, str(exc)) from exc
    return merge_terms([t for t in terms if FALSE not in _atoms(t)])


def _values(atom: Node) -> tuple[str, tuple[str, ...]] | None:
    """(key, values) of a positive `==` or `in` atom."""
    if isinstance(atom, Compare) and atom.op == "==":
        return atom.key, (atom.value,)
    if isinstance(atom, InSet) and not atom.negated:
        return atom.key, atom.values
    return None


def _merged(a: Node, b: Node) -> Node | None:
    """`a || b` as one AND-term when they differ only in the values one key may take, else None."""
    xs, ys = _atoms(a), _atoms(b)
    only_a = [x for x in xs if x not in ys]
    only_b = [y for y in ys if y not in xs]
    if len(only_a) != 1 or len(only_b) != 1:
        return None
    va, vb = _values(only_a[0]), _values(only_b[0])
    if va is None or vb is None or va[0] != vb[0]:
        return None
    union = InSet(va[0], tuple(dict.fromkeys((*va[1], *vb[1]))))
    return conj(*(union if x == only_a[0] else x for x in xs))


def merge_terms(terms: list[Node]) -> list[Node]:
    """OR-terms with every pair that differs only in one key's values merged, exactly (Calico's `in`)."""
    out = list(terms)
    changed = True
    while changed:
        changed = False
        for i in range(len(out)):
            for j in range(i + 1, len(out)):
                m = _merged(out[i], out[j])
                if m is not None:
                    out[i] = m
                    del out[j]
                    changed = True
                    break
            if changed:
                break
    return out


def namespace_terms(node: Node | None, path: Path) -> list[Node] | None:
    """A namespaceSelector as OR-terms over namespace labels (`projectcalico.org/name` read as the Kubernetes
    name label), as it applies to pods; None when absent; [] when it matches no pod (e.g. `global()`)."""
    if node is None:
        return None
    return [conj(*(_rename(a, c.K8S_NAMESPACE_NAME) if _key(a) == c.NAME_LABEL else a for a in _atoms(t)))
            for t in satisfiable_terms(node, path)]


def pod_terms(text: str | None, path: Path) -> list[Node]:
    """A pod selector as OR-terms (absent or empty = all()); [] when it matches nothing."""
    if not text:
        return [All()]
    node = parse_at(text, path)
    if _has_global(node):
        raise InvalidField(path, "global() can only be used in a namespaceSelector")
    return satisfiable_terms(node, path)


def _has_global(node: Node) -> bool:
    if isinstance(node, Global):
        return True
    if isinstance(node, Not):
        return _has_global(node.operand)
    return isinstance(node, (And, Or)) and any(_has_global(o) for o in node.operands)


def ns_matches(node: Node, s: NetSet) -> bool:
    """Whether a namespaceSelector matches network set `s` (Calico turns all() into 'namespaced' and global()
    into 'not namespaced')."""
    if isinstance(node, Global):
        return s.namespace is None
    if isinstance(node, All):
        return s.namespace is not None
    if isinstance(node, Not):
        return not ns_matches(node.operand, s)
    if isinstance(node, And):
        return all(ns_matches(o, s) for o in node.operands)
    if isinstance(node, Or):
        return any(ns_matches(o, s) for o in node.operands)
    return node.matches(s.namespace_labels())


def _peer(**fields: object) -> Peer:
    try:
        return Peer.model_validate(fields)
    except ValidationError as exc:
        raise InvalidField((), exc.errors()[0]["msg"].removeprefix("Value error, ")) from exc


def endpoint_peer(routed: Routed, ns_term: Node | None, own_namespace: str | None, sa_names: set[str] | None,
                  path: Path, pods_path: Path) -> Peer:
    """One intent endpoints peer for a routed pod term and a namespace term (None = no namespaceSelector, so the
    policy's own namespace for a NetworkPolicy and every namespace for a GlobalNetworkPolicy)."""
    pods = label_selector(conj(*routed.pods), pods_path)
    ns_nodes: list[Node] = [] if ns_term is None else [ns_term]
    if ns_term is None and own_namespace is not None and routed.namespaces:
        ns_nodes.append(Compare(c.K8S_NAMESPACE_NAME, "==", own_namespace))
    ns_nodes += routed.namespaces
    names: tuple[str, ...] | None = None
    namespaces: LabelSelector | None = None
    if ns_nodes:
        names, namespaces = split_namespace_names(label_selector(conj(*ns_nodes), path))
    accounts = routed.service_accounts
    if sa_names is not None:
        accounts = sa_names if accounts is None else accounts & sa_names
    if accounts is not None and not accounts:
        raise UnsupportedField(path, "the service-account terms contradict each other (the rule matches nothing)")
    # an empty pod selector with namespaces or accounts given is "any pod" of them
    any_pod = pods.is_empty() and (names is not None or namespaces is not None or accounts is not None)
    return _peer(pods=None if any_pod else pods, namespaces=namespaces, namespaceNames=names,
                 serviceAccounts=tuple(sorted(accounts)) if accounts is not None else None)


def cidr_peers(nets: Iterable[str], not_nets: Iterable[str], path: Path) -> list[Peer]:
    """`nets` minus `notNets` as CIDR peers: contained notNets become `except`, covering ones drop the net."""
    parsed_not = [_net(n, (*path, "notNets")) for n in not_nets]
    out = []
    for i, text in enumerate(nets):
        net = _net(text, (*path, "nets", i))
        if any(network_within(net, o) for o in parsed_not):
            continue
        excepts = sorted({str(o) for o in parsed_not if network_within(o, net)})
        out.append(_peer(cidr=str(net), **{"except": excepts}))
    return out


def _net(text: str, path: Path) -> Network:
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError as exc:
        raise InvalidField(path, f"invalid CIDR {text!r}") from exc


def _set_matches(node: Node, ns_node: Node | None, s: NetSet, ctx: Context, has_sa: bool) -> bool:
    if has_sa:
        return False
    if ns_node is None:
        if ctx.namespace is not None and s.namespace != ctx.namespace:
            return False
    elif not ns_matches(ns_node, s):
        return False
    return node.matches(s.selector_labels())


def matching_sets(selector: str | None, ns_node: Node | None, ctx: Context, has_sa: bool,
                  path: Path) -> list[NetSet]:
    """The network sets a positive EntityRule selector matches."""
    node = parse_at(selector, path) if selector else All()
    found = [s for s in ctx.sets if _set_matches(node, ns_node, s, ctx, has_sa)]
    ctx.expanded.extend(s for s in found if s not in ctx.expanded)
    return found


def not_selector_peers(text: str, ctx: Context, path: Path) -> list[Peer]:
    """Peers a `notSelector` excludes: matching pods in any namespace, and matching network sets' CIDRs."""
    out = []
    for term in pod_terms(text, path):
        routed = route(term, path)
        pods = label_selector(conj(*routed.pods), path)
        ns = label_selector(conj(*routed.namespaces), path)
        out.append(_peer(pods=pods, namespaces=ns, serviceAccounts=tuple(sorted(routed.service_accounts))
                         if routed.service_accounts is not None else None))
    node = parse_at(text, path)
    for s in ctx.sets:
        if node.matches(s.selector_labels()):
            if s not in ctx.expanded:
                ctx.expanded.append(s)
            out.extend(_peer(cidr=str(_net(n, path))) for n in s.nets)
    return out


NOTHING: tuple[Peer, ...] = ()
"""Returned as peers when the EntityRule can match no endpoint at all."""


def entity_peers(er: EntityRule, ctx: Context, path: Path) -> tuple[tuple[Peer, ...] | None, tuple[Peer, ...] | None]:
    """(peers, notPeers) for one EntityRule; peers None = any peer; NOTHING = the rule can never match."""
    if er.services is not None:
        if not er.services.name:
            raise InvalidField((*path, "services", "name"), "services needs a name")
        ref = ServiceRef(name=er.services.name, namespace=er.services.namespace or None)
        return (_peer(service=ref),), None
    if er.domains:
        raise UnsupportedField((*path, "domains"), "domains (Calico Enterprise) are imported only as the "
                            "destination of egress rules")
    positive = bool(er.selector or er.namespaceSelector or er.serviceAccounts
                    or (ctx.namespace is not None and er.notSelector))
    peers: list[Peer] = []
    if positive:
        if er.nets:
            raise UnsupportedField((*path, "nets"), "nets together with a selector (pods in those IP ranges) cannot be "
                                "written as intent peers")
        peers = _positive_peers(er, ctx, path)
    elif er.nets:
        peers = cidr_peers(er.nets, er.notNets or (), path)
    not_peers: list[Peer] = []
    if er.notNets and (positive or not er.nets):
        not_peers += [_peer(cidr=str(_net(n, (*path, "notNets", i)))) for i, n in enumerate(er.notNets)]
    if er.notSelector:
        not_peers += not_selector_peers(er.notSelector, ctx, (*path, "notSelector"))
    if (positive or er.nets) and not peers:
        return NOTHING, None
    return (tuple(peers) if peers else None), (tuple(not_peers) or None)


def _positive_peers(er: EntityRule, ctx: Context, path: Path) -> list[Peer]:
    sa = er.serviceAccounts
    if sa is not None and sa.selector:
        raise UnsupportedField((*path, "serviceAccounts", "selector"), "service accounts selected by labels cannot be "
                            "named in intents (only by name)")
    sa_names = set(sa.names) if sa is not None and sa.names else None
    if sa is not None and sa.names is not None and not sa.names:
        sa_names = None
    ns_path = (*path, "namespaceSelector")
    ns_node = parse_at(er.namespaceSelector, ns_path) if er.namespaceSelector else None
    ns_terms = namespace_terms(ns_node, ns_path)
    peers: list[Peer] = []
    if ns_terms is None or ns_terms:
        for term in pod_terms(er.selector, (*path, "selector")):
            routed = route(term, (*path, "selector"))
            ns_choices: Sequence[Node | None] = ns_terms or [None]
            for ns_term in ns_choices:
                try:
                    peer = endpoint_peer(routed, ns_term, ctx.namespace, sa_names, (*path, "namespaceSelector"),
                                         (*path, "selector"))
                except FieldError as exc:
                    raise type(exc)(exc.path or path, str(exc)) from exc
                if peer not in peers:
                    peers.append(peer)
    for s in matching_sets(er.selector, ns_node, ctx, sa is not None, (*path, "selector")):
        peers.extend(p for p in cidr_peers(s.nets, (), (*path, "selector")) if p not in peers)
    return peers
