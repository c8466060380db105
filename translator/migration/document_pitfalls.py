"""Migration pitfalls detected on the input documents themselves (before import): P07, P08, P09 on
NetworkPolicies, P18 and P19 on Calico objects, P25 on every namespaced policy kind."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from translator.migration.finding import Finding, error, info, warning
from translator.migration.inputs import NAMESPACED_POLICY_KINDS, MigrationInput, document_engine, document_ref
from translator.migration.validator import peer_key, peers_of, rules_of
from translator.model import Direction

CALICO_POLICY_KINDS = frozenset({"NetworkPolicy", "GlobalNetworkPolicy", "StagedNetworkPolicy",
                                 "StagedGlobalNetworkPolicy"})
HOST_OPTIONS = ("preDNAT", "doNotTrack", "applyOnForward")


def check_protocol_default(mi: MigrationInput) -> Iterator[Finding]:
    """P07 (NetworkPolicy -> Cilium): a port without protocol means TCP here and any protocol in Cilium."""
    for doc, np in mi.network_policies:
        for direction in Direction:
            hit = next(((i, j) for i, r in enumerate(rules_of(np, direction))
                        for j, p in enumerate(r.ports or []) if p.protocol is None), None)
            if hit is not None:
                where = doc.locate("spec", direction.value, hit[0], "ports", hit[1])
                yield info(f"{direction.value} ports without protocol mean TCP in NetworkPolicy but any protocol in "
                           "Cilium; the translation writes protocol TCP explicitly", where, document_ref(doc))
                break


def check_implicit_ingress(mi: MigrationInput) -> Iterator[Finding]:
    """P08: policyTypes absent and only egress rules: Kubernetes also isolates ingress."""
    for doc, np in mi.network_policies:
        if np.spec.policyTypes is None and np.spec.egress and not np.spec.ingress:
            yield warning("policyTypes is absent and the policy has only egress rules, so Kubernetes also puts the "
                          "selected pods into default-deny ingress; the translation keeps that isolation",
                          doc.locate("spec"), document_ref(doc),
                          "if ingress was meant to stay open, set policyTypes: [Egress] (this changes what is "
                          "allowed today)")


def check_empty_selectors(mi: MigrationInput) -> Iterator[Finding]:
    """P09 (NetworkPolicy -> Cilium): `podSelector: {}` alone is the policy's namespace, `namespaceSelector: {}` all
    namespaces; Cilium's empty endpoint selector means the policy's namespace only."""
    for doc, np in mi.network_policies:
        for direction in Direction:
            for i, rule in enumerate(rules_of(np, direction)):
                for j, p in enumerate(peers_of(rule)):
                    if p.namespaceSelector is not None and p.namespaceSelector.is_empty():
                        what = "namespaceSelector: {} means every namespace"
                    elif p.namespaceSelector is None and p.podSelector is not None and p.podSelector.is_empty():
                        what = "podSelector: {} alone means every pod of the policy's own namespace"
                    else:
                        continue
                    yield info(f"{direction.value} peer: {what}; Cilium spells these differently (an empty "
                               "endpoint selector is the policy's namespace only), the translation makes the scope "
                               "explicit", doc.locate("spec", direction.value, i, peer_key(direction), j),
                               document_ref(doc))
                    break


def _source_docs(mi: MigrationInput) -> Iterator[Any]:
    """The documents of the source engine's own kinds (the Calico detectors run for Calico sources)."""
    for doc in mi.documents:
        if document_engine(doc) == mi.source:
            yield doc


def check_calico_objects(mi: MigrationInput) -> Iterator[Finding]:
    """P18 (document level): NetworkSets become inline CIDR snapshots; host-endpoint packet options have no
    equivalent outside Calico."""
    for doc in _source_docs(mi):
        if doc.kind in ("NetworkSet", "GlobalNetworkSet"):
            yield info(f"{doc.kind} {doc.name} is expanded into inline CIDRs where it is referenced: a snapshot, "
                       "later changes to the set are not followed", doc.locate("spec"), document_ref(doc),
                       "re-run the migration when the set changes, or keep its CIDRs in one place (a Cilium "
                       "CiliumCIDRGroup)")
        spec = doc.data.get("spec") if isinstance(doc.data.get("spec"), dict) else {}
        for option in HOST_OPTIONS:
            if spec.get(option):
                yield error(f"{option}: true applies to host endpoints and has no equivalent outside Calico",
                            doc.locate("spec", option), document_ref(doc), "keep this policy on Calico host "
                            "endpoints or replace it with a host firewall policy written by hand")


def _rule_sides(spec: dict[str, Any]) -> Iterator[tuple[str, int, str, dict[str, Any]]]:
    for direction in ("ingress", "egress"):
        for i, rule in enumerate(spec.get(direction) or []):
            if not isinstance(rule, dict):
                continue
            for side in ("source", "destination"):
                entity = rule.get(side)
                if isinstance(entity, dict):
                    yield direction, i, side, entity


def check_gnp_empty_namespace(mi: MigrationInput) -> Iterator[Finding]:
    """P19: a GlobalNetworkPolicy rule selector without namespaceSelector matches pods of every namespace and
    also non-namespaced endpoints (host endpoints, global network sets)."""
    for doc in _source_docs(mi):
        if doc.kind != "GlobalNetworkPolicy" or not isinstance(doc.data.get("spec"), dict):
            continue
        for direction, i, side, entity in _rule_sides(doc.data["spec"]):
            if entity.get("selector") and "namespaceSelector" not in entity:
                yield warning(f"{direction} rule {side} selector {entity['selector']!r} has no namespaceSelector: in "
                              "a GlobalNetworkPolicy it matches pods of every namespace and also host endpoints and "
                              "global network sets; the target keeps only the pods", doc.locate(
                                  "spec", direction, i, side, "selector"), document_ref(doc),
                              "add namespaceSelector: all() to make the pod-only meaning explicit, or allow the "
                              "non-namespaced endpoints by CIDR")
                break


def check_missing_namespace(mi: MigrationInput) -> Iterator[Finding]:
    """P25: a namespaced policy without metadata.namespace lands wherever kubectl's context points."""
    for doc in mi.documents:
        if doc.kind not in NAMESPACED_POLICY_KINDS or document_engine(doc) == "other":
            continue
        if doc.kind == "NetworkIntent" and (doc.data.get("spec") or {}).get("scope") == "Cluster":
            continue
        meta = doc.data.get("metadata")
        if isinstance(meta, dict) and not meta.get("namespace"):
            # An error: the plan would write the translation to 'default' and delete the original from 'default',
            # while the original may run in another namespace, whose pods would then keep or lose a policy.
            yield error("no metadata.namespace: kubectl applies it to the current context's namespace, so where it "
                        "runs is unknown; the plan translates it to, and deletes it from, namespace 'default'",
                        doc.locate("metadata"), document_ref(doc), "set metadata.namespace to the namespace it runs in")
