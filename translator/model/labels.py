"""Kubernetes label key and value syntax (apimachinery validation.IsQualifiedName / IsValidLabelValue)."""

from __future__ import annotations

import re

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
"""The label Kubernetes (1.21+) sets on every namespace to its name."""

_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def label_key_error(key: str) -> str | None:
    """Why `key` is not a valid label key, or None when it is."""
    prefix, sep, name = key.rpartition("/")
    if sep and (not prefix or len(prefix) > 253 or not _DNS1123_SUBDOMAIN.match(prefix)):
        return f"label key {key!r}: prefix must be a DNS subdomain of at most 253 characters"
    if not name or len(name) > 63 or not _NAME.match(name):
        return (
            f"label key {key!r}: name part must be 1-63 characters of alphanumerics, '-', '_' or '.', "
            "starting and ending with an alphanumeric"
        )
    return None


def label_value_error(value: str) -> str | None:
    """Why `value` is not a valid label value, or None when it is."""
    if value == "":
        return None
    if len(value) > 63 or not _NAME.match(value):
        return (
            f"label value {value!r}: must be at most 63 characters of alphanumerics, '-', '_' or '.', "
            "starting and ending with an alphanumeric"
        )
    return None


def dns_label_error(name: str, what: str = "name") -> str | None:
    """Why `name` is not an RFC 1123 label (namespace names, service names), or None."""
    if len(name) > 63 or not _DNS1123_LABEL.match(name):
        return f"{what} {name!r}: must be a lowercase RFC 1123 label (a-z, 0-9, '-'; at most 63 characters)"
    return None


def dns_subdomain_error(name: str, what: str = "name") -> str | None:
    """Why `name` is not an RFC 1123 subdomain (object names), or None."""
    if len(name) > 253 or not _DNS1123_SUBDOMAIN.match(name):
        return f"{what} {name!r}: must be a lowercase RFC 1123 subdomain (a-z, 0-9, '-', '.'; at most 253 characters)"
    return None
