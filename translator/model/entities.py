"""Named entities: groups of endpoints that no label selector can name (Cilium's vocabulary)."""

from __future__ import annotations

from enum import Enum


class Entity(str, Enum):
    """A well-known set of endpoints.

    In the evaluator's cluster model: `all` is every endpoint; `world` every external endpoint (an IP that is not
    a pod's); `cluster` every pod (and, in a real cluster, the nodes too); the node- and control-plane entities
    match no pod or external endpoint of a cluster file.
    """

    ALL = "all"
    WORLD = "world"
    CLUSTER = "cluster"
    HOST = "host"
    REMOTE_NODE = "remote-node"
    KUBE_APISERVER = "kube-apiserver"
    INGRESS = "ingress"
    HEALTH = "health"
    INIT = "init"
    UNMANAGED = "unmanaged"
