"""The direct YAML paths (translator/load/yamlcore.py's constructor, translator/load/source.py's representer)
give exactly what PyYAML's generic constructor and representer give: same data, same text, same errors."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from translator.load.source import SafeDumper, dump_yaml
from translator.load.yamlcore import CoreLoader, load_all


class GenericLoader(CoreLoader):
    """CoreLoader with the direct constructor switched off."""

    def _direct(self, node: yaml.Node) -> Any:
        raise ValueError("generic path")


class GenericDumper(SafeDumper):
    """PyYAML's safe dumper without aliases (what dump_yaml was before the direct representer)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def generic_dump(objects: list[Any]) -> str:
    return yaml.dump_all(objects, Dumper=GenericDumper, sort_keys=False, default_flow_style=False,
                         explicit_start=True, width=120, allow_unicode=True)


def typed(value: Any) -> Any:
    """`value` with every scalar tagged by its type (1, 1.0 and True compare equal in Python)."""
    if isinstance(value, dict):
        return [("map", typed(k), typed(v)) for k, v in value.items()]
    if isinstance(value, list):
        return ["seq", *(typed(v) for v in value)]
    return (type(value).__name__, repr(value))


scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12),
                    st.sampled_from(["yes", "010", "0x1F", "1e3", "null", "~", "20:21", "true", "-", "- a", "'q'",
                                     "a: b", "#c", "", " x", "2024-01-01", "<<", "0o17", ".5"]))
data = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.one_of(st.text(max_size=8), st.integers(0, 9)), inner,
                                                 max_size=4)), max_leaves=20)


@settings(max_examples=150, deadline=None)
@given(st.lists(data, min_size=1, max_size=3))
def test_dump_and_load_match_the_generic_paths(objects: list[Any]) -> None:
    text = dump_yaml(objects)
    assert text == generic_dump(objects)
    assert typed(load_all(text)) == typed([d for d in yaml.load_all(text, Loader=GenericLoader) if d is not None])


@pytest.mark.parametrize("text", [
    "a: &x {b: 1}\nc: *x\n",                       # aliases: shared objects, generic path
    "base: &b {x: 1}\nd:\n  <<: *b\n  y: 2\n",     # merge key
    "1: a\ntrue: b\n",                              # keys equal in Python
    "a: !!str 010\nb: !!float 1\nc: !!int '7'\n",   # explicit tags
    "- [1, 2.5, null, false, '3']\n- {}\n- []\n",
])
def test_load_matches_generic_on_unusual_documents(text: str) -> None:
    assert typed(load_all(text)) == typed([d for d in yaml.load_all(text, Loader=GenericLoader) if d is not None])


@pytest.mark.parametrize("text", ["a: 1\na: 2\n", "a: !!float x\n", "a: !!int x\n", "a: !!binary aGk=\n",
                                  "a: .nan\n", "a: 99999999999999999999999\n"])
def test_load_errors_are_the_generic_ones(text: str) -> None:
    with pytest.raises(yaml.YAMLError) as fast:
        load_all(text)
    with pytest.raises(yaml.YAMLError) as generic:
        list(yaml.load_all(text, Loader=GenericLoader))
    assert str(fast.value) == str(generic.value)
