"""Output files (issue 16): injective names, one identity per object, --verify on what was written, --prune and the
manifest, nothing outside the named folder, staging and a single rename (checked with real SIGKILL/SIGTERM)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import run_cli
from tests.shared import ROOT
from translator.output.files import KILL_HOOK, MANIFEST, escape_part, object_file_name

SEED = str(ROOT / "samples" / "intents" / "seed.yaml")


def np(ns: str, name: str, extra: str = "") -> str:
    return (f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: {name}, namespace: {ns}}}\n"
            f"spec: {{podSelector: {{}}, policyTypes: [Ingress]{extra}}}\n")


CALICO_DB = ("apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: db, namespace: prod}\n"
             "spec: {selector: all(), types: [Ingress], ingress: [{action: Allow}]}\n")


def files(out: Path) -> dict[str, str]:
    return {p.relative_to(out).as_posix(): p.read_text() for p in sorted(out.rglob("*")) if p.is_file()}


def test_file_names_are_injective() -> None:
    a = object_file_name({"kind": "NetworkPolicy", "metadata": {"namespace": "prod", "name": "deny-all-1"}})
    b = object_file_name({"kind": "NetworkPolicy", "metadata": {"namespace": "prod-deny", "name": "all-1"}})
    c = object_file_name({"kind": "NetworkPolicy", "metadata": {"namespace": "prod", "name": "Deny-all-1"}})
    d = object_file_name({"kind": "NetworkPolicy", "metadata": {"name": "prod_deny-all-1"}})
    assert len({a, b, c, d}) == 4
    assert a == "networkpolicy_prod_deny-all-1.yaml"
    for evil in ("../x", "/etc/passwd", ".hidden", "a/b", "..", "x\ny"):
        name = object_file_name({"kind": "NetworkPolicy", "metadata": {"namespace": "ns", "name": evil}})
        assert "/" not in name and "\n" not in name and not name.startswith(".")
    assert escape_part("..") == "%2E."


def test_colliding_names_of_the_issue_are_two_files(tmp_path: Path) -> None:
    src = tmp_path / "in.yaml"
    src.write_text(np("prod", "deny-all-1") + "---\n" + np("prod-deny", "all-1") + "---\n" + np("prod-deny", "all"))
    out = tmp_path / "out"
    result = run_cli("translate", "--engine", "kubernetes", "-f", str(src), "--output-dir", str(out), "--verify")
    assert result.code == 0, result.stderr
    written = files(out)
    assert len(written) == 4 and MANIFEST in written
    names = {(d["metadata"]["namespace"], d["metadata"]["name"])
             for rel, text in written.items() if rel != MANIFEST for d in [yaml.safe_load(text)]}
    assert names == {("prod", "deny-all-1"), ("prod-deny", "all-1"), ("prod-deny", "all")}


@pytest.mark.parametrize("where", ["stdout", "output-dir", "migrate"])
def test_two_sources_with_one_output_identity_are_an_error_naming_both(tmp_path: Path, where: str) -> None:
    src = tmp_path / "in.yaml"
    src.write_text(np("prod", "db") + "---\n" + CALICO_DB)
    out = tmp_path / "out"
    if where == "migrate":
        result = run_cli("migrate", "--to", "kubernetes", "-f", str(src), "--output-dir", str(out))
    else:
        extra = ["--output-dir", str(out)] if where == "output-dir" else []
        result = run_cli("translate", "--engine", "kubernetes", "-f", str(src), *extra)
    assert result.code == 2, result.stderr
    assert f"{src}:6: error NPX020: NetworkPolicy prod/db is generated from two sources ({src}:1 and {src}:6)" \
        in result.stderr
    assert result.stdout == "" and not out.exists()


def test_verify_checks_the_files_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer that damages what lands on disk is caught by --verify (it re-reads the staged files)."""
    from translator.output import files as output

    real = output._write_new

    def damaged(staging: Path, rel: str, data: bytes) -> None:
        real(staging, rel, data.replace(b"port: 8080", b"port: 8081"))

    monkeypatch.setattr(output, "_write_new", damaged)
    out = tmp_path / "out"
    result = run_cli("translate", "--engine", "kubernetes", "-f", SEED, "--output-dir", str(out), "--verify")
    assert result.code == 1 and "error NPX120" in result.stderr and "8080/TCP" in result.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []
    result = run_cli("translate", "--engine", "kubernetes", "-f", SEED, "--output-dir", str(out))
    assert result.code == 0, "without --verify the same damage goes unnoticed: this is what --verify is for"


def test_stale_files_need_prune_and_foreign_files_are_named(tmp_path: Path) -> None:
    out = tmp_path / "out"
    two = tmp_path / "two.yaml"
    two.write_text(np("a", "x") + "---\n" + np("a", "y", ", ingress: [{}]"))
    one = tmp_path / "one.yaml"
    one.write_text(np("a", "x"))
    assert run_cli("translate", "--engine", "kubernetes", "-f", str(two), "--output-dir", str(out)).code == 0
    before = files(out)
    result = run_cli("translate", "--engine", "kubernetes", "-f", str(one), "--output-dir", str(out))
    assert result.code == 2 and "NPX021" in result.stderr and "--prune" in result.stderr and files(out) == before
    (out / "mine.yaml").write_text(np("a", "z"))
    (out / "networkpolicy_a_x.yaml").write_text(np("a", "x", ", ingress: [{}]"))  # edited by hand
    result = run_cli("translate", "--engine", "kubernetes", "-f", str(one), "--output-dir", str(out), "--prune")
    assert result.code == 2 and "mine.yaml" in result.stderr
    assert "networkpolicy_a_x.yaml (changed since netpolx wrote it)" in result.stderr
    (out / "mine.yaml").unlink()
    (out / "networkpolicy_a_x.yaml").write_text(before["networkpolicy_a_x.yaml"])
    result = run_cli("translate", "--engine", "kubernetes", "-f", str(one), "--output-dir", str(out), "--prune")
    assert result.code == 0, result.stderr
    assert sorted(files(out)) == [MANIFEST, "networkpolicy_a_x.yaml"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.yaml", "out", "two.yaml"]


def test_prune_refuses_a_folder_netpolx_did_not_create(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    result = run_cli("translate", "--engine", "kubernetes", "-f", SEED, "--output-dir", str(out), "--prune")
    assert result.code == 2 and "did not create" in result.stderr and files(out) == {"keep.txt": "mine"}
    assert run_cli("translate", "--engine", "kubernetes", "-f", SEED, "--prune").code == 2  # needs --output-dir


def test_empty_existing_folder_is_used(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    assert run_cli("translate", "--engine", "kubernetes", "-f", SEED, "--output-dir", str(out)).code == 0
    assert len(files(out)) == 5


def test_output_dir_that_is_a_link_or_a_file_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = tmp_path / "out"
    link.symlink_to(elsewhere)
    result = run_cli("translate", "--engine", "kubernetes", "-f", SEED, "--output-dir", str(link))
    assert result.code == 2 and "symbolic link" in result.stderr and list(elsewhere.iterdir()) == []
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    result = run_cli("translate", "--engine", "kubernetes", "-f", SEED, "--output-dir", str(dangling))
    assert result.code == 2 and not (tmp_path / "nowhere").exists()
    plain = tmp_path / "file"
    plain.write_text("x")
    result = run_cli("translate", "--engine", "kubernetes", "-f", SEED, "--output-dir", str(plain))
    assert result.code == 2 and "Traceback" not in result.stderr and plain.read_text() == "x"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_parent_is_a_clear_error(tmp_path: Path) -> None:
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        result = run_cli("translate", "--engine", "kubernetes", "-f", SEED, "--output-dir", str(parent / "out"))
    finally:
        parent.chmod(0o755)
    assert result.code == 2 and "NPX021" in result.stderr


def test_migrate_never_deletes_what_an_old_report_lists(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "a" / "bundle"
    (out / "target").mkdir(parents=True)
    (out / "report.json").write_text(json.dumps({"kind": "MigrationReport",
                                                 "files": ["target/../../../victim.txt", "target/x.yaml"]}))
    src = tmp_path / "in.yaml"
    src.write_text(np("a", "db"))
    for extra in ([], ["--prune"]):
        result = run_cli("migrate", "--to", "cilium", "-f", str(src), "--output-dir", str(out), *extra)
        assert result.code == 2 and "NPX021" in result.stderr, result.stderr
        assert victim.read_text() == "precious" and (out / "report.json").exists()


def test_migrate_does_not_follow_a_target_link_out(tmp_path: Path) -> None:
    src = tmp_path / "in.yaml"
    src.write_text(np("a", "db"))
    out = tmp_path / "bundle"
    assert run_cli("migrate", "--to", "cilium", "-f", str(src), "--output-dir", str(out)).code == 0
    outside = tmp_path / "outside"
    outside.mkdir()
    manifest = json.loads((out / MANIFEST).read_text())
    for rel in list(manifest["files"]):
        if rel.startswith("target/"):
            (out / rel).unlink()
    (out / "target").rmdir()
    (out / "target").symlink_to(outside)
    result = run_cli("migrate", "--to", "cilium", "-f", str(src), "--output-dir", str(out), "--prune")
    assert result.code == 2 and "target" in result.stderr
    assert list(outside.iterdir()) == []


def test_planted_links_in_the_parent_are_not_followed(tmp_path: Path) -> None:
    """Temporary names are unpredictable (mkdtemp) and files are created with O_EXCL|O_NOFOLLOW: a link planted
    where an old version put its temporary file redirects nothing."""
    target = tmp_path / "victim.txt"
    target.write_text("precious")
    out = tmp_path / "out"
    for pid in range(os.getpid() - 2, os.getpid() + 3):
        (tmp_path / f".networkpolicy_shop_backend.yaml.{pid}.tmp").symlink_to(target)
    assert run_cli("translate", "--engine", "kubernetes", "-f", SEED, "--output-dir", str(out)).code == 0
    assert target.read_text() == "precious"
    assert all(not p.is_symlink() for p in out.rglob("*"))


def _run_killed(args: list[str], how: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, KILL_HOOK: f"staged:{how}"}
    return subprocess.run([sys.executable, "-m", "translator", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("how", ["KILL", "TERM"])
def test_interrupted_translate_leaves_the_folder_as_it_was(tmp_path: Path, how: str) -> None:
    out = tmp_path / "out"
    args = ["translate", "--engine", "kubernetes", "-f", SEED, "--output-dir", str(out)]
    proc = _run_killed(args, how, ROOT)
    assert proc.returncode == (-signal.SIGKILL if how == "KILL" else 130), proc.stderr
    assert not out.exists()
    assert run_cli(*args).code == 0
    before = files(out)
    fqdn = str(ROOT / "samples" / "intents" / "fqdn-egress.yaml")
    proc = _run_killed(["translate", "--engine", "cilium", "-f", fqdn, "--output-dir", str(out), "--prune"], how, ROOT)
    assert files(out) == before, "the old folder is untouched until the single rename"
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "out"]
    assert leftovers == ([] if how == "TERM" else leftovers)
    assert run_cli("translate", "--engine", "cilium", "-f", fqdn, "--output-dir", str(out), "--prune").code == 0
    assert [p.name for p in tmp_path.iterdir()] == ["out"], "the next run removes a killed run's staging folder"
    assert "ciliumnetworkpolicy_ci_github-egress.yaml" in files(out)


def test_interrupted_migrate_writes_no_bundle(tmp_path: Path) -> None:
    src = tmp_path / "in.yaml"
    src.write_text(np("a", "db"))
    out = tmp_path / "bundle"
    proc = _run_killed(["migrate", "--to", "cilium", "-f", str(src), "--output-dir", str(out)], "KILL", ROOT)
    assert proc.returncode == -signal.SIGKILL and not out.exists()


def test_error_level_ignore_is_gone() -> None:
    result = run_cli("translate", "--engine", "kubernetes", "-f", SEED, "--error-level", "ignore")
    assert result.code == 2 and "ignore" in result.stderr


def test_single_output_files_use_exclusive_temporary_files(tmp_path: Path) -> None:
    """graph --output-file (and verify --witness) write through mkstemp next to the file: a link planted at the
    temporary name an older version used is not followed, and the file lands where it was asked."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "graph.html"
    for pid in range(os.getpid() - 2, os.getpid() + 3):
        (tmp_path / f".graph.html.{pid}.tmp").symlink_to(victim)
    seed = str(ROOT / "samples" / "seed")
    cluster = str(ROOT / "samples" / "graph" / "seed-cluster.yaml")
    result = run_cli("graph", "-f", seed, "--cluster", cluster, "-o", "html", "--output-file", str(out))
    assert result.code == 0, result.stderr
    assert victim.read_text() == "precious" and out.read_text().startswith("<!DOCTYPE html>")
    assert not any(p.name.startswith(".graph.html.netpolx-") for p in tmp_path.iterdir())


def test_migrate_checks_the_target_files_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from translator.output import files as output

    real = output._write_new

    def damaged(staging: Path, rel: str, data: bytes) -> None:
        real(staging, rel, data.replace(b"app: web", b"app: www") if rel.startswith("target/") else data)

    monkeypatch.setattr(output, "_write_new", damaged)
    src = tmp_path / "in.yaml"
    src.write_text(np("a", "db", ", ingress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]"))
    out = tmp_path / "bundle"
    result = run_cli("migrate", "--to", "cilium", "-f", str(src), "--output-dir", str(out))
    assert result.code == 2 and "do not read back as the translation" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.yaml"]


def test_output_folder_refusal_is_printed_alone(tmp_path: Path) -> None:
    """A folder that is not empty stops the run before anything is written: the error is the only diagnostic
    (the translation's warnings would bury it), followed by the count line."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("x", encoding="utf-8")
    seed = str(Path(__file__).resolve().parent.parent / "samples" / "seed")
    for args in (("translate", "--engine", "cilium", "-f", seed), ("migrate", "--to", "cilium", "-f", seed)):
        result = run_cli(*args, "--output-dir", str(out))
        lines = result.stderr.splitlines()
        assert result.code == 2 and len(lines) == 2, result.stderr
        assert "error NPX021: the output folder" in lines[0]
        assert ("other diagnostics of this run not shown" in lines[0]) is (args[0] == "translate")
        assert lines[1] == "netpolx: info NPX030: 1 error, 0 warnings, 0 info"


@pytest.mark.parametrize("where", ["", ".", "..", "/", "HERE", "PARENT"])
def test_the_current_a_parent_or_the_root_folder_is_not_an_output_folder(tmp_path: Path, where: str,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    target = {"HERE": str(work), "PARENT": str(tmp_path)}.get(where, where)
    policy = Path(__file__).resolve().parent.parent / "samples" / "intents" / "default-deny.yaml"
    result = run_cli("translate", "--engine", "cilium", "-f", str(policy), "--output-dir", target)
    assert result.code == 2 and "NPX021" in result.stderr and "Errno" not in result.stderr, result.stderr
    assert "--output-dir" in result.stderr
    assert list(work.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["work"]
