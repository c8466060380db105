"""`netpolx lint`: authoring mistakes in network policies, each with a stable code, a location and a fix.

Syntactic rules read the documents as written (NetworkPolicy and NetworkIntent; other kinds through their
imported intents); semantic rules read the intents. The rules are data (`translator.lint.rules.RULES`); one
module per rule family holds the checks.
"""

from __future__ import annotations

from translator.lint.context import LintInput
from translator.lint.finding import IGNORE_ANNOTATION, Edit, Finding, Fix
from translator.lint.rules import RULES, LintRule
from translator.lint.run import lint

__all__ = ["IGNORE_ANNOTATION", "RULES", "Edit", "Finding", "Fix", "LintInput", "LintRule", "lint"]
