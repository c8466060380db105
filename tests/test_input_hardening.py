"""Hostile and quirky input (issue 16): YAML 1.2 core scalars, strict types, bounded cost, no internal errors.

Every case is run through the CLI: the answer is exit 0 with the meaning the engines' Go parsers give the text, or
exit 2 with FILE:LINE on stderr, nothing on stdout and never a traceback.
"""

from __future__ import annotations

import json
import re
import time

import pytest
import yaml

from tests.conftest import run_cli
from translator.diagnostics import Diagnostics
from translator.load.source import documents_from_text
from translator.load.yamlcore import load_all

CALICO = """apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {{name: ftp, namespace: prod}}
spec:
  selector: app == 'ftp'
  types: [Ingress]
  ingress:
  - action: Allow
    protocol: TCP
    destination:
      ports: {ports}
"""

NP = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: web, namespace: prod}}
spec:
  podSelector: {{matchLabels: {{app: web}}}}
  ingress:
  - ports:
    - {port}
"""

LINE = re.compile(r"^(\S+):(\d+): error NPX\d{3}: ", re.M)


def refused_at(text: str, line: int | None, *args: str, name: str = "in.yaml", tmp_path=None) -> str:  # type: ignore[no-untyped-def]
    """Run translate on `text` (a file); assert exit 2, nothing on stdout, an error at `line`; return stderr."""
    assert tmp_path is not None
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = run_cli("translate", "--engine", "kubernetes", "-f", str(path), *args)
    assert result.code == 2, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    lines = [int(m.group(2)) for m in LINE.finditer(result.stderr)]
    assert lines and (line is None or line in lines), result.stderr
    return result.stderr


# --- YAML 1.2 core schema ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("20:21", "20:21"),          # YAML 1.1: base 60 = 1221
    ("1:2:3", "1:2:3"),
    ("yes", "yes"), ("no", "no"), ("on", "on"), ("off", "off"), ("y", "y"), ("Yes", "Yes"),
    ("2024-01-01", "2024-01-01"),  # YAML 1.1: a date
    ("0o17", 15), ("0x1F", 31), ("12", 12), ("-3", -3), ("+4", 4), ("0", 0),
    ("true", True), ("FALSE", False), ("~", None), ("null", None), ("1.5", 1.5), ("1e3", 1000.0),
    ("1_000", "1_000"), ("!!str 80", "80"), ("!!int '80'", 80), ("!!float 2", 2.0),
    # A leading zero, as go-yaml v2 (sigs.k8s.io/yaml, kubectl) and v3 read it: octal, or decimal with an 8 or 9.
    ("010", 8), ("0777", 511), ("-010", -8), ("00", 0), ("09", 9), ("0189", 189), ("!!int 010", 8),
])
def test_scalars_resolve_as_yaml_1_2_core(text: str, value: object) -> None:
    (doc,) = load_all(f"a: {text}\n")
    assert doc["a"] == value and type(doc["a"]) is type(value)


def test_leading_zero_port_is_octal_as_kubectl_reads_it() -> None:
    result = run_cli("translate", "--engine", "kubernetes", "-f", "-", stdin=NP.format(port="{port: 010}"))
    assert result.code == 0, result.stderr
    (policy,) = yaml.safe_load_all(result.stdout)
    assert policy["spec"]["ingress"][0]["ports"] == [{"protocol": "TCP", "port": 8}]


def test_calico_port_range_written_unquoted_stays_a_range() -> None:
    result = run_cli("translate", "--engine", "kubernetes", "-f", "-", stdin=CALICO.format(ports="[20:21]"))
    assert result.code == 0, result.stderr
    (policy,) = yaml.safe_load_all(result.stdout)
    assert policy["spec"]["ingress"][0]["ports"] == [{"protocol": "TCP", "port": 20, "endPort": 21}]


@pytest.mark.parametrize(("text", "line", "words"), [
    ("a: 1\nb: 2\na: 3\n", 3, "duplicate key 'a'"),
    ("metadata:\n  name: x\n  labels: {app: a, app: b}\n", 3, "duplicate key 'app'"),
    ("a:\n  b: !!int kube-system\n", 2, "!!int 'kube-system' is not an integer"),
    ("a: !!float x\n", 1, "!!float 'x' is not a number"),
    ("a: !!bool maybe\n", 1, "!!bool 'maybe' is not true or false"),
    ("a: !!timestamp 2001-12-14\n", 1, "!!timestamp is not supported"),
    ("a: !!binary aGk=\n", 1, "!!binary is not supported"),
    ("a: !!set {x}\n", 1, "!!set is not supported"),
    ("a: !custom x\n", 1, "!custom is not supported"),
    ("a: b\nc: .nan\n", 2, "'.nan' is not a finite number"),
    ("a: -.inf\n", 1, "not a finite number"),
    ("a: 1e999\n", 1, "not a finite number"),
    ("a: " + "9" * 5000 + "\n", 1, "out of range"),
    ("a: 18446744073709551616\n", 1, "out of range"),
    ("x: 1\na: &a [*a]\n", 2, "nested deeper than"),
    ("a: " + "[" * 150 + "]" * 150 + "\n", 1, "nested deeper than 100 levels"),
])
def test_refused_scalars_and_shapes_name_the_line(text: str, line: int, words: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    stderr = refused_at(text, line, tmp_path=tmp_path)
    assert words in stderr


def test_alias_bomb_is_refused_fast_for_every_kind(tmp_path) -> None:  # type: ignore[no-untyped-def]
    levels = ["  l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"  l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 10)]
    for head in ("apiVersion: netpolx.io/v1alpha1\nkind: NetworkIntent\n",
                 "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n",
                 "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\n",
                 "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\n"):
        text = head + "metadata: {name: bomb, namespace: x}\nspec:\n" + "\n".join(levels) + "\n"
        assert len(text) < 1000
        start = time.process_time()
        stderr = refused_at(text, 5, tmp_path=tmp_path)
        assert time.process_time() - start < 2
        assert "aliases expand" in stderr


def test_small_aliases_still_work() -> None:
    (doc,) = load_all("a: &sel {app: web}\nb: *sel\nc: {<<: *sel, tier: x}\n")
    assert doc == {"a": {"app": "web"}, "b": {"app": "web"}, "c": {"app": "web", "tier": "x"}}


# --- JSON --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "line"), [
    ('{"a": 1,\n "a": 2}', 2),                                      # duplicate key
    ('{"a":\n ' + "[" * 995 + "]" * 995 + "}", 2),                    # deeper than json's recursion limit
    ('{"a":\n ' + "[" * 150 + "]" * 150 + "}", 2),                    # deeper than MAX_DEPTH
    ('{"a":\n ' + "9" * 4400 + "}", 2),                              # beyond Python's int-from-text limit
    ('{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "a", "namespace": "x"},'
     '\n"spec": {"podSelector": {}, "ingress": [{"ports": [\n{"port": NaN}]}]}}', 3),  # no NaN number in JSON
])
def test_json_refusals_name_the_line(text: str, line: int, tmp_path) -> None:  # type: ignore[no-untyped-def]
    refused_at(text, line, name="in.json", tmp_path=tmp_path)


def test_json_fast_path_reads_plain_json() -> None:
    diags = Diagnostics()
    (doc,) = documents_from_text(json.dumps({"kind": "X", "metadata": {"name": "a"}, "n": [1, 2.5, None]}), "a.json",
                                 diags)
    assert not diags.has_errors and doc.data["n"] == [1, 2.5, None]


# --- size and streams --------------------------------------------------------------------------------------------

def test_oversized_input_is_refused(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("translator.load.source.MAX_INPUT_BYTES", 1000)
    stderr = refused_at("a: " + "x" * 2000 + "\n", 1, tmp_path=tmp_path)
    assert "larger than" in stderr


def test_endless_stdin_is_refused(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import io
    import sys

    class Zero(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buf) -> int:  # type: ignore[no-untyped-def]
            buf[:] = bytes(len(buf))
            return len(buf)

    monkeypatch.setattr("translator.load.source.MAX_INPUT_BYTES", 1 << 20)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(Zero())))
    diags = Diagnostics()
    from translator.load.source import documents
    assert documents(["-"], diags) == []
    (err,) = diags.errors
    assert err.location.file == "<stdin>" and err.location.line == 1 and "larger than" in err.message


# --- strict native types -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("port", "words"), [
    ("{port: true}", "port must be an integer or a string, got bool"),
    ("{port: 90, endPort: '90'}", "endPort must be an integer, got str"),
    ("{port: 80.0}", "port must be an integer or a string, got float"),
    ("{port: 80, protocol: 6}", "protocol must be a string, got int"),
])
def test_native_fields_are_not_coerced(port: str, words: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    stderr = refused_at(NP.format(port=port), 8, tmp_path=tmp_path)
    assert words in stderr


def test_label_values_must_be_strings(tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = NP.format(port="{port: 80}").replace("{name: web, namespace: prod}",
                                                "{name: web, namespace: prod, labels: {v: 1}}")
    assert "v must be a string, got int" in refused_at(text, 3, tmp_path=tmp_path)


@pytest.mark.parametrize(("spec", "line", "words"), [
    ("  order: '5'\n  selector: all()\n", 5, "order must be a number, got str"),
    ("  order: true\n  selector: all()\n", 5, "order must be a number, got bool"),
    ("  order: .nan\n  selector: all()\n", 5, "not a finite number"),
    ("  selector: all()\n  types: [ingres]\n", 6, "'ingres' is neither Ingress nor Egress"),
    ("  selector: \"" + "(" * 300 + "a == 'b'" + ")" * 300 + "\"\n", 5, "nested deeper than"),
])
def test_calico_spec_refusals(spec: str, line: int, words: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: a, namespace: x}\nspec:\n" + spec
    assert words in refused_at(text, line, tmp_path=tmp_path)


def test_cilium_namespace_longer_than_a_label_is_refused_on_import(tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = ("apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: a, namespace: x}\nspec:\n"
            "  endpointSelector: {}\n  ingress:\n  - fromEndpoints:\n    - matchLabels:\n"
            f"        k8s:io.kubernetes.pod.namespace: {'a' * 70}\n")
    assert "at most 63 characters" in refused_at(text, None, tmp_path=tmp_path)


# --- commands that describe the input stop when part of it could not be read --------------------------------------

UNIMPORTABLE = ("apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: a, namespace: x}\nspec:\n"
                "  nodeSelector: {}\n  ingress: [{}]\n")
CLUSTER = ("namespaces:\n  - {name: x, labels: {kubernetes.io/metadata.name: x}}\n"
           "pods:\n  - {namespace: x, name: a, labels: {pod: a}}\n  - {namespace: x, name: b, labels: {pod: b}}\n")


@pytest.mark.parametrize("command", [("recommend",), ("explain",), ("graph", "--probe", "80/TCP", "-o", "dot")])
def test_describing_commands_refuse_an_unimportable_input(command: tuple[str, ...], tmp_path) -> None:  # type: ignore[no-untyped-def]
    policy, cluster = tmp_path / "p.yaml", tmp_path / "c.yaml"
    policy.write_text(UNIMPORTABLE, encoding="utf-8")
    cluster.write_text(CLUSTER, encoding="utf-8")
    extra = ("--cluster", str(cluster)) if command[0] == "graph" else ()
    result = run_cli(*command, "-f", str(policy), *extra)
    assert result.code == 2 and result.stdout == ""
    assert f"{policy}:5: error NPX110" in result.stderr


@pytest.mark.parametrize("namespace", ["Y_bad", "a" * 64])
def test_cluster_pod_in_an_invalid_namespace_is_bad_input(namespace: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    policy, cluster = tmp_path / "p.yaml", tmp_path / "c.yaml"
    policy.write_text(NP.format(port="{port: 80}"), encoding="utf-8")
    cluster.write_text(CLUSTER.replace("{namespace: x, name: a", f"{{namespace: {namespace}, name: a"),
                       encoding="utf-8")
    result = run_cli("reach", "-f", str(policy), "--cluster", str(cluster), "--probe", "80/TCP", "-o", "json")
    assert result.code == 2 and "internal error" not in result.stderr
    assert f"{cluster}:4: error NPX004" in result.stderr


def test_cluster_pod_in_an_undeclared_namespace_is_evaluated(tmp_path) -> None:  # type: ignore[no-untyped-def]
    policy, cluster = tmp_path / "p.yaml", tmp_path / "c.yaml"
    policy.write_text(NP.format(port="{port: 80}"), encoding="utf-8")
    cluster.write_text(CLUSTER.replace("{namespace: x, name: a", "{namespace: y, name: a"), encoding="utf-8")
    result = run_cli("reach", "-f", str(policy), "--cluster", str(cluster), "--probe", "80/TCP", "-o", "json")
    assert result.code == 0, result.stderr
    assert {r["from"] for r in json.loads(result.stdout)["results"]} == {"y/a", "x/b"}


# --- bounded cost ------------------------------------------------------------------------------------------------

def _labels(n: int, indent: str) -> str:
    return "\n".join(f"{indent}k{i}: v{i}" for i in range(n))


def test_ten_thousand_labels_to_calico_are_refused_quickly(tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web, namespace: prod}\nspec:\n"
            f"  podSelector:\n    matchLabels:\n{_labels(10_000, '      ')}\n")
    path = tmp_path / "labels.yaml"
    path.write_text(text, encoding="utf-8")
    start = time.process_time()
    result = run_cli("translate", "--engine", "calico", "-f", str(path))
    assert time.process_time() - start < 10
    assert result.code == 1 and result.stdout == ""
    assert re.search(rf"^{re.escape(str(path))}:[56]: error NPX100: prod/web: the Calico selector would be 197776 "
                     "characters long", result.stderr, re.M), result.stderr


def test_many_cidrs_to_cilium_are_linear(tmp_path) -> None:  # type: ignore[no-untyped-def]
    peers = "\n".join(f"    - ipBlock: {{cidr: 192.0.{i // 256}.{i % 256}/32}}" for i in range(5000))
    text = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web, namespace: prod}\nspec:\n"
            f"  podSelector: {{}}\n  egress:\n  - to:\n{peers}\n    - ipBlock: {{cidr: 192.0.0.0/32}}\n")
    path = tmp_path / "cidrs.yaml"
    path.write_text(text, encoding="utf-8")
    start = time.process_time()
    result = run_cli("translate", "--engine", "cilium", "-f", str(path))
    assert time.process_time() - start < 10
    assert result.code == 0, result.stderr[:500]
    (policy,) = yaml.safe_load_all(result.stdout)
    cidrs = [c["cidr"] for c in policy["spec"]["egress"][0]["toCIDRSet"]]
    assert len(cidrs) == len(set(cidrs)) == 5000  # the repeated block is written once
    # One assumption note for the rule, not one line (and one source lookup) per block.
    [note] = [ln for ln in result.stderr.splitlines() if "NPX104" in ln]
    assert "192.0.0.0/32, 192.0.0.1/32, 192.0.0.2/32, 192.0.0.3/32, 192.0.0.4/32 (+4,996 more) are translated " \
        "exactly as long as no pod or node has an address in them" in note and note.startswith(f"{path}:8: info")


def test_graph_over_too_many_flows_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    pods = "\n".join(f"  - {{namespace: x, name: p{i}, labels: {{app: a}}}}" for i in range(1001))
    policy, cluster = tmp_path / "p.yaml", tmp_path / "c.yaml"
    policy.write_text(NP.format(port="{port: 80}"), encoding="utf-8")
    cluster.write_text(f"namespaces:\n  - {{name: x}}\npods:\n{pods}\n", encoding="utf-8")
    result = run_cli("graph", "-f", str(policy), "--cluster", str(cluster), "--probe", "80/TCP", "-o", "dot")
    assert result.code == 2 and result.stdout == ""
    assert f"{cluster}:1: error NPX642: 1,001 endpoints and 1 probe(s) are 1,001,000 flows" in result.stderr
