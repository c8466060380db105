"""Cilium's HTTP regex dialect (RE2): what RE2 refuses is refused with its position, glob-like patterns warn."""

from __future__ import annotations

from pathlib import Path

import pytest

from backends.cilium.regex import glob_hint, re2_error
from tests.conftest import run_cli

INTENT = """apiVersion: netpolx.io/v1alpha1
kind: NetworkIntent
metadata: {{name: api, namespace: shop}}
spec:
  subject: {{pods: {{matchLabels: {{app: api}}}}}}
  ingress:
  - peers: [{{pods: {{matchLabels: {{app: web}}}}}}]
    ports: [{{port: 80}}]
    http:
    - {{{field}: {value!r}}}
"""


@pytest.mark.parametrize(("pattern", "position", "reason"), [
    ("/v1/(?!admin).*", 5, "invalid perl operator: (?!"),
    ("/a/(?<=x)b", 4, "invalid perl operator: (?<="),
    (r"/(a)/\1", 6, r"invalid escape sequence: \1"),
    ("/a*+", 3, "bad repetition operator: *+"),
])
def test_re2_refusals_name_the_position(pattern: str, position: int, reason: str) -> None:
    error = re2_error(pattern)
    assert error is not None
    assert error == (reason, position - 1), error


@pytest.mark.parametrize("pattern", ["/v1/.*", "GET|HEAD", "/api/v[0-9]+/items", r".*\.example\.com", "(?i)get"])
def test_valid_re2_patterns_pass(pattern: str) -> None:
    assert re2_error(pattern) is None
    assert glob_hint("path", pattern) is None


@pytest.mark.parametrize(("field", "pattern", "meant"), [
    ("path", "/v1/*", "/v1/.*"),
    ("path", "/static/*/img", "/static/.*/img"),
    ("path", "/a/**", "/a/.*"),
])
def test_glob_like_patterns_say_what_was_meant(field: str, pattern: str, meant: str) -> None:
    hint = glob_hint(field, pattern)
    assert hint is not None and f"did you mean {meant!r}" in hint


def write(tmp_path: Path, field: str, value: str) -> Path:
    path = tmp_path / "intent.yaml"
    path.write_text(INTENT.format(field=field, value=value))
    return path


def test_translate_refuses_a_lookahead_naming_file_line_field_and_position(tmp_path: Path) -> None:
    path = write(tmp_path, "path", "/v1/(?!admin).*")
    out = tmp_path / "out"
    result = run_cli("translate", "--engine", "cilium", "-f", str(path), "--output-dir", str(out))
    assert result.code == 1 and not out.exists()
    line = next(x for x in result.stderr.splitlines() if "NPX100" in x)
    assert line.startswith(f"{path}:10: error NPX100:")
    assert "at position 5 ('(?!admin).*')" in line and "(at spec.ingress[0].http[0].path)" in line
    other = run_cli("translate", "--engine", "kubernetes", "-f", str(path))
    assert "RE2" not in other.stderr, "only Cilium's dialect is RE2"


def test_glob_is_a_warning_and_the_policy_is_still_written(tmp_path: Path) -> None:
    path = write(tmp_path, "path", "/v1/*")
    result = run_cli("translate", "--engine", "cilium", "-f", str(path))
    assert result.code == 0
    assert "warning NPX320" in result.stderr and "did you mean '/v1/.*'" in result.stderr
    assert "path: /v1/*" in result.stdout


def test_imported_cilium_policy_with_lookaround_is_refused(tmp_path: Path) -> None:
    cnp = tmp_path / "cnp.yaml"
    cnp.write_text("""apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: api, namespace: shop}
spec:
  endpointSelector: {matchLabels: {app: api}}
  ingress:
  - fromEndpoints: [{matchLabels: {app: web}}]
    toPorts:
    - ports: [{port: "80", protocol: TCP}]
      rules:
        http: [{method: GET, path: "/x/(?=y)"}]
""")
    result = run_cli("check", "--engine", "cilium", "-f", str(cnp))
    assert result.code == 1 and "invalid perl operator: (?=" in result.stderr
