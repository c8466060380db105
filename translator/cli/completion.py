"""`completion`: the shell completion script for bash, zsh or fish (click's own completion protocol)."""

from __future__ import annotations

import sys

import click
from click.shell_completion import get_completion_class

SHELLS = ("bash", "zsh", "fish")


@click.command()
@click.argument("shell", type=click.Choice(SHELLS))
@click.option("--prog-name", default="netpolx", show_default=True,
              help="The command name to complete (kubectl-netpolx for the plugin binary).")
def completion(shell: str, prog_name: str) -> None:
    """Print the shell completion script for SHELL (bash, zsh or fish).

    \b
    Example:
      eval "$(netpolx completion bash)"                      # in ~/.bashrc
      netpolx completion zsh > "${fpath[1]}/_netpolx"        # zsh
      netpolx completion fish > ~/.config/fish/completions/netpolx.fish
    """
    from translator.cli import cli

    var = "_NETPOLX_COMPLETE"  # the CLI always runs as prog_name netpolx, also when installed as kubectl-netpolx
    cls = get_completion_class(shell)
    assert cls is not None
    sys.stdout.write(cls(cli, {}, prog_name, var).source() + "\n")
