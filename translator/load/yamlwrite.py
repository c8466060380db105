"""YAML text for plain data, written directly: the same text PyYAML's dumper writes, without its nodes and events.

netpolx writes Kubernetes objects: mappings, lists, short strings (names, labels, CIDRs, ports, selectors),
integers and booleans. For a document made only of those, the text PyYAML writes in block style (keys in the
order given, explicit `---`, indentless lists under keys, `{}` and `[]` for empty collections) is fixed by a few
rules, and writing it directly costs a fraction of building nodes and events: the Cilium translation of 10,000
NetworkPolicies is written in a quarter of the time (1.55 s -> 0.38 s CPU).

A string is written plain where libyaml would (plain_allowed) and PyYAML's resolver reads it back as a string;
single-quoted ('80', 'true') where it would read as something else. Anything else (non-ASCII, line breaks, leading
or trailing spaces, a line past the width with a space to fold at, long keys, floats, other types) makes `document`
return None, and the caller dumps that document with PyYAML. tests/test_yamlwrite.py compares the two on random
data, on every YAML file of the samples, golden tests and corpus, and on every engine's translations.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

SIMPLE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_./-]*(?::[A-Za-z0-9_./-]+)*")
"""Strings plain as they are (the common case, checked by one match): letters, digits and `_./-`, and `:` between
them (`k8s:app`)."""

_FIRST = frozenset("#,[]{}&*!|>'\"%@`")
"""Indicators that cannot start a plain scalar."""

WIDTH = 120
"""The line width netpolx dumps with: a plain or single-quoted scalar with spaces going past it is folded, which
this writer leaves to PyYAML."""

MAX_KEY = 120
"""PyYAML writes keys of 128 characters or more as complex keys (`? key`); well below that, keys are plain."""


def plain_allowed(text: str) -> bool:
    """Whether libyaml may write `text` as a plain scalar in block context (its analysis of the scalar, for
    printable ASCII on one line; other text is left to PyYAML)."""
    if SIMPLE.fullmatch(text):
        return True
    if not text or not text.isascii() or not text.isprintable() or text.startswith(("---", "...")):
        return False
    first = text[0]
    if first in _FIRST or (first in "?:-" and (len(text) == 1 or text[1] == " ")):
        return False
    if first == " " or text[-1] == " " or "  " in text:
        return False
    return not (": " in text or text.endswith(":") or " #" in text)


class _Unsimple(Exception):
    """A value this writer leaves to PyYAML."""


class Writer:
    """Writes documents; `is_str(text)` says whether PyYAML's resolver reads a plain scalar `text` as a string."""

    def __init__(self, is_str: Callable[[str], bool]) -> None:
        self._is_str = is_str
        self._scalars: dict[str, str] = {}

    def _scalar(self, text: str, column: int) -> str:
        """`text` as a scalar starting at `column`: plain, or single-quoted where plain would read as another
        type; _Unsimple where PyYAML would choose otherwise or fold the line."""
        out = self._scalars.get(text)
        if out is None:
            if not plain_allowed(text):
                if text != "":
                    raise _Unsimple
                out = "''"
            else:
                out = text if self._is_str(text) else "'" + text.replace("'", "''") + "'"
            if len(self._scalars) < 100_000:
                self._scalars[text] = out
        if column and column + len(out) > WIDTH and " " in out:
            raise _Unsimple
        return out

    def _value(self, value: Any, column: int) -> str:
        kind = type(value)
        if kind is str:
            return self._scalar(value, column)
        if kind is bool:
            return "true" if value else "false"
        if kind is int:
            return str(value)
        if value is None:
            return "null"
        raise _Unsimple

    def _key(self, key: Any) -> str:
        if type(key) is not str or len(key) >= MAX_KEY:
            raise _Unsimple
        return self._scalar(key, 0)  # keys are never folded

    def _inline(self, value: Any, column: int) -> str | None:
        """The text of a value that stays on its key's or dash's line (a scalar, `{}`, `[]`), starting at `column`;
        None for a non-empty collection, which goes on the next lines."""
        kind = type(value)
        if kind is dict or kind is list:
            return None if value else ("{}" if kind is dict else "[]")
        return self._value(value, column)

    def _mapping(self, data: dict[Any, Any], indent: str, out: list[str], first: str) -> None:
        """Lines of a non-empty mapping whose keys start at `indent`; the first line starts with `first` (the
        sequence dash it follows, or the indent)."""
        lead = first
        for key, value in data.items():
            head = lead + self._key(key) + ":"
            lead = indent
            text = self._inline(value, len(head) + 1)
            if text is not None:
                out.append(head + " " + text + "\n")
                continue
            out.append(head + "\n")
            if type(value) is dict:
                self._mapping(value, indent + "  ", out, indent + "  ")
            else:
                self._sequence(value, indent, out, indent)  # a list under a key is not indented

    def _sequence(self, data: list[Any], indent: str, out: list[str], first: str) -> None:
        """Lines of a non-empty list whose dashes are at `indent`; the first line starts with `first`."""
        lead = first
        for item in data:
            text = self._inline(item, len(lead) + 2)
            if text is not None:
                out.append(lead + "- " + text + "\n")
            elif type(item) is dict:
                self._mapping(item, indent + "  ", out, lead + "- ")
            else:
                self._sequence(item, indent + "  ", out, lead + "- ")
            lead = indent

    def document(self, data: Any) -> str | None:
        """`---` and the document, as PyYAML writes it; None when this writer leaves it to PyYAML."""
        if type(data) is not dict or not data:
            return None
        out = ["---\n"]
        try:
            self._mapping(data, "", out, "")
        except _Unsimple:
            return None
        return "".join(out)
