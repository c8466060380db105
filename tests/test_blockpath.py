"""translator/load/blockpath.py against composition: the same (line, column) for every path, or None.

Every node of every document of the samples, the test data and the shared corpus (and paths just past them: a
missing key, an index past the end, a step below a scalar), then documents PyYAML writes from random data in
random styles, and hand-written shapes the text reader must refuse.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.shared import CORPUS, ROOT
from tests.test_benchmarks import load as load_benchmark
from translator.load.blockpath import Outline
from translator.load.source import SourceFile, _PositionLoader, child_node, key_node

Path_ = tuple[str | int, ...]


def composed(text: str | yaml.Node, path: Path_) -> tuple[int, int] | None:
    """What SourceFile.locate finds by composing (0-based line and column), in a text or its composed node."""
    node = yaml.compose(text, Loader=_PositionLoader) if isinstance(text, str) else text
    if node is None:
        return None
    best = node.start_mark
    for part in path:
        child = child_node(node, part)
        if child is None:
            break
        best = (key_node(node, part) or child).start_mark
        node = child
    return best.line, best.column


def paths(node: yaml.Node, prefix: Path_ = ()) -> Iterator[Path_]:
    """Every node's path, and one missing step below each."""
    yield prefix
    if isinstance(node, yaml.MappingNode):
        yield (*prefix, "no-such-key")
        yield (*prefix, 0)
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                yield from paths(value, (*prefix, key.value))
    elif isinstance(node, yaml.SequenceNode):
        yield (*prefix, len(node.value))
        yield (*prefix, "key")
        for i, item in enumerate(node.value):
            yield from paths(item, (*prefix, i))
    else:
        yield (*prefix, "below-a-scalar")
        yield (*prefix, 0)


def check_document(text: str) -> bool:
    """Compare on every path of one document; whether the outline read it (False: it left it to composing)."""
    outline = Outline.of(text)
    try:
        node = yaml.compose(text, Loader=_PositionLoader)
    except yaml.YAMLError:
        return False
    if outline is None or node is None:
        return False
    for path in paths(node):
        fast = outline.locate(path)
        if fast is not None:
            assert fast == composed(node, path), (path, text[:400])
    return True


def documents(path: Path) -> list[str]:
    source = SourceFile(path.name, path.read_text(encoding="utf-8", errors="replace"))
    return [source.text[start:end] for start, end, _ in source._document_spans()]


FILES = sorted({*(ROOT / "samples").rglob("*.yaml"), *(ROOT / "tests" / "data").rglob("*.yaml"),
                *(CORPUS.rglob("*.yaml") if CORPUS.exists() else ())})


def test_every_node_of_every_file_matches_composition() -> None:
    read = total = 0
    for path in FILES:
        for text in documents(path):
            total += 1
            read += check_document(text)
    assert total > 300, total
    assert read / total > 0.85, f"the outline read only {read} of {total} documents"


def test_windows_line_ends_and_comments() -> None:
    text = "---\r\n# c\r\napiVersion: v1 # note\r\nspec:\r\n  ingress:\r\n  - from:\r\n    - ipBlock: {}\r\n"
    outline = Outline.of(text)
    assert outline is not None
    assert outline.locate(("spec", "ingress", 0, "from")) == composed(text, ("spec", "ingress", 0, "from")) == (5, 4)


@pytest.mark.parametrize("text", [
    "a: &x 1\nb: *x\n",                     # anchors and aliases
    "a: {b: 1}\n",                          # flow collections
    "a: [1, 2]\n",
    "a: |\n  text\n",                       # block scalars
    "a: !!str 1\n",                         # tags
    '"a\\u0062": 1\n',                       # a quoted key with an escape
    "'a' : 1\n",                            # a space before the key's colon
    "? a\n: 1\n",                           # complex keys
    "a: \"one\n  two\"\nb: 1\n",            # a quoted scalar over two lines
    "a:\n\tb: 1\n",                         # tabs
    "<<: {a: 1}\n",                         # merge keys
    "a: 1\n---\nb: 2\n",                    # two documents
    "--- a: 1\n",                           # content after the marker
])
def test_shapes_left_to_composing(text: str) -> None:
    assert Outline.of(text) is None


def test_quoted_keys() -> None:
    text = 'spec:\n  "k8s:app": web\n  \'x y\': [1, 2]\n'
    outline = Outline.of(text)
    assert outline is None  # the flow sequence
    text = 'spec:\n  "k8s:app": web\n  \'x y\': []\n'
    outline = Outline.of(text)
    assert outline is not None
    for path in (("spec", "k8s:app"), ("spec", "x y"), ("spec", "x y", 0)):
        assert outline.locate(path) == composed(text, path)


def test_empty_values_are_left_to_composing() -> None:
    text = "a:\nb:\n  - \n  -\n"
    outline = Outline.of(text)
    assert outline is not None
    assert outline.locate(("a",)) is None
    assert outline.locate(("b", 0)) is None


_KEYS = st.sampled_from(["a", "spec", "from", "x:y", "k8s:app", "a b", "-", "80", "true", "", "#c", "a #b",
                         "é", "-x", "'q'", '"d"', "key: v", "[x]", "*", "&a", "? q", "x  "])
_SCALARS = st.one_of(st.integers(-10, 10), st.booleans(), st.none(), st.text(max_size=12),
                     st.sampled_from(["a: b", "- x", "#", "'", '"', "x\ny", "  lead", "trail ", "{}", "[]", "|"]))
_DATA = st.recursive(_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(_KEYS, inner, max_size=4)), max_leaves=25)


def test_policies_as_kubectl_and_pyyaml_write_them_are_read() -> None:
    rng = random.Random(3)
    make_policy = load_benchmark("translate").make_policy
    for i in range(50):
        text = yaml.safe_dump(make_policy(i, rng), sort_keys=False, explicit_start=bool(i % 2))
        assert check_document(text), text


@settings(max_examples=400, deadline=None)
@given(data=st.dictionaries(_KEYS, _DATA, min_size=1, max_size=5), indent=st.sampled_from([2, 3, 4]),
       width=st.sampled_from([20, 80]), start=st.booleans())
def test_random_documents_pyyaml_writes(data: dict[str, Any], indent: int, width: int, start: bool) -> None:
    text = yaml.safe_dump(data, default_flow_style=False, indent=indent, width=width, explicit_start=start,
                          allow_unicode=True, sort_keys=False)
    check_document(text)
