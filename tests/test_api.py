"""The Python API (`import netpolx`): the same answers as the CLI, diagnostics as objects, errors as exceptions."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import netpolx
from tests.conftest import run_cli
from tests.shared import ROOT

SAMPLES = ROOT / "samples"
NPM = SAMPLES / "migration" / "npm-cluster"


def test_issue_one_liner_prints_cilium_yaml() -> None:
    code = ("import netpolx; print(netpolx.translate(open('samples/intents/seed.yaml').read(), engine='cilium'))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    docs = [d for d in yaml.safe_load_all(out) if d]
    assert docs and {d["kind"] for d in docs} == {"CiliumNetworkPolicy"}


def diagnostic_lines(stderr: str) -> list[str]:
    """The CLI's diagnostic lines, without its closing count by severity (`netpolx: 1 error, ...`)."""
    lines = stderr.splitlines()
    count = re.compile(r"netpolx: info NPX030: \d+ errors?, \d+ warnings?, \d+ info.*")
    return lines[:-1] if lines and count.fullmatch(lines[-1]) else lines


@pytest.mark.parametrize("engine", ["kubernetes", "cilium", "calico", "azure-npm"])
def test_translate_matches_the_cli(engine: str) -> None:
    path = SAMPLES / "intents" / "seed.yaml"
    result = netpolx.translate(path, engine)
    cli = run_cli("translate", "--engine", engine, "-f", str(path), "--no-group")
    assert cli.code == 0
    assert str(result) == cli.stdout
    assert json.loads(result.to_json())["items"] == result.objects or json.loads(result.to_json()) == result.objects
    assert [d.format() for d in result.diagnostics] == [line for line in diagnostic_lines(cli.stderr) if line]


def test_refusal_is_an_exception_with_located_diagnostics() -> None:
    path = SAMPLES / "intents" / "l7-http.yaml"
    with pytest.raises(netpolx.TranslationRefused) as info:
        netpolx.translate(path, "kubernetes")
    errors = [d for d in info.value.diagnostics if d.severity is netpolx.Severity.ERROR]
    assert errors and all(d.code == "NPX100" and d.location.file == str(path) and d.location.line for d in errors)
    assert errors[0].location.field_path.startswith("spec.ingress[0].http")
    assert info.value.exit_code == run_cli("translate", "--engine", "kubernetes", "-f", str(path)).code == 1


@pytest.mark.parametrize(("text", "code"), [("a: [", "NPX001"), ("apiVersion: v9\nkind: Foo\n", "NPX003")])
def test_bad_input_raises_invalid_input(text: str, code: str) -> None:
    with pytest.raises(netpolx.InvalidInput) as info:
        netpolx.translate(text, "cilium", name="in.yaml")
    assert info.value.exit_code == 2
    assert [d.code for d in info.value.diagnostics] == [code]
    assert info.value.diagnostics[0].location.file == "in.yaml"


def test_unknown_engine_is_invalid_input() -> None:
    with pytest.raises(netpolx.InvalidInput, match="NPX006"):
        netpolx.translate(SAMPLES / "intents" / "seed.yaml", "ciliumm")


def test_check_report_gives_the_cli_exit_code() -> None:
    path = SAMPLES / "intents" / "named-ports.yaml"
    report = netpolx.check(path, "azure-npm-windows")
    cli = run_cli("check", "--engine", "azure-npm-windows", "-f", str(path), "--no-group")
    assert report.exit_code() == cli.code == 1
    assert report.render("text").splitlines() == diagnostic_lines(cli.stderr)
    assert json.loads(report.render("json")) == [d.as_dict() for d in report]
    assert not report.ok and report.errors and report.codes() >= {report.errors[0].code}


def test_load_objects_and_default_namespace() -> None:
    policy = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
              "metadata": {"name": "deny"}, "spec": {"podSelector": {}}}
    without = netpolx.load(policy)
    assert without.intents[0].metadata.namespace == "default"
    assert without.diagnostics.by_code("NPX009"), "the importer announces the assumed namespace"
    loaded = netpolx.load([policy], namespace="shop")
    assert loaded.intents[0].metadata.namespace == "shop"
    assert not loaded.diagnostics.by_code("NPX009")
    assert "namespace: shop" in loaded.to_yaml()
    assert policy["metadata"] == {"name": "deny"}, "the caller's object is not changed"


def test_reach_matches_the_cli() -> None:
    api = netpolx.reach(NPM / "policies.yaml", NPM / "cluster.yaml")
    cli = run_cli("reach", "-f", str(NPM / "policies.yaml"), "--cluster", str(NPM / "cluster.yaml"), "-o", "json")
    assert api.as_dict() == json.loads(cli.stdout)
    first = api.results[0]
    assert api.allowed(first.src, first.dst, first.port, first.protocol) is first.allowed


def test_verify_a_translation_and_a_difference() -> None:
    seed = SAMPLES / "intents" / "seed.yaml"
    vanilla = netpolx.translate(seed, "kubernetes")
    assert netpolx.verify(seed, vanilla.to_yaml())
    cilium = netpolx.translate(seed, "cilium")
    assert cilium.diagnostics.warnings, "Cilium narrows 0.0.0.0/0 (no pods), announced"
    assert not netpolx.verify(seed, cilium.to_yaml())
    loosened = netpolx.load(seed).intents[:1]
    other = netpolx.verify(seed, yaml.safe_dump_all([i.dump() for i in loosened]))
    assert not other and other.differences


def test_lint_finds_the_seed_mistakes() -> None:
    report = netpolx.lint(SAMPLES / "seed")
    cli = run_cli("lint", "-f", str(SAMPLES / "seed"), "--no-group")
    assert report.render().splitlines() == diagnostic_lines(cli.stderr)
    assert report.exit_code("warning") == cli.code == 1


def test_package_is_typed_and_documented() -> None:
    assert (Path(netpolx.__file__).parent / "py.typed").is_file()
    for name in netpolx.__all__:
        obj = getattr(netpolx, name)
        if callable(obj) and not isinstance(obj, type):
            assert obj.__doc__, name
            assert "return" in obj.__annotations__, name
