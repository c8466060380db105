"""Calico's selector language: tokenizer, parser (precedence, errors with columns), printer, evaluation, and the
exact conversions to and from Kubernetes label selectors (Calico's own converter cases included)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backends.calico.selector import (
    All,
    And,
    Compare,
    Global,
    Has,
    InSet,
    Node,
    NoLabelSelector,
    Not,
    Or,
    SelectorError,
    from_label_selector,
    parse,
    render,
    to_label_selector,
    to_label_selectors,
    tokenize,
)
from tests.shared import corpus, load_json
from translator.model import LabelSelector

# -- parsing ---------------------------------------------------------------------------------------------------


def test_empty_selector_is_all() -> None:
    assert parse("") == All()
    assert parse("  \t") == All()


@pytest.mark.parametrize(("text", "expected"), [
    ("a == 'x'", Compare("a", "==", "x")),
    ('a != "x"', Compare("a", "!=", "x")),
    ("has(a/b.c-d_e)", Has("a/b.c-d_e")),
    ("!has(a)", Not(Has("a"))),
    ("a in {'y', 'x', 'x'}", InSet("a", ("x", "y"))),
    ("a not in {}", InSet("a", (), negated=True)),
    ("a in {'x',}", InSet("a", ("x",))),
    ("k contains 'q'", Compare("k", "contains", "q")),
    ("k starts  with 'q'", Compare("k", "starts with", "q")),
    ("k ends with 'q'", Compare("k", "ends with", "q")),
    ("all()", All()),
    ("global( )", Global()),
    ("!!a == 'x'", Compare("a", "==", "x")),
])
def test_atoms(text: str, expected: Node) -> None:
    assert parse(text) == expected


def test_precedence_and_binds_tighter_than_or_and_not_binds_to_one_operation() -> None:
    a, b, c = (Compare(k, "==", "1") for k in "abc")
    assert parse("a == '1' || b == '1' && c == '1'") == Or((a, And((b, c))))
    assert parse("(a == '1' || b == '1') && c == '1'") == And((Or((a, b)), c))
    assert parse("!a == '1' && b == '1'") == And((Not(a), b))
    assert parse("!(a == '1' && b == '1')") == Not(And((a, b)))
    assert parse("a == '1' && (b == '1' && c == '1')") == And((a, b, c))  # flattened: same meaning


@pytest.mark.parametrize(("text", "column", "fragment"), [
    ("a ==", 5, "quoted string"),
    ("a = 'b'", 3, "=="),
    ("(a == 'b'", 10, "')'"),
    ("a == 'b", 6, "unterminated"),
    ("a == 'b' b == 'c'", 10, "after a complete selector"),
    ("a & b", 3, "&&"),
    ("a foo 'b'", 3, "operator"),
    ("has(", 5, "label name"),
    ("a == 'b' && ", 13, "expected a label"),
    ("#", 1, "unexpected character"),
])
def test_errors_point_at_the_column(text: str, column: int, fragment: str) -> None:
    with pytest.raises(SelectorError) as info:
        parse(text)
    assert info.value.column == column
    assert fragment in info.value.message
    assert f"(column {column})" in str(info.value)


def test_only_spaces_and_tabs_separate_tokens() -> None:
    assert [t.kind for t in tokenize("a == 'b'")] == ["label", "==", "string", "eof"]
    with pytest.raises(SelectorError):
        parse("a == 'b'\n")


# -- evaluation ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "labels", "expected"), [
    ("a != 'x'", {}, True),  # != also matches endpoints without the label
    ("a not in {'x'}", {}, True),
    ("a == 'x'", {}, False),
    ("a in {'x'}", {"a": "y"}, False),
    ("a contains 'b'", {"a": "abc"}, True),
    ("a contains 'b'", {}, False),
    ("a starts with 'ab'", {"a": "abc"}, True),
    ("a ends with 'bc'", {"a": "abc"}, True),
    ("a ends with 'ab'", {"a": "abc"}, False),
    ("!has(a) || a == 'x'", {"a": "x"}, True),
    ("!has(a) || a == 'x'", {"a": "y"}, False),
    ("global()", {}, True),
])
def test_matches(text: str, labels: dict[str, str], expected: bool) -> None:
    assert parse(text).matches(labels) is expected


# -- printing --------------------------------------------------------------------------------------------------


def test_printer_uses_minimal_parentheses_and_readable_quotes() -> None:
    assert render(parse("a == \"x\" && (b == 'y' || c == 'z')")) == "a == 'x' && (b == 'y' || c == 'z')"
    assert render(parse("a == 'x' && b == 'y' || c == 'z'")) == "(a == 'x' && b == 'y') || c == 'z'"
    assert render(parse("a == \"it's\"")) == "a == \"it's\""
    assert render(parse("!(a == 'x' || !has(b))")) == "!(a == 'x' || !has(b))"


KEYS = st.sampled_from(["app", "tier", "k8s-app", "projectcalico.org/name", "a.b/c_d"])
VALUES = st.sampled_from(["web", "db", "x y", "it's", "", "v-1"])
ATOMS = st.one_of(
    st.builds(Has, KEYS),
    st.builds(Compare, KEYS, st.sampled_from(["==", "!=", "contains", "starts with", "ends with"]), VALUES),
    st.builds(InSet, KEYS, st.lists(VALUES, max_size=3).map(tuple), st.booleans()),
    st.just(All()),
    st.just(Global()),
)


def _normal(node: Node) -> Node:
    """What the parser produces for a tree: nested AND/OR flattened, double negation collapsed."""
    if isinstance(node, Not):
        inner = _normal(node.operand)
        return inner.operand if isinstance(inner, Not) else Not(inner)
    if isinstance(node, (And, Or)):
        flat: list[Node] = []
        for o in (_normal(o) for o in node.operands):
            flat.extend(o.operands if type(o) is type(node) else (o,))
        return type(node)(tuple(flat))
    return node


TREES = st.recursive(ATOMS, lambda kids: st.one_of(
    st.builds(Not, kids),
    st.builds(And, st.lists(kids, min_size=2, max_size=3).map(tuple)),
    st.builds(Or, st.lists(kids, min_size=2, max_size=3).map(tuple)),
), max_leaves=8).map(_normal)


@settings(max_examples=200, deadline=None)
@given(TREES)
def test_print_then_parse_round_trips(tree: Node) -> None:
    text = render(tree)
    assert parse(text) == tree
    assert render(parse(text)) == text


LABELS = st.dictionaries(st.sampled_from(["app", "tier", "k8s-app"]), st.sampled_from(["web", "db", "v-1"]),
                         max_size=3)


@settings(max_examples=200, deadline=None)
@given(TREES, st.lists(LABELS, min_size=1, max_size=6))
def test_label_selector_conversions_agree_with_calico_evaluation(tree: Node, endpoints: list[dict[str, str]]) -> None:
    """Where an expression has label-selector forms, they select exactly what Calico's evaluation selects."""
    try:
        selectors = to_label_selectors(tree)
    except NoLabelSelector:
        return
    for labels in endpoints:
        assert tree.matches(labels) == any(s.matches(labels) for s in selectors), (render(tree), labels)


SELECTORS = st.builds(
    lambda labels, exprs: LabelSelector.model_validate({"matchLabels": labels, "matchExpressions": exprs}),
    LABELS,
    st.lists(st.fixed_dictionaries({"key": st.sampled_from(["app", "tier", "zone"]),
                                    "operator": st.sampled_from(["In", "NotIn", "Exists", "DoesNotExist"]),
                                    "values": st.lists(st.sampled_from(["web", "db"]), min_size=1, max_size=2)})
             .map(lambda e: e if e["operator"] in ("In", "NotIn") else {**e, "values": []}), max_size=3),
)


@settings(max_examples=200, deadline=None)
@given(SELECTORS, st.lists(LABELS, min_size=1, max_size=6))
def test_k8s_selector_to_calico_and_back_is_exact(sel: LabelSelector, endpoints: list[dict[str, str]]) -> None:
    node = from_label_selector(sel)
    assert parse(render(node)) == node
    back = to_label_selector(node)
    for labels in endpoints:
        assert node.matches(labels) == sel.matches(labels) == back.matches(labels)


# -- conversions -----------------------------------------------------------------------------------------------


def test_or_of_equalities_on_one_key_is_in() -> None:
    assert to_label_selector(parse("a == 'x' || a in {'y'}")).matchExpressions[0].values == ("x", "y")


@pytest.mark.parametrize(("text", "construct"), [
    ("a == 'x' || b == 'y'", "'||'"),
    ("a contains 'x'", "'contains'"),
    ("a starts with 'x'", "'starts with'"),
    ("!(a == 'x' && b == 'y')", "'!(...)'"),
    ("a in {}", "matches nothing"),
    ("a == 'not a label value'", "label value"),
    ("!all()", "matches nothing"),
])
def test_no_single_label_selector_names_the_construct(text: str, construct: str) -> None:
    with pytest.raises(NoLabelSelector) as info:
        to_label_selector(parse(text))
    assert construct in str(info.value)


def test_or_across_keys_and_negated_compounds_split_into_several_selectors() -> None:
    sels = to_label_selectors(parse("!(a == 'x' && b == 'y')"))
    assert [str(s) for s in sels] == ["a notin (x)", "b notin (y)"]
    assert len(to_label_selectors(parse("(a == 'x' || b == 'y') && (c == 'z' || d == 'w')"))) == 4


def _strip_orchestrator(expr: str) -> str:
    return expr.replace("projectcalico.org/orchestrator == 'k8s' && ", "").replace(
        "projectcalico.org/orchestrator == 'k8s'", "")


def test_calico_converter_cases_mean_the_same() -> None:
    """Calico's k8sSelectorToCalico cases: our conversion selects what Calico's expected string selects."""
    data = load_json(corpus("calico-k8s-conversion", "k8s_selector_to_calico_selector.json"))
    endpoints = [{}, {"toast": "butter"}, {"toast": "jam"}, {"toast": "marmite"}, {"toast": "milk"}, {"x": "y"}]
    for case in data["cases"]:
        raw = case["input_label_selector"]
        expected = parse(_strip_orchestrator(case["expected_calico_selector"]))
        if raw is None:
            continue  # nil selectors: no selector field at all (same namespace / every pod)
        ours = from_label_selector(LabelSelector.model_validate(raw))
        if case["selector_type"] == "SelectorNamespace" and not raw:
            assert case["expected_calico_selector"] == "all()" and ours == All()
        for labels in endpoints:
            assert ours.matches(labels) == expected.matches(labels), (case["it"], labels)
