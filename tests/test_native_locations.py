"""Diagnostics about imported Cilium and Calico policies name the native field (its line and path), not the intent
field the importer made of it (translator/origins.py)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli
from translator.diagnostics import Diagnostics
from translator.load.decode import load_intents

CNP = """\
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: api
  namespace: shop
spec:
  endpointSelector:
    matchLabels:
      app: api
  egress:
  - toEndpoints:
    - matchLabels:
        app: db
    toPorts:
    - ports:
      - port: "5432"
        protocol: TCP
  - toFQDNs:
    - matchName: example.com
    toPorts:
    - ports:
      - port: "443"
  egressDeny:
  - toEntities:
    - world
"""

SPECS = """\
apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata:
  name: two
specs:
- endpointSelector: {}
  ingress:
  - fromEntities: [cluster]
- endpointSelector: {}
  egress:
  - toEntities: [world]
"""

CALICO = """\
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: web
  namespace: shop
spec:
  selector: app == 'web'
  order: 100
  ingress:
  - action: Deny
    source:
      nets: [10.1.0.0/16]
  - action: Allow
    protocol: TCP
    source:
      selector: role == 'frontend'
    destination:
      ports: [8080, 8443]
"""


def _diagnostics(*args: str) -> list[dict]:
    result = run_cli(*args, "--diagnostics-format", "json")
    assert result.code in (0, 1), result.stderr
    return json.loads(result.stderr) if result.stderr.strip() else []


def _by_feature(diags: list[dict]) -> dict[str, tuple[int, str]]:
    return {d["feature"]: (d["line"], d["path"]) for d in diags if d.get("feature")}


def test_cilium_refusals_point_at_the_native_fields(tmp_path: Path) -> None:
    path = tmp_path / "cnp.yaml"
    path.write_text(CNP, encoding="utf-8")
    found = _by_feature(_diagnostics("translate", "--engine", "kubernetes", "-f", str(path)))
    assert found["fqdn-exact"] == (19, "spec.egress[1].toFQDNs[0]")
    assert found["deny-rule"] == (24, "spec.egressDeny[0]")
    assert found["entity-world"] == (25, "spec.egressDeny[0].toEntities[0]")


def test_cilium_specs_each_point_at_their_own_rule(tmp_path: Path) -> None:
    path = tmp_path / "ccnp.yaml"
    path.write_text(SPECS, encoding="utf-8")
    diags = _diagnostics("translate", "--engine", "kubernetes", "-f", str(path))
    entities = {(d["line"], d["path"]) for d in diags if d.get("feature") in ("entity-cluster", "entity-world")}
    assert entities == {(8, "specs[0].ingress[0].fromEntities[0]"), (11, "specs[1].egress[0].toEntities[0]")}
    scope = {(d["line"], d["path"]) for d in diags if d.get("feature") == "cluster-scope"}
    assert scope == {(2, "kind")}


def test_calico_refusals_point_at_the_native_fields(tmp_path: Path) -> None:
    path = tmp_path / "calico.yaml"
    path.write_text(CALICO, encoding="utf-8")
    found = _by_feature(_diagnostics("translate", "--engine", "kubernetes", "-f", str(path)))
    assert found["deny-rule"] == (10, "spec.ingress[0].action")
    assert found["ordered"][1] in ("spec.order", "spec")


def test_imported_intent_paths_map_to_native_fields(tmp_path: Path) -> None:
    path = tmp_path / "calico.yaml"
    path.write_text(CALICO, encoding="utf-8")
    diags = Diagnostics()
    (li,) = load_intents([str(path)], diags)
    where = {p: (li.locate(p).line, li.locate(p).field_path) for p in (
        ("spec", "subject", "pods"), ("spec", "ingress", 1, "peers", 0, "pods"), ("spec", "ingress", 1, "ports", 1),
        ("spec", "ingress", 1, "ports", 1, "port"), ("spec", "ingress", 0, "action"), ("metadata", "name"))}
    assert where == {
        ("spec", "subject", "pods"): (7, "spec.selector"),
        ("spec", "ingress", 1, "peers", 0, "pods"): (15, "spec.ingress[1].source"),
        ("spec", "ingress", 1, "ports", 1): (18, "spec.ingress[1].destination.ports[1]"),
        ("spec", "ingress", 1, "ports", 1, "port"): (18, "spec.ingress[1].destination.ports[1]"),
        ("spec", "ingress", 0, "action"): (10, "spec.ingress[0].action"),
        ("metadata", "name"): (4, "metadata.name"),
    }


def test_a_rewritten_intent_keeps_the_native_fields_of_the_parts_it_kept(tmp_path: Path) -> None:
    from dataclasses import replace

    path = tmp_path / "calico.yaml"
    path.write_text(CALICO, encoding="utf-8")
    (li,) = load_intents([str(path)], Diagnostics())
    rules = li.intent.spec.ingress
    assert rules is not None
    swapped = li.intent.model_copy(update={"spec": li.intent.spec.model_copy(update={"ingress": rules[::-1]})})
    moved = replace(li, intent=swapped)
    assert moved.locate(("spec", "ingress", 0, "ports", 0)).field_path == "spec.ingress[1].destination.ports[0]"
    assert moved.locate(("spec", "ingress", 1)).field_path == "spec.ingress[0]"


def test_each_policy_of_a_multi_document_file_points_into_its_own_document(tmp_path: Path) -> None:
    path = tmp_path / "two.yaml"
    second = CALICO.replace("name: web", "name: api")
    path.write_text(CALICO + "---\n" + second + "---\n" + CNP, encoding="utf-8")
    loaded = load_intents([str(path)], Diagnostics())
    lines = {li.intent.metadata.name: li.locate(("spec", "ingress", 1, "ports", 0)).line for li in loaded
             if li.origin == "calico"}
    assert lines == {"web": 18, "api": 18 + CALICO.count("\n") + 1}
    (cnp,) = [li for li in loaded if li.origin == "cilium"]
    assert cnp.locate(("spec", "egress", 1, "peers", 0)).line == 19 + 2 * (CALICO.count("\n") + 1)
