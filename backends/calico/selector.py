"""Calico's selector language: tokenizer, recursive-descent parser, AST with `matches`, printer, and exact
conversions to and from Kubernetes label selectors.

Grammar and meaning follow projectcalico/calico libcalico-go/lib/selector (tokenizer/tokenizer.go,
parser/parser.go, parser/ast.go):

    or      := and ('||' and)*
    and     := op ('&&' op)*
    op      := '!'* ( 'has(' LABEL ')' | 'all()' | 'global()' | '(' or ')'
                    | LABEL ('==' | '!=' | 'contains' | 'starts with' | 'ends with') STRING
                    | LABEL ('in' | 'not in') '{' [STRING (',' STRING)*] '}' )

`!` binds to one operation, `&&` binds tighter than `||`. `!=` and `not in` are also true when the label is
absent; `==`, `in`, `contains`, `starts with`, `ends with` are false then. The empty selector means `all()`.
Strings are '...' or "..." without escapes; only spaces and tabs separate tokens. The parser flattens nested
`&&`/`||` and collapses `!!`, which Calico's evaluation treats the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from translator.model import LabelSelector, Operator, Requirement
from translator.model.labels import label_key_error, label_value_error

MAX_LENGTH = 1024
MAX_NESTING = 32
"""Deepest parenthesis nesting accepted (the parser is recursive; real selectors nest a few levels)."""
_WHITESPACE = " \t"
_IDENT = re.compile(r"[a-zA-Z0-9_./-]+")


class SelectorError(ValueError):
    """A selector that cannot be parsed or converted; `column` is 1-based within the selector text."""

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.column = column

    def __str__(self) -> str:
        return f"{self.message} (column {self.column})" if self.column is not None else self.message


# -- AST -----------------------------------------------------------------------------------------------------


class Node:
    """A selector expression."""

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether an endpoint with `labels` is selected (Calico's evaluation)."""
        raise NotImplementedError

    def __str__(self) -> str:
        return render(self)


@dataclass(frozen=True)
class All(Node):
    """`all()`: every endpoint."""

    def matches(self, labels: Mapping[str, str]) -> bool:
        return True


@dataclass(frozen=True)
class Global(Node):
    """`global()`: in a namespaceSelector, endpoints that are not in a namespace; true in evaluation."""

    def matches(self, labels: Mapping[str, str]) -> bool:
        return True


@dataclass(frozen=True)
class Has(Node):
    """`has(key)`."""

    key: str

    def matches(self, labels: Mapping[str, str]) -> bool:
        return self.key in labels


@dataclass(frozen=True)
class Compare(Node):
    """`key OP 'value'` for ==, !=, contains, starts with, ends with."""

    key: str
    op: str
    value: str

    def matches(self, labels: Mapping[str, str]) -> bool:
        if self.key not in labels:
            return self.op == "!="
        got = labels[self.key]
        return {"==": got == self.value, "!=": got != self.value, "contains": self.value in got,
                "starts with": got.startswith(self.value), "ends with": got.endswith(self.value)}[self.op]


@dataclass(frozen=True)
class InSet(Node):
    """`key in {...}` or, with `negated`, `key not in {...}` (also true when the label is absent)."""

    key: str
    values: tuple[str, ...]
    negated: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", tuple(sorted(set(self.values))))

    def matches(self, labels: Mapping[str, str]) -> bool:
        if self.key not in labels:
            return self.negated
        return (labels[self.key] in self.values) != self.negated


@dataclass(frozen=True)
class Not(Node):
    """`!operand`."""

    operand: Node

    def matches(self, labels: Mapping[str, str]) -> bool:
        return not self.operand.matches(labels)


@dataclass(frozen=True)
class And(Node):
    """`a && b && ...` (two or more operands, none an And)."""

    operands: tuple[Node, ...]

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(o.matches(labels) for o in self.operands)


@dataclass(frozen=True)
class Or(Node):
    """`a || b || ...` (two or more operands, none an Or)."""

    operands: tuple[Node, ...]

    def matches(self, labels: Mapping[str, str]) -> bool:
        return any(o.matches(labels) for o in self.operands)


COMPARE_OPS = ("==", "!=", "contains", "starts with", "ends with")


def conj(*nodes: Node) -> Node:
    """The AND of `nodes`, flattened; `all()` operands dropped; `all()` when nothing remains."""
    flat = _unique(part for n in nodes for part in (n.operands if isinstance(n, And) else (n,))
                   if not isinstance(part, All))
    return flat[0] if len(flat) == 1 else (And(tuple(flat)) if flat else All())


def disj(*nodes: Node) -> Node:
    """The OR of `nodes`, flattened (at least one node)."""
    flat = _unique(part for n in nodes for part in (n.operands if isinstance(n, Or) else (n,)))
    return flat[0] if len(flat) == 1 else Or(tuple(flat))


def _unique(nodes: Iterable[Node]) -> list[Node]:
    """`nodes` without repeats, in first-seen order (linear: a selector may have thousands of terms)."""
    return list(dict.fromkeys(nodes))


def negate(node: Node) -> Node:
    """`!node`, collapsing a double negation."""
    return node.operand if isinstance(node, Not) else Not(node)


# -- printer -------------------------------------------------------------------------------------------------


def _quote(value: str) -> str:
    if "'" not in value:
        return f"'{value}'"
    if '"' in value:
        raise SelectorError(f"value {value!r} contains both quote characters and cannot be written")
    return f'"{value}"'


def render(node: Node) -> str:
    """The canonical text of `node` (parses back to an equal node)."""
    if isinstance(node, All):
        return "all()"
    if isinstance(node, Global):
        return "global()"
    if isinstance(node, Has):
        return f"has({node.key})"
    if isinstance(node, Compare):
        return f"{node.key} {node.op} {_quote(node.value)}"
    if isinstance(node, InSet):
        op = "not in" if node.negated else "in"
        return f"{node.key} {op} {{{', '.join(_quote(v) for v in node.values)}}}"
    if isinstance(node, Not):
        inner = render(node.operand)
        return f"!({inner})" if isinstance(node.operand, (And, Or)) else f"!{inner}"
    if isinstance(node, And):
        return " && ".join(f"({render(o)})" if isinstance(o, Or) else render(o) for o in node.operands)
    if isinstance(node, Or):
        return " || ".join(f"({render(o)})" if isinstance(o, And) else render(o) for o in node.operands)
    raise TypeError(f"not a selector node: {node!r}")


# -- tokenizer -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    """One token: kind, value, 1-based column."""

    kind: str
    value: str
    column: int


_SIMPLE = {"(": "(", ")": ")", "{": "{", "}": "}", ",": ","}
_TWO = {"==": "==", "!=": "!=", "&&": "&&", "||": "||"}
_FUNCS = (("has(", "has"), ("all(", "all"), ("global(", "global"))


def _skip_ws(text: str, i: int) -> int:
    while i < len(text) and text[i] in _WHITESPACE:
        i += 1
    return i


def _label_operator(text: str, i: int) -> tuple[str, int]:
    """The keyword operator after a label (Calico only looks for these there)."""
    for word, kind in (("contains", "contains"),):
        if text.startswith(word, i):
            return kind, i + len(word)
    for first, kind in (("starts", "starts with"), ("ends", "ends with"), ("not", "not in")):
        if text.startswith(first, i):
            j = _skip_ws(text, i + len(first))
            second = kind.split()[1]
            if text.startswith(second, j):
                return kind, j + len(second)
            raise SelectorError(f"expected '{kind}'", j + 1)
    if text.startswith("in", i):
        return "in", i + 2
    raise SelectorError("expected an operator (==, !=, in, not in, contains, starts with, ends with) after the label",
                        i + 1)


def _function(text: str, i: int, word: str, kind: str) -> tuple[Token, int]:
    j = _skip_ws(text, i + len(word))
    if kind == "has":
        m = _IDENT.match(text, j)
        if not m:
            raise SelectorError("expected a label name in has(...)", j + 1)
        j = _skip_ws(text, m.end())
        if not text.startswith(")", j):
            raise SelectorError("expected ')' to close has(", j + 1)
        return Token("has", m.group(), i + 1), j + 1
    if not text.startswith(")", j):
        raise SelectorError(f"expected ')' after {word}", j + 1)
    return Token(kind, "", i + 1), j + 1


def tokenize(text: str) -> list[Token]:
    """The tokens of `text`, ending with an `eof` token."""
    tokens: list[Token] = []
    i = 0
    while True:
        i = _skip_ws(text, i)
        if i >= len(text):
            tokens.append(Token("eof", "", i + 1))
            return tokens
        ch, pair = text[i], text[i:i + 2]
        if ch in _SIMPLE:
            tokens.append(Token(_SIMPLE[ch], ch, i + 1))
            i += 1
        elif ch in "'\"":
            end = text.find(ch, i + 1)
            if end < 0:
                raise SelectorError("unterminated string", i + 1)
            tokens.append(Token("string", text[i + 1:end], i + 1))
            i = end + 1
        elif pair in _TWO:
            tokens.append(Token(_TWO[pair], pair, i + 1))
            i += 2
        elif ch == "!":
            tokens.append(Token("!", ch, i + 1))
            i += 1
        elif ch in "=&|":
            raise SelectorError(f"expected {ch * 2}", i + 1)
        elif tokens and tokens[-1].kind == "label":
            kind, j = _label_operator(text, i)
            tokens.append(Token(kind, text[i:j], i + 1))
            i = j
        else:
            tok, i = _word(text, i)
            tokens.append(tok)


def _word(text: str, i: int) -> tuple[Token, int]:
    for word, kind in _FUNCS:
        if text.startswith(word, i):
            return _function(text, i, word, kind)
    m = _IDENT.match(text, i)
    if not m:
        raise SelectorError(f"unexpected character {text[i]!r}", i + 1)
    return Token("label", m.group(), i + 1), m.end()


# -- parser --------------------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.depth = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def take(self, kind: str, what: str) -> Token:
        tok = self.tok
        if tok.kind != kind:
            got = "the end of the selector" if tok.kind == "eof" else repr(tok.value or tok.kind)
            raise SelectorError(f"expected {what}, found {got}", tok.column)
        self.pos += 1
        return tok

    def parse_or(self) -> Node:
        nodes = [self.parse_and()]
        while self.tok.kind == "||":
            self.pos += 1
            nodes.append(self.parse_and())
        return _flat(Or, nodes)

    def parse_and(self) -> Node:
        nodes = [self.parse_op()]
        while self.tok.kind == "&&":
            self.pos += 1
            nodes.append(self.parse_op())
        return _flat(And, nodes)

    def parse_op(self) -> Node:
        negated = False
        while self.tok.kind == "!":
            negated = not negated
            self.pos += 1
        node = self.parse_atom()
        return negate(node) if negated else node

    def parse_atom(self) -> Node:
        tok = self.tok
        if tok.kind in ("has", "all", "global"):
            self.pos += 1
            return Has(tok.value) if tok.kind == "has" else (All() if tok.kind == "all" else Global())
        if tok.kind == "(":
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise SelectorError(f"parentheses nested deeper than {MAX_NESTING} levels", tok.column)
            self.pos += 1
            node = self.parse_or()
            self.take(")", "')'")
            self.depth -= 1
            return node
        if tok.kind == "label":
            return self.parse_match()
        got = "the end of the selector" if tok.kind == "eof" else repr(tok.value)
        raise SelectorError(f"expected a label, has(), all(), global(), '!' or '(', found {got}", tok.column)

    def parse_match(self) -> Node:
        key = self.take("label", "a label").value
        op = self.tok
        if op.kind in COMPARE_OPS:
            self.pos += 1
            return Compare(key, op.kind, self.take("string", "a quoted string").value)
        if op.kind in ("in", "not in"):
            self.pos += 1
            self.take("{", "'{'")
            values: list[str] = []
            while self.tok.kind == "string":
                values.append(self.take("string", "a quoted string").value)
                if self.tok.kind != ",":
                    break
                self.pos += 1
            self.take("}", "'}' or a quoted string")
            return InSet(key, tuple(values), negated=op.kind == "not in")
        raise SelectorError(f"expected an operator after label {key!r}", op.column)


def _flat(kind: type[And] | type[Or], nodes: list[Node]) -> Node:
    """One node, or `kind` over the nodes with nested `kind` operands (from parentheses) spliced in."""
    flat: list[Node] = []
    for n in nodes:
        flat.extend(n.operands if isinstance(n, kind) else (n,))
    return flat[0] if len(flat) == 1 else kind(tuple(flat))


def parse(text: str) -> Node:
    """Parse a Calico selector; the empty selector is `all()`. Raises SelectorError with the column."""
    if len(text) > MAX_LENGTH:
        raise SelectorError(f"selector is longer than {MAX_LENGTH} characters", MAX_LENGTH + 1)
    tokens = tokenize(text)
    if tokens[0].kind == "eof":
        return All()
    parser = _Parser(tokens)
    node = parser.parse_or()
    if parser.tok.kind != "eof":
        raise SelectorError(f"unexpected {parser.tok.value!r} after a complete selector", parser.tok.column)
    return node


# -- conversions -------------------------------------------------------------------------------------------


def from_requirement(req: Requirement) -> Node:
    """One matchExpressions term as Calico (NotIn and DoesNotExist also match pods lacking the key, as in k8s)."""
    if req.operator is Operator.IN:
        return Compare(req.key, "==", req.values[0]) if len(req.values) == 1 else InSet(req.key, req.values)
    if req.operator is Operator.NOT_IN:
        return Compare(req.key, "!=", req.values[0]) if len(req.values) == 1 else InSet(req.key, req.values, True)
    return Has(req.key) if req.operator is Operator.EXISTS else Not(Has(req.key))


def from_label_selector(sel: LabelSelector) -> Node:
    """A Kubernetes label selector as a Calico expression, exactly; terms in Calico's converter order
    (matchLabels sorted by key, then matchExpressions as written); `{}` is `all()`."""
    terms: list[Node] = [Compare(k, "==", v) for k, v in sorted(sel.matchLabels.items())]
    terms += [from_requirement(r) for r in sel.matchExpressions]
    return conj(*terms)


class NoLabelSelector(SelectorError):
    """The expression has no exact Kubernetes label-selector form."""


def _term(node: Node) -> Requirement:
    """One conjunct as a matchExpressions term, or NoLabelSelector naming the construct."""
    neg = isinstance(node, Not)
    inner = node.operand if isinstance(node, Not) else node
    if isinstance(inner, Has):
        return Requirement(key=inner.key, operator=Operator.DOES_NOT_EXIST if neg else Operator.EXISTS)
    if isinstance(inner, Compare) and inner.op in ("==", "!="):
        positive = (inner.op == "==") != neg
        return _requirement(inner.key, Operator.IN if positive else Operator.NOT_IN, (inner.value,))
    if isinstance(inner, InSet):
        positive = (not inner.negated) != neg
        if not inner.values:
            raise NoLabelSelector(f'"{render(node)}" matches {"nothing" if positive else "everything"}; '
                                  "write it without the empty set")
        return _requirement(inner.key, Operator.IN if positive else Operator.NOT_IN, inner.values)
    if isinstance(inner, Compare):
        raise NoLabelSelector(f'{inner.op!r} in "{render(node)}" has no Kubernetes label-selector equivalent')
    if isinstance(inner, Global):
        raise NoLabelSelector("global() only has a meaning in a namespaceSelector")
    if isinstance(inner, All):
        raise NoLabelSelector("'!all()' matches nothing")
    what = "'||'" if isinstance(inner, Or) else "'!(...)' of a compound expression"
    raise NoLabelSelector(f'{what} in "{render(node)}" has no single Kubernetes label-selector equivalent')


def _requirement(key: str, op: Operator, values: tuple[str, ...]) -> Requirement:
    err = label_key_error(key) or next((e for v in values if (e := label_value_error(v))), None)
    if err:
        raise NoLabelSelector(f"{err}; no Kubernetes object can carry it")
    return Requirement(key=key, operator=op, values=values)


def _same_key_or(node: Or) -> Node | None:
    """`k == 'a' || k == 'b' || k in {...}` as one `k in {...}`; None when the operands differ in key."""
    keys: set[str] = set()
    values: list[str] = []
    for o in node.operands:
        if isinstance(o, Compare) and o.op == "==":
            keys.add(o.key)
            values.append(o.value)
        elif isinstance(o, InSet) and not o.negated:
            keys.add(o.key)
            values.extend(o.values)
        else:
            return None
    return InSet(keys.pop(), tuple(values)) if len(keys) == 1 else None


def to_label_selector(node: Node) -> LabelSelector:
    """The exact Kubernetes label selector for `node`: an AND of simple terms (an OR of `==`/`in` on one key is
    an `In`). Raises NoLabelSelector naming the construct that has no such form."""
    if isinstance(node, All):
        return LabelSelector()
    terms = node.operands if isinstance(node, And) else (node,)
    reqs = [_term(_same_key_or(t) or t if isinstance(t, Or) else t) for t in terms]
    labels: dict[str, str] = {}
    rest: list[Requirement] = []
    for r in reqs:
        if r.operator is Operator.IN and len(r.values) == 1 and r.key not in labels:
            labels[r.key] = r.values[0]
        else:
            rest.append(r)
    return LabelSelector(matchLabels=labels, matchExpressions=tuple(rest))


MAX_DNF_TERMS = 16


def dnf(node: Node, limit: int = MAX_DNF_TERMS) -> list[Node]:
    """`node` as an OR of AND-terms (De Morgan and distribution), exactly; NoLabelSelector above `limit` terms."""
    if isinstance(node, Or):
        out: list[Node] = []
        for o in node.operands:
            out.extend(t for t in dnf(o, limit) if t not in out)
        return _capped(out, limit, node)
    if isinstance(node, And):
        acc: list[Node] = [All()]
        for o in node.operands:
            acc = _capped([conj(a, b) for a in acc for b in dnf(o, limit)], limit, node)
        return acc
    if isinstance(node, Not) and isinstance(node.operand, (And, Or)):
        flipped = [negate(o) for o in node.operand.operands]
        return dnf(disj(*flipped) if isinstance(node.operand, And) else conj(*flipped), limit)
    return [node]


def _capped(terms: list[Node], limit: int, node: Node) -> list[Node]:
    if len(terms) > limit:
        raise NoLabelSelector(f'"{render(node)}" expands to more than {limit} label selectors')
    return terms


def to_label_selectors(node: Node) -> list[LabelSelector]:
    """`node` as a union of exact Kubernetes label selectors (one peer each): an OR splits, `!(...)` of a compound
    expression is rewritten by De Morgan. Raises NoLabelSelector naming constructs that have no form at all."""
    merged = _same_key_or(node) if isinstance(node, Or) else None
    return [to_label_selector(t) for t in ([merged] if merged else dnf(node))]


def rename_keys(node: Node, rename: dict[str, str] | None = None, prefix: str = "") -> Node:
    """`node` with label keys renamed (`rename`) or else prefixed (`prefix`), as Calico's PrefixVisitor does."""
    def key(k: str) -> str:
        return rename[k] if rename and k in rename else prefix + k

    if isinstance(node, Has):
        return Has(key(node.key))
    if isinstance(node, Compare):
        return Compare(key(node.key), node.op, node.value)
    if isinstance(node, InSet):
        return InSet(key(node.key), node.values, node.negated)
    if isinstance(node, Not):
        return Not(rename_keys(node.operand, rename, prefix))
    if isinstance(node, (And, Or)):
        return type(node)(tuple(rename_keys(o, rename, prefix) for o in node.operands))
    return node


def one_of(key: str, values: tuple[str, ...]) -> Node:
    """`key == 'v'` for one value, `key in {...}` for several."""
    return Compare(key, "==", values[0]) if len(values) == 1 else InSet(key, values)
