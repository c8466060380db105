"""Stable diagnostic codes. Never renumber: users filter on them and CI pins them."""

from __future__ import annotations

# Input (exit 2)
YAML_SYNTAX = "NPX001"
INVALID_FIELD = "NPX002"
UNKNOWN_KIND = "NPX003"
INVALID_VALUE = "NPX004"
UNREADABLE = "NPX005"
UNKNOWN_ENGINE = "NPX006"
DUPLICATE_OBJECT = "NPX007"
IGNORED_OBJECT = "NPX008"
MISSING_NAMESPACE = "NPX009"

# Translation (exit 1 when an error)
NOT_EXPRESSIBLE = "NPX100"
ENGINE_TOO_OLD = "NPX101"
UNENFORCED = "NPX102"
LOWERED = "NPX103"
CHANGED = "NPX104"
NEEDS_ADDON = "NPX105"
IMPORT_UNSUPPORTED = "NPX110"
IMPORT_NOTE = "NPX111"
VERIFY_MISMATCH = "NPX120"

# Engine caveats and platform facts
RETIREMENT = "NPX200"
ENGINE_CAVEAT = "NPX201"

CODES: dict[str, str] = {
    YAML_SYNTAX: "The input is not valid YAML or JSON.",
    INVALID_FIELD: "A field is missing, unknown or of the wrong type.",
    UNKNOWN_KIND: "The document's apiVersion/kind is not one netpolx reads.",
    INVALID_VALUE: "A value is malformed (CIDR, port, label, name).",
    UNREADABLE: "A file or directory cannot be read.",
    UNKNOWN_ENGINE: "The engine name or version is not known.",
    DUPLICATE_OBJECT: "Two inputs define the same object.",
    IGNORED_OBJECT: "A document was skipped (not a policy).",
    MISSING_NAMESPACE: "A namespaced object has no metadata.namespace.",
    NOT_EXPRESSIBLE: "The target engine cannot express a feature without changing what traffic is allowed.",
    ENGINE_TOO_OLD: "The feature needs a newer engine version.",
    UNENFORCED: "The platform accepts the object but does not enforce it (or skips the whole policy).",
    LOWERED: "The feature was rewritten into an exactly equivalent form.",
    CHANGED: "The translation changes what traffic is allowed, as announced here.",
    NEEDS_ADDON: "The feature needs a platform add-on or option (e.g. AKS ACNS).",
    IMPORT_UNSUPPORTED: "A native field has no equivalent in the intent model; import refused.",
    IMPORT_NOTE: "A native field was imported with a caveat.",
    VERIFY_MISMATCH: "Verification found connections whose verdict changed.",
    RETIREMENT: "The engine is retiring.",
    ENGINE_CAVEAT: "A known engine behaviour that can surprise.",
}
