"""Multi-valued decision diagrams: boolean functions over finite-domain variables, reduced and shared.

A variable has a domain of classes 0..n-1 (a class stands for a set of concrete values that no policy tells
apart, see space.py). A node tests one variable and has one child per class (stored sparsely, see MDD); nodes are
hash-consed and reduced
(a node whose children are all equal is its child), so two functions are equal exactly when their node ids are
equal, whatever the order in which they were built. Node 0 is false, node 1 is true.

Variables are ordered by their index; every path from the root tests variables in increasing order.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence

FALSE = 0
TRUE = 1

Cube = dict[int, frozenset[int]]
"""A product of per-variable class sets (variables not present: any class)."""


class MDD:
    """The node store and the operations of one family of diagrams (one variable order).

    A node is stored sparsely: its default child (the child of the variable's last class) and the classes whose
    child differs, in increasing order. A variable can have hundreds of classes (one per label value or address
    block the policies name) while a literal names a few, so operations cost the classes that differ, not the
    domain. The form is canonical (the listed classes are exactly those whose child is not the last class's), so
    equal functions still have equal node ids."""

    def __init__(self, domains: Sequence[int]) -> None:
        self.domains = list(domains)
        self.leaf_var = len(self.domains)
        self.var: list[int] = [self.leaf_var, self.leaf_var]
        self.default: list[int] = [FALSE, TRUE]
        self.classes: list[tuple[int, ...]] = [(), ()]
        self.kids: list[tuple[int, ...]] = [(), ()]
        """Per node: `classes[n][i]` leads to `kids[n][i]`; every other class leads to `default[n]`."""
        self._unique: dict[tuple[int, int, tuple[int, ...], tuple[int, ...]], int] = {}
        self._and: dict[tuple[int, int], int] = {}
        self._or: dict[tuple[int, int], int] = {}
        self._xor: dict[tuple[int, int], int] = {}
        self._diff: dict[tuple[int, int], int] = {}
        self._not: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self.var)

    # -- construction ----------------------------------------------------------------------------------------

    def _make(self, v: int, default: int, pairs: Iterable[tuple[int, int]]) -> int:
        """The reduced, shared node on `v`: `default` for every class but those of `pairs` (class, child), in
        increasing class order; pairs whose child is the default are dropped."""
        listed = [(c, k) for c, k in pairs if k != default]
        if not listed:
            return default
        classes = tuple(c for c, _ in listed)
        kids = tuple(k for _, k in listed)
        key = (v, default, classes, kids)
        found = self._unique.get(key)
        if found is None:
            found = self._unique[key] = len(self.var)
            self.var.append(v)
            self.default.append(default)
            self.classes.append(classes)
            self.kids.append(kids)
        return found

    def _chosen(self, v: int, chosen: Iterable[int], then: int) -> int:
        """The node on `v` that leads to `then` for the chosen classes and to FALSE for the others."""
        picked = set(chosen)
        last = self.domains[v] - 1
        if last in picked:
            return self._make(v, then, ((c, FALSE) for c in range(last) if c not in picked))
        return self._make(v, FALSE, ((c, then) for c in sorted(picked) if 0 <= c < last))

    def literal(self, v: int, classes: Iterable[int]) -> int:
        """True exactly when variable `v` takes one of `classes`."""
        return self._chosen(v, classes, TRUE)

    def cube(self, cube: Cube) -> int:
        """The product of per-variable class sets."""
        out = TRUE
        for v in sorted(cube, reverse=True):
            out = self._chosen(v, cube[v], out)
        return out

    def child(self, n: int, c: int) -> int:
        """The child of node `n` for class `c`."""
        classes = self.classes[n]
        i = bisect_left(classes, c)
        return self.kids[n][i] if i < len(classes) and classes[i] == c else self.default[n]

    def children(self, n: int) -> list[int]:
        """The child of node `n` for every class of its variable, in class order."""
        out = [self.default[n]] * self.domains[self.var[n]]
        for c, k in zip(self.classes[n], self.kids[n]):
            out[c] = k
        return out

    # -- boolean operations ----------------------------------------------------------------------------------

    def conj(self, a: int, b: int) -> int:
        """a AND b."""
        if a == FALSE or b == FALSE:
            return FALSE
        if a in (TRUE, b):
            return b
        if b == TRUE:
            return a
        key = (a, b) if a < b else (b, a)
        found = self._and.get(key)
        if found is None:
            found = self._and[key] = self._apply(self.conj, a, b)
        return found

    def disj(self, a: int, b: int) -> int:
        """a OR b."""
        if a == TRUE or b == TRUE:
            return TRUE
        if a in (FALSE, b):
            return b
        if b == FALSE:
            return a
        key = (a, b) if a < b else (b, a)
        found = self._or.get(key)
        if found is None:
            found = self._or[key] = self._apply(self.disj, a, b)
        return found

    def xor(self, a: int, b: int) -> int:
        """a XOR b."""
        if a == b:
            return FALSE
        if a == FALSE:
            return b
        if b == FALSE:
            return a
        if a == TRUE:
            return self.neg(b)
        if b == TRUE:
            return self.neg(a)
        key = (a, b) if a < b else (b, a)
        found = self._xor.get(key)
        if found is None:
            found = self._xor[key] = self._apply(self.xor, a, b)
        return found

    def neg(self, a: int) -> int:
        """NOT a."""
        if a <= TRUE:
            return 1 - a
        found = self._not.get(a)
        if found is None:
            neg = self.neg
            found = self._not[a] = self._make(self.var[a], neg(self.default[a]),
                                              zip(self.classes[a], [neg(k) for k in self.kids[a]]))
        return found

    def diff(self, a: int, b: int) -> int:
        """a AND NOT b (without building NOT b: only the parts of b that a reaches are visited)."""
        if a in (FALSE, b) or b == TRUE:
            return FALSE
        if b == FALSE:
            return a
        if a == TRUE:
            return self.neg(b)
        key = (a, b)
        found = self._diff.get(key)
        if found is None:
            found = self._diff[key] = self._apply(self.diff, a, b)
        return found

    def _apply(self, op: Callable[[int, int], int], a: int, b: int) -> int:
        va, vb = self.var[a], self.var[b]
        if va == vb:
            da, db = self.default[a], self.default[b]
            ca, cb = self.classes[a], self.classes[b]
            ka, kb = self.kids[a], self.kids[b]
            pairs: list[tuple[int, int]] = []
            i = j = 0
            while i < len(ca) or j < len(cb):  # the classes listed in either, in order
                if j >= len(cb) or (i < len(ca) and ca[i] < cb[j]):
                    pairs.append((ca[i], op(ka[i], db)))
                    i += 1
                elif i >= len(ca) or cb[j] < ca[i]:
                    pairs.append((cb[j], op(da, kb[j])))
                    j += 1
                else:
                    pairs.append((ca[i], op(ka[i], kb[j])))
                    i += 1
                    j += 1
            return self._make(va, op(da, db), pairs)
        if va < vb:
            return self._make(va, op(self.default[a], b), zip(self.classes[a], [op(k, b) for k in self.kids[a]]))
        return self._make(vb, op(a, self.default[b]), zip(self.classes[b], [op(a, k) for k in self.kids[b]]))

    def any_of(self, nodes: Iterable[int]) -> int:
        """The disjunction of `nodes` (balanced, so intermediate results stay small)."""
        items = [n for n in nodes if n != FALSE]
        while len(items) > 1:
            items = [self.disj(items[i], items[i + 1]) if i + 1 < len(items) else items[i]
                     for i in range(0, len(items), 2)]
        return items[0] if items else FALSE

    def restrict(self, a: int, assignment: dict[int, int]) -> int:
        """`a` with the given variables fixed to one class each."""
        memo: dict[int, int] = {}

        def go(n: int) -> int:
            if n <= TRUE:
                return n
            found = memo.get(n)
            if found is None:
                v = self.var[n]
                c = assignment.get(v)
                found = go(self.child(n, c)) if c is not None else \
                    self._make(v, go(self.default[n]), zip(self.classes[n], [go(k) for k in self.kids[n]]))
                memo[n] = found
            return found
        return go(a)

    def exists(self, a: int, variables: set[int]) -> int:
        """`a` with `variables` quantified away existentially."""
        memo: dict[int, int] = {}

        def go(n: int) -> int:
            if n <= TRUE:
                return n
            found = memo.get(n)
            if found is None:
                v = self.var[n]
                default, kids = go(self.default[n]), [go(k) for k in self.kids[n]]
                found = self.any_of(dict.fromkeys([default, *kids])) if v in variables else \
                    self._make(v, default, zip(self.classes[n], kids))
                memo[n] = found
            return found
        return go(a)

    # -- reading -----------------------------------------------------------------------------------------------

    def cheapest(self, a: int, cost: Callable[[int, int], float]) -> dict[int, int] | None:
        """A satisfying assignment of the variables on one path, minimizing the summed `cost(var, class)` of
        the tested variables (untested variables are left out: any class will do); None when `a` is false."""
        if a == FALSE:
            return None
        memo: dict[int, tuple[float, int]] = {}
        order: dict[int, list[int]] = {}

        def by_cost(v: int) -> list[int]:
            """The classes of `v`, cheapest first (ties: the smaller class)."""
            found = order.get(v)
            if found is None:
                found = order[v] = sorted(range(self.domains[v]), key=lambda c: (cost(v, c), c))
            return found

        def best(n: int) -> float:
            if n == TRUE:
                return 0.0
            if n == FALSE:
                return float("inf")
            found = memo.get(n)
            if found is None:
                v = self.var[n]
                options = [(cost(v, c) + best(k), c) for c, k in zip(self.classes[n], self.kids[n]) if k != FALSE]
                if self.default[n] != FALSE:  # every other class leads there: the cheapest of them stands for all
                    listed = set(self.classes[n])
                    c = next(c for c in by_cost(v) if c not in listed)
                    options.append((cost(v, c) + best(self.default[n]), c))
                found = memo[n] = min(options)  # the least cost; among equals, the smaller class
            return found[0]

        best(a)
        out: dict[int, int] = {}
        n = a
        while n > TRUE:
            c = memo[n][1]
            out[self.var[n]] = c
            n = self.child(n, c)
        return out

    def cubes(self, a: int) -> Iterator[Cube]:
        """Disjoint cubes whose union is `a`: one per path, classes that lead to the same child merged."""
        def go(n: int, prefix: Cube) -> Iterator[Cube]:
            if n == TRUE:
                yield dict(prefix)
                return
            if n == FALSE:
                return
            v = self.var[n]
            groups: dict[int, list[int]] = {}
            for c, k in enumerate(self.children(n)):
                if k != FALSE:
                    groups.setdefault(k, []).append(c)
            for k, classes in groups.items():
                prefix[v] = frozenset(classes)
                yield from go(k, prefix)
            prefix.pop(v, None)
        yield from go(a, {})

    def count_paths(self, a: int) -> int:
        """How many cubes `cubes(a)` yields."""
        memo: dict[int, int] = {TRUE: 1, FALSE: 0}

        def go(n: int) -> int:
            found = memo.get(n)
            if found is None:
                found = memo[n] = sum(go(k) for k in {self.default[n], *self.kids[n]})
            return found
        return go(a)

    def support(self, a: int) -> set[int]:
        """The variables `a` depends on."""
        seen: set[int] = set()
        out: set[int] = set()
        stack = [a]
        while stack:
            n = stack.pop()
            if n <= TRUE or n in seen:
                continue
            seen.add(n)
            out.add(self.var[n])
            stack.append(self.default[n])
            stack.extend(self.kids[n])
        return out
