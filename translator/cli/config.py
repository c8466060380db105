"""`.netpolx.yaml`: project defaults for the CLI, found upward from the working directory (or `--config PATH`).

    engine: cilium@1.16          # default --engine (translate, check)
    platform: aks                # default --platform
    settings: {acns: true}       # engine settings, as `--engine cilium,acns=true`
    namespace: default           # namespace for namespaced policies that have none (-n/--namespace wins)
    cluster: cluster.yaml        # default --cluster for lint (relative to this file)
    fail-on: error               # default --fail-on of check
    lint: {select: [...], ignore: [...], fail-on: warning}
    overrides:                   # per-path: the first entry whose glob matches a file wins, key by key
      - paths: ["legacy/**"]
        namespace: legacy
        lint: {ignore: [NPX604]}

The file is validated against a JSON Schema (`CONFIG_SCHEMA`, committed as schemas/config.schema.json); an unknown
key is an error that suggests the closest known one.
"""

from __future__ import annotations

import difflib
import fnmatch
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

from translator import codes
from translator.diagnostics import Diagnostics, SourceLocation
from translator.load.source import SourceFile, SourceRef, parse_text, read_text

FILE_NAMES = (".netpolx.yaml", ".netpolx.yml")
SEVERITIES = ["error", "warning", "info"]

_LINT = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "select": {"type": "array", "items": {"type": "string"}, "description": "Only these rules (codes or names)."},
        "ignore": {"type": "array", "items": {"type": "string"}, "description": "Skip these rules (codes or names)."},
        "fail-on": {"enum": SEVERITIES, "description": "Lowest severity that makes lint exit 1."},
    },
}
_NAMESPACE = {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "maxLength": 63,
              "description": "Namespace for namespaced policies without metadata.namespace."}

CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://netpolx.io/schemas/config.schema.json",
    "title": "netpolx configuration (.netpolx.yaml)",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "engine": {"type": "string", "description": "Default --engine, NAME[@VERSION][,key=value...]."},
        "platform": {"enum": ["aks"], "description": "Default --platform."},
        "settings": {"type": "object", "additionalProperties": {"type": ["string", "boolean", "integer"]},
                     "description": "Engine settings, as --engine NAME,key=value."},
        "namespace": _NAMESPACE,
        "cluster": {"type": "string", "description": "Default --cluster file for lint (relative to this file)."},
        "fail-on": {"enum": SEVERITIES, "description": "Default --fail-on of check."},
        "lint": _LINT,
        "overrides": {
            "type": "array",
            "description": "Per-path settings; the first entry whose glob matches a file wins, key by key.",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["paths"],
                "properties": {
                    "paths": {"type": "array", "minItems": 1, "items": {"type": "string"},
                              "description": "Globs relative to this file (`**` matches any depth)."},
                    "namespace": _NAMESPACE,
                    "lint": _LINT,
                },
            },
        },
    },
}


@dataclass(frozen=True)
class Override:
    """Settings for the files that match `paths`."""

    paths: tuple[str, ...]
    namespace: str | None = None
    lint_select: tuple[str, ...] | None = None
    lint_ignore: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    """The settings of one `.netpolx.yaml` (all empty when there is none)."""

    path: Path | None = None
    engine: str | None = None
    platform: str | None = None
    settings: dict[str, str] = field(default_factory=dict)
    namespace: str | None = None
    cluster: str | None = None
    fail_on: str | None = None
    lint_select: tuple[str, ...] | None = None
    lint_ignore: tuple[str, ...] = ()
    lint_fail_on: str | None = None
    overrides: tuple[Override, ...] = ()

    @property
    def root(self) -> Path:
        """The folder paths in the file are relative to."""
        return self.path.parent if self.path else Path.cwd()

    def override_for(self, file: str) -> Override | None:
        """The first override whose glob matches `file` (a path as given on the command line)."""
        if not self.overrides or not file or file.startswith("<"):
            return None
        try:
            rel = Path(os.path.abspath(file)).relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return None
        for o in self.overrides:
            if any(_glob_match(rel, pattern) for pattern in o.paths):
                return o
        return None

    def namespace_for(self, file: str) -> str | None:
        """The default namespace for policies in `file`."""
        o = self.override_for(file)
        return o.namespace if o is not None and o.namespace else self.namespace

    def cluster_path(self) -> str | None:
        """The cluster file, relative to the working directory's view."""
        if self.cluster is None:
            return None
        return str(self.root / self.cluster) if self.path else self.cluster


def _glob_match(rel: str, pattern: str) -> bool:
    pattern = pattern.lstrip("./") if pattern.startswith("./") else pattern
    if fnmatch.fnmatchcase(rel, pattern):
        return True
    if "**/" in pattern and fnmatch.fnmatchcase(rel, pattern.replace("**/", "")):
        return True  # `a/**/b.yaml` also matches `a/b.yaml`
    return pattern.endswith("/**") and (rel + "/").startswith(pattern[:-2])


def find_config(start: Path | None = None) -> Path | None:
    """The nearest `.netpolx.yaml` in `start` (default: the working directory) or a parent folder."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        for name in FILE_NAMES:
            candidate = folder / name
            if candidate.is_file():
                return Path(os.path.relpath(candidate))
    return None


def _suggest(word: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(sorted(known))})"


def validate(data: Any, ref: SourceRef, diags: Diagnostics) -> bool:
    """Report every schema violation with file, line and field; unknown keys suggest the closest known one."""
    validator = jsonschema.Draft202012Validator(CONFIG_SCHEMA)
    ok = True
    for err in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        ok = False
        path = tuple(err.absolute_path)
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            known = list(err.schema.get("properties", {}))
            for key in (k for k in err.instance if k not in known):
                diags.error(codes.INVALID_FIELD, f"unknown key {key!r}{_suggest(str(key), known)}",
                            ref.locate((*path, key)))
            continue
        where = ".".join(map(str, path)) or "the file"
        diags.error(codes.INVALID_FIELD, f"{where}: {err.message}", ref.locate(path))
    return ok


def _tuple(value: Any) -> tuple[str, ...] | None:
    return tuple(str(v) for v in value) if value is not None else None


def load_config(path: Path, diags: Diagnostics) -> Config | None:
    """Read and validate one config file; None with diagnostics when bad."""
    text = read_text(str(path), diags)
    if text is None:
        return None
    source = SourceFile(str(path), text)
    docs = parse_text(source, diags)
    if docs is None:
        return None
    if len(docs) > 1:
        diags.error(codes.INVALID_FIELD, f"{path}: one YAML document expected, found {len(docs)}",
                    SourceLocation(str(path), 1))
        return None
    data = docs[0] if docs else {}
    if not validate(data, SourceRef(source, 0), diags):
        return None
    lint = data.get("lint", {})
    overrides = tuple(
        Override(tuple(o["paths"]), o.get("namespace"), _tuple(o.get("lint", {}).get("select")),
                 _tuple(o.get("lint", {}).get("ignore")) or ())
        for o in data.get("overrides", ()))
    settings = {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in data.get("settings", {}).items()}
    return Config(path, data.get("engine"), data.get("platform"), settings, data.get("namespace"),
                  data.get("cluster"), data.get("fail-on"), _tuple(lint.get("select")),
                  _tuple(lint.get("ignore")) or (), lint.get("fail-on"), overrides)


def schema_text() -> str:
    """The config schema as committed in schemas/config.schema.json."""
    return json.dumps(CONFIG_SCHEMA, indent=2, sort_keys=True) + "\n"
