"""The pre-commit hooks of .pre-commit-hooks.yaml, through the real `pre-commit` (the `test` extra): a temporary git
repository installs them from this checkout (`pre-commit try-repo`-style local clone), then a commit with a bad policy
is rejected and one with a good policy goes through."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import run_cli
from tests.shared import ROOT

BIN = Path(sys.executable).parent
PRE_COMMIT = BIN / "pre-commit"

GOOD = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: shop}}
          podSelector: {matchLabels: {app: web}}
      ports: [{port: 8080, protocol: TCP}]
"""
# OR-of-peers (NPX600) that lint rejects; and an intent the engine cannot express, which check rejects.
BAD_LINT = GOOD.replace("        - namespaceSelector:",
                        "        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: shop}}\n"
                        "        - podSelector: {matchLabels: {app: web}}\n        - namespaceSelector:")
BAD_CHECK = """apiVersion: netpolx.io/v1alpha1
kind: NetworkIntent
metadata: {name: api, namespace: shop}
spec:
  subject: {pods: {matchLabels: {app: api}}}
  ingress:
    - peers: [{pods: {matchLabels: {app: web}}}]
      ports: [{port: 8080}]
      http: [{method: GET}]
"""
BAD_SCHEMA = GOOD.replace("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy",
                          "apiVersion: netpolx.io/v1alpha1\nkind: NetworkIntent")


def test_hooks_file_is_well_formed() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert {h["id"] for h in hooks} == {"netpolx-validate", "netpolx-lint", "netpolx-check"}
    for h in hooks:
        assert h["entry"].startswith("netpolx hook ") and h["language"] == "python", h
        assert h["entry"].split()[2] in {"validate", "lint", "check"}


def test_hook_passes_file_names_as_inputs_and_skips_other_yaml(tmp_path: Path) -> None:
    (tmp_path / "workflow.yaml").write_text("on: push\njobs: {}\n")
    (tmp_path / "bad.yaml").write_text(BAD_CHECK)
    assert run_cli("hook", "check", "--engine", "kubernetes", str(tmp_path / "workflow.yaml")).code == 0
    result = run_cli("hook", "check", "--engine", "kubernetes", str(tmp_path / "workflow.yaml"),
                     str(tmp_path / "bad.yaml"))
    assert result.code == 1 and "bad.yaml:9: error NPX100" in result.stderr
    assert run_cli("hook", "check", "--engine", "cilium", str(tmp_path / "bad.yaml")).code == 0


def git(repo: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def hooked_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    if not PRE_COMMIT.exists() or shutil.which("git") is None:
        pytest.skip("pre-commit (the test extra) or git is not installed")
    base = tmp_path_factory.mktemp("precommit")
    # The hooks repository: this checkout as pre-commit sees it (tracked files plus the working tree's changes).
    hooks_repo = base / "netpolx"
    env = {**os.environ, "PRE_COMMIT_HOME": str(base / "cache"), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t", "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
           "GIT_CONFIG_GLOBAL": str(base / "gitconfig"), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    (base / "gitconfig").write_text("[init]\n\tdefaultBranch = main\n[safe]\n\tdirectory = *\n")
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    for name in files:
        src = ROOT / name
        if src.is_file() and not name.startswith(("tests/", "samples/", "benchmarks/")):
            (hooks_repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, hooks_repo / name)
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "hooks"]):
        assert git(hooks_repo, *args, env=env).returncode == 0
    rev = git(hooks_repo, "rev-parse", "HEAD", env=env).stdout.strip()
    repo = base / "policies"
    repo.mkdir()
    assert git(repo, "init", "-q", env=env).returncode == 0
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump({"repos": [{
        "repo": str(hooks_repo), "rev": rev, "hooks": [
            {"id": "netpolx-validate"}, {"id": "netpolx-lint"},
            {"id": "netpolx-check", "args": ["--engine", "kubernetes"]}]}]}))
    installed = subprocess.run([str(PRE_COMMIT), "install"], cwd=repo, env=env, capture_output=True, text=True,
                               timeout=300)
    assert installed.returncode == 0, installed.stderr
    git(repo, "add", ".pre-commit-config.yaml", env=env)
    first = git(repo, "commit", "-qm", "config", env=env)  # builds the hook environment (pip install of the checkout)
    assert first.returncode == 0, first.stdout + first.stderr
    return repo, env


@pytest.mark.parametrize(("content", "hook", "expect"), [
    (BAD_SCHEMA, "netpolx-validate", "NPX002"),
    (BAD_LINT, "netpolx-lint", "NPX600"),
    (BAD_CHECK, "netpolx-check", "NPX100"),
])
def test_commit_of_a_bad_policy_is_rejected(hooked_repo: tuple[Path, dict[str, str]], content: str, hook: str,
                                            expect: str) -> None:
    repo, env = hooked_repo
    (repo / "policy.yaml").write_text(content)
    git(repo, "add", "policy.yaml", env=env)
    result = git(repo, "commit", "-qm", "bad policy", env=env)
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert expect in out and "policy.yaml:" in out
    failed = [line for line in out.splitlines() if line.rstrip().endswith("Failed")]
    assert any(line.startswith(f"netpolx {hook.split('-')[1]}") for line in failed), out
    git(repo, "reset", "-q", "policy.yaml", env=env)
    (repo / "policy.yaml").unlink()


def test_commit_of_a_good_policy_passes(hooked_repo: tuple[Path, dict[str, str]]) -> None:
    repo, env = hooked_repo
    (repo / "good.yaml").write_text(GOOD)
    (repo / "ci.yaml").write_text("on: push\n")
    git(repo, "add", "good.yaml", "ci.yaml", env=env)
    result = git(repo, "commit", "-qm", "good policy", env=env)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert out.count("Passed") == 3, out
    assert "good.yaml" in git(repo, "log", "--name-only", "-1", env=env).stdout
