"""NPX604/NPX605: egress isolation without a DNS allow (or with DNS over only one of UDP and TCP).

A pod's DNS is allowed when some policy that selects it has an egress allow rule matching port 53 towards the
cluster resolver: kube-dns/CoreDNS pods in kube-system, node-local DNS (169.254.20.10, AKS LocalDNS
169.254.10.10/11, or the `host` entity), or any peer. Without --cluster, "selects it" is judged on selectors
(a policy whose selector certainly covers the other's); with --cluster, pod by pod.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from translator import codes
from translator.compile.ordered import effectively_isolates
from translator.diagnostics import SourceLocation
from translator.lint.context import Linted, LintInput
from translator.lint.coverage import ports_cover, scope_namespace, subject_covers
from translator.lint.edits import LineIndex, append_item, set_key
from translator.lint.finding import Finding, Fix
from translator.lint.rules import rule
from translator.lint.workloads import namespace_labels, selects
from translator.lint.written import is_network_policy
from translator.model import Action, Direction, Entity, Peer, PeerKind, PortSpec, Protocol, Rule
from translator.model.dns import KUBE_DNS_LABELS, KUBE_DNS_NAMESPACE
from translator.model.labels import NAMESPACE_NAME_LABEL

if TYPE_CHECKING:  # the cluster model is only needed with --cluster
    from translator.cluster.model import Cluster, Pod

DNS_NAMESPACE = KUBE_DNS_NAMESPACE
DNS_POD_LABELS = (KUBE_DNS_LABELS, {"k8s-app": "coredns"}, {"app.kubernetes.io/name": "coredns"},
                  {"k8s-app": "node-local-dns"})
NODE_LOCAL_DNS_IPS = tuple(ipaddress.ip_address(a) for a in ("169.254.20.10", "169.254.10.10", "169.254.10.11"))
UDP53, TCP53 = (PortSpec(protocol=Protocol.UDP, port=53),), (PortSpec(protocol=Protocol.TCP, port=53),)

NP_DNS_RULE = {
    "to": [{"namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: DNS_NAMESPACE}},
            "podSelector": {"matchLabels": dict(KUBE_DNS_LABELS)}}],
    "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
}


@dataclass(frozen=True)
class DNSAccess:
    """Which DNS transports a set of rules allows."""

    udp: bool = False
    tcp: bool = False

    def __or__(self, other: DNSAccess) -> DNSAccess:
        return DNSAccess(self.udp or other.udp, self.tcp or other.tcp)

    @property
    def none(self) -> bool:
        """Neither transport."""
        return not (self.udp or self.tcp)

    @property
    def partial(self) -> bool:
        """Exactly one transport."""
        return self.udp != self.tcp


def _dns_peer(peer: Peer, namespace: str | None) -> bool:
    kind = peer.kind
    if kind is PeerKind.ENTITY:
        return peer.entity in (Entity.ALL, Entity.CLUSTER, Entity.HOST)
    if kind is PeerKind.CIDR:
        net = peer.network
        return net is not None and (net.prefixlen == 0 or any(
            ip.version == net.version and ip in net for ip in NODE_LOCAL_DNS_IPS))
    if kind is PeerKind.SERVICE:
        svc = peer.service
        return svc is not None and svc.name in ("kube-dns", "coredns") and (svc.namespace or namespace) == DNS_NAMESPACE
    if kind is not PeerKind.ENDPOINTS:
        return False
    if peer.pods is not None and not any(peer.pods.matches(labels) for labels in DNS_POD_LABELS):
        return False
    if peer.namespaceNames is not None and DNS_NAMESPACE not in peer.namespaceNames:
        return False
    if peer.namespaces is not None:
        return peer.namespaces.matches({NAMESPACE_NAME_LABEL: DNS_NAMESPACE})
    return peer.namespaceNames is not None or namespace in (None, DNS_NAMESPACE)


def rule_dns(rule_: Rule, namespace: str | None) -> DNSAccess:
    """The DNS transports one egress rule allows."""
    if rule_.action is not Action.ALLOW or rule_.notPorts or rule_.notPeers:
        return DNSAccess()
    if rule_.peers and not any(_dns_peer(p, namespace) for p in rule_.peers):
        return DNSAccess()
    return DNSAccess(ports_cover(rule_.ports, UDP53), ports_cover(rule_.ports, TCP53))


def intent_dns(linted: Linted) -> DNSAccess:
    """The DNS transports an intent's egress rules allow."""
    access = DNSAccess()
    for r in linted.intent.rules(Direction.EGRESS):
        access |= rule_dns(r, scope_namespace(linted.intent))
    return access


def egress_without_dns(ctx: LintInput) -> Iterator[Finding]:
    """Report each group of egress-isolated pods that cannot resolve names, at the broadest policy isolating them."""
    items = ctx.intents()
    access = {x.position: intent_dns(x) for x in items}
    isolating = [x for x in items if effectively_isolates(x.intent, Direction.EGRESS)]
    if ctx.cluster is not None:
        yield from _with_cluster(isolating, items, access, ctx.cluster)
    else:
        yield from _symbolic(ctx, isolating, access)


def _symbolic(ctx: LintInput, isolating: list[Linted], access: dict[int, DNSAccess]) -> Iterator[Finding]:
    state: dict[int, DNSAccess] = {}
    for x in isolating:
        total = DNSAccess()
        for y in ctx.coverers(x):
            if subject_covers(y.intent, x.intent):
                total |= access[y.position]
        state[x.position] = total
    for partial in (False, True):
        group = {x.position for x in isolating
                 if (state[x.position].partial if partial else state[x.position].none)}
        for x in (x for x in isolating if x.position in group):
            near = [y for y in ctx.neighbours(x) if y is not x and y.position in group]
            if any(subject_covers(y.intent, x.intent) and (not subject_covers(x.intent, y.intent) or
                                                           y.position < x.position) for y in near):
                continue
            covered = [y.ref for y in near if subject_covers(x.intent, y.intent)]
            yield _finding(x, state[x.position], _subject_text(x), covered)


def _with_cluster(isolating: list[Linted], items: list[Linted], access: dict[int, DNSAccess],
                  cluster: Cluster) -> Iterator[Finding]:
    labels = namespace_labels(cluster)
    pod_access: dict[str, DNSAccess] = {}
    for pod in cluster.pods:
        total = DNSAccess()
        for y in items:
            if selects(y.intent, pod, labels):
                total |= access[y.position]
        pod_access[pod.id] = total
    for partial in (False, True):
        def bad(pod: Pod, partial: bool = partial) -> bool:
            state = pod_access[pod.id]
            return state.partial if partial else state.none
        affected = {x.position: [p for p in cluster.pods if selects(x.intent, p, labels) and bad(p)]
                    for x in isolating}
        for x in isolating:
            mine = {p.id for p in affected[x.position]}
            if not mine or any(y is not x and mine <= {p.id for p in affected[y.position]} and
                               (len(affected[y.position]) > len(mine) or y.position < x.position)
                               for y in isolating):
                continue
            state = pod_access[affected[x.position][0].id]
            yield _finding(x, state, _pods_text(affected[x.position]), [])


def _subject_text(x: Linted) -> str:
    sel = x.intent.spec.subject.pods
    where = "every namespace" if x.intent.is_cluster_scoped else f"namespace {x.intent.metadata.namespace}"
    return f"every pod in {where}" if sel.is_empty() else f"pods {sel} in {where}"


def _pods_text(pods: Sequence[Pod]) -> str:
    names = ", ".join(p.id for p in pods[:3])
    more = f" and {len(pods) - 3} more" if len(pods) > 3 else ""
    return f"pods {names}{more}"


def _finding(x: Linted, state: DNSAccess, who: str, covered: list[str]) -> Finding:
    also = f" (also the pods of {', '.join(covered)})" if covered else ""
    if state.partial:
        proto, missing = ("UDP", "TCP") if state.udp else ("TCP", "UDP")
        message = (f"{x.ref}: isolates egress of {who}{also}; DNS is allowed over {proto} only, so lookups that "
                   f"fall back to {missing} fail")
        return Finding(rule(codes.LINT_DNS_ONE_PROTOCOL), message, _where(x), f"allow port 53 over {missing} too",
                       None, x.ignored)
    message = (f"{x.ref}: isolates egress of {who}{also} but no policy selecting them allows DNS (UDP and TCP 53 "
               "to kube-dns or node-local DNS): name resolution will time out")
    hint = ("allow egress to pods k8s-app=kube-dns in namespace kube-system on UDP and TCP 53"
            + (" (`allowDNS: true`)" if x.loaded.origin == "intent" else "")
            + "; with node-local DNS also allow 169.254.20.10")
    return Finding(rule(codes.LINT_EGRESS_WITHOUT_DNS), message, _where(x), hint, _dns_fix(x), x.ignored)


def _where(x: Linted) -> SourceLocation:
    if x.doc is not None and is_network_policy(x.doc):
        types = x.doc.data.get("spec", {}).get("policyTypes")
        if isinstance(types, list) and "Egress" in types:
            return x.doc.locate("spec", "policyTypes", types.index("Egress"))
        return x.doc.locate("spec", "egress")
    if x.doc is not None:
        isolate = x.loaded.intent.spec.isolate
        return x.locate(("spec", "isolate") if isolate is not None else ("spec", "egress"))
    return x.locate(("spec",))


def _dns_fix(x: Linted) -> Fix | None:
    """Add the kube-dns allow to the policy that isolates egress (a NetworkPolicy rule, or allowDNS: true)."""
    if x.doc is None:
        return None
    ref = x.doc.source
    index = LineIndex(ref.file.text)
    if is_network_policy(x.doc):
        edit = append_item(ref, index, ("spec",), "egress", NP_DNS_RULE)
    else:
        edit = set_key(ref, index, ("spec",), "allowDNS", True)
    return Fix((edit,)) if edit is not None else None
