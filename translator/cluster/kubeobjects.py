"""Cluster facts from Kubernetes objects exactly as kubectl (or the API server) prints them.

Reads what `kubectl get namespaces,pods,services,nodes -A -o yaml` (or `-o json`) prints: a `List` whose items
carry `kind`, and also the API server's own list responses (`PodList`, `NodeList`, ...) whose items lack `kind`
(it is implied by the list's kind). Each object becomes the cluster file's contract form (docs/cluster.md):

* Namespace: name and labels.
* Pod: labels, `status.podIP`, container ports, service account, `spec.nodeName`, `spec.hostNetwork`. Pods that
  finished (`status.phase` Succeeded or Failed) hold no IP and are left out.
* Service: selector, ports, `type`, `externalTrafficPolicy` (Kubernetes' default for NodePort and LoadBalancer
  Services is Cluster), `loadBalancerSourceRanges`.
* Node: name, labels, the first InternalIP as `ip` and every other address, `spec.podCIDRs` (or `spec.podCIDR`).

`trimmed` gives the object in that form; translator/cluster/model.py validates it and reports errors at the object's
line in the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

KINDS = ("Namespace", "Pod", "Service", "Node")
FINISHED = frozenset({"Succeeded", "Failed"})
EXTERNAL_TYPES = frozenset({"NodePort", "LoadBalancer"})


def item_kind(list_kind: str) -> str | None:
    """The kind of the items of an API list response (`PodList` -> `Pod`); None for a plain `List`."""
    return list_kind[: -len("List")] if list_kind.endswith("List") and list_kind != "List" else None


def _meta(data: Mapping[str, Any]) -> dict[str, Any]:
    meta = data.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _dict(data: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    return value if isinstance(value, list) else []


def namespace(data: Mapping[str, Any]) -> dict[str, Any]:
    """A Namespace in the cluster file's form."""
    meta = _meta(data)
    return {"name": meta.get("name"), "labels": meta.get("labels") or {}}


def finished(data: Mapping[str, Any]) -> bool:
    """A pod that has run to completion (no IP, no traffic)."""
    return _dict(data, "status").get("phase") in FINISHED


def pod(data: Mapping[str, Any]) -> dict[str, Any]:
    """A Pod in the cluster file's form."""
    meta, spec, status = _meta(data), _dict(data, "spec"), _dict(data, "status")
    ports = [{"name": p.get("name"), "port": p.get("containerPort"), "protocol": p.get("protocol", "TCP")}
             for c in _list(spec, "containers") if isinstance(c, dict)
             for p in _list(c, "ports") if isinstance(p, dict)]
    return {"namespace": meta.get("namespace") or "default", "name": meta.get("name"),
            "labels": meta.get("labels") or {}, "ip": status.get("podIP") or None, "ports": ports,
            "serviceAccount": spec.get("serviceAccountName") or None, "nodeName": spec.get("nodeName") or None,
            "hostNetwork": bool(spec.get("hostNetwork"))}


def service(data: Mapping[str, Any]) -> dict[str, Any]:
    """A Service in the cluster file's form."""
    meta, spec = _meta(data), _dict(data, "spec")
    kind = spec.get("type") or "ClusterIP"
    ports = [{"name": p.get("name"), "port": p.get("port"), "targetPort": p.get("targetPort"),
              "protocol": p.get("protocol", "TCP")} for p in _list(spec, "ports") if isinstance(p, dict)]
    out: dict[str, Any] = {"namespace": meta.get("namespace") or "default", "name": meta.get("name"),
                           "selector": spec.get("selector") or {}, "ports": ports, "type": kind}
    if kind in EXTERNAL_TYPES:
        out["externalTrafficPolicy"] = spec.get("externalTrafficPolicy") or "Cluster"
    if spec.get("loadBalancerSourceRanges"):
        out["loadBalancerSourceRanges"] = list(spec["loadBalancerSourceRanges"])
    return out


def node(data: Mapping[str, Any]) -> dict[str, Any]:
    """A Node in the cluster file's form."""
    meta, spec, status = _meta(data), _dict(data, "spec"), _dict(data, "status")
    addresses = [a for a in _list(status, "addresses") if isinstance(a, dict) and a.get("type") != "Hostname"]
    internal = [a.get("address") for a in addresses if a.get("type") == "InternalIP"]
    ip = internal[0] if internal else None
    cidrs = spec.get("podCIDRs") or ([spec["podCIDR"]] if spec.get("podCIDR") else [])
    return {"name": meta.get("name"), "labels": meta.get("labels") or {}, "ip": ip,
            "addresses": [a.get("address") for a in addresses if a.get("address") != ip],
            "podCIDRs": list(cidrs)}


READERS = {"Namespace": namespace, "Pod": pod, "Service": service, "Node": node}


def trimmed(kind: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """One object in the cluster file's form (`kind` is one of KINDS)."""
    return READERS[kind](data)
