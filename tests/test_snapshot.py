"""The cluster snapshot: kubectl's own output as a --cluster file, and `netpolx snapshot` through the real kubectl
talking to a stand-in API server on 127.0.0.1 that answers with recorded list responses."""

from __future__ import annotations

import copy
import json
import os
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.conftest import run_cli
from tests.shared import ROOT
from translator.cluster.model import load_cluster
from translator.diagnostics import Diagnostics

KUBECTL_OUTPUT = ROOT / "tests" / "data" / "kubectl" / "get-ns-pods-svc-nodes.yaml"
RESOURCES = {"namespaces": ("Namespace", False), "pods": ("Pod", True), "services": ("Service", True),
             "nodes": ("Node", False)}


def recorded() -> dict[str, dict[str, Any]]:
    """The API server's list responses (`PodList`, ...), whose items carry no kind, built from kubectl's output."""
    items = yaml.safe_load(KUBECTL_OUTPUT.read_text())["items"]
    out = {}
    for plural, (kind, _) in RESOURCES.items():
        objs = []
        for item in items:
            if item["kind"] == kind:
                obj = copy.deepcopy(item)
                del obj["kind"], obj["apiVersion"]
                objs.append(obj)
        out[plural] = {"kind": f"{kind}List", "apiVersion": "v1", "metadata": {"resourceVersion": "4711"},
                       "items": objs}
    return out


class StandIn(BaseHTTPRequestHandler):
    """Just enough of the Kubernetes API for `kubectl get namespaces,pods,services,nodes -A -o json`."""

    lists: dict[str, dict[str, Any]] = {}
    seen: list[str] = []

    def log_message(self, *args: Any) -> None:
        pass

    def _json(self, body: Any, status: int = 200) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        self.seen.append(path)
        if path == "/api":
            self._json({"kind": "APIVersions", "versions": ["v1"],
                        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]})
        elif path == "/apis":
            self._json({"kind": "APIGroupList", "apiVersion": "v1", "groups": []})
        elif path == "/api/v1":
            self._json({"kind": "APIResourceList", "groupVersion": "v1", "resources": [
                {"name": plural, "singularName": kind.lower(), "namespaced": namespaced, "kind": kind,
                 "verbs": ["get", "list", "watch"], "shortNames": {"namespaces": ["ns"], "pods": ["po"],
                                                                   "services": ["svc"], "nodes": ["no"]}[plural]}
                for plural, (kind, namespaced) in RESOURCES.items()]})
        elif path == "/version":
            self._json({"major": "1", "minor": "31", "gitVersion": "v1.31.2"})
        elif path.startswith("/api/v1/") and path.split("/")[-1] in self.lists:
            self._json(self.lists[path.split("/")[-1]])
        else:
            self._json({"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound",
                        "code": 404}, 404)


@pytest.fixture
def api_server() -> Iterator[str]:
    StandIn.lists, StandIn.seen = recorded(), []
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def kubectl() -> str:
    found = shutil.which("kubectl")
    if found is None:
        if os.environ.get("NETPOLX_REQUIRE_KUBECTL"):
            pytest.fail("kubectl is required (NETPOLX_REQUIRE_KUBECTL=1) but not on PATH")
        pytest.skip("kubectl is not installed")
    return found


def kubeconfig(tmp_path: Path, server: str) -> Path:
    """Two contexts: the current one points nowhere, `standin` at the stand-in server."""
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "nowhere",
        "clusters": [{"name": "standin", "cluster": {"server": server}},
                     {"name": "nowhere", "cluster": {"server": "http://127.0.0.1:9"}}],
        "users": [{"name": "me", "user": {"token": "not-a-secret"}}],
        "contexts": [{"name": "standin", "context": {"cluster": "standin", "user": "me"}},
                     {"name": "nowhere", "context": {"cluster": "nowhere", "user": "me"}}],
    }))
    return path


def cluster_schema() -> dict[str, Any]:
    result = run_cli("schema", "--cluster")
    assert result.code == 0
    return json.loads(result.stdout)


def test_kubectl_yaml_output_is_a_valid_cluster_file() -> None:
    diags = Diagnostics()
    cluster = load_cluster(str(KUBECTL_OUTPUT), diags)
    assert cluster is not None and not diags.errors, [d.format() for d in diags]
    assert [p.id for p in cluster.pods] == ["kube-system/coredns-7c5b9d8f4-x2vqn", "kube-system/kube-proxy-8xk2d",
                                            "shop/frontend-5c8d7b9f6-qwz7t"], "a finished Job pod is left out"
    proxy = next(p for p in cluster.pods if p.name.startswith("kube-proxy"))
    assert proxy.hostNetwork and proxy.nodeName == "aks-nodepool1-31718369-vmss000001"
    nodes = {n.name: n for n in cluster.nodes}
    second = nodes["aks-nodepool1-31718369-vmss000001"]
    assert second.ip == "10.224.0.5" and second.addresses == ("52.174.1.9",) and second.podCIDRs == ("10.244.1.0/24",)
    lb = next(s for s in cluster.services if s.name == "frontend")
    assert (lb.type, lb.externalTrafficPolicy, lb.loadBalancerSourceRanges) == ("LoadBalancer", "Cluster",
                                                                                ("203.0.113.0/24",))
    jsonschema.validate(cluster.dump(), cluster_schema())


def test_api_list_responses_without_kind_and_json_output_read_the_same(tmp_path: Path) -> None:
    expected = load_cluster(str(KUBECTL_OUTPUT), Diagnostics())
    assert expected is not None
    as_json = tmp_path / "c.json"
    as_json.write_text(json.dumps(yaml.safe_load(KUBECTL_OUTPUT.read_text())))
    api = tmp_path / "api.json"
    api.write_text("\n".join(json.dumps(v) for v in recorded().values()))
    multi = tmp_path / "api.yaml"
    multi.write_text(yaml.safe_dump_all(list(recorded().values())))
    for path in (as_json, multi):
        diags = Diagnostics()
        got = load_cluster(str(path), diags)
        assert got is not None and not diags.errors, [d.format() for d in diags]
        assert got.dump() == expected.dump(), path.name


def test_migrate_reads_services_and_host_network_pods_from_a_snapshot(tmp_path: Path) -> None:
    snap = tmp_path / "cluster.yaml"
    cluster = load_cluster(str(KUBECTL_OUTPUT), Diagnostics())
    assert cluster is not None
    snap.write_text(yaml.safe_dump(cluster.dump()))
    policy = tmp_path / "np.yaml"
    policy.write_text("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: fe, namespace: shop}\n"
                      "spec:\n  podSelector: {matchLabels: {app: frontend}}\n  policyTypes: [Ingress]\n"
                      "  ingress:\n  - from: [{podSelector: {matchLabels: {app: backend}}}]\n")
    result = run_cli("check", "--from", "azure-npm", "--to", "cilium", "-f", str(policy), "--cluster", str(snap))
    assert "Service shop/frontend" in result.stderr and "NPX504" in result.stderr


def test_snapshot_runs_the_real_kubectl_with_the_given_context(tmp_path: Path, api_server: str,
                                                                kubectl: str) -> None:
    config = kubeconfig(tmp_path, api_server)
    out = tmp_path / "cluster.yaml"
    result = run_cli("snapshot", "--kubeconfig", str(config), "--context", "standin", "-o", str(out))
    assert result.code == 0, result.stderr
    assert {"/api/v1/namespaces", "/api/v1/pods", "/api/v1/services", "/api/v1/nodes"} <= set(StandIn.seen)
    written = yaml.safe_load(out.read_text())
    jsonschema.validate(written, cluster_schema())
    expected = load_cluster(str(KUBECTL_OUTPUT), Diagnostics())
    assert expected is not None and written == expected.dump()
    assert "context standin" in out.read_text().splitlines()[0]
    reach = run_cli("reach", "-f", str(ROOT / "samples" / "intents" / "seed.yaml"), "--cluster", str(out),
                    "--probe", "8080/TCP", "-o", "json")
    assert reach.code == 0, reach.stderr


def test_snapshot_reports_kubectl_failures_and_writes_nothing(tmp_path: Path, api_server: str,
                                                              kubectl: str) -> None:
    config = kubeconfig(tmp_path, api_server)
    out = tmp_path / "cluster.yaml"
    result = run_cli("snapshot", "--kubeconfig", str(config), "-o", str(out))  # current context: nowhere
    assert result.code == 2 and "error NPX005" in result.stderr and "exited" in result.stderr
    assert not out.exists()
    missing = run_cli("snapshot", "--kubectl", "no-such-kubectl-here", "-o", str(out))
    assert missing.code == 2 and "not found" in missing.stderr and not out.exists()
