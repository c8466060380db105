"""The KRM function protocol (Kustomize, kpt): a `ResourceList` in, a `ResourceList` out, with every NetworkIntent
in `.items` compiled and every diagnostic in `.results` (severity, message, the file and index the item came from,
the line in that file, the field path, the resource). The engine comes from `.functionConfig`:

    apiVersion: netpolx.io/v1alpha1          # or a ConfigMap whose `data` has the same keys
    kind: NetpolxTranslate
    metadata: {name: to-cilium}
    spec: {engine: cilium@1.16, platform: aks, settings: {acns: true}, namespace: default, allowWidening: false}
"""

from __future__ import annotations

import bisect
import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from translator import codes
from translator.diagnostics import Diagnostic, Diagnostics, SourceLocation
from translator.load.source import SourceFile, SourceRef, dump_yaml

RESOURCE_LIST_VERSIONS = ("config.kubernetes.io/v1", "config.kubernetes.io/v1alpha1")
CONFIG_KIND = "NetpolxTranslate"
CONFIG_API_VERSION = "netpolx.io/v1alpha1"
CONFIG_KEYS = ("engine", "platform", "settings", "namespace", "allowWidening")
PATH_ANNOTATIONS = ("config.kubernetes.io/path", "internal.config.kubernetes.io/path")
INDEX_ANNOTATIONS = ("config.kubernetes.io/index", "internal.config.kubernetes.io/index")
SEVERITY = {"error": "error", "warning": "warning", "info": "info"}


@dataclass
class FunctionConfig:
    """What the function was asked to do."""

    engine: str | None = None
    platform: str | None = None
    settings: dict[str, str] = field(default_factory=dict)
    namespace: str | None = None
    allow_widening: bool = False


def _flag(value: Any) -> bool:
    return str(value).lower() in ("1", "true", "yes", "on")


def parse_function_config(data: Any, where: SourceLocation, diags: Diagnostics) -> FunctionConfig:
    """A NetpolxTranslate object or a ConfigMap (`data` with the same keys); unknown keys are errors."""
    if data is None:
        return FunctionConfig()
    if not isinstance(data, Mapping):
        diags.error(codes.INVALID_FIELD, "functionConfig: expected an object", where)
        return FunctionConfig()
    kind = data.get("kind")
    if kind == "ConfigMap":
        body, section = data.get("data") or {}, "data"
    elif kind == CONFIG_KIND:
        body, section = data.get("spec") or {}, "spec"
    else:
        diags.error(codes.INVALID_FIELD, f"functionConfig: expected kind {CONFIG_KIND} ({CONFIG_API_VERSION}) or "
                    f"ConfigMap, got {kind!r}", where)
        return FunctionConfig()
    if not isinstance(body, Mapping):
        diags.error(codes.INVALID_FIELD, f"functionConfig.{section}: expected an object", where)
        return FunctionConfig()
    for key in body:
        if key not in CONFIG_KEYS:
            close = difflib.get_close_matches(str(key), CONFIG_KEYS, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(CONFIG_KEYS)})"
            diags.error(codes.INVALID_FIELD, f"functionConfig.{section}: unknown key {key!r}{hint}", where)
    settings = body.get("settings") or {}
    if not isinstance(settings, Mapping):
        diags.error(codes.INVALID_FIELD, f"functionConfig.{section}.settings: expected an object", where)
        settings = {}
    return FunctionConfig(
        engine=str(body["engine"]) if body.get("engine") else None,
        platform=str(body["platform"]) if body.get("platform") else None,
        settings={str(k): str(v).lower() if isinstance(v, bool) else str(v) for k, v in settings.items()},
        namespace=str(body["namespace"]) if body.get("namespace") else None,
        allow_widening=_flag(body.get("allowWidening", False)),
    )


def is_resource_list(data: Any) -> bool:
    """Whether parsed stdin is a KRM ResourceList."""
    return isinstance(data, Mapping) and data.get("kind") == "ResourceList" \
        and data.get("apiVersion") in RESOURCE_LIST_VERSIONS


def _annotation(item: Any, keys: tuple[str, ...]) -> str | None:
    meta = item.get("metadata") if isinstance(item, Mapping) else None
    ann = meta.get("annotations") if isinstance(meta, Mapping) else None
    if isinstance(ann, Mapping):
        for key in keys:
            if ann.get(key) is not None:
                return str(ann[key])
    return None


class ItemLocator:
    """Maps a diagnostic's line in the ResourceList text to the item it belongs to, and to the line in the file
    that item came from (when `config.kubernetes.io/path` names a readable file; else the line inside the item)."""

    def __init__(self, source: SourceFile, items: list[Any]) -> None:
        self.items = items
        self.starts = [source.locate(0, ("items", i))[0] or 0 for i in range(len(items))]
        self._files: dict[str, SourceFile | None] = {}

    def item_of(self, line: int | None) -> int | None:
        """The index of the item whose text holds `line`."""
        if line is None or not self.starts:
            return None
        pos = bisect.bisect_right(self.starts, line) - 1
        return pos if pos >= 0 else None

    def _file(self, path: str) -> SourceFile | None:
        if path not in self._files:
            try:
                with open(path, encoding="utf-8") as fh:
                    self._files[path] = SourceFile(path, fh.read())
            except (OSError, UnicodeDecodeError):
                self._files[path] = None
        return self._files[path]

    def result(self, diag: Diagnostic) -> dict[str, Any]:
        """One `.results` entry."""
        out: dict[str, Any] = {"message": f"{diag.code}: {diag.message}", "severity": SEVERITY[diag.severity.value],
                               "tags": {"code": diag.code}}
        if diag.location.field_path:
            out["field"] = {"path": diag.location.field_path}
        index = self.item_of(diag.location.line) if diag.location.file == "<stdin>" else None
        if index is None:
            if diag.location.file and diag.location.file != "<stdin>":
                out["file"] = {"path": diag.location.file}
                if diag.location.line:
                    out["tags"]["line"] = str(diag.location.line)
            return out
        item = self.items[index]
        meta = item.get("metadata", {}) if isinstance(item, Mapping) else {}
        out["resourceRef"] = {k: v for k, v in {"apiVersion": item.get("apiVersion"), "kind": item.get("kind"),
                                                "name": meta.get("name"), "namespace": meta.get("namespace")}.items()
                              if v}
        path, doc_index = _annotation(item, PATH_ANNOTATIONS), _annotation(item, INDEX_ANNOTATIONS)
        line = (diag.location.line or 0) - self.starts[index] + 1
        if path:
            out["file"] = {"path": path, "index": int(doc_index) if doc_index and doc_index.isdigit() else 0}
            original = self._file(path)
            if original is not None:
                found = SourceRef(original, out["file"]["index"]).locate(diag.location.path).line
                line = found or line
        out["tags"]["line"] = str(line)
        return out


def resource_list(items: list[Any], results: list[dict[str, Any]]) -> str:
    """The output ResourceList as YAML."""
    out: dict[str, Any] = {"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": items}
    if results:
        out["results"] = results
    return dump_yaml([out]).removeprefix("---\n")


def safe_load(text: str) -> Any:
    """The first document of `text`, or None when it is not YAML (the caller reports it with a line)."""
    try:
        return next(iter(yaml.safe_load_all(text)), None)
    except yaml.YAMLError:
        return None

