"""Escaping user strings (file names, object and pod names, FQDNs, label values, messages that quote them) for the
format they land in, so that no input can add a line, a tag, a link or a script to netpolx's output.

- `text`: one diagnostic line (control characters, line and paragraph separators, and bidi overrides shown as
  escapes, so a name cannot start a forged `FILE:LINE: error ...` line or reorder what a terminal shows).
- `markdown` / `md_code`: Markdown text and code spans (HTML is escaped, so raw HTML never renders; Markdown
  punctuation is backslash-escaped; lines are joined).
- `mermaid`: text inside a double-quoted Mermaid label (everything outside a small safe set as `#NNN;` codes).
- `mermaid_comment`: the rest of a `%%` comment line.
- `dot`: a double-quoted Graphviz string.
"""

from __future__ import annotations

import html
import re
import unicodedata

_UNSAFE_TEXT = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _code(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    n = ord(ch)
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}"


def text(value: object) -> str:
    """One line of plain text: control and invisible direction characters as backslash escapes (tab kept)."""
    return _UNSAFE_TEXT.sub(lambda m: _code(m.group()), str(value))


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_MD_LEADING = re.compile(r"^(\s*)([#+>-])")


def markdown(value: object) -> str:
    """Markdown inline text: HTML escaped (no raw HTML renders), emphasis, code, link and table punctuation
    escaped, a leading block marker escaped, and joined into one line."""
    flat = re.sub(r"[\r\n\u2028\u2029\x85]+", " ", str(value))
    escaped = _MD_SPECIAL.sub(r"\\\1", html.escape(text(flat), quote=False))
    return _MD_LEADING.sub(r"\1\\\2", escaped)


def md_code(value: object, table: bool = False) -> str:
    """A Markdown code span showing `value` literally (a fence longer than any backtick run inside it); in a
    table cell (`table`) pipes are escaped too, as GFM tables need."""
    flat = text(re.sub(r"[\r\n\u2028\u2029\x85]+", " ", str(value)))
    if table:
        flat = flat.replace("|", "\\|")
    longest = max((len(m) for m in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") or not flat.strip() else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def markdown_with_code(value: object, table: bool = False) -> str:
    """Markdown text whose paired backticks mark code spans (as netpolx writes its own messages): each code span
    is rendered with `md_code`, the rest with `markdown`. Unpaired backticks are escaped."""
    parts = str(value).split("`")
    if len(parts) % 2 == 0:
        return markdown(value)
    return "".join(md_code(p, table) if i % 2 else markdown(p) for i, p in enumerate(parts))


_MERMAID_SAFE = re.compile(r"[A-Za-z0-9 .,:/=_*@+()-]")


def mermaid(value: object) -> str:
    """Text inside a double-quoted Mermaid label: anything outside a small safe set as a `#NNN;` entity code."""
    return "".join(ch if _MERMAID_SAFE.fullmatch(ch) else f"#{ord(ch)};" for ch in str(value))


def mermaid_comment(value: object) -> str:
    """The text of a `%%` comment: one line."""
    return re.sub(r"\s+", " ", "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in str(value)))


def dot(value: object) -> str:
    """A double-quoted Graphviz string: quotes and backslashes escaped, newlines as DOT line breaks, other control
    characters dropped."""
    out = re.sub(r"\r\n|[\r\u2028\u2029\x85]", "\n", str(value).replace("\\", "\\\\").replace('"', '\\"'))
    out = "".join(ch for ch in out if ch == "\n" or unicodedata.category(ch) != "Cc")
    return '"' + out.replace("\n", "\\n") + '"'
