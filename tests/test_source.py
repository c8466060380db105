"""Reading inputs: lists, multi-document files, JSON, positions, server fields, deterministic YAML output."""

from __future__ import annotations

import json

import pytest

from tests.shared import corpus
from translator.diagnostics import Diagnostics
from translator.load.source import LAST_APPLIED, SourceFile, documents_from_text, dump_yaml, strip_server_fields


def docs(text: str, name: str = "in.yaml") -> tuple[list, Diagnostics]:
    diags = Diagnostics()
    return documents_from_text(text, name, diags), diags


def test_typed_list_items_get_their_kind() -> None:
    found, _ = docs(json.dumps({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicyList",
                                "items": [{"metadata": {"name": "a"}, "spec": {}}]}), "l.json")
    assert [(d.api_version, d.kind, d.name) for d in found] == [("networking.k8s.io/v1", "NetworkPolicy", "a")]


def test_positions_inside_lists_and_documents() -> None:
    text = ("a: 1\n---\napiVersion: v1\nkind: List\nitems:\n- kind: X\n  metadata: {name: one}\n"
            "- kind: Y\n  spec:\n    deep: [1, 2]\n")
    found, _ = docs(text)
    assert [d.kind for d in found] == ["", "X", "Y"]
    assert found[2].locate("spec", "deep", 1).line == 10
    assert found[1].locate("metadata", "name").line == 7
    assert found[2].locate("spec", "missing", 3).line == 9  # nearest existing ancestor (its key)


def test_server_fields_and_last_applied_are_stripped() -> None:
    obj = {"kind": "X", "status": {}, "metadata": {"name": "a", "uid": "u", "managedFields": [],
                                                    "annotations": {LAST_APPLIED: "{}", "keep": "me"}}}
    assert strip_server_fields(obj) == {"kind": "X", "metadata": {"name": "a", "annotations": {"keep": "me"}}}


def test_json_that_is_not_strict_falls_back_to_yaml() -> None:
    # An NCA topology file has a `//"cnc-fe"` comment: json.load fails, YAML reads it.
    path = corpus("nca", "calico_testcases", "example_podlist", "wdc_wep2.json")
    found, diags = docs(path.read_text(encoding="utf-8"), str(path))
    assert not diags.has_errors
    assert found and all(d.kind for d in found)


def test_yaml_error_reports_line() -> None:
    _, diags = docs("a: b\nc: [d\n")
    (err,) = diags.errors
    assert err.code == "NPX001" and err.location.line == 3


def test_dump_is_deterministic_and_alias_free() -> None:
    shared = {"a": 1}
    text = dump_yaml([{"z": shared, "y": shared}])
    assert text == "---\nz:\n  a: 1\ny:\n  a: 1\n"


@pytest.mark.parametrize("text", [
    "a: 1\n---\nb: 2\n---\n",                      # trailing separator without newline after it
    "---\na: 1\n---\n# only a comment\n---\nb: |\n  ---\n  x\n",  # a --- inside a block scalar
    "%YAML 1.1\n---\na: 1\n...\n---\nb: 2\n",        # directives and document end markers
    "--- {a: 1}\n--- {b: 2}\n",                      # content on the separator line
    "a: 1\n---\n~\n---\nb: 2\n",                     # an empty (null) document
])
def test_line_lookup_matches_the_full_parse(text: str) -> None:
    found, diags = docs(text)
    assert not diags.has_errors
    full = SourceFile("x", text)
    nodes = [n for n in full.nodes() if n.tag.endswith(":map")]
    for i, doc in enumerate(found):
        key = next(iter(doc.data))
        expected = next(v for k, v in nodes[i].value if k.value == key).start_mark.line + 1
        assert doc.locate(key).line == expected
