"""`render` (Helm post-renderer, Argo CD plugin: manifests in, the same manifests out with every NetworkIntent
compiled) and `krm` (a Kustomize/kpt KRM function, or a Kustomize exec plugin)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from netpolx.api import compile_policies
from translator import codes
from translator.cli.common import (
    EXIT_FINDINGS,
    CommandExit,
    diagnostics_options,
    emit,
    engine_option,
    finish,
    input_options,
    make_diagnostics,
    resolve_target,
    stop_on_input_errors,
    widening_option,
)
from translator.cli.settings import current_config, namespace_for
from translator.compile.krm import (
    CONFIG_KIND,
    FunctionConfig,
    ItemLocator,
    is_resource_list,
    parse_function_config,
    resource_list,
    safe_load,
)
from translator.compile.manifests import Piece, assemble, intents_of, is_intent, read_pieces
from translator.diagnostics import Diagnostics, SourceLocation
from translator.load.defaults import apply_default_namespace
from translator.load.source import SourceFile, documents_from_text, expand_paths, read_text
from translator.target import Target


def _render(texts: list[tuple[str, str]], target: Target, diags: Diagnostics, fmt: str,
            namespace: str | None = None) -> str:
    """Every stream with its intents compiled (exit 2/1 with nothing written on bad input or a refusal)."""
    streams = [read_pieces(text, name, diags) for name, text in texts]
    pieces: list[Piece] = [p for s in streams for p in s]
    docs = [d for p in pieces for d in p.docs]
    apply_default_namespace(docs, namespace if namespace else namespace_for(current_config(diags)))
    loaded = intents_of(pieces, diags)
    stop_on_input_errors(diags, fmt)
    compiled = compile_policies(loaded, target, diags)
    if diags.has_errors:
        finish(diags, fmt)
    out: list[str] = []
    for stream in streams:
        text = assemble(stream, compiled)
        if out and text and not text.startswith("---"):
            text = "---\n" + text
        if out and out[-1] and not out[-1].endswith("\n"):
            out[-1] += "\n"
        out.append(text)
    return "".join(out)


@click.command()
@input_options(required=False)
@engine_option()
@widening_option
@diagnostics_options
def render(filenames: tuple[str, ...], recursive: bool, engine: str | None, platform: str | None, acns: bool,
           allow_widening: bool, diagnostics_format: str, error_level: str) -> None:
    """Pass a stream of manifests through, with every NetworkIntent compiled for one engine.

    For render pipelines: a Helm post-renderer (all manifests on stdin), an Argo CD config-management plugin
    (`-f . -R`). Every other document is copied byte-for-byte, comments included; a NetworkIntent is replaced by
    the objects it compiles to. Reads stdin without -f. Exit 0, 1 when something cannot be expressed exactly
    (nothing is written), 2 on bad input.

    \b
    Example:
      helm install web ./chart --post-renderer netpolx --post-renderer-args render \\
        --post-renderer-args --engine=cilium
      netpolx render --engine calico -f manifests/ -R
    """
    diags = make_diagnostics(error_level, allow_widening=allow_widening)
    target = resolve_target(engine, platform, acns, diags, diagnostics_format)
    texts: list[tuple[str, str]] = []
    for name in expand_paths(filenames or ("-",), recursive, diags):
        if Path(name).name.startswith(".") and name != "-":
            continue  # .netpolx.yaml and other dotfiles are settings, not manifests
        text = read_text(name, diags)
        if text is not None:
            texts.append(("<stdin>" if name == "-" else name, text))
    stop_on_input_errors(diags, diagnostics_format)
    out = _render(texts, target, diags, diagnostics_format)
    emit(diags, diagnostics_format)
    sys.stdout.write(out)


@click.command()
@click.argument("config_file", required=False, type=click.Path(dir_okay=False))
@diagnostics_options
def krm(config_file: str | None, diagnostics_format: str, error_level: str) -> None:
    """A KRM function for Kustomize and kpt: a ResourceList on stdin, the same on stdout with every NetworkIntent in
    `.items` compiled and every diagnostic in `.results` (severity, message, file, line, field, resource).

    The engine comes from the ResourceList's functionConfig, a NetpolxTranslate object
    (`spec: {engine, platform, settings, namespace, allowWidening}`) or a ConfigMap with those keys in `data`.
    Exit 0, 1 when an error result was written, 2 when stdin is not a ResourceList.

    Given CONFIG_FILE (how Kustomize runs an exec plugin: the NetpolxTranslate object's file, the manifests as a YAML
    stream on stdin), it works like `render`, with the engine from that file.

    \b
    Example:
      kpt fn eval --exec "netpolx krm" --fn-config to-cilium.yaml
      kustomize build --enable-alpha-plugins --enable-exec .
    """
    text = sys.stdin.read()
    diags = make_diagnostics(error_level)
    if config_file is not None:
        _exec_plugin(config_file, text, diags, diagnostics_format)
        return
    data = safe_load(text)
    if not is_resource_list(data):
        documents_from_text(text, "<stdin>", diags)  # a YAML error, with its line
        if not diags.has_errors:
            diags.error(codes.INVALID_FIELD, "stdin is not a KRM ResourceList (apiVersion config.kubernetes.io/v1, "
                        "kind ResourceList)", SourceLocation("<stdin>", 1))
        finish(diags, diagnostics_format)
        return
    sys.stdout.write(_function(text, data, diags))
    if diags.has_errors:
        raise CommandExit(EXIT_FINDINGS)


def _target(config: FunctionConfig, diags: Diagnostics, fmt: str) -> Target | None:
    from netpolx.api import resolve_engine

    if config.engine is None:
        diags.error(codes.INVALID_FIELD, f"functionConfig: no engine (set spec.engine of the {CONFIG_KIND} object)")
        return None
    return resolve_engine(config.engine, diags, config.settings, config.platform)


def _function(text: str, data: dict[str, Any], diags: Diagnostics) -> str:
    items = data.get("items") or []
    source = SourceFile("<stdin>", text)
    locator = ItemLocator(source, items)
    config = parse_function_config(data.get("functionConfig"),
                                   SourceLocation("<stdin>", source.locate(0, ("functionConfig",))[0]), diags)
    target = _target(config, diags, "text") if not diags.has_errors else None
    out_items: list[Any] = list(items)
    if target is not None:
        diags.accepted = frozenset({codes.WIDENED}) if config.allow_widening else frozenset()
        docs = documents_from_text(text, "<stdin>", diags)
        intents = [d for d in docs if is_intent(d)]
        if config.namespace:
            apply_default_namespace(intents, config.namespace)
        from translator.load.decode import intents_from_documents

        loaded = intents_from_documents(intents, diags)
        compiled = compile_policies(loaded, target, diags) if not diags.has_errors else []
        if not diags.has_errors:
            by_item: dict[int, list[dict[str, Any]]] = {}
            for c in compiled:
                ref = c.loaded.source
                if ref is not None and len(ref.prefix) == 2 and ref.prefix[0] == "items":
                    by_item.setdefault(int(ref.prefix[1]), []).extend(c.objects)
            out_items = []
            for i, item in enumerate(items):
                is_np = isinstance(item, dict) and item.get("kind") == "NetworkIntent" \
                    and str(item.get("apiVersion")) == "netpolx.io/v1alpha1"
                out_items.extend(by_item.get(i, []) if is_np else [item])
    return resource_list(out_items, [locator.result(d) for d in diags])


def _exec_plugin(config_file: str, text: str, diags: Diagnostics, fmt: str) -> None:
    config_text = read_text(config_file, diags)
    stop_on_input_errors(diags, fmt)
    config = parse_function_config(safe_load(config_text or ""), SourceLocation(config_file, 1), diags)
    stop_on_input_errors(diags, fmt)
    target = _target(config, diags, fmt)
    stop_on_input_errors(diags, fmt)
    assert target is not None
    diags.accepted = frozenset({codes.WIDENED}) if config.allow_widening else frozenset()
    out = _render([("<stdin>", text)], target, diags, fmt, config.namespace)
    emit(diags, fmt)
    sys.stdout.write(out)
