"""The composite GitHub Action (action.yml): its steps are run here as a runner would run them (inputs and outputs
substituted; `uses:` steps checked, not run), with the same script the action runs."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.shared import ROOT

BIN = Path(sys.executable).parent
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
SCRIPT = ROOT / "integrations" / "github" / "netpolx-action.sh"
SARIF_SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
EXPR = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")


def evaluate(expr: str, ctx: dict[str, dict[str, str]]) -> str | bool:
    """The expressions action.yml uses: `inputs.x`, `github.action_path`, `steps.run.outputs.x`, always(), ==, !=,
    &&."""
    if "&&" in expr:
        return all(evaluate(part, ctx) for part in expr.split("&&"))
    expr = expr.strip()
    if expr == "always()":
        return True
    for op in ("==", "!="):
        if op in expr:
            left, right = (evaluate(x, ctx) for x in expr.split(op))
            return (left == right) if op == "==" else (left != right)
    if expr.startswith("'") and expr.endswith("'"):
        return expr[1:-1]
    scope, _, name = expr.partition(".")
    if scope == "steps":
        step, _, rest = name.partition(".outputs.")
        return ctx["steps"].get(step, {}).get(rest, "")
    return ctx[scope][name]


def substitute(text: str, ctx: dict[str, dict[str, str]]) -> str:
    return EXPR.sub(lambda m: str(evaluate(m.group(1), ctx)), text)


def run_action(inputs: dict[str, str], workdir: Path) -> tuple[int, str, dict[str, dict[str, str]], list[dict]]:
    """Run the composite action; returns the exit code, the log, the context and the `uses:` steps that ran."""
    assert ACTION["runs"]["using"] == "composite"
    declared = ACTION["inputs"]
    missing = [k for k, v in declared.items() if v.get("required") and k not in inputs]
    assert not missing, missing
    ctx: dict[str, dict[str, str]] = {
        "inputs": {k: inputs.get(k, v.get("default", "")) for k, v in declared.items()},
        "github": {"action_path": str(ROOT)}, "steps": {}}
    log, used, code = "", [], 0
    for step in ACTION["runs"]["steps"]:
        condition = step.get("if")
        if condition is not None and not evaluate(condition, ctx):
            continue
        if "uses" in step:
            used.append({"uses": step["uses"], "with": {k: substitute(str(v), ctx) for k, v in
                                                        step.get("with", {}).items()}})
            continue
        out = workdir / f"output-{len(ctx['steps'])}"
        out.write_text("")
        env = {**os.environ, **{k: substitute(str(v), ctx) for k, v in step.get("env", {}).items()},
               "GITHUB_ACTION_PATH": str(ROOT), "GITHUB_OUTPUT": str(out),
               "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
        if env.get("NETPOLX_INSTALL") == "always":
            env["NETPOLX_INSTALL"] = "auto"  # netpolx is installed here already (the pre-commit test pip-installs it)
        proc = subprocess.run([shutil.which(step["shell"]) or step["shell"], "-c", substitute(step["run"], ctx)],
                              cwd=workdir, env=env, capture_output=True, text=True, timeout=300)
        log += proc.stdout + proc.stderr
        if "id" in step:
            ctx["steps"][step["id"]] = dict(line.split("=", 1) for line in out.read_text().splitlines() if line)
        code = proc.returncode
        if code:
            break
    return code, log, ctx, used


def test_action_runs_the_tested_script() -> None:
    runs = [s for s in ACTION["runs"]["steps"] if "run" in s]
    assert any(str(SCRIPT.relative_to(ROOT)) in s["run"] for s in runs)
    assert os.access(SCRIPT, os.X_OK)
    uses = [s["uses"] for s in ACTION["runs"]["steps"] if "uses" in s]
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    assert any(u.startswith("actions/setup-python@") for u in uses)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "policies").mkdir()
    shutil.copy(ROOT / "samples" / "intents" / "l7-http.yaml", tmp_path / "policies" / "api.yaml")
    shutil.copy(ROOT / "samples" / "intents" / "seed.yaml", tmp_path / "policies" / "seed.yaml")
    return tmp_path


def test_failing_check_annotates_uploads_sarif_and_fails(workdir: Path) -> None:
    code, log, ctx, used = run_action({"command": "check --engine kubernetes -f policies/ -R"}, workdir)
    assert code == 1, log
    assert "::error file=policies/api.yaml,line=11,col=7,title=netpolx NPX100::" in log
    assert ctx["steps"]["run"] == {"sarif-file": "netpolx.sarif", "exit-code": "1"}
    upload = [u for u in used if u["uses"].startswith("github/codeql-action/upload-sarif@")]
    assert upload and upload[0]["with"]["sarif_file"] == "netpolx.sarif"
    log_data = json.loads((workdir / "netpolx.sarif").read_text())
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log_data)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log_data["runs"][0]["results"]
            if r["locations"]}
    assert "policies/api.yaml" in uris


def test_passing_lint_succeeds_without_upload_when_disabled(workdir: Path) -> None:
    code, log, ctx, used = run_action({"command": "lint -f policies/seed.yaml --fail-on error",
                                       "upload-sarif": "false", "sarif-file": "out/lint.sarif"}, workdir)
    assert code == 0, log
    assert ctx["steps"]["run"]["exit-code"] == "0"
    assert not [u for u in used if "upload-sarif" in u["uses"]]
    assert json.loads((workdir / "out" / "lint.sarif").read_text())["version"] == "2.1.0"


def test_usage_error_fails_without_sarif(workdir: Path) -> None:
    code, log, ctx, used = run_action({"command": "check --no-such-option"}, workdir)
    assert code == 2 and "No such option" in log
    assert ctx["steps"]["run"]["sarif-file"] == ""
    assert not [u for u in used if "upload-sarif" in u["uses"]], "nothing to upload"
    assert not (workdir / "netpolx.sarif").exists()


def test_script_exit_code_without_deferral(workdir: Path) -> None:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
           "NETPOLX_ARGS": "check --engine kubernetes -f 'policies/api.yaml'"}
    proc = subprocess.run([str(SCRIPT)], cwd=workdir, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and proc.stderr.startswith("::error file=policies/api.yaml,line=11")
