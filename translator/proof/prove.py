"""Complete equivalence of two policy sets: for every possible cluster, or the difference with a witness.

`prove(source, target)` builds one space of classes for both sets (space.py), the diagram of what each set allows
(decide.py: egress of the source endpoint AND ingress of the destination), and their difference restricted to
connections that can exist. Equal diagrams mean equivalent on every cluster; otherwise the difference is cut
into regions (readable cubes, per verdict), and its cheapest point becomes a concrete witness that the reference
evaluator replays, with both traces.

With a cluster, the cluster is a lens: the general verdict stands, and the lens tells whether the difference
touches the given cluster's endpoints today, and which.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import islice

from translator.cluster.model import Cluster, ContainerPort, Pod
from translator.cluster.ranges import DEFAULT_RANGES, ClusterRanges
from translator.evaluator.evaluate import Evaluator, describe_semantics, semantics_for
from translator.evaluator.trace import Trace
from translator.load.loaded import LoadedIntent
from translator.model import Direction, Network
from translator.output.plural import count
from translator.output.progress import progress
from translator.proof.decide import Compiler, PolicySet
from translator.proof.mdd import FALSE, MDD, TRUE, Cube
from translator.proof.regions import describe_cube, merge_cubes
from translator.proof.space import (
    API_EXTERNAL,
    API_NODE,
    EXTERNAL,
    IN_CLUSTER,
    KINDS,
    MATCH,
    NODE,
    NODES,
    OUTSIDE,
    POD,
    PORT_PROTOCOLS,
    PROTOCOLS,
    Facts,
    Space,
    address_range,
)
from translator.proof.witness import Point, class_cost, realize

MAX_REGIONS = 20
MERGE_LIMIT = 2000
PRIME_LIMIT = 200


@dataclass
class Region:
    """One cube of the difference: what it covers and which side allows it."""

    text: str
    source_allowed: bool
    cube: Cube = field(default_factory=dict, repr=False)

    def line(self) -> str:
        """The region with both verdicts."""
        a, b = ("allowed", "denied") if self.source_allowed else ("denied", "allowed")
        return f"{self.text}: {a} by the source, {b} by the target"


@dataclass
class Witness:
    """A concrete connection that the two sets decide differently, replayed by the evaluator."""

    point: Point
    source_trace: Trace
    target_trace: Trace

    @property
    def src(self) -> str:
        """The source endpoint's name in the witness cluster."""
        return self.point.src

    @property
    def dst(self) -> str:
        """The destination endpoint's name."""
        return self.point.dst

    @property
    def replays(self) -> bool:
        """Whether the evaluator decides the witness differently under the two sets (it always should)."""
        return self.source_trace.allowed != self.target_trace.allowed

    def summary(self) -> str:
        """One line: the connection and both verdicts."""
        p = self.point.probe
        code = f" code {self.point.icmp_code}" if self.point.icmp_code is not None else ""
        return (f"{self.src} -> {self.dst} {p.port}/{p.protocol}{code}: "
                f"{_word(self.source_trace.allowed)} by the source, {_word(self.target_trace.allowed)} by the target")


@dataclass
class Lens:
    """Whether the general difference touches a given cluster today."""

    touched: bool
    sources: list[str] = field(default_factory=list)
    destinations: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class Proof:
    """The outcome of a complete equivalence check."""

    equivalent: bool
    source_semantics: str
    target_semantics: str
    regions: list[Region]
    region_count: int
    witness: Witness | None
    coverage: str
    lens: Lens | None = None
    space: Space | None = field(default=None, repr=False)
    prover: Prover | None = field(default=None, repr=False)
    halves: tuple[int, int] = (FALSE, FALSE)

    @property
    def widens(self) -> bool:
        """Whether the target allows a connection the source denies, on some possible cluster."""
        return self.halves[1] != FALSE

    def witness_in(self, region: Region) -> Witness:
        """The cheapest concrete connection of one region, replayed."""
        assert self.prover is not None
        m = self.prover.m
        half = self.halves[0] if region.source_allowed else self.halves[1]
        return self.prover.witness(m.conj(half, m.cube(region.cube)))

    def region_lines(self) -> list[str]:
        """One line per region, and how many more there are."""
        lines = [r.line() for r in self.regions]
        if self.region_count > len(self.regions):
            lines.append(f"... and {self.region_count - len(self.regions):,} more regions")
        return lines


def _word(allowed: bool) -> str:
    return "allowed" if allowed else "denied"


class Prover:
    """The diagrams of two policy sets over one space."""

    def __init__(self, source: Sequence[LoadedIntent], target: Sequence[LoadedIntent],
                 source_engine: str | None = None, target_engine: str | None = None,
                 cluster: Cluster | None = None, ranges: ClusterRanges = DEFAULT_RANGES) -> None:
        self.source, self.target = list(source), list(target)
        self.source_engine, self.target_engine = source_engine, target_engine
        self.ranges = ranges
        facts = Facts()
        facts.add_intents(li.intent for li in (*self.source, *self.target))
        extra = [cp.port for pod in cluster.pods for cp in pod.ports] if cluster is not None else []
        self.space = Space(facts, extra, [address_range(n) for n in ranges.all])
        self.space.cluster_addresses = frozenset(
            c for n in (*ranges.pods, *ranges.nodes) for c in self.space.address_classes(*address_range(n)))
        self.m: MDD = self.space.mdd
        compiler = Compiler(self.space)
        self.sets = [PolicySet(compiler, [(li, semantics_for(li, engine)) for li in policies])
                     for policies, engine in ((self.source, source_engine), (self.target, target_engine))]
        self.compiler = compiler

    def allowed(self, which: int) -> int:
        """What one set allows: egress of the source endpoint and ingress of the destination."""
        ps = self.sets[which]
        return self.m.conj(ps.allows(Direction.EGRESS), ps.allows(Direction.INGRESS))

    def possible(self) -> int:
        """Connections that can exist: ports 1-65535 for TCP/UDP/SCTP and types 0-255 for ICMP; pods and nodes have
        addresses in the cluster's ranges (and, when the ranges are declared, nothing else does); a node is a
        pod's own node only between a pod and a node; two pods of one named namespace see the same namespace
        labels."""
        m, sp, k = self.m, self.space, self.compiler.kind
        with_ports = sp.lit("proto", "", "", PORT_PROTOCOLS)
        ok_ports = m.conj(with_ports, sp.lit("port", "", "", sp.port_classes(1, 65535)))
        ok_icmp = m.conj(m.neg(with_ports), sp.lit("port", "", "", sp.port_classes(0, 255)))
        out = m.disj(ok_ports, ok_icmp)
        pair = m.disj(m.conj(k("src", POD), k("dst", NODES)), m.conj(k("src", NODES), k("dst", POD)))
        out = m.conj(out, m.disj(pair, self.compiler.own_node(False)))
        for side in ("src", "dst"):
            out = m.conj(out, m.disj(m.neg(k(side, POD)), self._within(side, self.ranges.pods)))
            out = m.conj(out, m.disj(m.neg(k(side, NODES)), self._within(side, self.ranges.nodes)))
            if self.ranges.exclusive:
                out = m.conj(out, m.disj(m.neg(k(side, OUTSIDE)), m.neg(self._within(side, self.ranges.all))))
        same_labels = TRUE
        for key, values in sp.ns_values.items():
            eq = m.any_of(m.conj(sp.lit("namespace-label", "src", key, [c]), sp.lit("namespace-label", "dst", key, [c]))
                          for c in range(len(values) + 2))
            same_labels = m.conj(same_labels, eq)
        if same_labels != TRUE:
            both = m.conj(self.compiler.kind("src", POD), self.compiler.kind("dst", POD))
            same_ns = m.any_of(m.conj(sp.lit("namespace", "src", "", [c]), sp.lit("namespace", "dst", "", [c]))
                               for c in range(len(sp.namespaces)))
            out = m.conj(out, m.disj(m.neg(m.conj(both, same_ns)), same_labels))
        return out

    def _within(self, side: str, nets: Sequence[Network]) -> int:
        sp = self.space
        classes: set[int] = set()
        for net in nets:
            classes.update(sp.address_classes(*address_range(net)))
        return sp.lit("address", side, "", classes)

    def difference(self) -> tuple[int, int]:
        """(allowed by the source only, allowed by the target only), over possible connections."""
        m = self.m
        a = [ps.allows(Direction.EGRESS) for ps in self.sets]
        b = [ps.allows(Direction.INGRESS) for ps in self.sets]
        if a[0] == a[1] and b[0] == b[1]:
            return FALSE, FALSE
        va, vb = m.conj(a[0], b[0]), m.conj(a[1], b[1])
        ok = self.possible()
        return m.conj(m.diff(va, vb), ok), m.conj(m.diff(vb, va), ok)

    def witness(self, diff: int) -> Witness:
        """The cheapest point of `diff`, realized and replayed."""
        sp = self.space
        assignment = self.m.cheapest(diff, lambda v, c: class_cost(sp, v, c))
        assert assignment is not None
        point = realize(sp, assignment)
        traces = []
        for policies, engine in ((self.source, self.source_engine), (self.target, self.target_engine)):
            ev = Evaluator(point.cluster, policies, engine)
            traces.append(ev.explain(point.src, point.dst, point.probe.port, point.probe.protocol))
        return Witness(point, traces[0], traces[1])

    def regions(self, only_source: int, only_target: int, limit: int) -> tuple[list[Region], int]:
        """Readable regions of both halves of the difference (at most `limit` lines) and their total count: per
        kind of source and destination, the variables that kind cannot have quantified away, cubes merged and
        widened over what cannot exist (what the assumptions rule out need not be said), then merged across
        kinds."""
        m, sp = self.m, self.space
        impossible = m.neg(self.possible())
        out: list[Region] = []
        total = 0
        for diff, source_allowed in ((only_source, True), (only_target, False)):
            found: list[Cube] = []
            extra = 0
            for ks in range(len(KINDS)):
                for kd in range(len(KINDS)):
                    kinds = {sp.var("kind", "src"): frozenset({ks}), sp.var("kind", "dst"): frozenset({kd})}
                    part = m.conj(diff, m.cube(kinds))
                    if part == FALSE:
                        continue
                    part = m.exists(part, self._irrelevant(ks, kd))
                    paths = m.count_paths(part)
                    cubes = merge_cubes(sp, list(islice(m.cubes(part), MERGE_LIMIT)))
                    extra += max(0, paths - MERGE_LIMIT)
                    if len(cubes) <= PRIME_LIMIT:
                        cubes = self._prime(m.disj(part, impossible), cubes, set(kinds))
                    found.extend(cubes)
            merged = merge_cubes(sp, found)
            total += len(merged) + extra
            for cube in merged[:max(0, limit - len(out))]:
                out.append(Region(describe_cube(sp, cube), source_allowed, cube))
        return out, total

    def _irrelevant(self, src_kind: int, dst_kind: int) -> set[int]:
        """The variables that endpoints of these kinds do not have (pod attributes of an external endpoint, the DNS
        name of a pod)."""
        out: set[int] = set()
        for side, kind in (("src", src_kind), ("dst", dst_kind)):
            for v, var in enumerate(self.space.vars):
                if var.side != side or var.dim in ("kind", "address"):
                    continue
                if var.dim == "dns-name":
                    relevant = kind == EXTERNAL
                elif var.dim == "named-port":
                    relevant = kind in IN_CLUSTER
                else:
                    relevant = kind == POD
                if not relevant:
                    out.add(v)
        if not ({src_kind, dst_kind} & {POD} and {src_kind, dst_kind} & NODES):
            out.add(self.space.var("own-node"))
        return out

    def _prime(self, diff: int, cubes: list[Cube], keep: set[int]) -> list[Cube]:
        """Each cube widened as far as it stays inside `diff` (a variable dropped, else classes added; variables in
        `keep` stay), then the cubes that the others cover dropped: a short, overlapping cover of the region."""
        m, sp = self.m, self.space
        outside = m.neg(diff)
        wide: list[Cube] = []
        for cube in cubes:
            cube = dict(cube)
            for v in sorted(cube, reverse=True):
                if v in keep:
                    continue
                trial = {k: c for k, c in cube.items() if k != v}
                bad = m.conj(m.cube(trial), outside)  # what the cube reaches outside once v is free
                if bad == FALSE:
                    cube = trial
                    continue
                # A class of v can join when the cube with v at that class alone stays inside; that holds for
                # each class independently: the classes where `bad`, with every other variable quantified away,
                # is false.
                only_v = m.exists(bad, m.support(bad) - {v})
                if only_v != TRUE:
                    assert m.var[only_v] == v
                    safe = {c for c in range(len(sp.vars[v].classes)) if m.child(only_v, c) == FALSE}
                    if not safe <= cube[v]:
                        cube = {**cube, v: cube[v] | safe}
            if cube not in wide:
                wide.append(cube)
        wide.sort(key=lambda c: (len(c), describe_cube(sp, c)))
        kept: list[Cube] = []
        nodes = [m.cube(c) for c in wide]
        for i, cube in enumerate(wide):
            others = m.any_of(n for j, n in enumerate(nodes) if j != i and ((j < i and wide[j] in kept) or j > i))
            if m.diff(nodes[i], others) != FALSE:
                kept.append(cube)
        return kept

    def lens(self, diff: int, cluster: Cluster) -> Lens:
        """Which endpoints of `cluster` the difference reaches today."""
        m = self.m
        lens = Lens(False)
        if not cluster.pods:
            lens.warnings.append("the given cluster has no pods: nothing in it can be affected, and it proves "
                                 "nothing on its own")
        if not cluster.namespaces:
            lens.warnings.append("the given cluster has no namespaces")
        if diff == FALSE:
            return lens
        names = cluster.endpoint_names
        cubes: dict[tuple[object, ...], int] = {}  # endpoints that policies cannot tell apart share one diagram
        sides = {side: [self._endpoint_cube(cluster, i, side, cubes) for i in range(len(names))]
                 for side in ("src", "dst")}
        everyone = {side: m.any_of(dict.fromkeys(sides[side])) for side in sides}
        # the difference first: it is small, and the two sides' variables interleave, so their product is not
        within = m.exists(m.conj(m.conj(diff, everyone["src"]), everyone["dst"]), {self.space.var("own-node")})
        if within == FALSE:
            return lens
        lens.touched = True
        for side, out in (("src", lens.sources), ("dst", lens.destinations)):
            # an endpoint's diagram names only its own side's variables (and, for destinations, the connection's):
            # quantify the others away once, then test each distinct endpoint diagram against the small rest
            other = {i for i, v in enumerate(self.space.vars) if v.side not in (side, "")} if side == "dst" \
                else {i for i, v in enumerate(self.space.vars) if v.side != side}
            seen = m.exists(within, other)
            hits: dict[int, bool] = {}
            for i, c in enumerate(sides[side]):
                hit = hits.get(c)
                if hit is None:
                    hit = hits[c] = m.conj(seen, c) != FALSE
                if hit:
                    out.append(names[i])
        return lens

    def _endpoint_cube(self, cluster: Cluster, i: int, side: str,
                       cache: dict[tuple[object, ...], int] | None = None) -> int:
        """The diagram of "the endpoint on `side` is endpoint i of the cluster" (its named ports resolved against the
        connection's protocol and port; whether a node is a pod's own node is left open, see `own_node_pair`).
        Pods are built once per combination of the classes the policies distinguish (`cache`)."""
        m, sp = self.m, self.space
        n_pods, n_ext, n_nodes = len(cluster.pods), len(cluster.externals), len(cluster.nodes)
        api_ips = {a.ip for a in cluster.api_servers}
        if i >= n_pods + n_ext + n_nodes:
            api = cluster.outside_api_servers[i - n_pods - n_ext - n_nodes]
            return self._plain(side, API_EXTERNAL, api.ip, None, ())
        if i >= n_pods + n_ext:
            node = cluster.nodes[i - n_pods - n_ext]
            return self._plain(side, API_NODE if node.ip in api_ips else NODE, node.ip, None, ())
        if i >= n_pods:
            ext = cluster.externals[i - n_pods]
            return self._plain(side, EXTERNAL, ext.ip, ext.fqdn, ())
        pod = cluster.pods[i]
        ip = cluster.pod_ip(pod)
        if pod.hostNetwork:
            return self._plain(side, API_NODE if ip in api_ips else NODE, ip, None, pod.ports)
        ns = cluster.namespace(pod.namespace)
        ns_labels = ns.labels if ns is not None else {}
        ident = (side, sp.namespace_class(pod.namespace), sp.account_class(pod.service_account),
               tuple(sp.label_class(values, ns_labels.get(k)) for k, values in sp.ns_values.items()),
               tuple(sp.label_class(values, pod.labels.get(k)) for k, values in sp.pod_values.items()),
               tuple(self._member(cluster, pod, svc_ns, svc_name) for svc_ns, svc_name in sp.services),
               None if ip is None else sp.address_class(ip),
               tuple((cp.name, cp.protocol, cp.port) for cp in pod.ports) if side == "dst" else ())
        cache = {} if cache is None else cache
        found = cache.get(ident)
        if found is not None:
            return found
        parts = [sp.lit("namespace", side, "", [sp.namespace_class(pod.namespace)]),
                 sp.lit("service-account", side, "", [sp.account_class(pod.service_account)])]
        for key, values in sp.ns_values.items():
            parts.append(sp.lit("namespace-label", side, key, [sp.label_class(values, ns_labels.get(key))]))
        for key, values in sp.pod_values.items():
            parts.append(sp.lit("pod-label", side, key, [sp.label_class(values, pod.labels.get(key))]))
        for (svc_ns, svc_name), member in zip(sp.services, ident[5]):
            parts.append(sp.lit("service", side, f"{svc_ns}/{svc_name}", [int(member)]))
        out = self._plain(side, POD, ip, None, pod.ports)
        for p in reversed(parts):
            out = m.conj(p, out)
        cache[ident] = out
        return out

    @staticmethod
    def _member(cluster: Cluster, pod: Pod, svc_ns: str, svc_name: str) -> bool:
        """Whether the pod backs the Service."""
        svc = cluster.service(svc_ns, svc_name)
        return (svc is not None and bool(svc.selector) and pod.namespace == svc_ns
                and all(pod.labels.get(k) == v for k, v in svc.selector.items()))

    def _plain(self, side: str, kind: int, ip: str | None, fqdn: str | None, ports: Sequence[ContainerPort]) -> int:
        """Kind, address, DNS name and (destination) named ports of one endpoint."""
        m, sp = self.m, self.space
        out = m.conj(sp.lit("kind", side, "", [kind]), sp.lit("dns-name", side, "", [sp.fqdn_class(fqdn)]))
        if ip is not None:  # an endpoint without an address: any address (this only widens what the lens sees)
            out = m.conj(out, sp.lit("address", side, "", [sp.address_class(ip)]))
        if side == "dst":
            for name in sorted(sp.facts.named_ports):
                where = [m.conj(sp.lit("proto", "", "", [PROTOCOLS.index(cp.protocol)]),
                                sp.lit("port", "", "", [sp.port_class(cp.port)]))
                         for cp in ports if cp.name == name]
                has = m.any_of(where)
                var = sp.lit("named-port", "dst", name, [MATCH])
                out = m.conj(out, m.disj(m.conj(has, var), m.conj(m.neg(has), m.neg(var))))
        return out

    @staticmethod
    def own_node_pair(cluster: Cluster, s: int, d: int) -> bool:
        """Whether, of endpoints s and d, one is a pod and the other its own node (or a host-network pod there)."""
        names = _node_names(cluster)
        pods = len(cluster.pods)
        for pod_i, other in ((s, d), (d, s)):
            if pod_i < pods and not cluster.pods[pod_i].hostNetwork:
                node = cluster.pods[pod_i].nodeName
                if node is not None and names.get(other) == node:
                    return True
        return False


def _node_names(cluster: Cluster) -> dict[int, str]:
    """Endpoint index -> node name, for nodes and host-network pods."""
    out: dict[int, str] = {}
    for i, pod in enumerate(cluster.pods):
        if pod.hostNetwork and pod.nodeName:
            out[i] = pod.nodeName
    base = len(cluster.pods) + len(cluster.externals)
    for j, node in enumerate(cluster.nodes):
        out[base + j] = node.name
    return out


def prove(source: Sequence[LoadedIntent], target: Sequence[LoadedIntent], source_engine: str | None = None,
          target_engine: str | None = None, cluster: Cluster | None = None, max_regions: int = MAX_REGIONS,
          ranges: ClusterRanges = DEFAULT_RANGES) -> Proof:
    """Decide equivalence for every possible cluster whose pods and nodes are in `ranges` (see the module
    docstring)."""
    report = progress()  # on a terminal, after 2 s: the step, after the caller's phase (`verifying: proving: ...`)
    step = f"{report.name or 'proving'}: " if report.name.endswith("proving") else "proving: "
    report.phase(step + f"encoding {len(source):,} + {len(target):,} policies")
    prover = Prover(source, target, source_engine, target_engine, cluster, ranges)
    report.phase(step + "comparing")
    only_source, only_target = prover.difference()
    diff = prover.m.disj(only_source, only_target)
    equivalent = diff == FALSE
    if not equivalent:
        report.phase(step + "describing the differences")
    regions, region_count = ([], 0) if equivalent else prover.regions(only_source, only_target, max_regions)
    if not equivalent:
        report.phase(step + "finding an example")
    witness = None if equivalent else prover.witness(diff)
    proof = Proof(equivalent, describe_semantics(source, source_engine), describe_semantics(target, target_engine),
                  regions, region_count, witness, coverage(prover, cluster), space=prover.space, prover=prover,
                  halves=(only_source, only_target))
    if cluster is not None:
        proof.lens = prover.lens(diff, cluster)
    return proof


def coverage(prover: Prover, cluster: Cluster | None) -> str:
    """One short paragraph: what was proven, under which assumptions, and what was left out."""
    sp = prover.space
    semantics = {sem.name for ps in prover.sets for si in ps.intents for sem in (si.semantics,)}
    needs_dns = any(si.semantics.fqdn_needs_dns_rule for ps in prover.sets for si in ps.intents)
    http = any(r.http is not None for li in (*prover.source, *prover.target)
               for d in Direction for r in li.intent.rules(d))
    proven = ("Proven for every possible cluster: any namespace (named or not) and any namespace and pod labels, "
              "any service account, pods, nodes (host-network pods included), API servers and external endpoints "
              "at any IPv4 or IPv6 address, every TCP, UDP and SCTP port 1-65535, every ICMP and ICMPv6 type and "
              "code")
    if sp.facts.named_ports:
        proven += ", named ports under every possible container port map"
    if sp.fqdn_patterns:
        proven += ", every DNS name of an external endpoint"
    proven += f" (semantics: {', '.join(sorted(semantics)) or 'intent'})."
    ranges = prover.ranges
    where = ", ".join(str(n) for n in dict.fromkeys((*ranges.pods, *ranges.nodes)))
    assumptions = [f"each endpoint has one address; pods and nodes have theirs in {where} "
                   + ("(the declared ranges, which hold nothing else)" if ranges.exclusive else
                      "(the private ranges a cluster may use; externals may be there too; declare yours with the "
                      "pod-cidr and node-cidr engine settings)")]
    if sp.services:
        assumptions.append("which pods a Service selects is left open (any pods of its namespace)")
    if needs_dns:
        assumptions.append("where an FQDN peer needs a DNS rule, the DNS provider the rule points at exists")
    left = ["IP protocols other than TCP, UDP, SCTP, ICMP and ICMPv6",
            "the entities ingress, health, init and unmanaged (they match no endpoint here)"]
    if http:
        left.append("HTTP request matching (L7 rules are compared on their L4 part, as `reach` decides)")
    text = f"{proven} Assumptions: {'; '.join(assumptions)}. Left out: {'; '.join(left)}."
    if cluster is not None:
        sizes = f"{count(len(cluster.pods), 'pod')}, {count(len(cluster.externals), 'external endpoint')}"
        text += (f" The given cluster ({sizes}) is a "
                 "lens: it says whether the difference reaches its endpoints today, not the scope of the proof.")
    return text
