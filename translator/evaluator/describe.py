"""Naming a set of endpoints by the selector a person would write: the namespaces and labels that pick exactly
its pods (`pods app=web in namespace shop`, `pods app in (api, web) in namespaces env=prod`), a union of such
terms per namespace when one does not do, or a count and names when no selector picks exactly the set.

Used by the grouped connectivity view (translator.evaluator.groups)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from translator.cluster.model import Cluster

SHOWN_NAMES = 3
"""Member names shown for a set no selector picks exactly."""
SHOWN_NAMESPACES = 4
SHOWN_TERMS = 4
"""Terms of a union shown in the text (the JSON form has them all)."""


def natural(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that puts `team-2` before `team-10`."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", text) if part)


@dataclass(frozen=True)
class Term:
    """Pods picked by a namespace part and a label part, as one NetworkPolicy peer would pick them."""

    namespaces: tuple[str, ...] | None = None
    """These namespaces; None: any namespace, or those `namespace_labels` picks."""
    namespace_labels: tuple[tuple[str, str], ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    """key=value pairs every picked pod has."""
    key_in: tuple[str, tuple[str, ...]] | None = None
    """`key in (values)`."""

    def what(self) -> str:
        """The label part: `pods app=web,tier=front`, `pods app in (api, web)`, `every pod`."""
        parts = [f"{k}={v}" for k, v in self.labels]
        if self.key_in is not None:
            parts.insert(0, f"{self.key_in[0]} in ({', '.join(self.key_in[1])})")
        return "pods " + ",".join(parts) if parts else "every pod"

    def where(self) -> str:
        """The namespace part: `in namespace shop`, `in namespaces a, b`, `in namespaces env=prod`."""
        if self.namespace_labels:
            return "in namespaces " + ",".join(f"{k}={v}" for k, v in self.namespace_labels)
        if self.namespaces is None:
            return "in any namespace"
        if len(self.namespaces) == 1:
            return f"in namespace {self.namespaces[0]}"
        shown = ", ".join(self.namespaces[:SHOWN_NAMESPACES])
        more = len(self.namespaces) - SHOWN_NAMESPACES
        return f"in namespaces {shown}" + (f" (+{more} more)" if more > 0 else "")

    def as_dict(self) -> dict[str, object]:
        """The JSON form: `namespaces` (a list, or absent for any namespace), `namespaceSelector` and
        `podSelector` as in a NetworkPolicy peer."""
        out: dict[str, object] = {}
        if self.namespace_labels:
            out["namespaceSelector"] = {"matchLabels": dict(self.namespace_labels)}
        elif self.namespaces is not None:
            out["namespaces"] = list(self.namespaces)
        pods: dict[str, object] = {}
        if self.labels:
            pods["matchLabels"] = dict(self.labels)
        if self.key_in is not None:
            pods["matchExpressions"] = [{"key": self.key_in[0], "operator": "In", "values": list(self.key_in[1])}]
        out["podSelector"] = pods
        return out


@dataclass(frozen=True)
class Named:
    """A set of endpoints as text and selector."""

    text: str
    """Standalone."""
    short: str
    """Under the heading of the set's one namespace (without `in namespace X`); `text` otherwise."""
    terms: tuple[Term, ...] | None
    """Whose union picks exactly the pods of the set, or None."""
    others: tuple[str, ...]
    """Members named by name (not pods with their own network identity)."""


class Describer:
    """Names sets of endpoints by the selector a person would write."""

    def __init__(self, cluster: Cluster, names: Sequence[str], used: dict[str, int] | None = None) -> None:
        self.cluster = cluster
        self.used = used or {}
        self.names = names
        self.n_pods = len(cluster.pods)
        self.by_pair: dict[tuple[str, str], set[int]] = {}
        self.by_namespace: dict[str, set[int]] = {}
        self.namespace_of: list[str] = []
        for i, pod in enumerate(cluster.pods):
            self.namespace_of.append(pod.namespace)
            if pod.hostNetwork:  # pod selectors do not match host-network pods
                continue
            self.by_namespace.setdefault(pod.namespace, set()).add(i)
            for item in pod.labels.items():
                self.by_pair.setdefault(item, set()).add(i)
        self.ns_labels = {ns.name: ns.labels for ns in cluster.namespaces}
        self.with_pods = sorted(self.by_namespace, key=natural)

    def __call__(self, members: Sequence[int]) -> Named:
        pods = [e for e in members if e < self.n_pods and not self.cluster.pods[e].hostNetwork]
        chosen = set(pods)
        others = tuple(self.names[e] for e in members if e not in chosen)
        text, short, terms = self.pods(pods) if pods else ("", "", None)
        if others:
            shown = ", ".join(others[:SHOWN_NAMES]) + (f" (+{len(others) - SHOWN_NAMES} more)"
                                                       if len(others) > SHOWN_NAMES else "")
            text = f"{text}; {shown}" if text else shown
            short = text
        return Named(text, short, terms, others)

    def selected(self, namespaces: Sequence[str] | None, labels: Sequence[tuple[str, str]],
                 key_in: tuple[str, Sequence[str]] | None = None) -> set[int]:
        """The pods in `namespaces` (None: any) with every one of `labels` and, if given, `key in values`."""
        sets = [self.by_pair.get(item, set()) for item in labels]
        if key_in is not None:
            sets.append(set().union(*(self.by_pair.get((key_in[0], v), set()) for v in key_in[1])))
        if not sets:
            if namespaces is None:
                return set().union(*self.by_namespace.values())
            return set().union(*(self.by_namespace.get(ns, set()) for ns in namespaces))
        sets.sort(key=len)
        out = sets[0].intersection(*sets[1:])
        if namespaces is not None:
            wanted = set(namespaces)
            out = {e for e in out if self.namespace_of[e] in wanted}
        return out

    def _labels(self, pods: Sequence[int], namespaces: Sequence[str]) -> Term | None:
        """The shortest label part that picks exactly `pods` in `namespaces`, or None."""
        wanted = set(pods)
        labels = [self.cluster.pods[e].labels for e in pods]
        common = sorted(set(labels[0].items()).intersection(*(lab.items() for lab in labels[1:])))
        if self.selected(namespaces, common) == wanted:
            for item in sorted(common, key=lambda kv: (self.used.get(kv[0], 0), kv[0])):  # drop what is not needed
                fewer = [x for x in common if x != item]
                if self.selected(namespaces, fewer) == wanted:
                    common = fewer
            return Term(tuple(namespaces), labels=tuple(common))
        keys = set(labels[0]).intersection(*labels[1:])
        if self.used:  # `key in (...)` only over keys the policies select by (not pod-template-hash)
            keys &= set(self.used)
        for key in sorted(keys, key=lambda k: (-self.used.get(k, 0), len({lab[k] for lab in labels}), k)):
            values = tuple(sorted({lab[key] for lab in labels}))
            if len(values) < 2:
                continue
            if self.selected(namespaces, (), (key, values)) == wanted:
                return Term(tuple(namespaces), key_in=(key, values))
            rest = [kv for kv in common if kv[0] != key]
            if rest and self.selected(namespaces, rest, (key, values)) == wanted:
                for item in sorted(rest, key=lambda kv: (self.used.get(kv[0], 0), kv[0])):
                    fewer = [x for x in rest if x != item]
                    if self.selected(namespaces, fewer, (key, values)) == wanted:
                        rest = fewer
                return Term(tuple(namespaces), labels=tuple(rest), key_in=(key, values))
        return None

    def _widen(self, term: Term, wanted: set[int]) -> Term:
        """The same label part over any namespace, or namespaces picked by their labels, when that picks the same."""
        namespaces = term.namespaces or ()
        if len(namespaces) < 2:
            return term
        if self.selected(None, term.labels, term.key_in) == wanted:
            return Term(None, (), term.labels, term.key_in)
        common = set(self.ns_labels[namespaces[0]].items()).intersection(
            *(self.ns_labels[ns].items() for ns in namespaces[1:]))
        picked = [ns for ns in self.with_pods if common <= set(self.ns_labels[ns].items())]
        if common and set(picked) == set(namespaces):
            return Term(None, tuple(sorted(common)), term.labels, term.key_in)
        return term

    def pods(self, pods: Sequence[int]) -> tuple[str, str, tuple[Term, ...] | None]:
        """(text, text under the namespace's heading, terms) of pods with their own network identity."""
        count = f" ({len(pods)} pods)" if len(pods) > 1 else ""
        namespaces = sorted({self.namespace_of[e] for e in pods}, key=natural)
        wanted = set(pods)
        term = self._labels(pods, namespaces)
        if len(pods) == 1:
            pod = self.cluster.pods[pods[0]]
            terms = (term,) if term is not None else None
            return pod.id, pod.name, terms
        if term is not None:
            term = self._widen(term, wanted)
            text = f"{term.what()} {term.where()}{count}"
            short = f"{term.what()}{count}" if len(namespaces) == 1 else text
            return text, short, (term,)
        if len(namespaces) > 1:
            union = self._union(pods, namespaces)
            if union is not None:
                shown = "; ".join(f"{t.what()} {t.where()}" for t in union[:SHOWN_TERMS])
                more = f"; (+{len(union) - SHOWN_TERMS} more)" if len(union) > SHOWN_TERMS else ""
                text = f"{len(pods)} pods in {len(namespaces)} namespaces: {shown}{more}"
                return text, text, tuple(union)
        all_labels = [self.cluster.pods[e].labels for e in pods]
        common = sorted(set(all_labels[0].items()).intersection(*(lab.items() for lab in all_labels[1:])))
        near = Term(tuple(namespaces), labels=tuple(common))
        picked = self.selected(namespaces, common)
        shown = ", ".join(self.cluster.pods[e].id for e in pods[:SHOWN_NAMES])
        more = f" (+{len(pods) - SHOWN_NAMES} more)" if len(pods) > SHOWN_NAMES else ""
        text = f"{len(pods)} of the {len(picked)} {near.what()} {near.where()}: {shown}{more}"
        if len(namespaces) == 1:
            names = ", ".join(self.cluster.pods[e].name for e in pods[:SHOWN_NAMES])
            return text, f"{len(pods)} of the {len(picked)} {near.what()}: {names}{more}", None
        return text, text, None

    def _union(self, pods: Sequence[int], namespaces: Sequence[str]) -> list[Term] | None:
        """One term per namespace (namespaces whose pods the same label part picks share a term), or None."""
        per_ns: dict[str, list[int]] = {}
        for e in pods:
            per_ns.setdefault(self.namespace_of[e], []).append(e)
        by_labels: dict[tuple[tuple[tuple[str, str], ...], tuple[str, tuple[str, ...]] | None], list[str]] = {}
        for ns in namespaces:
            term = self._labels(per_ns[ns], [ns])
            if term is None:
                return None
            by_labels.setdefault((term.labels, term.key_in), []).append(ns)
        out = []
        for (labels, key_in), spaces in by_labels.items():
            term = Term(tuple(spaces), (), labels, key_in)
            picked = {e for ns in spaces for e in per_ns[ns]}
            out.append(self._widen(term, picked))
        return out
