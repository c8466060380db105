"""`lint --fix` edits files as a careful editor would (issue 16): a link's target is edited, mode, owner and line
endings are kept, read-only files and files changed since they were read are refused, and fixes that change what
traffic is allowed need --fix-unsafe (previewed with --diff)."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.shared import ROOT

DNS = ROOT / "samples" / "lint" / "NPX604-egress-without-dns.yaml"


@pytest.fixture
def policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "p.yaml"
    shutil.copy(DNS, path)
    return path


def test_fix_alone_does_not_change_traffic(policy: Path) -> None:
    before = policy.read_bytes()
    result = run_cli("lint", "-f", policy.name, "--fix")
    assert policy.read_bytes() == before and result.stdout == ""
    assert "not fixed NPX604" in result.stderr and "--fix-unsafe" in result.stderr


def test_diff_previews_and_writes_nothing(policy: Path) -> None:
    before = policy.read_bytes()
    result = run_cli("lint", "-f", policy.name, "--diff")
    assert policy.read_bytes() == before
    assert result.stdout.startswith(f"--- a/{policy.name}\n+++ b/{policy.name}\n")
    assert "+" in result.stdout and "53" in result.stdout
    assert "would fix NPX604" in result.stderr and "this changes what traffic is allowed: widens" in result.stderr


def test_fix_unsafe_writes_and_prints_the_change(policy: Path) -> None:
    preview = run_cli("lint", "-f", policy.name, "--diff").stdout
    result = run_cli("lint", "-f", policy.name, "--fix-unsafe")
    assert result.stdout == preview and policy.read_bytes() != DNS.read_bytes()
    assert "fixed NPX604" in result.stderr and "widens" in result.stderr


def test_a_link_stays_a_link_and_its_target_is_edited(policy: Path) -> None:
    link = policy.with_name("link.yaml")
    link.symlink_to(policy.name)
    run_cli("lint", "-f", link.name, "--fix-unsafe")
    assert link.is_symlink() and os.readlink(link) == policy.name
    assert policy.read_bytes() != DNS.read_bytes()


def test_mode_and_owner_are_kept(policy: Path) -> None:
    policy.chmod(0o640)
    if os.geteuid() == 0:
        os.chown(policy, 4321, 4322)
    run_cli("lint", "-f", policy.name, "--fix-unsafe")
    st = policy.stat()
    assert stat.S_IMODE(st.st_mode) == 0o640 and policy.read_bytes() != DNS.read_bytes()
    if os.geteuid() == 0:
        assert (st.st_uid, st.st_gid) == (4321, 4322)


def test_crlf_stays_crlf(policy: Path) -> None:
    policy.write_bytes(DNS.read_bytes().replace(b"\n", b"\r\n"))
    result = run_cli("lint", "-f", policy.name, "--fix-unsafe")
    assert "fixed NPX604" in result.stderr, result.stderr
    raw = policy.read_bytes()
    assert raw.count(b"\n") == raw.count(b"\r\n") > DNS.read_bytes().count(b"\n")


def test_mixed_line_endings_are_refused(policy: Path) -> None:
    mixed = DNS.read_bytes().replace(b"\n", b"\r\n", 1)
    policy.write_bytes(mixed)
    result = run_cli("lint", "-f", policy.name, "--fix-unsafe")
    assert result.code == 2 and "mixed line endings" in result.stderr and policy.read_bytes() == mixed


def test_read_only_files_are_refused(policy: Path) -> None:
    policy.chmod(0o444)
    before = policy.read_bytes()
    result = run_cli("lint", "-f", policy.name, "--fix-unsafe")
    assert result.code == 2 and "read-only" in result.stderr and policy.read_bytes() == before
    assert stat.S_IMODE(policy.stat().st_mode) == 0o444


def test_a_file_changed_since_it_was_read_is_not_overwritten(policy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from translator.cli import lint as lint_cli

    real = lint_cli.plan_fixes

    def concurrent_edit(*args, **kwargs):  # type: ignore[no-untyped-def]
        plan = real(*args, **kwargs)
        policy.write_text(policy.read_text() + "# edited meanwhile\n")
        return plan

    monkeypatch.setattr(lint_cli, "plan_fixes", concurrent_edit)
    result = run_cli("lint", "-f", policy.name, "--fix-unsafe")
    assert result.code == 2 and "changed since netpolx read it" in result.stderr
    assert policy.read_text().endswith("# edited meanwhile\n")
    assert sorted(p.name for p in policy.parent.iterdir()) == ["p.yaml"], "no temporary file is left"
