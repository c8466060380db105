"""The NetworkIntent JSON Schema as strict as the tool: what the model's validators refuse, the schema refuses too,
so editors and `check-jsonschema` catch the same mistakes `netpolx` does.

pydantic's schema describes types only. On top of it:

* optional fields are their type, not "X or null" (a null is never written; editors then lead with the real type);
* a namespaced intent needs `metadata.namespace`, a cluster-scoped one (`spec.scope: Cluster`) has none;
* a peer is exactly one kind (endpoints, `cidr`, `fqdn`, `entity`, `service`, `nodes`), `except` only with `cidr`;
* port numbers are 1-65535 (`port` may also be a container port name), `endPort` only with a numeric `port`;
* `fqdn` is a DNS name or pattern (`*` within labels): no scheme, path or port;
* `cidr` and `except` look like IP blocks.
"""

from __future__ import annotations

import copy
from typing import Any

# Python's pattern in translator/model/peers.py, written for ECMA-262 (what JSON Schema validators use).
FQDN_PATTERN = r"^(\*|[A-Za-z0-9*]([-A-Za-z0-9_*]*[A-Za-z0-9*])?)(\.[A-Za-z0-9*]([-A-Za-z0-9_*]*[A-Za-z0-9*])?)*\.?$"
CIDR_PATTERN = r"^([0-9]{1,3}(\.[0-9]{1,3}){3}|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)(/[0-9]{1,3})?$"
PORT_NAME_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
ENDPOINT_KEYS = ("pods", "namespaces", "namespaceNames", "serviceAccounts")
PEER_KINDS = ("cidr", "fqdn", "entity", "service", "nodes")


def _without_null(node: Any) -> Any:
    """Every `anyOf: [X, {type: null}]` with `default: null` becomes X (recursively)."""
    if isinstance(node, list):
        return [_without_null(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: _without_null(v) for k, v in node.items()}
    branches = out.get("anyOf")
    if isinstance(branches, list) and {"type": "null"} in branches and out.get("default", 0) is None:
        rest = [b for b in branches if b != {"type": "null"}]
        del out["anyOf"], out["default"]
        if len(rest) == 1:
            out = {**rest[0], **out} if "$ref" not in rest[0] else {**out, "allOf": rest}
        else:
            out["anyOf"] = rest
    return out


def _peer(peer: dict[str, Any]) -> None:
    kinds: list[dict[str, Any]] = [{"anyOf": [{"required": [k]} for k in ENDPOINT_KEYS]}]
    kinds += [{"required": [k]} for k in PEER_KINDS]
    peer["oneOf"] = kinds
    peer.setdefault("dependentRequired", {})["except"] = ["cidr"]
    props = peer["properties"]
    props["fqdn"]["pattern"] = FQDN_PATTERN
    props["fqdn"]["maxLength"] = 255
    props["cidr"]["pattern"] = CIDR_PATTERN
    props["except"]["items"]["pattern"] = CIDR_PATTERN


def _port(port: dict[str, Any]) -> None:
    props = port["properties"]
    props["port"]["anyOf"] = [{"type": "integer", "minimum": 1, "maximum": 65535},
                              {"type": "string", "pattern": PORT_NAME_PATTERN, "maxLength": 15}]
    port.setdefault("dependentSchemas", {})["endPort"] = {"required": ["port"],
                                                          "properties": {"port": {"type": "integer"}}}


def _namespace_rule() -> dict[str, Any]:
    cluster = {"properties": {"spec": {"properties": {"scope": {"const": "Cluster"}}, "required": ["scope"]}}}
    return {"if": cluster,
            "then": {"properties": {"metadata": {"not": {"required": ["namespace"]}}}},
            "else": {"properties": {"metadata": {"required": ["namespace"]}}}}


def tighten(schema: dict[str, Any]) -> dict[str, Any]:
    """The model's schema with the tool's own checks added (see the module docstring)."""
    out: dict[str, Any] = _without_null(copy.deepcopy(schema))
    defs = out.get("$defs", {})
    if "Peer" in defs:
        _peer(defs["Peer"])
    if "PortSpec" in defs:
        _port(defs["PortSpec"])
    out["allOf"] = [*out.get("allOf", []), _namespace_rule()]
    return out
