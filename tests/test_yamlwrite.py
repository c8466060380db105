"""translator/load/yamlwrite.py writes the same text as PyYAML's dumper, or leaves the document to it.

Random data (keys and strings chosen to hit every rule: numbers, booleans, nulls and dates as strings, colons,
indicators, spaces, long keys, non-ASCII), every YAML file the golden tests and samples hold, and every engine's
translation of the benchmark policies, where the direct writer must also be the one used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.shared import CORPUS, ROOT
from tests.test_benchmarks import load as load_benchmark
from translator.load.source import _is_plain_str, _pyyaml_dump, dump_yaml
from translator.load.yamlwrite import Writer
from translator.registry import all_backends

_WORDS = ["a", "spec", "k8s:app", "app.kubernetes.io/name", "10.0.0.0/16", "80", "0x1F", "1.5", "1e3", "1_000",
          "true", "True", "yes", "no", "on", "off", "y", "n", "null", "Null", "~", "", "2001-12-14", "12:30:00",
          ".inf", ".NaN", "-1", "+1", "0o17", "010", "a:", ":a", "a:b:c", "a: b", "a #b", "a#b", "-a", "- a",
          "@a", "`a", "'a'", '"a"', "a'b", "{a}", "[a]", "*a", "&a", "!a", "%a", "|", ">", "?", "a b", " a", "a ",
          "é", "a\nb", "x" * 127, "x" * 128, "x" * 200, "a_b", "A-Z.z", "=", "<<", "a, b", "{a: b}", "a [b] {c}",
          "app == 'web' && has(tier)", "!has(x)", "all()", "2001-12-14 21:59:43.10 -5", "a:  b", "a  b", "a\tb",
          "- ", "? x", ":x y", "word " * 30 + "end", "w " * 50 + "end", "x" * 90 + " y", "x" * 100 + " y z",
          "# c", "a #c", "a# c", "---x", "...", "'q' r", "q 'r'"]
_TEXT = st.one_of(st.sampled_from(_WORDS), st.text(max_size=10),
                  st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_./:-]{0,20}", fullmatch=True))
_SCALARS = st.one_of(_TEXT, st.integers(-(10**12), 10**12), st.booleans(), st.none())
_DATA = st.recursive(_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(_TEXT, inner, max_size=4)), max_leaves=30)


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.one_of(st.dictionaries(_TEXT, _DATA, max_size=5), _DATA), min_size=1, max_size=3))
def test_random_documents_match_pyyaml(objects: list[Any]) -> None:
    assert dump_yaml(objects) == _pyyaml_dump(objects)


def _yaml_files() -> list[Path]:
    roots = [ROOT / "samples", ROOT / "tests" / "golden", ROOT / "tests" / "data", CORPUS]
    return sorted(p for root in roots if root.exists() for p in root.rglob("*.y*ml"))


def test_every_sample_and_golden_file_rewrites_as_pyyaml_would() -> None:
    checked = 0
    for path in _yaml_files():
        try:
            objects = [o for o in yaml.safe_load_all(path.read_text(encoding="utf-8")) if o is not None]
        except (yaml.YAMLError, UnicodeDecodeError):
            continue  # deliberately broken inputs
        assert dump_yaml(objects) == _pyyaml_dump(objects), path
        checked += len(objects)
    assert checked > 150, checked


@pytest.mark.parametrize("engine", list(all_backends()))
def test_translations_are_written_directly_and_alike(engine: str) -> None:
    translate = load_benchmark("translate")
    output = translate.translate(translate.policies_text(200), engine)
    objects = list(yaml.safe_load_all(output))
    assert objects and output == _pyyaml_dump(objects)
    writer = Writer(_is_plain_str)
    direct = sum(writer.document(o) is not None for o in objects)
    assert direct / len(objects) > 0.95, f"{engine}: only {direct} of {len(objects)} written directly"
