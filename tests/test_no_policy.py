"""A `-f` path that holds no policy is bad input (NPX010, exit 2) for every command that reads policies, never a
silent success; recommend (whose contract is exit 0) warns."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.shared import ROOT

SEED = ROOT / "samples" / "seed"
CLUSTER = str(ROOT / "samples" / "graph" / "seed-cluster.yaml")


def _commands(path: str) -> list[tuple[str, ...]]:
    return [("translate", "--engine", "cilium", "-f", path), ("check", "--engine", "cilium", "-f", path),
            ("import", "-f", path), ("validate", "-f", path), ("lint", "-f", path), ("explain", "-f", path),
            ("graph", "-f", path, "--cluster", CLUSTER), ("reach", "-f", path, "--cluster", CLUSTER),
            ("verify", "-f", path, "--against", path),
            ("check", "--from", "kubernetes", "--to", "cilium", "-f", path)]


@pytest.fixture
def nested(tmp_path: Path) -> Path:
    """A folder whose only policy sits in a subfolder."""
    (tmp_path / "nested" / "team").mkdir(parents=True)
    shutil.copy(SEED / "03-backend.yaml", tmp_path / "nested" / "team")
    return tmp_path / "nested"


@pytest.mark.parametrize("index", range(10))
def test_folder_with_policies_only_in_subfolders_is_bad_input(index: int, nested: Path) -> None:
    args = _commands(str(nested))[index]
    result = run_cli(*args)
    assert result.code == 2, result.stderr
    assert f"{nested}: error NPX010: no policy found in {nested}: its subfolders hold 1 YAML/JSON file: add -R" \
        in result.stderr
    assert result.stderr.rstrip().splitlines()[-1].startswith("netpolx: info NPX030: 1 error")
    assert run_cli(*args, "-R").code != 2 or args[0] == "reach"  # with -R the policy is read


def test_empty_folder_file_and_other_kinds(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty.yaml").write_text("# nothing yet\n", encoding="utf-8")
    (tmp_path / "ns.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n", encoding="utf-8")
    for name, why in [("empty", "it holds no *.yaml, *.yml or *.json file"), ("empty.yaml", "it holds no document"),
                      ("ns.yaml", "it holds only Namespace (not policies)")]:
        path = str(tmp_path / name)
        result = run_cli("translate", "--engine", "kubernetes", "-f", path)
        assert (result.code, result.stdout) == (2, ""), result.stderr
        assert f"no policy found in {path}: {why}" in result.stderr
    verify = run_cli("verify", "-f", str(tmp_path / "empty"), "--against", str(tmp_path / "empty"))
    assert verify.code == 2 and "equivalent" not in verify.stdout
    migrate = run_cli("migrate", "--to", "cilium", "-f", str(tmp_path / "empty"), "--output-dir", str(tmp_path / "o"))
    assert migrate.code == 2 and not (tmp_path / "o").exists()
    # one empty path among good ones is still an error: the user named it
    mixed = run_cli("translate", "--engine", "kubernetes", "-f", str(SEED), "-f", str(tmp_path / "empty"))
    assert mixed.code == 2 and "NPX010" in mixed.stderr and mixed.stdout == ""
    empty_stdin = run_cli("lint", "-f", "-", stdin="")
    assert empty_stdin.code == 2 and "no policy found in <stdin>" in empty_stdin.stderr


def test_recommend_warns_on_empty_input(tmp_path: Path) -> None:
    """recommend's contract is exit 0: the missing policies are a warning there."""
    (tmp_path / "empty").mkdir()
    result = run_cli("recommend", "-f", str(tmp_path / "empty"))
    assert result.code == 0
    assert "warning NPX010: no policy found in" in result.stderr


GNS_DOMAINS = """\
apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata: {name: allowed-domains, labels: {set: domains}}
spec: {allowedEgressDomains: [example.com]}
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  selector: app == 'web'
  types: [Ingress]
  ingress: [{action: Allow, protocol: TCP, destination: {ports: [80]}}]
"""


def test_unimportable_object_exit_codes_follow_the_contract(tmp_path: Path) -> None:
    """NPX110 (an import refused) is exit 1 where the contract has 'refused' (translate, import, validate, check,
    lint); recommend (contract: exit 0) still recommends for the policies it read and prints the error."""
    path = tmp_path / "gns.yaml"
    path.write_text(GNS_DOMAINS, encoding="utf-8")
    for args in [("translate", "--engine", "cilium"), ("import",), ("validate",), ("check", "--engine", "cilium"),
                 ("lint",)]:
        result = run_cli(*args, "-f", str(path))
        assert result.code == 1 and "error NPX110" in result.stderr, (args, result.stderr)
    result = run_cli("recommend", "-f", str(path))
    assert result.code == 0
    assert "for the policy:" in result.stdout, result.stdout  # shop/web, the one it could read
    assert "error NPX110" in result.stderr and "NPX030: 1 error" in result.stderr
