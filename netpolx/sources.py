"""What the API accepts as policies: YAML/JSON text, a path (file or directory), parsed objects, or policies
already loaded."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

from translator.diagnostics import Diagnostics
from translator.load.source import Document, documents, documents_from_text

Source: TypeAlias = "str | os.PathLike[str] | Mapping[str, Any] | Sequence[Mapping[str, Any]]"
"""Policies as YAML or JSON text (`str`), a file or directory (`pathlib.Path`; directories are read recursively),
one parsed object (`dict`) or a list of them."""


def read_documents(source: Any, diags: Diagnostics, name: str = "<string>") -> list[Document]:
    """The documents of `source` (see `Source`); problems become diagnostics."""
    if isinstance(source, os.PathLike):
        return documents([os.fspath(source)], diags, recursive=True)
    if isinstance(source, str):
        return documents_from_text(source, name, diags)
    if isinstance(source, bytes):
        return documents_from_text(source.decode("utf-8"), name, diags)
    if isinstance(source, Mapping):
        source = [source]
    if isinstance(source, Sequence):
        # Serialised as JSON so that locations (line = list item) stay meaningful in diagnostics.
        text = json.dumps(list(source), indent=1, default=str)
        return documents_from_text(text, name if name != "<string>" else "<objects>", diags)
    raise TypeError(f"netpolx: cannot read policies from {type(source).__name__} (expected text, a path, "
                    "a dict or a list of dicts)")
