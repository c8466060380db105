"""kubectl: `kubectl netpolx` through the real kubectl (skipped when it is not installed; CI installs Debian's),
the krew plugin manifest generated from the package metadata, and shell completion."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.conftest import run_cli
from tests.shared import ROOT

BIN = Path(sys.executable).parent
SEED = str(ROOT / "samples" / "intents" / "seed.yaml")
ENV = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}

sys.path.insert(0, str(ROOT / "tools"))
import krew_manifest  # noqa: E402


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed (CI installs it)")
def test_kubectl_runs_netpolx_as_a_plugin() -> None:
    listed = subprocess.run(["kubectl", "plugin", "list"], capture_output=True, text=True, env=ENV, timeout=60)
    assert str(BIN / "kubectl-netpolx") in listed.stdout
    via_kubectl = subprocess.run(["kubectl", "netpolx", "translate", "--engine", "cilium", "-f", SEED],
                                 capture_output=True, text=True, env=ENV, timeout=120)
    direct = run_cli("translate", "--engine", "cilium", "-f", SEED)
    assert via_kubectl.returncode == 0, via_kubectl.stderr
    assert via_kubectl.stdout == direct.stdout
    refused = subprocess.run(["kubectl", "netpolx", "check", "--engine", "azure-npm-windows", "-f",
                              str(ROOT / "samples" / "intents" / "named-ports.yaml")], capture_output=True,
                             text=True, env=ENV, timeout=120)
    assert refused.returncode == 1 and "error NPX" in refused.stderr, "exit codes and stderr pass through kubectl"


def test_krew_manifest_is_current_and_valid(tmp_path: Path) -> None:
    tarball, generated = krew_manifest.generate(tmp_path)
    committed = ROOT / "integrations" / "krew" / "netpolx.yaml"
    assert generated.read_text() == committed.read_text(), "stale: run `make krew`"
    manifest = yaml.safe_load(committed.read_text())
    schema = json.loads((ROOT / "tests" / "data" / "krew-plugin.schema.json").read_text())
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(manifest)
    from importlib import metadata

    assert manifest["spec"]["version"] == "v" + metadata.version("netpolx")
    assert manifest["metadata"]["name"] == committed.stem
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    assert {p["sha256"] for p in manifest["spec"]["platforms"]} == {digest}
    assert all(p["uri"].endswith(tarball.name) for p in manifest["spec"]["platforms"])
    assert krew_manifest.archive(metadata.version("netpolx")) == tarball.read_bytes(), "reproducible"


def test_krew_archive_launcher_runs_netpolx(tmp_path: Path) -> None:
    tarball, generated = krew_manifest.generate(tmp_path)
    platform = yaml.safe_load(generated.read_text())["spec"]["platforms"][0]
    with tarfile.open(fileobj=io.BytesIO(tarball.read_bytes())) as tar:
        names = tar.getnames()
        assert platform["bin"] in names and all(f["from"] in names for f in platform["files"])
        tar.extractall(tmp_path / "plugin", filter="data")
    launcher = tmp_path / "plugin" / platform["bin"]
    assert os.access(launcher, os.X_OK)
    out = subprocess.run([str(launcher), "--version"], capture_output=True, text=True, env=ENV, timeout=60)
    assert out.returncode == 0 and "netpolx" in out.stdout
    bare = {**os.environ, "PATH": "/usr/bin:/bin", "NETPOLX_PYTHON": sys.executable}
    out = subprocess.run([str(launcher), "engines", "-o", "json"], capture_output=True, text=True, env=bare,
                         timeout=60)
    assert out.returncode == 0 and json.loads(out.stdout)
    missing = subprocess.run([str(launcher), "--version"], capture_output=True, text=True, timeout=60,
                             env={"PATH": str(tmp_path / "nothing")})
    assert missing.returncode == 1 and "pipx install netpolx==" in missing.stderr


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts(shell: str) -> None:
    result = run_cli("completion", shell)
    assert result.code == 0 and "_NETPOLX_COMPLETE" in result.stdout


def complete(words: str, cword: int) -> list[str]:
    env = {**ENV, "_NETPOLX_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
    out = subprocess.run([str(BIN / "netpolx")], capture_output=True, text=True, env=env, timeout=60)
    return [line.split(",", 1)[1] for line in out.stdout.splitlines() if line.startswith("plain,")]


def test_completion_protocol_completes_commands_and_options() -> None:
    assert {"translate", "check", "lint"} <= set(complete("netpolx ", 1))
    assert complete("netpolx tra", 1) == ["translate"]
    assert "--engine" in complete("netpolx translate --eng", 2)


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_completion_through_bash() -> None:
    script = run_cli("completion", "bash").stdout
    probe = script + '\nCOMP_WORDS=(netpolx tra); COMP_CWORD=1; _netpolx_completion netpolx; echo "${COMPREPLY[@]}"\n'
    out = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, env=ENV, timeout=60)
    assert out.stdout.split() == ["translate"], out.stderr


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed (CI installs it)")
def test_kubectl_plugin_completion_through_kubectl() -> None:
    def kubectl_complete(*words: str) -> list[str]:
        out = subprocess.run(["kubectl", "__complete", "netpolx", *words], capture_output=True, text=True, env=ENV,
                             timeout=60)
        return out.stdout.splitlines()
    if kubectl_complete("tra") == [":0"] or not kubectl_complete("tra"):
        pytest.skip("this kubectl predates plugin completion (1.26)")
    assert kubectl_complete("tra") == ["translate", ":4"]
    assert kubectl_complete("translate", "--eng") == ["--engine", ":4"]
    assert kubectl_complete("translate", "-f", "")[-1] == ":0", "file names for -f"
