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


def kubectl_complete(argv: list[str] | None = None) -> int:
    """`kubectl_complete-netpolx ARGS... PARTIAL`: completion for `kubectl netpolx` (kubectl 1.26+ calls this
    program with the words typed after the plugin name; it prints one candidate per line, then `:DIRECTIVE` as
    cobra does: 0 lets the shell complete file names too (also when there is nothing to offer, as for `-f`'s
    value), 4 does not)."""
    from click.shell_completion import ShellComplete

    from translator.cli import cli

    args = list(sys.argv[1:] if argv is None else argv)
    incomplete = args.pop() if args else ""
    items = ShellComplete(cli, {}, "netpolx", "_NETPOLX_COMPLETE").get_completions(args, incomplete)
    sys.stdout.write("".join(f"{item.value}\n" for item in items if item.type == "plain"))
    files = not items or any(item.type in ("file", "dir") for item in items)  # nothing to offer: file names
    sys.stdout.write(":0\n" if files else ":4\n")
    return 0
