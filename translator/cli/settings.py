"""Project settings for one CLI run: `.netpolx.yaml` (found upward from the working directory, or `--config`) and
`-n/--namespace`. The options store their values in the click context; commands ask `current_config()` and load
policies through `read_policies()` / `read_documents()`, which apply the default namespace."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import click

from translator.cli.config import Config, find_config, load_config
from translator.cluster.ranges import DEFAULT_RANGES, ClusterRanges
from translator.diagnostics import Diagnostics
from translator.load.defaults import apply_default_namespace
from translator.load.loaded import LoadedIntent
from translator.load.source import Document, documents
from translator.output.progress import progress

F = TypeVar("F", bound=Callable[..., Any])

CONFIG_KEY = "netpolx.config_path"
NAMESPACE_KEY = "netpolx.namespace"
LOADED_KEY = "netpolx.config"


def _store(key: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        if value is not None:
            ctx.meta[key] = value
        return value
    return callback


def settings_options(f: F) -> F:
    """`--config PATH` and `-n/--namespace NS` (stored in the context, not passed to the command)."""
    f = click.option("-n", "--namespace", default=None, metavar="NS", expose_value=False,
                     callback=_store(NAMESPACE_KEY),
                     help="Namespace for namespaced policies that have none (default: .netpolx.yaml's).")(f)
    return click.option("--config", default=None, metavar="PATH", expose_value=False, callback=_store(CONFIG_KEY),
                        type=click.Path(dir_okay=False),
                        help="Settings file (default: the nearest .netpolx.yaml upward from here).")(f)


def _ctx() -> click.Context | None:
    return click.get_current_context(silent=True)


def current_config(diags: Diagnostics) -> Config | None:
    """This run's settings (an empty Config when there is no file); None with diagnostics when the file is bad."""
    ctx = _ctx()
    if ctx is not None and isinstance(loaded := ctx.meta.get(LOADED_KEY), Config):  # only a Config is stored
        return loaded
    explicit = ctx.meta.get(CONFIG_KEY) if ctx is not None else None
    path = Path(explicit) if explicit else find_config()
    config = Config() if path is None else load_config(path, diags)
    if ctx is not None and config is not None:
        ctx.meta[LOADED_KEY] = config
    return config


def cli_namespace() -> str | None:
    """`-n/--namespace` as given on the command line."""
    ctx = _ctx()
    return ctx.meta.get(NAMESPACE_KEY) if ctx is not None else None


def namespace_for(config: Config | None) -> Callable[[Document], str | None]:
    """The default namespace of each document: -n, else the config's override for its file, else the config's."""
    explicit = cli_namespace()

    def pick(doc: Document) -> str | None:
        if explicit:
            return explicit
        return config.namespace_for(doc.source.name) if config is not None else None
    return pick


def read_documents(paths: Iterable[str], diags: Diagnostics, recursive: bool = False) -> list[Document]:
    """`documents()` with the default namespace applied; a path that holds no policy is bad input (NPX010).
    Progress (on a terminal, after 2 s): `reading policies N` (documents read)."""
    from translator.load.found import require_policies

    progress().phase("reading policies")
    paths = list(paths)
    docs = documents(paths, diags, recursive)
    require_policies(paths, recursive, docs, diags)
    config = current_config(diags)
    apply_default_namespace(docs, namespace_for(config))
    return docs


def import_policies(docs: list[Document], diags: Diagnostics,
                    ranges: ClusterRanges = DEFAULT_RANGES) -> list[LoadedIntent]:
    """The intents of read documents (progress: `importing policies N/TOTAL`, documents)."""
    from translator.load.decode import intents_from_documents

    progress().phase("importing policies", len(docs))
    return intents_from_documents(docs, diags, ranges)


def read_policies(paths: Iterable[str], diags: Diagnostics, recursive: bool = False,
                  ranges: ClusterRanges = DEFAULT_RANGES) -> list[LoadedIntent]:
    """Intents from `-f` paths, the default namespace applied (what every policy-reading command uses);
    `ranges`: which IP ranges may hold pods and nodes (the target's settings)."""
    return import_policies(read_documents(paths, diags, recursive), diags, ranges)
