"""A deny of an IP block that may hold pods or nodes, compiled for an engine whose IP-block peers never match pods
or nodes (Cilium), lets that traffic through: refused (exit 1, nothing written, FILE:LINE and field named) unless
--allow-widening, which then announces the widening and --verify agrees (issue 16)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli

INTENT = """\
apiVersion: netpolx.io/v1alpha1
kind: NetworkIntent
metadata: {name: deny-internal, namespace: shop}
spec:
  subject: {pods: {}}
  isolate: []
  ingress:
    - action: deny
      peers: [{cidr: 10.0.0.0/8}]
"""

CALICO = """\
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: deny-internal, namespace: shop}
spec:
  order: 10
  selector: all()
  types: [Egress]
  egress:
    - action: Deny
      destination: {nets: [0.0.0.0/0], notNets: [203.0.113.0/24]}
    - action: Allow
"""


@pytest.mark.parametrize(("text", "line", "field"), [
    (INTENT, 9, "spec.ingress[0].peers[0].cidr"),
    (CALICO, 10, "spec.egress[0].destination"),  # nets and notNets together make the one peer
])
def test_cidr_deny_that_may_hold_pods_is_refused_for_cilium_unless_widening_is_accepted(
        tmp_path: Path, text: str, line: int, field: str) -> None:
    src = tmp_path / "p.yaml"
    src.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    refused = run_cli("translate", "--engine", "cilium", "-f", str(src), "--output-dir", str(out))
    assert refused.code == 1 and not out.exists()
    [error] = [ln for ln in refused.stderr.splitlines() if " error " in ln]
    assert error.startswith(f"{src}:{line}: error NPX106: ") and error.endswith(f"(at {field})")
    assert "would no longer be denied" in error and "--allow-widening" in error
    assert run_cli("translate", "--engine", "cilium", "-f", str(src), "--verify").code == 1
    assert run_cli("check", "--engine", "cilium", "-f", str(src)).code == 1
    accepted = run_cli("translate", "--engine", "cilium", "-f", str(src), "--allow-widening", "--verify")
    assert accepted.code == 0, accepted.stderr
    assert f"{src}:{line}: warning NPX106: " in accepted.stderr and "[accepted]" in accepted.stderr
    assert "Deny" in accepted.stdout and "CIDR" in accepted.stdout
    # The proof finds the widening and counts it as announced (info), not as an unannounced change.
    assert "allowed by the cilium output (a divergence announced above)" in accepted.stderr
    assert " error " not in accepted.stderr


def test_the_same_deny_is_exact_where_the_declared_ranges_hold_no_pod_or_node(tmp_path: Path) -> None:
    src = tmp_path / "p.yaml"
    src.write_text(INTENT.replace("10.0.0.0/8", "10.99.0.0/16"), encoding="utf-8")
    result = run_cli("translate", "--engine", "cilium,pod-cidr=10.244.0.0/16,node-cidr=10.224.0.0/16", "-f", str(src),
                     "--verify")
    assert result.code == 0 and "cilium output equivalent to the input" in result.stderr


@pytest.mark.parametrize("engine", ["kubernetes", "calico"])
def test_engines_whose_ip_blocks_match_pods_keep_the_deny(tmp_path: Path, engine: str) -> None:
    src = tmp_path / "p.yaml"
    src.write_text(INTENT, encoding="utf-8")
    result = run_cli("translate", "--engine", engine, "-f", str(src), "--verify")
    assert result.code == 0 and "NPX106" not in result.stderr, result.stderr
