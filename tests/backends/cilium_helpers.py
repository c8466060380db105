"""Helpers shared by the Cilium backend tests: compile intents for a Cilium target, import Cilium objects."""

from __future__ import annotations

from typing import Any

import yaml

from backends.cilium import CiliumBackend
from tests.shared import validate_object
from translator.compile.pipeline import compile_intents
from translator.diagnostics import Diagnostic, Diagnostics
from translator.load.decode import intents_from_documents
from translator.load.loaded import LoadedIntent
from translator.load.source import documents_from_text, dump_yaml
from translator.target import parse_target


def intent(spec: str, name: str = "p", namespace: str | None = "ns") -> str:
    """A NetworkIntent document with `spec` (YAML flow or block text, indented by the caller as a mapping)."""
    meta = {"name": name, **({"namespace": namespace} if namespace else {})}
    doc = {"apiVersion": "netpolx.io/v1alpha1", "kind": "NetworkIntent", "metadata": meta,
           "spec": yaml.safe_load(spec)}
    return yaml.safe_dump(doc, sort_keys=False)


def load(text: str) -> tuple[list[LoadedIntent], Diagnostics]:
    """Intents from a text of documents (native objects are imported)."""
    diags = Diagnostics()
    loaded = intents_from_documents(documents_from_text(text, "t.yaml", diags), diags)
    return loaded, diags


def compile_for(text: str, engine: str = "cilium",
                accepted: frozenset[str] = frozenset()) -> tuple[list[dict[str, Any]], Diagnostics]:
    """Compile every intent of `text` for a Cilium target; every generated object is schema-validated."""
    loaded, diags = load(text)
    assert not diags.has_errors, [d.format() for d in diags]
    diags.accepted = accepted
    target = parse_target(engine)
    compiled = compile_intents(loaded, CiliumBackend(target), diags)
    objects = [o for c in compiled for o in c.objects]
    for obj in objects:
        validate_object(obj)
    return objects, diags


def only(objects: list[dict[str, Any]]) -> dict[str, Any]:
    """The spec of the one generated object."""
    assert len(objects) == 1, objects
    return objects[0]["spec"]


def codes_of(diags: Diagnostics, severity: str | None = None) -> list[str]:
    """The codes reported (optionally of one severity)."""
    return [d.code for d in diags if severity is None or d.severity.value == severity]


def find(diags: Diagnostics, code: str) -> list[Diagnostic]:
    """The diagnostics with `code`."""
    return [d for d in diags if d.code == code]


def reimport(objects: list[dict[str, Any]]) -> list[LoadedIntent]:
    """The generated objects read back as intents (must import cleanly)."""
    loaded, diags = load(dump_yaml(objects))
    assert not diags.has_errors, [d.format() for d in diags]
    return loaded
