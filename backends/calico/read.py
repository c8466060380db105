"""Calico NetworkPolicy / GlobalNetworkPolicy (projectcalico.org/v3 and crd.projectcalico.org/v1) -> intents.

Everything implicit in Calico becomes explicit: `types` defaulting, the policy's tier (and the tier's order, from a
Tier object in the input or Calico's built-in tiers), namespace scoping of rule selectors, NetworkSets (expanded to
their CIDRs, a snapshot), and policies without `order` (Calico evaluates them last in their tier, by name: they
become unordered intents when that is exact, i.e. when the tier's unordered policies only allow; otherwise they get
explicit orders after every ordered policy of the tier, in Calico's name order).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from pydantic import ValidationError

from backends.calico import constants as c
from backends.calico.api import POLICY_KINDS, SET_KINDS, TIER_KIND, CalicoPolicy, CalicoSet, CalicoTier
from backends.calico.entity import (
    Context,
    NetSet,
    Path,
    label_selector,
    namespace_terms,
    parse_at,
    pod_terms,
    route,
    satisfiable_terms,
    service_account_names,
)
from backends.calico.rules import local_condition, read_rule
from backends.calico.selector import All, And, Node, conj, negate
from translator import codes
from translator.codes import (
    CALICO_DEFAULT_ORDER,
    CALICO_NETWORKSET_SNAPSHOT,
    CALICO_NO_MATCH,
    CALICO_TIER_ORDER_UNKNOWN,
)
from translator.compile.boxes import selector_empty
from translator.diagnostics import Diagnostics
from translator.errors import FieldError, InvalidField, UnsupportedField
from translator.load.loaded import LoadedIntent
from translator.load.source import Document
from translator.load.validation import report_validation_error
from translator.model import API_VERSION, KIND, Action, Direction, NetworkIntent, Rule
from translator.origins import Recording, mark, recording

DEFAULT_NAMESPACE = "default"

Skipped = frozenset[tuple[Direction, int]]
"""The rules (direction, index) that do not apply to a piece of a policy."""


@dataclass(frozen=True)
class TierInfo:
    """A tier's order (None = unknown) and whether its default action is Pass."""

    order: float | None
    passes: bool = False
    known: bool = True


@dataclass
class Draft:
    """A policy read into intent fields, before its order is settled."""

    doc: Document
    tier: str
    name: str
    namespace: str | None
    spec: dict[str, object]
    order: float | None
    sort_name: str
    unordered_safe: bool
    meta: dict[str, object] = field(default_factory=dict)


def _report(diags: Diagnostics, doc: Document, what: str, exc: FieldError, prefix: Path = ()) -> None:
    code = codes.IMPORT_UNSUPPORTED if isinstance(exc, UnsupportedField) else codes.INVALID_VALUE
    diags.error(code, f"{what}: {exc}", doc.locate(*prefix, *exc.path))


def read_sets(docs: list[Document], diags: Diagnostics) -> list[NetSet]:
    """NetworkSets and GlobalNetworkSets of the input."""
    out = []
    for doc in docs:
        try:
            obj = CalicoSet.model_validate(doc.data)
        except ValidationError as exc:
            report_validation_error(exc, doc, f"{doc.kind} {doc.name}", diags)
            continue
        if obj.spec.allowedEgressDomains:
            diags.error(codes.IMPORT_UNSUPPORTED, f"{doc.kind} {doc.name}: allowedEgressDomains (Calico Enterprise) "
                        "cannot be expanded into CIDRs", doc.locate("spec", "allowedEgressDomains"))
            continue
        namespace = obj.metadata.namespace or DEFAULT_NAMESPACE if doc.kind == "NetworkSet" else None
        out.append(NetSet(doc.kind, obj.metadata.name, namespace, dict(obj.metadata.labels or {}),
                          tuple(obj.spec.nets or ()), doc.source))
    return out


def read_tiers(docs: list[Document], diags: Diagnostics) -> dict[str, TierInfo]:
    """Tier objects of the input, over Calico's built-in tiers."""
    tiers = {name: TierInfo(order) for name, order in c.BUILTIN_TIER_ORDERS.items()}
    for doc in docs:
        try:
            obj = CalicoTier.model_validate(doc.data)
        except ValidationError as exc:
            report_validation_error(exc, doc, f"Tier {doc.name}", diags)
            continue
        action = obj.spec.defaultAction or "Deny"
        if action not in ("Deny", "Pass"):
            diags.error(codes.INVALID_VALUE, f"Tier {doc.name}: defaultAction must be Deny or Pass",
                        doc.locate("spec", "defaultAction"))
            continue
        order = obj.spec.order
        if order is None and obj.metadata.name not in c.BUILTIN_TIER_ORDERS:
            diags.warning(CALICO_TIER_ORDER_UNKNOWN, f"Tier {doc.name} has no order; Calico evaluates it after "
                          "every tier with an order", doc.locate("spec"))
        if order is None:
            order = tiers.get(obj.metadata.name, TierInfo(None)).order
        tiers[obj.metadata.name] = TierInfo(order, passes=action == "Pass")
    return tiers


def _types(obj: CalicoPolicy) -> list[Direction]:
    """`types`, or Calico's defaulting: Egress when there are only egress rules, both when both, else Ingress."""
    if obj.spec.types:
        return [Direction(t.lower()) for t in obj.spec.types]
    has_in, has_out = bool(obj.spec.ingress), bool(obj.spec.egress)
    if has_out and not has_in:
        return [Direction.EGRESS]
    return [Direction.INGRESS, Direction.EGRESS] if has_out else [Direction.INGRESS]


@dataclass(frozen=True)
class Piece:
    """One intent's worth of a policy: its subject, the AND-term of spec.selector it comes from, and the rules
    that do not apply to its pods (their local side asks for something these pods do not have)."""

    subject: dict[str, object]
    atoms: frozenset[Node]
    skipped: Skipped = frozenset()


MAX_PIECES = 16


def _atoms_of(term: Node) -> tuple[Node, ...]:
    return term.operands if isinstance(term, And) else (term,)


def _possible(term: Node) -> bool:
    """False when the term's atoms contradict each other (a conservative check)."""
    try:
        routed = route(term, ())
        sel = label_selector(conj(*routed.pods), ())
    except FieldError:
        return True
    if routed.service_accounts is not None and not routed.service_accounts:
        return False
    return not selector_empty(sel)


def _narrowed(obj: CalicoPolicy, types: list[Direction], terms: list[Node]) -> list[tuple[Node, Skipped]]:
    """The selector's terms split by the rules whose local side narrows the policy's own pods (ingress
    destination.selector / serviceAccounts, egress source.selector / serviceAccounts): each piece either meets
    such a rule's condition (the rule applies) or not (the rule is skipped for it)."""
    raw: list[tuple[Node, Skipped]] = [(t, frozenset()) for t in terms]
    for d in types:
        for i, rule in enumerate((obj.spec.ingress if d is Direction.INGRESS else obj.spec.egress) or ()):
            found = local_condition(rule, d, ("spec", d.value, i))
            if found is None:
                continue
            cond, where = found
            wanted = satisfiable_terms(cond, where)
            out: list[tuple[Node, Skipped]] = []
            for term, skipped in raw:
                atoms = _atoms_of(term)
                if any(all(isinstance(a, All) or a in atoms for a in _atoms_of(w)) for w in wanted):
                    out.append((term, skipped))
                    continue
                out += [(t, skipped) for w in wanted if _possible(t := conj(term, w))]
                out += [(t, skipped | {(d, i)}) for t in satisfiable_terms(conj(term, negate(cond)), where)
                        if _possible(t)]
            if len(out) > MAX_PIECES:
                raise UnsupportedField(where, f"the rules whose {where[-2]} narrows the policy's own pods split it "
                                       f"into more than {MAX_PIECES} intents")
            raw = out
    return raw


def _subjects(obj: CalicoPolicy, namespace: str | None) -> list[Piece]:
    """The intent subjects of a policy: one per OR-term of spec.selector (and of a GlobalNetworkPolicy's
    namespaceSelector) that can select a pod of the namespace, split further by rules that apply only to some of
    its pods; terms that differ only in one key's values are one term (`in`). Pieces with the same rules are
    exactly the policy: a pod matching two terms gets the same rules twice, which changes no first-match
    outcome; a pod gets a narrowed rule exactly when it matches the rule's condition."""
    spec = obj.spec
    terms = pod_terms(spec.selector, ("spec", "selector"))
    ns_terms: list[Node] | list[None] = [None]
    if namespace is None and spec.namespaceSelector:
        ns_path = ("spec", "namespaceSelector")
        found = namespace_terms(parse_at(spec.namespaceSelector, ns_path), ns_path)
        ns_terms = found if found is not None else [None]
    elif namespace is not None and spec.namespaceSelector:
        raise InvalidField(("spec", "namespaceSelector"), "a NetworkPolicy has no spec.namespaceSelector")
    out: list[Piece] = []
    for term, skipped in _narrowed(obj, _types(obj), terms):
        for ns_term in ns_terms:
            try:
                subject = _subject(obj, namespace, term, ns_term)
            except FieldError as exc:
                if not skipped:
                    raise
                d, i = sorted(skipped, key=lambda x: (x[0].value, x[1]))[0]
                raise UnsupportedField(("spec", d.value, i), f"the rule applies only to some of the policy's pods; the "
                                    f"others would be {term}: {exc}") from exc
            if subject is not None and all(p.subject != subject or p.skipped != skipped for p in out):
                out.append(Piece(subject, frozenset(_atoms_of(term)), skipped))
    return out


def _subject(obj: CalicoPolicy, namespace: str | None, term: Node,
             ns_term: Node | None) -> dict[str, object] | None:
    """The intent subject of one AND-term; None when it can select no pod of the namespace."""
    routed = route(term, ("spec", "selector"))
    subject: dict[str, object] = {"pods": label_selector(conj(*routed.pods), ("spec", "selector"))}
    ns_nodes = list(routed.namespaces)
    if namespace is not None:
        if not all(node.matches({c.K8S_NAMESPACE_NAME: namespace}) for node in ns_nodes):
            return None
        ns_nodes = []
    elif ns_term is not None:
        ns_nodes.insert(0, ns_term)
    if ns_nodes:
        ns = label_selector(conj(*ns_nodes), ("spec", "namespaceSelector"))
        subject["namespaces"] = None if ns.is_empty() else ns
    accounts = routed.service_accounts
    sa_selector = _service_account_selector(obj.spec.serviceAccountSelector)
    if sa_selector is not None:
        accounts = sa_selector if accounts is None else accounts & sa_selector
    if accounts is not None:
        if not accounts:
            return None
        subject["serviceAccounts"] = tuple(sorted(accounts))
    return subject


def _service_account_selector(text: str | None) -> set[str] | None:
    path = ("spec", "serviceAccountSelector")
    if not text:
        return None
    terms = pod_terms(text, path)
    if len(terms) != 1:
        raise UnsupportedField(path, "'||' in serviceAccountSelector is not supported")
    routed = route(terms[0], path)
    if routed.namespaces or routed.service_accounts is not None:
        raise UnsupportedField(path, "serviceAccountSelector may only name service accounts")
    names: set[str] | None = None
    for atom in routed.pods:
        if getattr(atom, "key", None) != c.NAME_LABEL:
            raise UnsupportedField(path, f'"{atom}" selects service accounts by label; intents only name them')
        found = service_account_names(atom, path)
        names = found if names is None else names & found
    return names


def strip_tier_prefix(name: str, tier: str) -> str:
    """Calico (before 3.32) names policies of tier T `T.<name>`; the intent keeps `<name>` (the generator puts the
    prefix back). In the default tier no prefix is required or added, so `default.dmz` keeps its whole name."""
    if tier == c.DEFAULT_TIER:
        return name
    return name[len(tier) + 1:] if name.startswith(tier + ".") and len(name) > len(tier) + 1 else name


def _rules(obj: CalicoPolicy, direction: Direction, ctx: Context, doc: Document, what: str,
           diags: Diagnostics, skipped: Skipped = frozenset()) -> tuple[Rule, ...]:
    out: list[Rule] = []
    for i, rule in enumerate((obj.spec.ingress if direction is Direction.INGRESS else obj.spec.egress) or ()):
        if (direction, i) in skipped:
            continue
        path = ("spec", direction.value, i)
        converted = mark(read_rule(rule, direction, ctx, path), path)
        if converted is None:
            diags.info(CALICO_NO_MATCH, f"{what}: {direction.value} rule {i} can never match (its selector matches "
                       "no pod and no network set) and was left out", doc.locate(*path))
            continue
        out.append(converted)
    return tuple(out)


def read_policy(doc: Document, sets: list[NetSet], tiers: dict[str, TierInfo], diags: Diagnostics) -> list[Draft]:
    """One Calico policy as draft intents (several for '||' in its selector), or none (with diagnostics)."""
    what = f"{doc.kind} {doc.name}"
    try:
        obj = CalicoPolicy.model_validate(doc.data)
    except ValidationError as exc:
        report_validation_error(exc, doc, what, diags)
        return []
    try:
        return _draft(doc, obj, sets, tiers, what, diags)
    except FieldError as exc:
        _report(diags, doc, what, exc)
        return []


def _host_fields(obj: CalicoPolicy) -> list[str]:
    return [f for f in ("doNotTrack", "preDNAT", "applyOnForward") if getattr(obj.spec, f)]


def _draft(doc: Document, obj: CalicoPolicy, sets: list[NetSet], tiers: dict[str, TierInfo], what: str,
           diags: Diagnostics) -> list[Draft]:
    glob = doc.kind == "GlobalNetworkPolicy"
    if host := _host_fields(obj):
        raise UnsupportedField(("spec", host[0]), f"{host[0]} applies to host endpoints (node interfaces), which "
                            "intents do not model")
    namespace = None if glob else obj.metadata.namespace
    if not glob and namespace is None:
        diags.warning(codes.MISSING_NAMESPACE, f"{what} has no metadata.namespace; assuming {DEFAULT_NAMESPACE!r}",
                      doc.locate("metadata"))
        namespace = DEFAULT_NAMESPACE
    pieces = _subjects(obj, namespace)
    if not pieces:
        where = f" of namespace {namespace}" if namespace else ""
        diags.info(CALICO_NO_MATCH, f"{what}: the policy selects no pod{where}; left out", doc.locate("spec"))
        return []
    name = strip_tier_prefix(obj.metadata.name, obj.spec.tier or c.DEFAULT_TIER)
    if len(pieces) > 1:
        names = ", ".join(_piece_name(name, i) for i in range(len(pieces)))
        narrowed = any(p.skipped for p in pieces)
        why = "rules that apply to only some of its pods" if narrowed else "'||' in its selector"
        diags.info(codes.IMPORT_NOTE, f"{what}: {why}: imported as {len(pieces)} intents, one per group of pods, "
                   f"each with the rules that apply to it ({names}); exact", doc.locate("spec", "selector"))
    drafts = []
    for i, piece in enumerate(pieces):
        draft = _piece(doc, obj, piece, _piece_name(name, i), namespace, sets, tiers, what,
                       diags if i == 0 else Diagnostics())
        drafts.append(draft)
    return drafts


def _piece_name(name: str, i: int) -> str:
    return name if i == 0 else f"{name}-or-{i + 1}"


def _piece(doc: Document, obj: CalicoPolicy, piece: Piece, name: str, namespace: str | None, sets: list[NetSet],
           tiers: dict[str, TierInfo], what: str, diags: Diagnostics) -> Draft:
    glob = namespace is None
    tier_name = obj.spec.tier or c.DEFAULT_TIER
    tier = tiers.get(tier_name) or TierInfo(None, known=False)
    types = _types(obj)
    ctx = Context(namespace, sets, subject_atoms=piece.atoms)
    spec: dict[str, object] = {"subject": piece.subject, "isolate": [] if tier.passes else types}
    if glob:
        spec["scope"] = "Cluster"
    actions: set[Action] = set()
    for direction in Direction:
        rules = obj.spec.ingress if direction is Direction.INGRESS else obj.spec.egress
        if direction in types:
            read = _rules(obj, direction, ctx, doc, what, diags, piece.skipped)
            spec[direction.value] = read
            actions.update(r.action for r in read)
        elif rules:
            diags.warning(codes.IMPORT_NOTE, f"{what}: {direction.value} rules are ignored because types does not "
                          f"list {direction.value.capitalize()}", doc.locate("spec", direction.value))
    if tier_name != c.DEFAULT_TIER or tier.order != c.DEFAULT_TIER_ORDER:
        spec["tier"] = {"name": tier_name, **({"order": tier.order} if tier.order is not None else {})}
        if not tier.known:
            diags.warning(CALICO_TIER_ORDER_UNKNOWN, f"{what}: tier {tier_name!r} is not in the input; its order is "
                          "unknown (add the Tier object)", doc.locate("spec", "tier"))
    for s in ctx.expanded:
        diags.warning(CALICO_NETWORKSET_SNAPSHOT, f"{what}: {s.kind} {s.name} expanded into its CIDRs "
                      f"({', '.join(s.nets) or 'none'}); later changes to the set are not reflected",
                      doc.locate("spec"))
    meta: dict[str, object] = {"name": name, "namespace": namespace, "labels": obj.metadata.labels or {},
            "annotations": obj.metadata.annotations or {}}
    sort_name = obj.metadata.name if glob else f"{namespace}/{obj.metadata.name}"
    return Draft(doc, tier_name, name, namespace, spec, obj.spec.order, sort_name,
                 unordered_safe=actions <= {Action.ALLOW, Action.LOG}, meta=meta)


def settle_orders(drafts: list[Draft], diags: Diagnostics) -> None:
    """Give explicit orders to policies without one where their tier's unordered policies do more than allow.

    Calico evaluates policies without order last in their tier, sorted by name, first match. As unordered intents
    (deny wins over allow over pass) that is the same only when they only allow; otherwise each gets an order
    after every explicit order of the tier (and after Kubernetes NetworkPolicies' 1000 in the default tier), in
    Calico's name order.
    """
    by_tier: dict[str, list[Draft]] = {}
    for d in drafts:
        by_tier.setdefault(d.tier, []).append(d)
    for tier, members in by_tier.items():
        loose = sorted((d for d in members if d.order is None), key=lambda d: d.sort_name)
        if all(d.unordered_safe for d in loose):
            continue
        explicit = [d.order for d in members if d.order is not None]
        if tier == c.DEFAULT_TIER:
            explicit.append(c.K8S_POLICY_ORDER)
        base = math.floor(max(explicit, default=0.0)) + 1
        for i, d in enumerate(loose):
            d.order = float(base + i)
            diags.info(CALICO_DEFAULT_ORDER, f"{d.doc.kind} {d.doc.name} has no order: Calico evaluates it last in "
                       f"tier {tier} (by name), so the intent gets order {base + i:g}", d.doc.locate("spec"))


def build_intent(d: Draft, diags: Diagnostics) -> NetworkIntent | None:
    """The intent of a settled draft."""
    spec = dict(d.spec)
    if d.order is not None:
        spec["order"] = d.order
    try:
        intent = NetworkIntent.model_validate({"apiVersion": API_VERSION, "kind": KIND, "metadata": d.meta,
                                               "spec": spec})
    except ValidationError as exc:
        report_validation_error(exc, d.doc, f"{d.doc.kind} {d.doc.name}", diags)
        return None
    mark(intent.spec, ("spec",))
    mark(intent.spec.subject, ("spec", "selector"))
    for name, native in (("scope", ("kind",)), ("isolate", ("spec", "types")), ("tier", ("spec", "tier")),
                         ("order", ("spec", "order"))):
        mark(intent.spec, native, name)
    return intent


def import_calico(docs: list[Document], diags: Diagnostics, origin: str = "calico") -> list[LoadedIntent]:
    """Every Calico policy of `docs` as intents, resolving network sets and tiers given alongside."""
    sets = read_sets([d for d in docs if d.kind in SET_KINDS], diags)
    tiers = read_tiers([d for d in docs if d.kind == TIER_KIND], diags)
    drafts: list[tuple[Draft, Recording]] = []
    for doc in docs:
        if doc.kind in POLICY_KINDS:
            with recording() as marks:  # one recording per policy: each part marked with its native field
                drafts += [(d, marks) for d in read_policy(doc, sets, tiers, diags)]
    settle_orders([d for d, _ in drafts], diags)
    out = []
    for d, marks in drafts:
        with recording(marks):
            intent = build_intent(d, diags)
        if intent is not None:
            out.append(LoadedIntent(intent, d.doc.source, origin, path_map=marks.path_map(intent)))
    return out

