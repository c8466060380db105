"""Pre-migration edits (applied on the old engine before switching) and post-migration add-ons (applied on the
new engine after switching), for a move to Cilium.

Pre-migration edits change NetworkPolicies only in ways that are exact on the old engine for the given cluster:

* a named port becomes its number when every destination pod defines the name with that one number (egress:
  only when every peer is a pod selector, since names never match external addresses);
* next to an ipBlock that matches pod IPs, selector peers for exactly those pods are added (`namespaceSelector:
  {}` when the block is 0.0.0.0/0 or ::/0 without except, and no cluster is given). Under Azure NPM and Calico
  an ipBlock already matches those pods, so nothing changes there; under Cilium, where ipBlocks skip pods, the
  selectors keep the traffic allowed.

`bundle` verifies the edits against the originals under the old engine's semantics and drops any that differ.

Post-migration add-ons are intents that only add allows (they isolate nothing), compiled for the target:
egress to the node for policies that lock egress down (MS4), ingress from the load balancer for Services whose
externalTrafficPolicy-Cluster traffic Azure NPM never policed (MS5), node traffic that a 0.0.0.0/0 ipBlock used
to cover (MS2), and DNS for egress-isolated pods without it (P13).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from backends.kubernetes.api import NetworkPolicy
from translator.cluster.workloads import PodFacts, Workloads
from translator.load.source import Document
from translator.migration.inputs import MigrationInput, document_ref
from translator.migration.validator import (
    is_all_addresses,
    locks_down_egress,
    named_port_pods,
    namespace_of,
    peer_key,
    peers_of,
    resolve_named_port,
    rules_of,
    unsafe_services,
)
from translator.model import API_VERSION, DNS_RULE, KIND, Direction, LabelSelector, NetworkIntent
from translator.model.labels import NAMESPACE_NAME_LABEL as NAME_LABEL

EDIT_ANNOTATION = "netpolx.io/pre-migration"
ADDON_ANNOTATION = "netpolx.io/post-migration"
EPHEMERAL_LABELS = frozenset({"pod-template-hash", "controller-revision-hash", "statefulset.kubernetes.io/pod-name",
                              "pod-template-generation", "batch.kubernetes.io/controller-uid", "controller-uid"})
PREFERRED_KEYS = ("app.kubernetes.io/name", "app", "k8s-app", "name", "component", "app.kubernetes.io/component")


@dataclass
class Edit:
    """One edited NetworkPolicy: the new object, and what changed."""

    document: Document
    data: dict[str, Any]
    changes: list[str] = field(default_factory=list)
    manual: list[str] = field(default_factory=list)

    @property
    def ref(self) -> str:
        """The policy, `Kind namespace/name`."""
        return document_ref(self.document)


# -- pre-migration ------------------------------------------------------------------------------------------


def pod_selector_for(pods: list[PodFacts], workloads: Workloads) -> dict[str, Any] | None:
    """A peer that selects exactly `pods` (one namespace), with as few labels as possible; None if impossible."""
    namespace = pods[0].namespace
    wanted = {p.ref for p in pods}
    labels = {k: v for k, v in pods[0].labels.items() if k not in EPHEMERAL_LABELS}
    common = {k: v for k, v in labels.items() if all(p.labels.get(k) == v for p in pods)}
    keys = sorted(common, key=lambda k: (PREFERRED_KEYS.index(k) if k in PREFERRED_KEYS else len(PREFERRED_KEYS), k))
    for chosen in [[k] for k in keys] + ([keys] if len(keys) > 1 else []):
        sel = LabelSelector(matchLabels={k: common[k] for k in chosen})
        if {p.ref for p in workloads.select(sel, namespace)} == wanted:
            return {"namespaceSelector": {"matchLabels": {NAME_LABEL: namespace}},
                    "podSelector": {"matchLabels": dict(sel.matchLabels)}}
    return None


def _pod_peers(mi: MigrationInput, cidr: str, excepts: list[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """Selector peers for the pods an ipBlock matches, and what could not be expressed."""
    if mi.workloads is None:
        if is_all_addresses(cidr) and not excepts:
            return [{"namespaceSelector": {}}], []
        return [], [f"ipBlock {cidr}: give --cluster to find the pods it matches"]
    covered = mi.workloads.pods_in(cidr, excepts)
    if not covered:
        return [], []
    if {p.ref for p in covered} == {p.ref for p in mi.workloads.pods if p.ip and not p.host_network} and \
            is_all_addresses(cidr) and not excepts:
        return [{"namespaceSelector": {}}], []
    peers, manual = [], []
    groups: dict[tuple[str, tuple[tuple[str, str], ...]], list[PodFacts]] = {}
    for pod in covered:
        key = tuple(sorted((k, v) for k, v in pod.labels.items() if k not in EPHEMERAL_LABELS))
        groups.setdefault((pod.namespace, key), []).append(pod)
    for (_, _), pods in sorted(groups.items()):
        peer = pod_selector_for(pods, mi.workloads)
        if peer is None:
            manual.append(f"ipBlock {cidr}: no selector picks exactly {', '.join(p.ref for p in pods)}")
        elif peer not in peers:
            peers.append(peer)
    return peers, manual


def _edit_ipblocks(mi: MigrationInput, np: NetworkPolicy, data: dict[str, Any], edit: Edit) -> None:
    for direction in Direction:
        key = peer_key(direction)
        for i, rule in enumerate(rules_of(np, direction)):
            added: list[dict[str, Any]] = []
            for peer in peers_of(rule):
                if peer.ipBlock is None:
                    continue
                peers, manual = _pod_peers(mi, peer.ipBlock.cidr, list(peer.ipBlock.except_ or []))
                edit.manual.extend(f"{direction.value} rule {i}: {m}" for m in manual)
                existing = data["spec"][direction.value][i].get(key) or []
                new = [p for p in peers if p not in existing and p not in added]
                if new:
                    added.extend(new)
                    edit.changes.append(f"{direction.value} rule {i}: selector peers next to ipBlock "
                                        f"{peer.ipBlock.cidr} for the pods it matches")
            if added:
                data["spec"][direction.value][i][key] = [*(data["spec"][direction.value][i].get(key) or []), *added]


def _edit_named_ports(mi: MigrationInput, np: NetworkPolicy, data: dict[str, Any], edit: Edit) -> None:
    for direction in Direction:
        for i, rule in enumerate(rules_of(np, direction)):
            if direction is Direction.EGRESS and (not peers_of(rule) or any(p.ipBlock for p in peers_of(rule))):
                if any(isinstance(p.port, str) for p in rule.ports or []):
                    edit.manual.append(f"egress rule {i}: named port kept (its peers include addresses, where a "
                                       "name never matches)")
                continue
            for j, port in enumerate(rule.ports or []):
                if not isinstance(port.port, str):
                    continue
                numbers = resolve_named_port(mi, np, direction, i, port)
                everywhere = _defined_on_all(mi, np, direction, i, str(port.port))
                if len(numbers) == 1 and everywhere:
                    number = next(iter(numbers))
                    data["spec"][direction.value][i]["ports"][j]["port"] = number
                    edit.changes.append(f"{direction.value} rule {i}: named port {port.port!r} -> {number}")
                else:
                    if mi.workloads is None:
                        why = "give --cluster to resolve it"
                    elif len(numbers) > 1:
                        why = "it maps to several numbers"
                    else:
                        why = "it is not defined on every destination pod"
                    edit.manual.append(f"{direction.value} rule {i}: named port {port.port!r} kept: {why}")


def _defined_on_all(mi: MigrationInput, np: NetworkPolicy, direction: Direction, index: int, name: str) -> bool:
    pods = named_port_pods(mi, np, direction, rules_of(np, direction)[index])
    return bool(pods) and all(any(c.name == name for c in p.ports) for p in pods)


def without_annotation(data: dict[str, Any]) -> dict[str, Any]:
    """An edited object without the pre-migration annotation (for translating it)."""
    out = copy.deepcopy(data)
    annotations = out.get("metadata", {}).get("annotations", {})
    annotations.pop(EDIT_ANNOTATION, None)
    if not annotations:
        out.get("metadata", {}).pop("annotations", None)
    return out


def pre_migration_edits(mi: MigrationInput) -> list[Edit]:
    """Edited copies of the NetworkPolicies that need them, in input order."""
    out = []
    for doc, np in mi.network_policies:
        data = copy.deepcopy(doc.data)
        edit = Edit(doc, data)
        _edit_named_ports(mi, np, data, edit)
        _edit_ipblocks(mi, np, data, edit)
        if edit.changes:
            meta = data.setdefault("metadata", {})
            meta.setdefault("annotations", {})[EDIT_ANNOTATION] = "; ".join(edit.changes)
        if edit.changes or edit.manual:
            out.append(edit)
    return out


# -- post-migration -----------------------------------------------------------------------------------------


@dataclass
class AddOn:
    """A post-migration intent, why it is needed, and what it allows that the translation alone does not."""

    intent: NetworkIntent
    why: str
    allows: str
    for_policies: list[str] = field(default_factory=list)


def _intent(name: str, namespace: str, pods: dict[str, Any], why: str, **rules: Any) -> NetworkIntent:
    return NetworkIntent.model_validate({
        "apiVersion": API_VERSION, "kind": KIND,
        "metadata": {"name": name, "namespace": namespace, "annotations": {ADDON_ANNOTATION: why}},
        "spec": {"subject": {"pods": pods}, "isolate": [], **rules},
    })


def _selector_data(sel: LabelSelector | None) -> dict[str, Any]:
    return (sel or LabelSelector()).dump()


def node_egress_addons(mi: MigrationInput) -> Iterator[AddOn]:
    """MS4: Azure NPM allowed egress to the pod's own node; allow the host entity for the same pods."""
    seen: dict[tuple[str, str], AddOn] = {}
    for doc, np in mi.network_policies:
        if not locks_down_egress(np)[0]:
            continue
        ns, sel = namespace_of(np), _selector_data(np.spec.podSelector)
        key = (ns, repr(sel))
        if key in seen:
            seen[key].for_policies.append(document_ref(doc))
            continue
        name = "allow-node-egress" if not sel else f"allow-node-egress-{np.metadata.name}"
        why = "Azure NPM implicitly allowed egress to the pod's own node (MS4)"
        addon = AddOn(_intent(name, ns, sel, why, egress=[{"peers": [{"entity": "host"}],
                                                           "description": why}]),
                      why, "egress from these pods to their own node (host entity), as under Azure NPM",
                      [document_ref(doc)])
        seen[key] = addon
    yield from seen.values()


def load_balancer_addons(mi: MigrationInput) -> Iterator[AddOn]:
    """MS5: allow the load balancer's traffic to the Service's target ports (source ranges when set)."""
    for svc in unsafe_services(mi):
        peers: list[dict[str, Any]] = [{"cidr": r} for r in svc.source_ranges] or [{"entity": "world"},
                                                                                   {"entity": "remote-node"}]
        ports = [{"protocol": p.protocol, "port": p.target} for p in svc.ports if p.target != 0]
        why = (f"Azure NPM did not police {svc.type} traffic with externalTrafficPolicy Cluster to Service "
               f"{svc.ref} (MS5)")
        sources = ", ".join(svc.source_ranges) if svc.source_ranges else "outside the cluster (world) and from other " \
            "nodes (remote-node)"
        yield AddOn(_intent(f"allow-lb-{svc.name}", svc.namespace, {"matchLabels": svc.selector or {}}, why,
                            ingress=[{"peers": peers, "ports": ports, "description": why}]),
                    why, f"ingress from {sources} to the Service's pods on "
                         f"{', '.join(str(p['port']) for p in ports)}; this is wider than the pod-level rules, "
                         "review it", [f"Service {svc.ref}"])


def node_ipblock_addons(mi: MigrationInput, edits: list[Edit]) -> Iterator[AddOn]:
    """MS2: a 0.0.0.0/0 ipBlock also matched node IPs under Azure NPM; Cilium needs host/remote-node. Ports come
    from the edited policy when a pre-migration edit numbered them."""
    edited = {e.document.source: NetworkPolicy.model_validate(e.data) for e in edits if e.changes}
    for doc, original in mi.network_policies:
        np = edited.get(doc.source, original)
        for direction in Direction:
            for i, rule in enumerate(rules_of(np, direction)):
                if not any(p.ipBlock and is_all_addresses(p.ipBlock.cidr) and not p.ipBlock.except_
                           for p in peers_of(rule)):
                    continue
                ports = [{k: v for k, v in {"protocol": p.protocol or "TCP", "port": p.port,
                                            "endPort": p.endPort}.items() if v is not None} for p in rule.ports or []]
                why = f"ipBlock {next(p.ipBlock.cidr for p in peers_of(rule) if p.ipBlock)} matched node IPs " \
                      "under Azure NPM (MS2)"
                body: dict[str, Any] = {"peers": [{"entity": "host"}, {"entity": "remote-node"}],
                                        "description": why}
                if ports:
                    body["ports"] = ports
                yield AddOn(_intent(f"{np.metadata.name}-nodes-{direction.value}-{i}", namespace_of(np),
                                    _selector_data(np.spec.podSelector), why, **{direction.value: [body]}),
                            why, f"{direction.value} {'from' if direction is Direction.INGRESS else 'to'} the "
                                 "nodes (host, remote-node) on the rule's ports, as the ipBlock allowed under "
                                 "Azure NPM", [document_ref(doc)])


def dns_addons(mi: MigrationInput, lacking: list[tuple[str, str, LabelSelector]]) -> Iterator[AddOn]:
    """P13: DNS to kube-dns for egress-isolated pods that have none (namespace, policy, selector)."""
    seen: set[tuple[str, str]] = set()
    for namespace, policy, selector in lacking:
        key = (namespace, repr(selector.dump()))
        if key in seen:
            continue
        seen.add(key)
        why = "egress is isolated but nothing allows DNS (P13)"
        yield AddOn(_intent(f"allow-dns-{policy.rsplit('/', 1)[-1]}", namespace, _selector_data(selector), why,
                            egress=[DNS_RULE.dump()]),
                    why, "egress to kube-dns in kube-system on UDP and TCP 53", [policy])
