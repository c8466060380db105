"""`explain`: what each policy does, in plain words, under an engine's own semantics."""

from __future__ import annotations

import sys
from collections.abc import Callable

import click

from translator.cli.common import (
    emit,
    engine_option,
    input_options,
    make_diagnostics,
    resolve_target,
    stop_on_unread_inputs,
)
from translator.cli.settings import import_policies, read_documents
from translator.explain import FORMATS, EngineView, render
from translator.explain import explain as build
from translator.load.loaded import LoadedIntent
from translator.output.progress import progress
from translator.output.reporters import FORMATS as DIAGNOSTICS_FORMATS
from translator.registry import UnknownEngineError, get_backend
from translator.semantics import INTENT_SEMANTICS
from translator.target import Target

INTENT_VIEW = EngineView("intent", INTENT_SEMANTICS, None)


def view_for(target: Target | None) -> Callable[[LoadedIntent], EngineView]:
    """The engine each policy is explained under: `target` for all, else each policy's own kind's engine."""
    if target is not None:
        backend = get_backend(target.name)(target)
        fixed = EngineView(str(target), backend.semantics, backend)
        return lambda li: fixed
    cache: dict[str, EngineView] = {"intent": INTENT_VIEW}

    def own(li: LoadedIntent) -> EngineView:
        if li.origin not in cache:
            try:
                backend = get_backend(li.origin)()
                cache[li.origin] = EngineView(li.origin, backend.semantics, backend)
            except UnknownEngineError:
                cache[li.origin] = INTENT_VIEW
        return cache[li.origin]
    return own


@click.command()
@input_options()
@engine_option(required=False)
@click.option("-o", "--output", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text, markdown or json.")
@click.option("--diagnostics-format", type=click.Choice(DIAGNOSTICS_FORMATS), default="text", show_default=True,
              help="Format of the diagnostics on stderr.")
def explain(filenames: tuple[str, ...], recursive: bool, engine: str | None, platform: str | None, acns: bool,
            output: str, diagnostics_format: str) -> None:
    """Say in plain words what each policy does: which pods it selects, which directions it isolates, and what
    each rule allows or denies (peers, ports, HTTP, DNS names).

    Without --engine each policy is explained under its own kind's semantics (NetworkPolicy under Kubernetes,
    CiliumNetworkPolicy under Cilium, intents under the intent semantics); with --engine, under that engine's,
    with what it does differently (e.g. Cilium's CIDR rules never match pods) and what it cannot express.

    \b
    Example:
      netpolx explain -f samples/seed/
      netpolx explain -f samples/seed/ --engine cilium -o markdown
    """
    diags = make_diagnostics()
    target = resolve_target(engine, platform, acns, diags, diagnostics_format) if engine else None
    docs = read_documents(filenames, diags, recursive)
    loaded = import_policies(docs, diags)
    stop_on_unread_inputs(diags, diagnostics_format)
    kinds = {id(d.source): d.kind for d in docs}
    report = progress()
    report.phase("explaining policies", len(loaded))
    view = view_for(target)

    def counted_view(li: LoadedIntent) -> EngineView:  # asked once per policy: counts them
        report.advance()
        return view(li)
    explanations = build(loaded, counted_view,
                         lambda li: kinds.get(id(li.source), li.origin) if li.source is not None else li.origin)
    report.phase(f"writing {len(explanations):,} explanations")
    text = render(explanations, output)
    emit(diags, diagnostics_format)
    sys.stdout.write(text)

