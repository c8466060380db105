"""netpolx: one network-policy intent, compiled to Kubernetes, Azure NPM, Cilium and Calico, with proof that the
result allows exactly the same traffic.

    >>> import netpolx
    >>> out = netpolx.translate(open("samples/intents/seed.yaml").read(), engine="cilium")
    >>> print(out)                      # multi-document YAML, as `netpolx translate` prints
    >>> out.diagnostics.warnings        # Diagnostic objects: code, severity, message, location, engine, feature

See docs/api.md.
"""

from __future__ import annotations

from netpolx.api import (
    Policies,
    Reachability,
    Translation,
    Verification,
    check,
    lint,
    load,
    load_cluster,
    reach,
    translate,
    verify,
)
from netpolx.errors import InvalidInput, NetpolxError, TranslationRefused
from netpolx.report import Report
from translator import __version__
from translator.diagnostics import Diagnostic, Severity, SourceLocation
from translator.registry import all_backends


def engines() -> list[str]:
    """The engine names `translate` and `check` accept."""
    return list(all_backends())


__all__ = [
    "Diagnostic",
    "InvalidInput",
    "NetpolxError",
    "Policies",
    "Reachability",
    "Report",
    "Severity",
    "SourceLocation",
    "Translation",
    "TranslationRefused",
    "Verification",
    "__version__",
    "check",
    "engines",
    "lint",
    "load",
    "load_cluster",
    "reach",
    "translate",
    "verify",
]
