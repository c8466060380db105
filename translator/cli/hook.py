"""`validate` (are these policies well-formed?) and `hook` (run a command the way pre-commit calls it: the file
names last, as plain arguments)."""

from __future__ import annotations

import re
from pathlib import Path

import click

from translator.cli.common import diagnostics_options, finish, input_options, make_diagnostics
from translator.cli.settings import read_policies

POLICY_KIND = re.compile(r"""["']?kind["']?\s*:\s*["']?(NetworkIntent|NetworkPolicy|CiliumNetworkPolicy|"""
                         r"""CiliumClusterwideNetworkPolicy|GlobalNetworkPolicy|\w*NetworkPolicyList)\b""")
HOOK_COMMANDS = ("lint", "check", "validate", "translate", "explain")


@click.command()
@input_options()
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default="error", show_default=True,
              help="Lowest severity that makes the exit code 1 (e.g. warning: also an assumed namespace).")
@diagnostics_options
def validate(filenames: tuple[str, ...], recursive: bool, fail_on: str, diagnostics_format: str,
             error_level: str) -> None:
    """Validate policies: NetworkIntents against the intent JSON Schema and the model's checks, native policies by
    importing them. Prints only diagnostics. Exit 0 valid, 1 a policy the intent model cannot hold (or anything at
    or above --fail-on), 2 bad input.

    \b
    Example:
      netpolx validate -f intents/ -R
      netpolx validate -f policies/ --fail-on warning --diagnostics-format github
    """
    diags = make_diagnostics(error_level)
    read_policies(filenames, diags, recursive)
    finish(diags, diagnostics_format, fail_on)


def holds_policy(path: str) -> bool:
    """Whether a file names a policy kind (pre-commit also hands over unrelated YAML: workflows, charts, ...)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return bool(POLICY_KIND.search(fh.read()))
    except OSError:
        return True  # let the command report it


def split_files(command: click.Command, args: list[str]) -> tuple[list[str], list[str]]:
    """The command's own arguments, and the file names (plain arguments that are not an option's value)."""
    takes_value = {name for p in command.params if isinstance(p, click.Option) and not p.is_flag and not p.count
                   for name in (*p.opts, *p.secondary_opts)}
    own: list[str] = []
    files: list[str] = []
    expect_value = False
    for arg in args:
        if expect_value:
            own.append(arg)
            expect_value = False
        elif arg.startswith("-") and arg != "-":
            own.append(arg)
            expect_value = "=" not in arg and arg in takes_value
        else:
            files.append(arg)
    return own, files


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("command", type=click.Choice(HOOK_COMMANDS))
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def hook(ctx: click.Context, command: str, args: tuple[str, ...]) -> None:
    """Run COMMAND as a pre-commit hook: pre-commit appends the staged file names to the arguments; they become
    `-f` inputs, and files that name no policy kind are skipped (a commit without policies passes).

    \b
    Example (.pre-commit-hooks.yaml does this):
      netpolx hook check --engine cilium policies/a.yaml policies/b.yaml
    """
    from translator.cli import cli

    target = cli.commands[command]
    own, files = split_files(target, list(args))
    policies = [f for f in files if Path(f).suffix.lower() in (".yaml", ".yml", ".json") and holds_policy(f)]
    if not policies:
        return
    argv = [*own, *[x for f in policies for x in ("-f", f)]]
    target.main(args=argv, prog_name=f"netpolx {command}", standalone_mode=False, parent=ctx)
