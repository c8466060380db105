"""Label selectors: matchLabels plus matchExpressions with In, NotIn, Exists and DoesNotExist.

Semantics are Kubernetes' (apimachinery labels.Selector): all terms are ANDed; an empty selector matches
everything; `NotIn` and `DoesNotExist` also match objects that lack the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

from pydantic import Field, field_validator, model_validator

from translator.model.base import Frozen
from translator.model.labels import label_key_error, label_value_error


class Operator(str, Enum):
    """A matchExpressions operator."""

    IN = "In"
    NOT_IN = "NotIn"
    EXISTS = "Exists"
    DOES_NOT_EXIST = "DoesNotExist"


NEGATIVE_OPERATORS = frozenset({Operator.NOT_IN, Operator.DOES_NOT_EXIST})


class Requirement(Frozen):
    """One matchExpressions term: `key operator values`."""

    key: str = Field(description="Label key, e.g. `app` or `kubernetes.io/metadata.name`.")
    operator: Operator = Field(description="In, NotIn, Exists or DoesNotExist.")
    values: tuple[str, ...] = Field(
        default=(), description="Values for In/NotIn; must be empty for Exists/DoesNotExist."
    )

    @field_validator("key")
    @classmethod
    def _key(cls, v: str) -> str:
        err = label_key_error(v)
        if err:
            raise ValueError(err)
        return v

    @field_validator("values")
    @classmethod
    def _values(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for value in v:
            err = label_value_error(value)
            if err:
                raise ValueError(err)
        return tuple(sorted(set(v)))

    @model_validator(mode="after")
    def _arity(self) -> Requirement:
        if self.operator in (Operator.IN, Operator.NOT_IN) and not self.values:
            raise ValueError(f"operator {self.operator.value} needs at least one value")
        if self.operator in (Operator.EXISTS, Operator.DOES_NOT_EXIST) and self.values:
            raise ValueError(f"operator {self.operator.value} takes no values")
        return self

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether an object with `labels` satisfies this term."""
        op = self.operator
        if op is Operator.EXISTS:
            return self.key in labels
        if op is Operator.DOES_NOT_EXIST:
            return self.key not in labels
        if op is Operator.IN:
            return self.key in labels and labels[self.key] in self.values
        return self.key not in labels or labels[self.key] not in self.values


class LabelSelector(Frozen):
    """A Kubernetes label selector. `{}` selects everything."""

    matchLabels: dict[str, str] = Field(default_factory=dict, description="Exact key=value pairs, ANDed.")
    matchExpressions: tuple[Requirement, ...] = Field(default=(), description="Set-based terms, ANDed.")

    @field_validator("matchLabels", mode="before")
    @classmethod
    def _null_labels(cls, v: object) -> object:
        # `matchLabels: null` (recipe 04) and a bare `matchLabels:` mean "no terms".
        return {} if v is None else v

    @field_validator("matchExpressions", mode="before")
    @classmethod
    def _null_exprs(cls, v: object) -> object:
        return () if v is None else v

    @field_validator("matchLabels")
    @classmethod
    def _labels(cls, v: dict[str, str]) -> dict[str, str]:
        for key, value in v.items():
            err = label_key_error(key) or label_value_error(value)
            if err:
                raise ValueError(err)
        return dict(sorted(v.items()))

    def requirements(self) -> tuple[Requirement, ...]:
        """All terms, matchLabels first as single-value `In` terms."""
        eq = tuple(Requirement(key=k, operator=Operator.IN, values=(v,)) for k, v in self.matchLabels.items())
        return eq + self.matchExpressions

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether an object with `labels` is selected."""
        for key, value in self.matchLabels.items():
            if labels.get(key) != value:
                return False
        return all(req.matches(labels) for req in self.matchExpressions)

    def is_empty(self) -> bool:
        """True when the selector has no terms and so selects everything."""
        return not self.matchLabels and not self.matchExpressions

    def keys(self) -> set[str]:
        """Every label key the selector mentions."""
        return set(self.matchLabels) | {r.key for r in self.matchExpressions}

    def uses_negative_operators(self) -> bool:
        """True when a term is NotIn or DoesNotExist (Azure NPM on Windows skips such policies)."""
        return any(r.operator in NEGATIVE_OPERATORS for r in self.matchExpressions)

    def canonical(self) -> LabelSelector:
        """An equal selector in canonical form: single-value In terms folded into matchLabels, terms sorted."""
        labels = dict(self.matchLabels)
        rest: list[Requirement] = []
        for req in self.matchExpressions:
            if req.operator is Operator.IN and len(req.values) == 1 and req.key not in labels:
                labels[req.key] = req.values[0]
            else:
                rest.append(req)
        rest.sort(key=lambda r: (r.key, r.operator.value, r.values))
        return LabelSelector(matchLabels=labels, matchExpressions=tuple(dict.fromkeys(rest)))

    def __str__(self) -> str:
        if self.is_empty():
            return "<all>"
        parts = [f"{k}={v}" for k, v in self.matchLabels.items()]
        for r in self.matchExpressions:
            if r.operator in (Operator.IN, Operator.NOT_IN):
                word = "in" if r.operator is Operator.IN else "notin"
                parts.append(f"{r.key} {word} ({','.join(r.values)})")
            else:
                parts.append(r.key if r.operator is Operator.EXISTS else f"!{r.key}")
        return ",".join(parts)


EMPTY_SELECTOR = LabelSelector()


def selector_json(sel: LabelSelector) -> dict[str, Any]:
    """A LabelSelector as Kubernetes metav1.LabelSelector JSON (empty terms omitted; `{}` selects everything)."""
    out: dict[str, Any] = {}
    if sel.matchLabels:
        out["matchLabels"] = dict(sel.matchLabels)
    if sel.matchExpressions:
        out["matchExpressions"] = [
            {"key": r.key, "operator": r.operator.value, **({"values": list(r.values)} if r.values else {})}
            for r in sel.matchExpressions
        ]
    return out
