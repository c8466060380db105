"""Every command has help text and appears in the README; the contract's commands all exist."""

from __future__ import annotations

import re

import pytest

from tests.conftest import run_cli
from tests.shared import ROOT
from translator.cli import cli

CONTRACT_COMMANDS = ["translate", "check", "import", "reach", "verify", "engines", "recommend", "migrate", "explain",
                     "lint", "graph", "schema"]


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_command_has_help_and_is_documented(name: str) -> None:
    result = run_cli(name, "--help")
    assert result.code == 0 and "Usage:" in result.stdout
    assert len(cli.commands[name].help or "") > 40, f"{name} needs a real help text"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"netpolx {name}\b", readme), f"README.md does not show `netpolx {name}`"


def test_every_contract_command_exists() -> None:
    missing = [c for c in CONTRACT_COMMANDS if c not in cli.commands]
    assert not missing, f"commands of ../shared/contract.md not implemented: {missing}"


def test_readme_starts_with_the_two_setup_commands() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    block = lines[lines.index("```") + 1: lines.index("```", lines.index("```") + 1)]
    assert [line.split("#")[0].strip() for line in block] == ["make demo", "make test"]
