"""Turning documents into intents: NetworkIntent documents are validated (JSON Schema first, so errors carry
the YAML path and line; then the model's own checks); native policies go through their engine's importer."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

import jsonschema
from pydantic import ValidationError

from translator import codes
from translator.cluster.ranges import DEFAULT_RANGES, ClusterRanges
from translator.diagnostics import Diagnostics
from translator.load.allocation import bulk
from translator.load.loaded import LoadedIntent
from translator.load.source import Document, documents
from translator.load.validation import report_validation_error
from translator.model import API_VERSION, KIND, NetworkIntent
from translator.model.schema import tighten
from translator.output.progress import progress
from translator.registry import all_backends, importer_for
from translator.target import Target

SCHEMA_ID = "https://netpolx.io/schemas/intent.schema.json"
IGNORED_KINDS = frozenset({"Namespace", "Pod", "Service", "Deployment", "ConfigMap", "Tier", "Profile",
                           "HostEndpoint", "WorkloadEndpoint"})


@cache
def intent_schema() -> dict[str, Any]:
    """The JSON Schema of NetworkIntent, generated from the model (committed as schemas/intent.schema.json)."""
    schema = NetworkIntent.model_json_schema(by_alias=True, mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            "title": "netpolx NetworkIntent", **schema}


def schema_text() -> str:
    """The published schema (`netpolx schema`, schemas/intent.schema.json): the model's schema tightened to refuse
    what the tool refuses (translator/model/schema.py); sorted keys, two-space indent. The tool itself validates
    with the model's schema and then the model, whose messages are more precise."""
    return json.dumps(tighten(intent_schema()), indent=2, sort_keys=True) + "\n"


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(intent_schema())


def _schema_message(err: jsonschema.ValidationError) -> str:
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        known = set(err.schema.get("properties", {})) if isinstance(err.schema, Mapping) else set()
        unknown = [k for k in err.instance if k not in known]
        hints = [f"{k!r} (did you mean {close[0]!r}?)" if (close := difflib.get_close_matches(str(k), known, 1, 0.6))
                 else repr(k) for k in unknown]
        return f"unknown field {', '.join(hints)}"
    if err.validator == "required":
        return err.message.replace("is a required property", "is required")
    return err.message


def parse_intent(doc: Document, diags: Diagnostics) -> NetworkIntent | None:
    """Validate one NetworkIntent document; every problem becomes a diagnostic with file, line and field."""
    errors = sorted(_validator().iter_errors(doc.data), key=lambda e: list(map(str, e.absolute_path)))
    # anyOf/oneOf errors are noisy; report the deepest, most specific ones.
    for err in errors:
        leaf = jsonschema.exceptions.best_match([err])
        while leaf.context:
            leaf = jsonschema.exceptions.best_match(leaf.context)
        path = tuple(leaf.absolute_path)
        if leaf.validator == "additionalProperties" and isinstance(leaf.instance, dict):
            extra = [k for k in leaf.instance if k not in leaf.schema.get("properties", {})]
            path = (*path, extra[0]) if len(extra) == 1 else path
        diags.error(codes.INVALID_FIELD, f"NetworkIntent {doc.name}: {_schema_message(leaf)}", doc.locate(*path))
    if errors:
        return None
    try:
        return NetworkIntent.model_validate(doc.data)
    except ValidationError as exc:
        report_validation_error(exc, doc, f"NetworkIntent {doc.name}", diags)
        return None


@bulk()
def intents_from_documents(docs: Iterable[Document], diags: Diagnostics,
                           ranges: ClusterRanges = DEFAULT_RANGES) -> list[LoadedIntent]:
    """Intents from documents: NetworkIntents validated, native policies imported (knowing which IP ranges may
    hold pods and nodes), other kinds skipped."""
    out: list[LoadedIntent] = []
    native: dict[str, list[Document]] = {}
    advance = progress().advance  # the current phase (e.g. `importing policies`) counts documents
    for doc in docs:
        if doc.api_version == API_VERSION and doc.kind == KIND:
            advance()
            intent = parse_intent(doc, diags)
            if intent is not None:
                out.append(LoadedIntent(intent, doc.source))
            continue
        backend = importer_for(doc.api_version, doc.kind)
        if backend is not None:
            native.setdefault(backend.name, []).append(doc)
        elif doc.kind in IGNORED_KINDS:
            advance()
            diags.info(codes.IGNORED_OBJECT, f"skipped {doc.kind} {doc.name}: not a policy", doc.locate("kind"))
        else:
            advance()
            what = f"{doc.api_version or '<no apiVersion>'} {doc.kind or '<no kind>'}"
            diags.error(codes.UNKNOWN_KIND, f"{doc.name}: netpolx does not read {what}", doc.locate("kind"))
    backends = all_backends()
    for name, docs_of in native.items():
        importer = backends[name](Target(name, settings=ranges.settings()))
        out.extend(importer.import_documents(docs_of, diags, advance))
    _check_duplicates(out, diags)
    return out


def _check_duplicates(loaded: list[LoadedIntent], diags: Diagnostics) -> None:
    seen: dict[str, LoadedIntent] = {}
    for li in loaded:
        key = li.intent.ref
        if key in seen and seen[key].origin == li.origin:
            first = seen[key].locate()
            diags.error(codes.DUPLICATE_OBJECT, f"{key} is defined twice (first at {first})", li.locate())
        seen.setdefault(key, li)


def load_intents(paths: Iterable[str], diags: Diagnostics, recursive: bool = False,
                 ranges: ClusterRanges = DEFAULT_RANGES) -> list[LoadedIntent]:
    """Read files/directories/stdin and return their intents (`ranges`: where pods and nodes may be)."""
    return intents_from_documents(documents(paths, diags, recursive), diags, ranges)
