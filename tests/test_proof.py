"""The symbolic proof (translator/proof): agreement with the reference evaluator on every connection of dense
random clusters, random single mutations proven or witnessed, witnesses that replay under `reach`, the cluster
lens, regions and coverage."""

from __future__ import annotations

import copy
import ipaddress
import random
from typing import Any

import pytest
import yaml

from tests.conftest import run_cli
from translator.cluster.model import ApiServer, Cluster, ContainerPort, External, Namespace, Node, Pod, Probe, Service
from translator.diagnostics import Diagnostics
from translator.evaluator import Evaluator
from translator.load.decode import intents_from_documents
from translator.load.loaded import LoadedIntent
from translator.load.source import documents_from_text
from translator.proof import prove
from translator.proof.prove import Prover
from translator.proof.space import PROTOCOLS

NAMESPACES = ["x", "y", "z"]
KEYS = ["app", "tier"]
VALUES = ["a", "b", "c"]
CIDRS = [("10.0.0.0/8", ["10.1.0.0/16"]), ("10.1.0.0/16", ["10.1.2.0/24"]), ("0.0.0.0/0", ["10.0.0.0/8"]),
         ("10.1.2.0/24", []), ("192.168.0.0/16", []), ("fd00::/8", ["fd00::/64"]), ("::/0", [])]
PROBES = [Probe(80, "TCP"), Probe(81, "TCP"), Probe(85, "TCP"), Probe(443, "TCP"), Probe(8080, "TCP"),
          Probe(53, "UDP"), Probe(53, "TCP"), Probe(80, "SCTP"), Probe(8, "ICMP"), Probe(0, "ICMP"),
          Probe(128, "ICMPv6")]


def load(text: str, name: str = "p.yaml") -> list[LoadedIntent]:
    diags = Diagnostics()
    out = intents_from_documents(documents_from_text(text, name, diags), diags)
    assert not diags.has_errors, [d.format() for d in diags]
    return out


# -- random policies -------------------------------------------------------------------------------------------

def _selector(rng: random.Random) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if rng.random() < 0.5:
        out["matchLabels"] = {rng.choice(KEYS): rng.choice(VALUES)}
    if rng.random() < 0.4:
        op = rng.choice(["In", "NotIn", "Exists", "DoesNotExist"])
        term: dict[str, Any] = {"key": rng.choice(KEYS), "operator": op}
        if op in ("In", "NotIn"):
            term["values"] = sorted(set(rng.sample(VALUES, rng.randint(1, 2))))
        out["matchExpressions"] = [term]
    return out


def _ns_selector(rng: random.Random) -> dict[str, Any]:
    if rng.random() < 0.3:
        return {"matchLabels": {"kubernetes.io/metadata.name": rng.choice(NAMESPACES)}}
    if rng.random() < 0.5:
        return {"matchLabels": {"env": rng.choice(["prod", "dev"])}}
    return rng.choice([{}, {"matchExpressions": [{"key": "env", "operator": rng.choice(["Exists", "DoesNotExist"])}]},
                       {"matchExpressions": [{"key": "team", "operator": "NotIn", "values": ["a"]}]}])


def _peer(rng: random.Random, fqdn: bool) -> dict[str, Any]:
    kind = rng.random()
    if kind < 0.45:
        peer: dict[str, Any] = {}
        if rng.random() < 0.7:
            peer["pods"] = _selector(rng)
        if rng.random() < 0.3:
            peer["namespaces"] = _ns_selector(rng)
        elif rng.random() < 0.2:
            peer["namespaceNames"] = [rng.choice(NAMESPACES)]
        if rng.random() < 0.1:
            peer["serviceAccounts"] = ["sa1"]
        return peer or {"pods": {}}
    if kind < 0.7:
        cidr, excepts = rng.choice(CIDRS)
        return {"cidr": cidr, **({"except": excepts} if excepts and rng.random() < 0.7 else {})}
    if kind < 0.8:
        return {"entity": rng.choice(["all", "world", "cluster", "host", "remote-node", "kube-apiserver"])}
    if kind < 0.9 and fqdn:
        return {"fqdn": rng.choice(["api.example.com", "*.example.com", "*", "example.com"])}
    return {"service": {"name": "svc", "namespace": "x"}}


def _port(rng: random.Random) -> dict[str, Any]:
    kind = rng.random()
    if kind < 0.35:
        return {"protocol": "TCP", "port": rng.choice([80, 443, 8080])}
    if kind < 0.5:
        return {"protocol": rng.choice(["TCP", "ANY"]), "port": 80, "endPort": 90}
    if kind < 0.6:
        return {"protocol": "UDP", "port": 53}
    if kind < 0.75:
        return {"protocol": rng.choice(["TCP", "UDP"]), "port": rng.choice(["http", "dns"])}
    if kind < 0.85:
        return {"protocol": "ICMP", **({"icmp": {"type": 8}} if rng.random() < 0.6 else {})}
    return {"protocol": rng.choice(["TCP", "SCTP", "ANY"])}


def _rule(rng: random.Random, fqdn: bool) -> dict[str, Any]:
    rule: dict[str, Any] = {}
    action = rng.choices(["allow", "deny", "pass", "log"], [6, 2, 1, 1])[0]
    if action != "allow":
        rule["action"] = action
    if rng.random() < 0.8:
        rule["peers"] = [_peer(rng, fqdn) for _ in range(rng.randint(1, 2))]
    if rng.random() < 0.15:
        rule["notPeers"] = [_peer(rng, fqdn)]
    if rng.random() < 0.7:
        rule["ports"] = [_port(rng) for _ in range(rng.randint(1, 2))]
    if rng.random() < 0.1:
        rule["notPorts"] = [{"protocol": "TCP", "port": 81}]
    return rule


def random_intent(rng: random.Random, i: int, fqdn: bool = True) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    meta: dict[str, Any] = {"name": f"p{i}"}
    if rng.random() < 0.15:
        spec["scope"] = "Cluster"
        if rng.random() < 0.5:
            spec["subject"] = {"namespaces": _ns_selector(rng)}
    else:
        meta["namespace"] = rng.choice(NAMESPACES)
    subject = spec.setdefault("subject", {})
    subject["pods"] = _selector(rng)
    if rng.random() < 0.1:
        subject["serviceAccounts"] = ["sa1"]
    if rng.random() < 0.4:
        spec["order"] = rng.choice([10, 20, 30])
    if rng.random() < 0.25:
        spec["tier"] = rng.choice([{"name": "security", "order": 100}, {"name": "platform", "order": 50}])
    if rng.random() < 0.3:
        spec["isolate"] = rng.sample(["ingress", "egress"], rng.randint(0, 2))
    for direction in ("ingress", "egress"):
        if rng.random() < 0.75:
            spec[direction] = [_rule(rng, fqdn) for _ in range(rng.randint(0, 3))]
    if rng.random() < 0.1:
        spec["allowDNS"] = True
    return {"apiVersion": "netpolx.io/v1alpha1", "kind": "NetworkIntent", "metadata": meta, "spec": spec}


def dump(intents: list[dict[str, Any]]) -> str:
    return yaml.safe_dump_all(intents, sort_keys=False)


def dense_cluster(rng: random.Random) -> Cluster:
    """Pods in every namespace (and one no policy names) with varied labels, accounts, addresses and named ports;
    external endpoints with and without DNS names; the Service the random peers name."""
    addresses = ["10.1.2.3", "10.1.5.5", "10.2.0.1", "192.168.1.1", "8.8.8.8", "fd00::1", "fd00:1::5", "2001:db8::5",
                 "10.1.2.4", "10.3.3.3", "172.16.0.1"]
    rng.shuffle(addresses)
    namespaces = [Namespace(name=n, labels={k: v for k, v in (("env", rng.choice(["prod", "dev", None])),
                                                                 ("team", rng.choice(["a", "b", None]))) if v})
                  for n in (*NAMESPACES, "w")]
    pods = []
    for i in range(14):
        ns = namespaces[i % len(namespaces)].name
        labels = {k: v for k in KEYS if (v := rng.choice([*VALUES, "d", None])) is not None}
        ports = tuple(cp for cp in (ContainerPort(name="http", port=rng.choice([80, 8080, 85]), protocol="TCP"),
                                    ContainerPort(name="dns", port=53, protocol=rng.choice(["UDP", "TCP"])))
                      if rng.random() < 0.6)
        pods.append(Pod(namespace=ns, name=f"pod{i}", labels=labels, ip=addresses[i % len(addresses)] if i < 11
                        else f"10.9.0.{i}", ports=ports, serviceAccount=rng.choice([None, "sa1"]),
                        nodeName=rng.choice(["n1", "n2", None])))
    pods.append(Pod(namespace="kube-system", name="hostnet", hostNetwork=True, nodeName="n1",
                    ports=(ContainerPort(name="http", port=80, protocol="TCP"),)))
    externals = [External(name="e-api", ip="203.0.113.5", fqdn="api.example.com"),
                 External(name="e-deep", ip="10.1.2.9", fqdn="a.b.example.com"),
                 External(name="e-apex", ip="fd00::9", fqdn="example.com"),
                 External(name="e-bare", ip="198.51.100.7")]
    services = [Service(namespace="x", name="svc", selector={"app": "a"})]
    nodes = [Node(name="n1", ip=rng.choice(["10.1.2.50", "10.200.0.1"])), Node(name="n2", ip="192.168.5.5"),
             Node(name="n3", ip="fd00::50")]
    apis = [ApiServer(ip="192.168.5.5"), ApiServer(name="managed-api", ip="203.0.113.77")]
    return Cluster(namespaces, pods, externals, list(PROBES), services, nodes=nodes, api_servers=apis)


def symbolic_matrix(prover: Prover, which: int, cluster: Cluster) -> set[tuple[int, int, Probe]]:
    """The allowed (source, destination, probe) of `cluster` according to the diagrams."""
    m, sp = prover.m, prover.space
    allowed = prover.allowed(which)
    n = len(cluster.endpoint_names)
    own = {flag: sp.lit("own-node", "", "", [int(flag)]) for flag in (False, True)}
    src = [prover._endpoint_cube(cluster, i, "src") for i in range(n)]
    dst = [prover._endpoint_cube(cluster, i, "dst") for i in range(n)]
    out = set()
    for probe in PROBES:
        service = m.conj(sp.lit("proto", "", "", [PROTOCOLS.index(probe.protocol)]),
                         m.conj(sp.lit("port", "", "", [sp.port_class(probe.port)]),
                                sp.lit("icmp-code", "", "", [len(sp.codes)])))
        at = m.conj(allowed, service)
        for d in range(n):
            column = m.conj(at, dst[d])
            if column == 0:
                continue
            for s in range(n):
                if s != d and m.conj(m.conj(column, src[s]), own[Prover.own_node_pair(cluster, s, d)]) != 0:
                    out.add((s, d, probe))
    return out


def concrete_matrix(policies: list[LoadedIntent], engine: str | None, cluster: Cluster) -> set[tuple[int, int, Probe]]:
    ev = Evaluator(cluster, policies, engine)
    out = set()
    for probe in PROBES:
        for d, sources in enumerate(ev.columns(probe)):
            for s in range(len(ev.names)):
                if (sources >> s) & 1:
                    out.add((s, d, probe))
    return out


@pytest.mark.parametrize("engine", [None, "kubernetes", "calico", "cilium"])
@pytest.mark.parametrize("seed", range(12))
def test_the_diagrams_agree_with_the_evaluator_on_dense_clusters(seed: int, engine: str | None) -> None:
    rng = random.Random(seed * 7919 + len(engine or ""))
    fqdn = engine != "cilium"  # Cilium's DNS-rule condition depends on the DNS pod existing (an assumption)
    policies = load(dump([random_intent(rng, i, fqdn) for i in range(rng.randint(2, 6))]))
    cluster = dense_cluster(rng)
    prover = Prover(policies, policies, engine, engine, cluster)
    assert symbolic_matrix(prover, 0, cluster) == concrete_matrix(policies, engine, cluster)


# -- single mutations --------------------------------------------------------------------------------------------

def mutate(rng: random.Random, intents: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """One random change: a port, a CIDR or except, a selector term, an action or an order."""
    out = copy.deepcopy(intents)
    rules = [(r, d) for it in out for d in ("ingress", "egress") for r in it["spec"].get(d) or ()]
    choice = rng.choice(["port", "cidr", "selector", "action", "order"])
    if choice == "order":
        it = rng.choice(out)
        it["spec"]["order"] = rng.choice([5, 15, 25, 35]) if "order" in it["spec"] else 15
        return out
    if not rules:
        return None
    rule, _ = rng.choice(rules)
    if choice == "action":
        rule["action"] = rng.choice([a for a in ("allow", "deny", "pass", "log") if a != rule.get("action", "allow")])
        return out
    if choice == "port":
        ports = rule.get("ports")
        numeric = [p for p in ports or () if isinstance(p.get("port"), int)]
        if not numeric:
            rule["ports"] = [{"protocol": "TCP", "port": 8080}]
            return out
        p = rng.choice(numeric)
        p["port"] = p["port"] + rng.choice([-1, 1])
        if "endPort" in p and p["endPort"] < p["port"]:
            p["endPort"] = p["port"]
        return out
    endpoint_keys = {"pods", "namespaces", "namespaceNames", "serviceAccounts"}
    peers = [p for p in rule.get("peers") or ()
             if ("cidr" in p if choice == "cidr" else bool(endpoint_keys & set(p)))]
    if not peers:
        return None
    peer = rng.choice(peers)
    if choice == "cidr":
        if peer.get("except") and rng.random() < 0.5:
            first = peer["except"][0]
            net, length = first.split("/")
            peer["except"] = [f"{net}/{int(length) + 1}"]
        else:
            net, length = peer["cidr"].split("/")
            if int(length) == 0:
                return None
            peer.pop("except", None)
            peer["cidr"] = str(ipaddress.ip_network(peer["cidr"]).supernet())
        return out
    sel = peer.get("pods")
    if sel is None:
        peer["pods"] = {"matchLabels": {"app": "a"}}
    elif sel.get("matchLabels"):
        key = next(iter(sel["matchLabels"]))
        sel["matchLabels"][key] = rng.choice([v for v in VALUES if v != sel["matchLabels"][key]])
    else:
        sel["matchExpressions"] = [{"key": "tier", "operator": "Exists"}]
    return out


@pytest.mark.parametrize("seed", range(40))
def test_single_mutations_are_proven_or_witnessed(seed: int) -> None:
    rng = random.Random(1000 + seed)
    engine = rng.choice([None, "calico", "cilium"])
    original = [random_intent(rng, i, fqdn=engine != "cilium") for i in range(rng.randint(1, 4))]
    changed = None
    while changed is None:
        changed = mutate(rng, original)
    source, target = load(dump(original)), load(dump(changed), "changed.yaml")
    proof = prove(source, target, engine, engine)
    if proof.equivalent:
        cluster = dense_cluster(rng)
        assert concrete_matrix(source, engine, cluster) == concrete_matrix(target, engine, cluster)
        assert proof.witness is None and not proof.regions
        return
    witness = proof.witness
    assert witness is not None and proof.regions
    assert witness.replays, (witness.summary(), witness.source_trace.lines(), witness.target_trace.lines())
    regions = {r.source_allowed for r in proof.regions}
    assert witness.source_trace.allowed in regions


# -- fixed cases -------------------------------------------------------------------------------------------------

WEB = """\
apiVersion: netpolx.io/v1alpha1
kind: NetworkIntent
metadata: {name: web, namespace: shop}
spec:
  subject: {pods: {matchLabels: {app: web}}}
  ingress:
    - peers:
        - pods: {matchLabels: {role: frontend}}
          namespaceNames: [edge]
        - cidr: 10.0.0.0/16
          except: [10.0.5.0/24]
      ports: [{protocol: TCP, port: 8080}, {protocol: TCP, port: metrics}]
"""


def test_ipv6_and_named_port_differences_are_found_without_a_cluster() -> None:
    v6 = WEB.replace("10.0.0.0/16", "fd00::/48").replace("10.0.5.0/24", "fd00:0:0:5::/64")
    proof = prove(load(v6), load(v6.replace("fd00:0:0:5::/64", "fd00:0:0:6::/64")))
    assert not proof.equivalent and proof.witness is not None and proof.witness.replays
    assert any("fd00:0:0:5::/64" in r.text or "fd00:0:0:6::/64" in r.text for r in proof.regions)
    named = prove(load(WEB), load(WEB.replace("port: metrics", "port: stats")))
    assert not named.equivalent and named.witness is not None and named.witness.replays
    assert any("container port" in r.text for r in named.regions)


def test_label_selectors_are_decided_for_every_labelling() -> None:
    a = WEB.replace("{matchLabels: {role: frontend}}", "{matchExpressions: [{key: role, operator: In, values: [fe]}]}")
    b = WEB.replace("{matchLabels: {role: frontend}}", "{matchLabels: {role: fe}}")
    assert prove(load(a), load(b)).equivalent
    c = WEB.replace("{matchLabels: {role: frontend}}",
                    "{matchExpressions: [{key: role, operator: NotIn, values: [x]}, {key: role, operator: Exists}]}")
    proof = prove(load(c), load(WEB))
    assert not proof.equivalent
    assert proof.witness is not None and proof.witness.replays
    assert "role" in proof.witness.point.cluster.pods[0].labels


def test_the_witness_replays_under_reach(tmp_path: Any) -> None:
    proof = prove(load(WEB), load(WEB.replace("port: 8080", "port: 8081"), "b.yaml"))
    assert proof.witness is not None
    point = proof.witness.point
    (tmp_path / "a.yaml").write_text(WEB, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(WEB.replace("port: 8080", "port: 8081"), encoding="utf-8")
    (tmp_path / "cluster.yaml").write_text(yaml.safe_dump(point.cluster_data()), encoding="utf-8")
    verdicts = []
    for name in ("a.yaml", "b.yaml"):
        result = run_cli("reach", "-f", str(tmp_path / name), "--cluster", str(tmp_path / "cluster.yaml"),
                         "--explain", point.src, point.dst, str(point.probe))
        assert result.code == 0, result.stderr
        verdicts.append(result.stdout.splitlines()[0])
    assert verdicts == [f"{point.src} -> {point.dst} {point.probe}: ALLOWED under intent semantics",
                        f"{point.src} -> {point.dst} {point.probe}: DENIED under intent semantics"]


def test_the_cluster_is_a_lens() -> None:
    changed = WEB.replace("role: frontend", "role: frontent")
    cluster = Cluster([Namespace(name="shop"), Namespace(name="edge")],
                      [Pod(namespace="shop", name="web", labels={"app": "web"}, ip="192.168.0.1"),
                       Pod(namespace="edge", name="fe", labels={"role": "frontend"}, ip="192.168.0.2"),
                       Pod(namespace="edge", name="other", labels={"role": "backend"}, ip="192.168.0.3")])
    proof = prove(load(WEB), load(changed), cluster=cluster)
    assert not proof.equivalent and proof.lens is not None and proof.lens.touched
    assert proof.lens.sources == ["edge/fe"] and proof.lens.destinations == ["shop/web"]
    untouched = Cluster([Namespace(name="shop")], [Pod(namespace="shop", name="web", labels={"app": "web"},
                                                       ip="192.168.0.1")])
    lens = prove(load(WEB), load(changed), cluster=untouched).lens
    assert lens is not None and not lens.touched
    empty = prove(load(WEB), load(WEB), cluster=Cluster()).lens
    assert empty is not None and empty.warnings


def test_coverage_says_what_was_proven() -> None:
    proof = prove(load(WEB), load(WEB))
    assert proof.equivalent
    assert proof.coverage.startswith("Proven for every possible cluster")
    assert "named ports under every possible container port map" in proof.coverage
    assert "Left out:" in proof.coverage and "Assumptions:" in proof.coverage


def test_not_peers_also_exclude_node_entities() -> None:
    """docs/intent.md: a rule's peer matches one of `peers` and none of `notPeers`, `host` and `remote-node`
    included (the evaluator once added those after the exclusions)."""
    policies = load("""\
apiVersion: netpolx.io/v1alpha1
kind: NetworkIntent
metadata: {name: a, namespace: x}
spec:
  egress:
    - peers: [{entity: remote-node}, {entity: host}]
      notPeers: [{cidr: 10.0.0.0/8}]
""")
    cluster = dense_cluster(random.Random(1))
    prover = Prover(policies, policies, None, None, cluster)
    assert symbolic_matrix(prover, 0, cluster) == concrete_matrix(policies, None, cluster)
    ev = Evaluator(cluster, policies)
    n1 = next(n for n in cluster.nodes if n.name == "n1")
    remote = next(p for p in cluster.pods if not p.hostNetwork and p.namespace == "x" and p.nodeName != "n1")
    assert ev.allowed(remote.id, "node/n2", 80, "TCP")
    assert ev.allowed(remote.id, n1.id, 80, "TCP") == (not n1.ip.startswith("10."))  # type: ignore[union-attr]


def test_every_report_states_its_coverage(tmp_path: Any) -> None:
    (tmp_path / "a.yaml").write_text(WEB, encoding="utf-8")
    verified = run_cli("verify", "-f", str(tmp_path / "a.yaml"), "--against", str(tmp_path / "a.yaml"))
    assert verified.code == 0 and "\ncoverage: Proven for every possible cluster" in verified.stdout
    translated = run_cli("translate", "--engine", "calico", "-f", str(tmp_path / "a.yaml"), "--verify")
    assert translated.code == 0 and "info NPX121: --verify: calico output equivalent to the input. Proven" \
        in translated.stderr
    checked = run_cli("check", "--from", "kubernetes", "--to", "cilium", "-f", str(tmp_path / "a.yaml"))
    assert "coverage: checked the policies" in checked.stderr and "nothing was translated or proven" in checked.stderr
    empty = tmp_path / "empty.yaml"
    empty.write_text("pods: []\n", encoding="utf-8")
    lens = run_cli("verify", "-f", str(tmp_path / "a.yaml"), "--against", str(tmp_path / "a.yaml"), "--cluster",
                   str(empty))
    assert lens.code == 0 and "warning: the given cluster has no pods" in lens.stdout
