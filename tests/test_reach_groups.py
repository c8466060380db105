"""The grouped view's text and JSON forms are exact: read back, the text's flow lines (with `NS/*`, `every endpoint
but`, named sets and `except`) give every pair of endpoints exactly its allowed probes; the overview's and the
summary's claims hold for every pair; each group's selector picks exactly its pods; and `-o groups-json`, checked
against the schema in docs/reach.md, expands to exactly the per-pair result of `-o json`."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import run_cli
from tests.test_properties import PROBES, SETTINGS, clusters, load, policy_sets, to_cluster
from tests.test_reach_output import _files
from translator.cluster.model import Cluster
from translator.evaluator import Evaluator, group_output
from translator.evaluator.describe import Term
from translator.evaluator.group_output import group_json_text, group_lines, openness, overview
from translator.evaluator.groups import GroupedReach, group_reach

ROOT = Path(__file__).resolve().parent.parent


def schema() -> dict[str, Any]:
    """The JSON Schema of `-o groups-json`, as docs/reach.md publishes it."""
    text = (ROOT / "docs" / "reach.md").read_text()
    block = text.split("<!-- groups-json schema -->", 1)[1].split("```json", 1)[1].split("```", 1)[0]
    loaded: dict[str, Any] = json.loads(block)
    return loaded


def verdicts(ev: Evaluator) -> dict[tuple[int, int], set[int]]:
    """Per ordered pair of distinct endpoints, the indices of the probes allowed."""
    n = len(ev.names)
    out: dict[tuple[int, int], set[int]] = {(s, d): set() for s in range(n) for d in range(n) if s != d}
    for p, probe in enumerate(PROBES):
        cols = ev.columns(probe)
        for (s, d), allowed in out.items():
            if (cols[d] >> s) & 1:
                allowed.add(p)
    return out


def read_ports(text: str) -> set[int]:
    """`80-81, 5432/TCP; 53/UDP` back to probe indices (a range claims the probes inside it)."""
    out: set[int] = set()
    for part in text.split("; "):
        ports, protocol = part.rsplit("/", 1)
        for span in ports.split(", "):
            lo, _, hi = span.partition("-")
            out |= {p for p, probe in enumerate(PROBES) if probe.protocol == protocol
                    and int(lo) <= probe.port <= int(hi or lo)}
    return out


class Reader:
    """Reads the sides of the text's flow lines back into sets of endpoints."""

    def __init__(self, view: GroupedReach, lines: list[str], cluster: Cluster | None = None) -> None:
        self.view = view
        self.cluster = cluster
        self.ids = {g.id: set(g.members) for g in view.groups}
        self.sets: dict[str, set[int]] = {}
        for line in lines:
            m = re.fullmatch(r"  (s\d+)  (.*) \(\d+ groups, [\d,]+ endpoints\)", line)
            if m:
                self.sets[m[1]] = self.side(m[2])

    def units(self, text: str) -> set[int]:
        if text.startswith("[") and text.endswith("]"):
            assert self.cluster is not None
            return picks(read_term(text[1:-1]), self.cluster)
        out: set[int] = set()
        for unit in text.split(", "):
            if unit.endswith("/*"):
                out |= {e for e, ns in enumerate(self.view.namespaces) if ns == unit[:-2]}
            elif unit in self.sets:
                out |= self.sets[unit]
            else:
                out |= self.ids[unit]
        return out

    def side(self, text: str) -> set[int]:
        everything = set(range(len(self.view.group_of)))
        if text == "every endpoint":
            return everything
        if text.startswith("every endpoint but "):
            return everything - self.side(text[len("every endpoint but "):])
        m = re.fullmatch(r"\((\S+) except (.*)\), (.*)", text)
        if m:
            return (self.sets[m[1]] - self.units(m[2])) | self.units(m[3])
        m = re.fullmatch(r"(s\d+) except (.*)", text)
        if m:
            return self.sets[m[1]] - self.units(m[2])
        return self.units(text)


def pair(text: str) -> tuple[str, str]:
    key, value = text.split("=", 1)
    return key, value


def read_term(text: str) -> Term:
    """A selector as the text writes it (`pods app in (a, b),tier=x in namespaces team=red`) back to a term."""
    namespaces: tuple[str, ...] | None = None
    namespace_labels: tuple[tuple[str, str], ...] = ()
    if text.endswith(" in any namespace"):
        what = text[:-len(" in any namespace")]
    elif " in namespaces " in text:
        what, spec = text.rsplit(" in namespaces ", 1)
        if "=" in spec:
            namespace_labels = tuple(pair(kv) for kv in spec.split(","))
        else:
            namespaces = tuple(spec.split(", "))
    else:
        what, single = text.rsplit(" in namespace ", 1)
        namespaces = (single,)
    key_in = None
    labels: tuple[tuple[str, str], ...] = ()
    if what != "every pod":
        rest = what[len("pods "):]
        m = re.match(r"(\S+) in \(([^)]*)\),?", rest)
        if m:
            key_in = (m[1], tuple(m[2].split(", ")))
            rest = rest[m.end():]
        labels = tuple(pair(kv) for kv in rest.split(",") if kv)
    return Term(namespaces, namespace_labels, labels, key_in)


def check_text(ev: Evaluator, view: GroupedReach, truth: dict[tuple[int, int], set[int]]) -> None:
    lines = group_lines(view)
    reader = Reader(view, lines, ev.cluster)
    claimed: dict[tuple[int, int], set[int]] = {pair: set() for pair in truth}
    start = next(i for i, line in enumerate(lines) if line.startswith("allowed ("))
    for line in lines[start + 1:]:
        if not line.startswith("  ") or line == "  nothing":
            continue
        left, rest = line[2:].split(" -> ", 1)
        right, ports = rest.rsplit(": ", 1)
        allowed = read_ports(ports)
        for s in reader.side(left):
            for d in reader.side(right):
                if s != d:
                    claimed[(s, d)] |= allowed
    for pair, allowed in truth.items():
        assert claimed[pair] == allowed, (ev.names[pair[0]], ev.names[pair[1]], lines)
    listed = [line.split()[0] for line in lines if re.match(r"    g\d+ ", line)]
    assert listed == [g.id for g in view.groups]


def check_overview(ev: Evaluator, view: GroupedReach, truth: dict[tuple[int, int], set[int]]) -> None:
    table = overview(view)
    place = {k: [e for e, p in enumerate(view.places) if p == name] for k, name in enumerate(table.places)}
    assert sorted(e for members in place.values() for e in members) == list(range(len(ev.names)))
    for a, sources in place.items():
        for b, targets in place.items():
            pairs = [truth[(s, d)] for s in sources for d in targets if s != d]
            want = "-" if not pairs else "#" if all(len(x) == len(PROBES) for x in pairs) else \
                "+" if any(pairs) else "."
            assert table.cells[a][b] == want, (table.places[a], table.places[b])
    found = openness(view)
    n = len(ev.names)
    for g, group in enumerate(view.groups):
        into = [truth[(s, d)] for d in group.members for s in range(n) if s != d]
        out = [truth[(s, d)] for s in group.members for d in range(n) if s != d]
        assert (g in found["open in"]) == all(len(x) == len(PROBES) for x in into)
        assert (g in found["closed in"]) == (not any(into))
        assert (g in found["open out"]) == all(len(x) == len(PROBES) for x in out)
        assert (g in found["closed out"]) == (not any(out))


def picks(term: Term, cluster: Cluster) -> set[int]:
    """The pods (own network identity) a selector term picks."""
    labels = {ns.name: ns.labels for ns in cluster.namespaces}
    out = set()
    for e, pod in enumerate(cluster.pods):
        if pod.hostNetwork:
            continue
        if term.namespaces is not None and pod.namespace not in term.namespaces:
            continue
        if any(labels.get(pod.namespace, {}).get(k) != v for k, v in term.namespace_labels):
            continue
        if any(pod.labels.get(k) != v for k, v in term.labels):
            continue
        if term.key_in is not None and pod.labels.get(term.key_in[0]) not in term.key_in[1]:
            continue
        out.add(e)
    return out


def check_json(ev: Evaluator, view: GroupedReach, truth: dict[tuple[int, int], set[int]]) -> None:
    doc = json.loads(group_json_text(view))
    jsonschema.validate(doc, schema())
    index = {name: e for e, name in enumerate(ev.names)}
    members = {g["id"]: {index[name] for name in g["members"]} for g in doc["groups"]}
    assert sorted(e for m in members.values() for e in m) == list(range(len(ev.names)))
    probe = {(p.port, p.protocol): i for i, p in enumerate(PROBES)}
    claimed: dict[tuple[int, int], set[int]] = {pair: set() for pair in truth}
    for edge in doc["edges"]:
        for s in members[edge["from"]]:
            for d in members[edge["to"]]:
                if s != d:
                    claimed[(s, d)] |= {probe[(x["port"], x["protocol"])] for x in edge["probes"]}
    assert claimed == truth
    for group, g in zip(view.groups, doc["groups"]):
        own = {e for e in group.members if e < len(ev.cluster.pods) and not ev.cluster.pods[e].hostNetwork}
        if group.selector is not None:
            assert set().union(*(picks(t, ev.cluster) for t in group.selector)) == own, group
            assert g["selector"] == [t.as_dict() for t in group.selector]
        assert {index[name] for name in g["others"]} == set(group.members) - own


@SETTINGS
@given(policy_sets(), clusters(), st.integers(0, 4), st.booleans())
def test_text_overview_and_json_are_exact(policies: list[dict[str, Any]], cluster_data: dict[str, Any], copies: int,
                                          host: bool) -> None:
    pod = cluster_data["pods"][0]
    cluster_data["pods"] += [{**pod, "name": f"copy{i}", "ip": f"10.3.0.{i + 1}"} for i in range(copies)]
    if host:  # a node and a host-network pod on it
        cluster_data["nodes"] = [{"name": "n1", "ip": "10.5.0.1"}]
        cluster_data["pods"].append({"namespace": "x", "name": "agent", "labels": {"app": "a"}, "nodeName": "n1",
                                     "hostNetwork": True})
    ev = Evaluator(to_cluster(cluster_data), load(policies))
    view = group_reach(ev, PROBES)
    truth = verdicts(ev)
    check_overview(ev, view, truth)
    check_json(ev, view, truth)
    saved = group_output.RECURRING_TEXT, group_output.OVERVIEW_GROUPS
    try:  # every form of side: named sets even when short
        check_text(ev, view, truth)
        group_output.RECURRING_TEXT, group_output.OVERVIEW_GROUPS = 0, 0
        check_text(ev, group_reach(ev, PROBES), truth)
    finally:
        group_output.RECURRING_TEXT, group_output.OVERVIEW_GROUPS = saved


def test_groups_json_cli_matches_json(tmp_path: Path) -> None:
    policy, cluster = _files(tmp_path)
    result = run_cli("reach", "-f", policy, "--cluster", cluster, "-o", "groups-json")
    assert result.code == 0, result.stderr
    doc = json.loads(result.stdout)
    jsonschema.validate(doc, schema())
    assert [g["description"] for g in doc["groups"]] == ["pods app=web in namespace shop (3 pods)",
                                                         "pods app=db in namespace shop (2 pods)", "tools/debug"]
    assert doc["groups"][0]["selector"] == [{"namespaces": ["shop"], "podSelector": {"matchLabels": {"app": "web"}}}]
    members = {g["id"]: g["members"] for g in doc["groups"]}
    expanded = {(s, d, x["port"], x["protocol"]) for e in doc["edges"] for s in members[e["from"]]
                for d in members[e["to"]] if s != d for x in e["probes"]}
    full = json.loads(run_cli("reach", "-f", policy, "--cluster", cluster, "-o", "json").stdout)
    assert expanded == {(r["from"], r["to"], r["port"], r["protocol"]) for r in full["results"] if r["allowed"]}


def test_overview_shows_for_many_groups(tmp_path: Path) -> None:
    # 14 pods with distinct labels, each allowing ingress from the next one in its namespace: 14 groups
    pods = "".join(f"  - {{namespace: {'a' if i < 7 else 'b'}, name: p{i}, labels: {{app: x{i}}}, "
                   f"ip: 10.0.0.{i + 1}}}\n" for i in range(14))
    (tmp_path / "c.yaml").write_text("pods:\n" + pods + "probes: [{port: 80, protocol: TCP}]\n")
    policies = "---\n".join(f"""apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: p{i}, namespace: {'a' if i < 7 else 'b'}}}
spec:
  podSelector: {{matchLabels: {{app: x{i}}}}}
  ingress: [{{from: [{{podSelector: {{matchLabels: {{app: x{(i + 1) % 14}}}}}}}]}}]
""" for i in range(14))
    (tmp_path / "p.yaml").write_text(policies)
    out = run_cli("reach", "-f", str(tmp_path / "p.yaml"), "--cluster", str(tmp_path / "c.yaml"), "-o", "groups")
    assert out.code == 0, out.stderr
    lines = out.stdout.splitlines()
    at = lines.index(next(line for line in lines if line.startswith("namespaces (row to column")))
    assert lines[at + 1:at + 4] == ["       endpoints groups  12",
                                    "  1 a          7      7  +.",
                                    "  2 b          7      7  .+"]


def test_named_sets_and_changes_read_back_exactly() -> None:
    from translator.cluster.model import Probe
    from translator.evaluator.groups import Group

    probes = [Probe(80 + p, "TCP") for p in range(4)]
    groups = [Group(f"g{g + 1}", (g,), f"ns{g}/p{g}", (f"ns{g}/p{g}",), f"ns{g}") for g in range(14)]
    base = [0, 1, 2, 3, 4, 5]
    flows: dict[tuple[int, int], tuple[int, ...]] = {}
    for a in base:
        flows[(a, 6)] = (0,)
        flows[(a, 7)] = (1,)
    for a in [0, 1, 2, 3, 4, 9]:
        flows[(a, 8)] = (2,)
    for a in [1, 2, 3, 4, 5]:
        flows[(a, 9)] = (3,)
    places: list[str] = [f"ns{g}" for g in range(14)]
    view = GroupedReach("kubernetes", probes, groups, list(range(14)), dict(sorted(flows.items())), places,
                        list(places))
    saved = group_output.RECURRING_TEXT
    group_output.RECURRING_TEXT = 0
    try:
        lines = group_lines(view)
    finally:
        group_output.RECURRING_TEXT = saved
    assert "  s1  g1, g2, g3, g4, g5, g6 (6 groups, 6 endpoints)" in lines
    assert "  s1 -> g7: 80/TCP" in lines and "  s1 -> g8: 81/TCP" in lines
    assert "  (s1 except g6), g10 -> g9: 82/TCP" in lines and "  s1 except g1 -> g10: 83/TCP" in lines
    assert lines.count("  namespace ns1") == 1
    reader = Reader(view, lines)
    start = lines.index(next(line for line in lines if line.startswith("allowed (")))
    claimed: set[tuple[int, int, int]] = set()
    for line in lines[start + 1:-1]:
        left, rest = line[2:].split(" -> ", 1)
        right, ports = rest.rsplit(": ", 1)
        port = int(ports.split("/")[0])
        claimed |= {(s, d, port - 80) for s in reader.side(left) for d in reader.side(right) if s != d}
    assert claimed == {(a, b, p) for (a, b), allowed in flows.items() for p in allowed}


def test_a_side_that_one_selector_picks_is_written_as_that_selector() -> None:
    cluster = {"namespaces": [{"name": "shop"}, {"name": "tools"}],
               "pods": [{"namespace": "shop", "name": f"{app}-{i}", "labels": {"app": app, "tier": tier},
                         "ip": f"10.0.{k}.{i + 1}"}
                        for k, (app, tier) in enumerate([("web", "front"), ("api", "front"), ("db", "back")])
                        for i in range(2)] + [{"namespace": "tools", "name": "debug", "labels": {"app": "debug"},
                                               "ip": "10.0.9.1"}]}
    policies = [
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
         "metadata": {"name": "db", "namespace": "shop"}, "spec": {"podSelector": {"matchLabels": {"app": "db"}},
                  "ingress": [{"from": [{"podSelector": {"matchLabels": {"tier": "front"}}}],
                               "ports": [{"port": 8080}]}]}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
         "metadata": {"name": "web", "namespace": "shop"}, "spec": {"podSelector": {"matchLabels": {"app": "web"}},
                  "ingress": [{"from": [{"namespaceSelector": {}}], "ports": [{"port": 80}]}]}},
    ]
    ev = Evaluator(to_cluster(cluster), load(policies))
    view = group_reach(ev, PROBES)
    lines = group_lines(view)
    assert any(line.startswith("  [pods tier=front in namespace shop] -> ") for line in lines), lines
    check_text(ev, view, verdicts(ev))
    assert read_term("pods tier=front in namespace shop") == Term(("shop",), (), (("tier", "front"),))
