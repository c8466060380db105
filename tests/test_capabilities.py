"""Capability tables are total, honest about handlers, and the README's matrix is generated from them."""

from __future__ import annotations

import re

import pytest

from tests.conftest import run_cli
from tests.shared import ROOT
from translator.backend import Backend
from translator.capabilities import Capability, Support, check_total, render_markdown
from translator.cli.engines import matrix_tables
from translator.features import Feature
from translator.registry import UnknownEngineError, all_backends, get_backend

MATRIX = re.compile(r"<!-- matrix:start -->\n(.*?)<!-- matrix:end -->", re.S)


def test_every_table_is_total() -> None:
    for name, cls in all_backends().items():
        check_total(name, cls.capabilities)
        assert set(cls.capabilities) == set(Feature), name


def test_an_incomplete_table_is_rejected_at_class_creation() -> None:
    with pytest.raises(TypeError, match="misses"):
        type("Broken", (Backend,), {"name": "broken", "capabilities": {Feature.CIDR: Capability(Support.NATIVE)}})


def test_readme_matrix_is_current() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = MATRIX.search(readme)
    assert match, "README.md lacks the <!-- matrix:start --> ... <!-- matrix:end --> section"
    assert match.group(1) == render_markdown(matrix_tables()), "README matrix is stale: run `make readme`"


def test_engines_command_formats() -> None:
    text = run_cli("engines")
    assert text.code == 0 and "kubernetes" in text.stdout and "FEATURE" in text.stdout
    md = run_cli("engines", "-o", "markdown")
    assert md.stdout.startswith("| feature | what |")
    js = run_cli("engines", "-o", "json")
    assert '"engines"' in js.stdout


def test_unknown_engine_has_a_suggestion() -> None:
    with pytest.raises(UnknownEngineError, match="did you mean 'kubernetes'"):
        get_backend("kubernetis")


def test_version_gating_resolves_against_the_target() -> None:
    from translator.target import parse_target

    gated = Capability(Support.NATIVE, "x", since=(1, 17))
    cls = type("Gated", (Backend,), {"name": "gated", "capabilities": {f: gated for f in Feature}})
    assert cls(parse_target("gated@1.16")).capability(Feature.PORT_RANGE).support is Support.TOO_OLD
    assert cls(parse_target("gated@1.17")).capability(Feature.PORT_RANGE).support is Support.NATIVE
    assert cls(parse_target("gated")).capability(Feature.PORT_RANGE).support is Support.NATIVE
