"""Named entities: groups of endpoints that no label selector can name (Cilium's vocabulary)."""

from __future__ import annotations

from enum import Enum


class Entity(str, Enum):
    """A well-known set of endpoints.

    In the evaluator's cluster model: `all` is every endpoint; `world` every endpoint outside the cluster (neither
    a pod nor a node); `cluster` every pod and node; `host` the node the judged pod runs on, `remote-node` every
    other node (host-network pods count as their node); `kube-apiserver` the API servers of the cluster file;
    `ingress`, `health`, `init` and `unmanaged` match no endpoint of a cluster file.
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
