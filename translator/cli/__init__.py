"""The netpolx command line (click). `main()` maps every outcome to an exit code and never shows a traceback
for bad input: 0 ok, 1 findings/refused, 2 bad input or usage, 3 internal error, 130 interrupted."""

from __future__ import annotations

import importlib
import os
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

import click

from translator import __version__
from translator.cli.common import CommandExit, output_params
from translator.diagnostics import DiagnosticsError
from translator.load.allocation import bulk
from translator.output.progress import progress
from translator.output.progress import start as start_progress

# Command modules and the click commands they define; each command group lives in its own module.
COMMANDS: dict[str, tuple[str, ...]] = {
    "translate": ("translate", "check", "import_"),
    "engines": ("engines", "schema"),
    "reach": ("reach",),
    "verify": ("verify",),
    "recommend": ("recommend",),
    "migrate": ("migrate",),
    "explain": ("explain",),
    "lint": ("lint",),
    "graph": ("graph",),
    "render": ("render", "krm"),
    "snapshot": ("snapshot",),
    "hook": ("validate", "hook"),
    "completion": ("completion",),
}


WITHOUT_DIAGNOSTICS = frozenset({"completion", "engines", "schema", "hook"})
"""Commands that print no diagnostics of their own (hook passes its options on to the command it runs), so they
take no --quiet, --diagnostics-file or --no-group."""


class LazyGroup(click.Group):
    """A group that imports a command's module only when that command runs (or help lists it), so that
    `netpolx reach` does not pay for importing every other command. `commands` still holds them all."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._loaded: dict[str, click.Command] = {}
        self._modules = {name.rstrip("_"): module for module, names in COMMANDS.items() for name in names}
        super().__init__(*args, **kwargs)

    @property  # type: ignore[override]
    def commands(self) -> dict[str, click.Command]:
        """Every command (importing every command module)."""
        for module in dict.fromkeys(self._modules.values()):
            self._load(module)
        return self._loaded

    @commands.setter
    def commands(self, value: dict[str, click.Command]) -> None:
        self._loaded.update(value)

    def _load(self, module_name: str) -> None:
        if any(self._modules.get(name) == module_name for name in self._loaded):
            return
        try:
            module = importlib.import_module(f"translator.cli.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"translator.cli.{module_name}":
                return  # command not built yet
            raise
        for name in COMMANDS[module_name]:
            command = getattr(module, name)
            if command.name not in WITHOUT_DIAGNOSTICS:
                command.params.extend(output_params())
            self.add_command(command)

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        """Register a command (without loading the others)."""
        self._loaded[name or cmd.name or ""] = cmd

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command, its module imported on first use."""
        module = self._modules.get(cmd_name)
        if module is not None and cmd_name not in self._loaded:
            self._load(module)
        return self._loaded.get(cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command name, sorted (without importing them)."""
        return sorted(set(self._modules) | set(self._loaded))

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; its progress line is erased as it ends, before anything else is written (click's
        newline on Ctrl-C, `interrupted`, an error message)."""
        try:
            return super().invoke(ctx)
        finally:
            progress().done()


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="netpolx")
def cli() -> None:
    """netpolx: one network-policy intent, compiled to Kubernetes, Azure NPM, Cilium and Calico,
    with proof that the result allows exactly the same traffic."""


def _terminated(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM unwinds like Ctrl-C: staged output is removed, nothing half-written stays


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminated)
    start_progress()
    try:
        with bulk():  # one command builds many objects and few cycles: collect rarely (translator/load/allocation.py)
            cli.main(args=list(argv) if argv is not None else None, prog_name="netpolx", standalone_mode=False)
        return 0
    except CommandExit as exc:
        return exc.code
    except DiagnosticsError as exc:
        sys.stderr.write(str(exc) + "\n")
        return 1
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return 2
    except (click.Abort, KeyboardInterrupt):
        sys.stderr.write("interrupted\n")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:
        if os.environ.get("NETPOLX_DEBUG"):
            raise
        sys.stderr.write(f"netpolx: internal error: {type(exc).__name__}: {exc}\n"
                         "Please report this with the input that caused it (NETPOLX_DEBUG=1 shows the traceback).\n")
        return 3
    finally:
        progress().done()
