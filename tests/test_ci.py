"""CI output: SARIF 2.1.0 valid against the official OASIS schema (kept in tests/data), rules with help and links
into docs/codes.md, GitHub workflow annotations, --fail-on on the checking commands."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import run_cli
from tests.shared import ROOT
from translator import codes
from translator.output.rulehelp import DOCS_URL, codes_markdown

SAMPLES = ROOT / "samples"
SARIF_SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
VALIDATOR = jsonschema.Draft4Validator(SARIF_SCHEMA, format_checker=jsonschema.FormatChecker())

COMMANDS = [
    ("lint", "-f", str(SAMPLES / "seed")),
    ("check", "--engine", "kubernetes", "-f", str(SAMPLES / "intents" / "l7-http.yaml")),
    ("check", "--engine", "cilium", "-f", str(SAMPLES / "intents")),
    ("check", "--from", "azure-npm", "--to", "cilium", "-f",
     str(SAMPLES / "migration" / "npm-cluster" / "policies.yaml")),
    ("validate", "-f", str(SAMPLES / "seed")),
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:3]))
def test_sarif_is_valid_against_the_official_schema(args: tuple[str, ...]) -> None:
    result = run_cli(*args, "--diagnostics-format", "sarif")
    assert result.code in (0, 1), result.stderr
    log = json.loads(result.stderr)
    VALIDATOR.validate(log)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for res in run["results"]:
        rule = rules[res["ruleIndex"]]
        assert rule["id"] == res["ruleId"]
        assert rule["helpUri"] == f"{DOCS_URL}#{res['ruleId'].lower()}"
        assert rule["help"]["text"] and rule["help"]["markdown"] and rule["shortDescription"]["text"]
        for loc in res["locations"]:
            assert loc["physicalLocation"]["region"]["startLine"] >= 1


def test_sarif_of_a_finding_carries_location_and_fix() -> None:
    log = json.loads(run_cli("lint", "-f", str(SAMPLES / "seed"), "--diagnostics-format", "sarif").stderr)
    run = log["runs"][0]
    [result] = [r for r in run["results"] if r["ruleId"] == "NPX600"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("03-backend.yaml")
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 20
    rule = run["tool"]["driver"]["rules"][result["ruleIndex"]]
    assert rule["name"] == "or-of-peers" and "Fix:" in rule["help"]["text"]


def test_sarif_of_stdin_is_still_valid() -> None:
    text = (SAMPLES / "intents" / "l7-http.yaml").read_text()
    result = run_cli("check", "--engine", "kubernetes", "-f", "-", "--diagnostics-format", "sarif", stdin=text)
    VALIDATOR.validate(json.loads(result.stderr))


def test_every_rule_link_has_its_section() -> None:
    doc = (ROOT / "docs" / "codes.md").read_text()
    assert doc == codes_markdown(), "docs/codes.md is stale: run `make readme`"
    anchors = set(re.findall(r"^### (NPX\d+)$", doc, re.M))
    constants = {v for k, v in vars(codes).items() if k.isupper() and isinstance(v, str) and v.startswith("NPX")}
    assert constants <= anchors, f"codes without documentation: {sorted(constants - anchors)}"


ANNOTATION = re.compile(r"^::(error|warning|notice) (file=[^,:]+,line=\d+(,col=\d+)?,)?title=netpolx NPX\d{3}::.+$")


def test_github_annotations() -> None:
    result = run_cli("check", "--engine", "kubernetes", "-f", str(SAMPLES / "intents" / "l7-http.yaml"),
                     "--diagnostics-format", "github")
    assert result.code == 1
    lines = result.stderr.splitlines()
    assert lines and all(ANNOTATION.match(line) for line in lines), lines
    assert lines[0].startswith(f"::error file={SAMPLES / 'intents' / 'l7-http.yaml'},line=11,col=7,title=netpolx "
                               "NPX100::")
    lint = run_cli("lint", "-f", str(SAMPLES / "seed"), "--diagnostics-format", "github")
    severities = {line.split(" ", 1)[0] for line in lint.stderr.splitlines()}
    assert severities == {"::warning", "::notice"}
    assert all(ANNOTATION.match(line) for line in lint.stderr.splitlines())


def test_github_annotation_escaping() -> None:
    from translator.diagnostics import Diagnostic, Severity, SourceLocation
    from translator.output.github import annotation

    d = Diagnostic("NPX004", Severity.WARNING, "50% of a\nb", SourceLocation("a,b:c.yaml", 3))
    assert annotation(d) == "::warning file=a%2Cb%3Ac.yaml,line=3,title=netpolx NPX004::50%25 of a%0Ab"


@pytest.mark.parametrize(("args", "outcomes"), [
    (("validate", "-f", "MISSING-NAMESPACE"), {None: 0, "warning": 1, "error": 0}),
    (("check", "--engine", "cilium", "-f", str(SAMPLES / "intents" / "seed.yaml")), {None: 0, "warning": 1}),
    (("lint", "-f", str(SAMPLES / "seed" / "01-ingress-controller.yaml")), {None: 1, "error": 0, "info": 1}),
    (("hook", "validate", "--fail-on", "warning", "MISSING-NAMESPACE"), {None: 1}),
])
def test_fail_on(args: tuple[str, ...], outcomes: dict[str | None, int], tmp_path: Path) -> None:
    path = tmp_path / "np.yaml"
    path.write_text("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\n"
                    "spec: {podSelector: {}}\n")
    args = tuple(str(path) if a == "MISSING-NAMESPACE" else a for a in args)
    for fail_on, code in outcomes.items():
        extra = ("--fail-on", fail_on) if fail_on else ()
        assert run_cli(*args, *extra).code == code, (fail_on, run_cli(*args, *extra).stderr)

