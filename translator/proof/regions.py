"""Readable regions of a difference: one line per cube, e.g. "from any pod in a namespace labelled team=a, to
shop/app=db, TCP 5432-5440"."""

from __future__ import annotations

import ipaddress

from translator.model import Network
from translator.proof.mdd import Cube
from translator.proof.space import (
    ADDRESS_END,
    API_EXTERNAL,
    API_NODE,
    EXTERNAL,
    IN_CLUSTER,
    NODE,
    NODES,
    OUTSIDE,
    POD,
    PORT_PROTOCOLS,
    PROTOCOLS,
    V6_OFFSET,
    Space,
)

MAX_CIDRS = 3


def describe_cube(space: Space, cube: Cube) -> str:
    """`from SRC, to DST, SERVICE`."""
    return f"from {_endpoint(space, cube, 'src')}, to {_endpoint(space, cube, 'dst')}, {_service(space, cube)}"


def _classes(space: Space, cube: Cube, dim: str, side: str = "", key: str = "") -> frozenset[int] | None:
    """The classes the cube allows for a variable, None when it allows all."""
    if not space.has(dim, side, key):
        return None
    v = space.var(dim, side, key)
    found = cube.get(v)
    if found is None or len(found) == len(space.vars[v].classes):
        return None
    return found


KIND_WORDS = {EXTERNAL: "an external endpoint", NODE: "a node", API_NODE: "an API server node",
              API_EXTERNAL: "an API server outside the cluster"}


def _endpoint(space: Space, cube: Cube, side: str) -> str:
    kinds = _classes(space, cube, "kind", side)
    addresses = _classes(space, cube, "address", side)
    if kinds is not None and kinds <= IN_CLUSTER and space.cluster_addresses:
        # pods and nodes only have addresses in the cluster's ranges: say what the region asks within them
        within = (addresses if addresses is not None else frozenset(range(len(space.addr_cuts) - 1))) \
            & space.cluster_addresses
        addresses = None if within == space.cluster_addresses else within
    address = _address(space, addresses)
    pod = _pod(space, cube, side)
    if kinds is None:
        text = "any endpoint" + (f" with address {address}" if address else "")
        return text + (f" (a pod only if it is one of {pod})" if pod else "")
    rest = set(kinds)
    words = []
    if POD in rest:
        words.append(pod or "any pod in any namespace")
        rest.discard(POD)
    for group, word in ((OUTSIDE | NODES, "any endpoint but a pod"), (OUTSIDE, "any endpoint outside the cluster"),
                        (NODES, "a node")):
        if group <= rest:
            words.append(word)
            rest -= group
    words.extend(KIND_WORDS[k] for k in sorted(rest))
    parts = [" or ".join(words)]
    if address:
        parts.append(f"address {address}")
    if EXTERNAL in kinds:
        names = _classes(space, cube, "dns-name", side)
        if names is not None:
            shown = [space.fqdn_table[c - 1][1] if c else "(no DNS name)" for c in sorted(names)][:4]
            parts.append("DNS name like " + " or ".join(shown))
    own = _classes(space, cube, "own-node")
    if own is not None and kinds & NODES:
        parts.append("the pod's own node" if 1 in own else "not the pod's own node")
    return ", ".join(parts)


def _pod(space: Space, cube: Cube, side: str) -> str:
    """What the cube asks of a pod on `side` ("" when nothing)."""
    ns = _classes(space, cube, "namespace", side)
    other = len(space.namespaces)
    ns_labels = [t for key, values in space.ns_values.items()
                 if (t := _label_text(key, values, _classes(space, cube, "namespace-label", side, key)))]
    pod_labels = [t for key, values in space.pod_values.items()
                  if (t := _label_text(key, values, _classes(space, cube, "pod-label", side, key)))]
    extra = []
    accounts = _classes(space, cube, "service-account", side)
    if accounts is not None:
        names = [space.accounts[c] if c < len(space.accounts) else "another account" for c in sorted(accounts)]
        extra.append("running as " + " or ".join(names))
    for svc_ns, svc_name in space.services:
        member = _classes(space, cube, "service", side, f"{svc_ns}/{svc_name}")
        if member is not None:
            extra.append(("behind" if 1 in member else "not behind") + f" Service {svc_ns}/{svc_name}")
    if side == "dst":
        for name in sorted(space.facts.named_ports):
            has = _classes(space, cube, "named-port", "dst", name)
            if has is not None:
                extra.append(("with" if 1 in has else "without") + f" a container port {name} on that port")
    if ns is None and not ns_labels and not pod_labels and not extra:
        return ""
    if ns is None:
        where = "any namespace"
    elif ns == {other}:
        where = "a namespace no policy names"
    elif other in ns:
        where = "any namespace but " + ", ".join(n for i, n in enumerate(space.namespaces) if i not in ns)
    else:
        names = [space.namespaces[c] for c in sorted(ns)]
        where = "namespace " + names[0] if len(names) == 1 else "namespaces " + ", ".join(names)
    if ns_labels:
        where += " labelled " + ", ".join(ns_labels)
    text = ("pods " + ", ".join(pod_labels) if pod_labels else "any pod") + f" in {where}"
    return ", ".join([text, *extra])


def _label_text(key: str, values: list[str], classes: frozenset[int] | None) -> str:
    if classes is None:
        return ""
    n = len(values) + 2
    absent, other = 0, n - 1
    named = sorted(c for c in classes if 0 < c < other)
    if classes == {absent}:
        return f"without {key}"
    if absent not in classes and other in classes and len(named) == len(values):
        return f"with {key}"
    if absent not in classes and other not in classes:
        vals = [values[c - 1] for c in named]
        return f"{key}={vals[0]}" if len(vals) == 1 else f"{key} in ({', '.join(vals)})"
    missing = [values[c - 1] for c in range(1, other) if c not in classes]
    text = f"{key} not in ({', '.join(missing)})" if missing else ""
    if absent not in classes:
        return f"with {key}" + (f" not in ({', '.join(missing)})" if missing else "") + \
            ("" if other in classes else " (a named value)")
    if other not in classes:
        return (text + ", " if text else "") + f"{key} absent or a named value"
    return text


def _address(space: Space, classes: frozenset[int] | None) -> str:
    if classes is None:
        return ""
    inside = _blocks(space, classes)
    rest = frozenset(range(len(space.addr_cuts) - 1)) - classes
    outside = _blocks(space, rest)
    if len(outside) < len(inside):
        return "anywhere but " + _shown(outside)
    return "in " + _shown(inside)


def _shown(cidrs: list[str]) -> str:
    shown = ", ".join(cidrs[:MAX_CIDRS])
    return shown + (f" (+{len(cidrs) - MAX_CIDRS} more blocks)" if len(cidrs) > MAX_CIDRS else "")


def _blocks(space: Space, classes: frozenset[int]) -> list[str]:
    ranges: list[list[int]] = []
    for c in sorted(classes):
        lo, hi = space.address_interval(c)
        if ranges and ranges[-1][1] + 1 == lo and lo != V6_OFFSET:
            ranges[-1][1] = hi
        else:
            ranges.append([lo, hi])
    cidrs: list[str] = []
    for lo, hi in ranges:
        if lo == 0 and hi == V6_OFFSET - 1:
            cidrs.append("any IPv4 address")
            continue
        if lo == V6_OFFSET and hi == ADDRESS_END - 1:
            cidrs.append("any IPv6 address")
            continue
        first: ipaddress.IPv4Address | ipaddress.IPv6Address
        last: ipaddress.IPv4Address | ipaddress.IPv6Address
        nets: list[Network]
        if lo < V6_OFFSET:
            first, last = ipaddress.IPv4Address(lo), ipaddress.IPv4Address(hi)
            nets = list(ipaddress.summarize_address_range(first, last))
        else:
            first, last = ipaddress.IPv6Address(lo - V6_OFFSET), ipaddress.IPv6Address(hi - V6_OFFSET)
            nets = list(ipaddress.summarize_address_range(first, last))
        cidrs.append(str(nets[0]) if len(nets) == 1 else f"{first}-{last}")
    return cidrs


def _service(space: Space, cube: Cube) -> str:
    protos = _classes(space, cube, "proto")
    ports = _classes(space, cube, "port")
    chosen = sorted(protos) if protos is not None else list(range(len(PROTOCOLS)))
    port_text = _ports(space, ports)
    with_ports = [PROTOCOLS[p] for p in chosen if p in PORT_PROTOCOLS]
    icmp = [PROTOCOLS[p] for p in chosen if p not in PORT_PROTOCOLS]
    parts = []
    if with_ports:
        parts.append("/".join(with_ports) + (f" port {port_text}" if port_text else " any port"))
    if icmp:
        types = _ports(space, ports, icmp=True)
        text = "/".join(icmp) + (f" type {types}" if types else "")
        code = _classes(space, cube, "icmp-code")
        if code is not None:
            text += " code " + ", ".join(str(space.codes[c]) if c < len(space.codes) else "other" for c in sorted(code))
        parts.append(text)
    if protos is None and ports is None:
        return "any protocol and port"
    return " and ".join(parts)


def _ports(space: Space, classes: frozenset[int] | None, icmp: bool = False) -> str:
    if classes is None:
        return ""
    top = 255 if icmp else 65535
    bottom = 0 if icmp else 1
    ranges: list[list[int]] = []
    for c in sorted(classes):
        lo, hi = space.port_interval(c)
        lo, hi = max(lo, bottom), min(hi, top)
        if lo > hi:
            continue
        if ranges and ranges[-1][1] + 1 == lo:
            ranges[-1][1] = hi
        else:
            ranges.append([lo, hi])
    if ranges == [[bottom, top]]:
        return ""
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in ranges)


def merge_cubes(space: Space, cubes: list[Cube]) -> list[Cube]:
    """Fewer, larger cubes with the same union: cubes equal on every variable but one become one cube (repeated
    until nothing merges). The input cubes are disjoint, and so are the merged ones."""
    n = len(space.vars)
    full = [frozenset(range(len(v.classes))) for v in space.vars]
    rows = {tuple(c.get(v, full[v]) for v in range(n)) for c in cubes}
    changed = True
    while changed and len(rows) > 1:
        changed = False
        for v in range(n):
            groups: dict[tuple[frozenset[int], ...], frozenset[int]] = {}
            for row in rows:
                key = row[:v] + row[v + 1:]
                groups[key] = groups.get(key, frozenset()) | row[v]
            if len(groups) < len(rows):
                changed = True
                rows = {(*key[:v], classes, *key[v:]) for key, classes in groups.items()}
    out = [{v: row[v] for v in range(n) if row[v] != full[v]} for row in rows]
    return sorted(out, key=lambda c: describe_cube(space, c))
