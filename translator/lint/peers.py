"""Syntactic peer lints: OR-of-peers where AND was meant (NPX600), namespaces selected by a `name` label
(NPX602), and ipBlocks that also match the cluster's own addresses (NPX603)."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterator, Mapping
from typing import Any

import yaml
from pydantic import ValidationError

from translator import codes
from translator.lint.context import LintInput
from translator.lint.edits import (
    LineIndex,
    block_yaml,
    is_block,
    key_node,
    last_line,
    node_at,
    reindent,
    replace_scalar,
)
from translator.lint.finding import Edit, Finding, Fix
from translator.lint.rules import rule
from translator.lint.written import NamespaceSelectorUse, PeerItem, PeerList, is_network_policy
from translator.model import LabelSelector
from translator.model.labels import NAMESPACE_NAME_LABEL as NAME_LABEL
from translator.model.labels import dns_label_error

MISLEADING_NAMESPACE_KEYS = ("name", "projectcalico.org/name")


def _selector_text(sel: Mapping[str, Any] | None) -> str:
    """A selector as `k=v,k2 in (a,b)` (kubectl's form), or its JSON when it is not a valid selector."""
    try:
        return str(LabelSelector.model_validate(dict(sel or {})))
    except ValidationError:
        return json.dumps(dict(sel or {}), sort_keys=True)


def field_path(path: tuple[str | int, ...]) -> str:
    """`spec.ingress[0].from` from a path tuple."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# -- NPX600: OR of a namespace-only peer and a pods-only peer -----------------------------------------------------

def or_of_peers(ctx: LintInput) -> Iterator[Finding]:
    """A namespaceSelector-only item next to a podSelector-only item in one from/to list."""
    for plist in ctx.peer_lists():
        ns_only = [i for i in plist.items if i.namespace_only]
        pods_only = [i for i in plist.items if i.pods_only]
        if not ns_only or not pods_only:
            continue
        ns_item, pod_item = ns_only[0], pods_only[0]
        later = max(ns_item, pod_item, key=lambda i: i.path[-1])
        unique = len(ns_only) == 1 and len(pods_only) == 1
        yield Finding(
            rule(codes.LINT_OR_OF_PEERS), _or_message(plist, ns_item, pod_item), plist.locate(later.path),
            _or_hint(plist, ns_item, pod_item, unique), _merge_fix(plist, ns_item, pod_item) if unique else None,
            plist.ignored)


def _describe_ns(plist: PeerList, item: PeerItem) -> str:
    peer = _raw(plist, item)
    if item.namespace_key == "namespaceNames":
        return f"namespaces {', '.join(map(str, peer.get('namespaceNames') or []))}"
    sel = peer.get(item.namespace_key) if isinstance(peer, dict) else None
    labels = sel.get("matchLabels") if isinstance(sel, dict) else None
    if isinstance(sel, dict) and isinstance(labels, dict) and list(labels) == [NAME_LABEL] and len(sel) == 1:
        return f"namespace {labels[NAME_LABEL]}"
    return "every namespace" if not sel else f"namespaces {_selector_text(sel)}"


def _raw(plist: PeerList, item: PeerItem) -> dict[str, Any]:
    if plist.doc is None:
        assert plist.loaded is not None
        rule_ = plist.loaded.intent.rules(plist.direction)[plist.rule_index]
        return (rule_.peers or ())[int(item.path[-1])].dump()
    data: Any = plist.doc.data
    for part in item.path:
        data = data[part]
    return data if isinstance(data, dict) else {}


def _or_message(plist: PeerList, ns_item: PeerItem, pod_item: PeerItem) -> str:
    pods = _selector_text(pod_item.pod_selector)
    verb = "allowed" if plist.direction.value == "ingress" else "reachable"
    if plist.namespace and _selects_only(plist, ns_item, plist.namespace):
        return (f"{plist.owner}: {field_path(plist.path)} lists namespace {plist.namespace} (the policy's own) and "
                f"pods {pods} as separate peers, which are ORed: every pod in namespace {plist.namespace} is "
                f"{verb}, not only pods {pods}")
    return (f"{plist.owner}: {field_path(plist.path)} lists {_describe_ns(plist, ns_item)} and pods {pods} as "
            f"separate peers, which are ORed: every pod of those namespaces is {verb}, not only pods {pods}")


def _selects_only(plist: PeerList, item: PeerItem, namespace: str) -> bool:
    peer = _raw(plist, item)
    if item.namespace_key == "namespaceNames":
        return list(peer.get("namespaceNames") or []) == [namespace]
    sel = peer.get(item.namespace_key) or {}
    return sel == {"matchLabels": {NAME_LABEL: namespace}}


def _or_hint(plist: PeerList, ns_item: PeerItem, pod_item: PeerItem, unique: bool) -> str:
    if plist.doc is None:
        return "if only those pods in those namespaces were meant, select the namespace and the pod labels in one " \
            "peer (AND)"
    both = f"`{ns_item.namespace_key}` and `{pod_item.pod_key}`"
    if unique:
        return f"if only those pods in those namespaces were meant, put {both} in one item (AND)"
    return f"put each {ns_item.namespace_key} with the {pod_item.pod_key} it belongs to in one item (AND)"


def _merged_list(plist: PeerList, ns_item: PeerItem, pod_item: PeerItem) -> list[Any]:
    """The peer list with the two items made one (the namespace part ANDed with the pod selector)."""
    assert plist.doc is not None
    data: Any = plist.doc.data
    for part in plist.path:
        data = data[part]
    items = list(data)
    a, b = sorted((int(ns_item.path[-1]), int(pod_item.path[-1])))
    items[a] = {**_raw(plist, ns_item), **_raw(plist, pod_item)}
    del items[b]
    return items


def _merge_fix(plist: PeerList, ns_item: PeerItem, pod_item: PeerItem) -> Fix | None:
    """Move the later item's fields into the earlier item (keeping lines and comments), else rewrite the list."""
    if plist.doc is None:
        return None
    first, second = sorted((ns_item, pod_item), key=lambda i: i.path[-1])
    ref = plist.doc.source
    index = LineIndex(ref.file.text)
    seq, n1, n2 = node_at(ref, plist.path), node_at(ref, first.path), node_at(ref, second.path)
    if seq is None or n1 is None or n2 is None:
        return None
    first_keys = {getattr(k, "value", None) for k, _ in getattr(n1, "value", ())}
    second_keys = {getattr(k, "value", None) for k, _ in getattr(n2, "value", ())}
    if is_block(seq) and is_block(n1) and is_block(n2) and not first_keys & second_keys:
        edits = _move_item_lines(ref.file.name, index, n1, n2)
        if edits is not None:
            return Fix(edits)
    return _rewrite_list(plist, index, seq, _merged_list(plist, ns_item, pod_item))


def _move_item_lines(file: str, index: LineIndex, n1: yaml.Node, n2: yaml.Node) -> tuple[Edit, ...] | None:
    start_line, col = n2.start_mark.line, n2.start_mark.column
    if index.line_text(start_line)[:col].strip() != "-":
        return None
    end_line = last_line(n2)
    lines = [index.line_text(n) for n in range(start_line, end_line + 1)]
    target_col = n1.start_mark.column
    rest = reindent(lines[1:], target_col - col)
    if rest is None:
        return None
    moved = "".join(line + "\n" for line in [" " * target_col + lines[0][col:], *rest])
    insert_at = index.line_end(last_line(n1))
    delete = (index.offset(start_line), index.line_end(end_line))
    if insert_at == delete[0]:
        return (Edit(file, delete[0], delete[1], moved),)
    return (Edit(file, insert_at, insert_at, moved), Edit(file, delete[0], delete[1], ""))


def _rewrite_list(plist: PeerList, index: LineIndex, seq: yaml.Node, value: list[Any]) -> Fix:
    assert plist.doc is not None
    ref = plist.doc.source
    if is_block(seq):
        start, end = index.offset(seq.start_mark.line), index.line_end(last_line(seq))
        text = block_yaml(value, seq.start_mark.column)
        lost = "#" in index.text[start:end]
    else:
        start = index.offset(seq.start_mark.line, seq.start_mark.column)
        end = index.offset(seq.end_mark.line, seq.end_mark.column)
        text = json.dumps(value)
        lost = "#" in index.text[start:end]
    note = f"comments inside {field_path(plist.path)} were not kept" if lost else ""
    return Fix((Edit(ref.file.name, start, end, text),), note)


# -- NPX602: namespaces selected by a `name` label ----------------------------------------------------------------

def namespace_name_label(ctx: LintInput) -> Iterator[Finding]:
    """A namespace selector keyed on `name` (or projectcalico.org/name outside Calico)."""
    existing = _cluster_namespace_keys(ctx)
    for use in ctx.namespace_selectors():
        for key in MISLEADING_NAMESPACE_KEYS:
            if key in existing:
                continue
            terms = _terms(use.selector, key)
            if not terms:
                continue
            path, values, op = terms[0]
            yield Finding(rule(codes.LINT_NAMESPACE_NAME_LABEL), _name_message(use, key, values, op),
                          use.locate((*use.path, *path)), f"select namespaces with `{NAME_LABEL}` instead of `{key}`",
                          _rename_fix(use, key, terms), use.ignored)


def _cluster_namespace_keys(ctx: LintInput) -> set[str]:
    if ctx.cluster is None:
        return set()
    return {k for ns in ctx.cluster.namespaces for k in ns.labels}


def _terms(sel: Mapping[str, Any], key: str) -> list[tuple[tuple[str | int, ...], list[str], str]]:
    """Where `key` is used in a selector: (path inside the selector, values, operator)."""
    out: list[tuple[tuple[str | int, ...], list[str], str]] = []
    labels = sel.get("matchLabels")
    if isinstance(labels, dict) and key in labels:
        out.append((("matchLabels", key), [str(labels[key])], "In"))
    for i, expr in enumerate(sel.get("matchExpressions") or []):
        if isinstance(expr, dict) and expr.get("key") == key:
            out.append((("matchExpressions", i, "key"), [str(v) for v in expr.get("values") or []],
                        str(expr.get("operator"))))
    return out


def _name_message(use: NamespaceSelectorUse, key: str, values: list[str], op: str) -> str:
    if op == "In" and len(values) == 1:
        what = f"{key}={values[0]}"
    else:
        what = f"{key} {op.lower().replace('notin', 'not in')} ({', '.join(values)})" if values else f"{key} {op}"
    return (f"{use.owner}: namespace selector {what}: namespaces have no `{key}` label by default, so this "
            f"matches {'no namespace' if op in ('In', 'Exists') else 'every namespace'}")


def _rename_fix(use: NamespaceSelectorUse, key: str,
                terms: list[tuple[tuple[str | int, ...], list[str], str]]) -> Fix | None:
    """Rename the key where that keeps the selector's meaning (In/NotIn on valid namespace names)."""
    if use.doc is None or NAME_LABEL in str(use.selector):
        return None
    ref, index = use.doc.source, LineIndex(use.doc.source.file.text)
    edits: list[Edit] = []
    for path, values, op in terms:
        if op not in ("In", "NotIn") or not values or any(dns_label_error(v) for v in values):
            return None
        full = (*use.path, *path)
        node = key_node(ref, full) if path[0] == "matchLabels" else node_at(ref, full)
        if node is None or not isinstance(node, yaml.ScalarNode):
            return None
        edits.append(replace_scalar(ref, index, node, NAME_LABEL))
    return Fix(tuple(edits)) if edits else None


# -- NPX603: ipBlocks that also match pods and nodes --------------------------------------------------------------

def ipblock_matches_cluster(ctx: LintInput) -> Iterator[Finding]:
    """An ipBlock that covers the whole address space (or, with --cluster, pod IPs) without except."""
    pod_ips = _pod_ips(ctx)
    for plist in ctx.peer_lists():
        for item in plist.items:
            if item.cidr is None:
                continue
            try:
                net = ipaddress.ip_network(item.cidr, strict=False)
                holes = [ipaddress.ip_network(e, strict=False) for e in item.except_]
            except ValueError:
                continue  # the loader reports malformed CIDRs
            inside = [ip for ip in pod_ips if ip.version == net.version and ip in net
                      and not any(ip.version == h.version and ip in h for h in holes)]
            if (net.prefixlen == 0 and not holes) or inside:
                path = (*item.path, "ipBlock", "cidr") if plist.doc is not None and is_network_policy(plist.doc) \
                    else (*item.path, "cidr")
                yield Finding(rule(codes.LINT_IPBLOCK_MATCHES_CLUSTER), _ip_message(plist, item, inside),
                              plist.locate(path), _ip_hint(plist, inside), None, plist.ignored)


def _pod_ips(ctx: LintInput) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    if ctx.cluster is None:
        return []
    return [ipaddress.ip_address(p.ip) for p in ctx.cluster.pods if p.ip]


def _ip_message(plist: PeerList, item: PeerItem, inside: list[Any]) -> str:
    side = "from" if plist.direction.value == "ingress" else "to"
    covered = f"covers {len(inside)} pod IP(s) of the cluster" if inside else "has no except for the cluster's ranges"
    return (f"{plist.owner}: {plist.direction.value} {side} {item.cidr} {covered}: under Kubernetes, Calico and "
            "Azure NPM it also matches pods and nodes, under Cilium it matches no pod")


def _ip_hint(plist: PeerList, inside: list[Any]) -> str:
    example = f" (e.g. {', '.join(str(ip) for ip in inside[:2])} are pods)" if inside else ""
    return (f"add `except` entries for the pod, service and node CIDRs if only external addresses are meant"
            f"{example}; if pods are meant too, add a namespaceSelector peer for them")
