#!/usr/bin/env bash
# The netpolx GitHub Action's script: action.yml runs it, and tests/test_action.py runs this same file.
#
# Environment (the action's inputs):
#   NETPOLX_ARGS      the netpolx command and its arguments, e.g. `lint -f policies/ -R` (shell quoting allowed)
#   NETPOLX_SARIF     where to write the SARIF log (default netpolx.sarif)
#   NETPOLX_INSTALL   auto (install when `netpolx` is not on PATH), always, never
#   NETPOLX_VERSION   what to pip install (a version like 0.1.0, or any pip requirement); default NETPOLX_SOURCE
#   NETPOLX_SOURCE    the action's checkout (installed when no version is given)
#   NETPOLX_DEFER_EXIT=1   exit 0 and leave the command's exit code in the `exit-code` output (the action fails
#                          in its last step, after the SARIF upload)
# Prints the command's stdout, and one GitHub annotation per diagnostic on stderr. Outputs (to $GITHUB_OUTPUT when set):
#   exit-code, sarif-file (empty when no SARIF was written, e.g. on a usage error).
set -uo pipefail

args="${NETPOLX_ARGS:?set NETPOLX_ARGS: the command input}"
sarif="${NETPOLX_SARIF:-netpolx.sarif}"
install="${NETPOLX_INSTALL:-auto}"
output="${GITHUB_OUTPUT:-/dev/null}"

if [ "$install" = always ] || { [ "$install" = auto ] && ! command -v netpolx >/dev/null 2>&1; }; then
  if [ -n "${NETPOLX_VERSION:-}" ]; then
    case "$NETPOLX_VERSION" in
      [0-9]*) requirement="netpolx==$NETPOLX_VERSION" ;;
      *) requirement="$NETPOLX_VERSION" ;;
    esac
  else
    requirement="${NETPOLX_SOURCE:?set NETPOLX_VERSION or NETPOLX_SOURCE}"
  fi
  echo "::group::pip install $requirement"
  python3 -m pip install --quiet "$requirement" || { echo "::error title=netpolx::pip install $requirement failed"; exit 2; }
  echo "::endgroup::"
fi

eval "set -- $args"
mkdir -p "$(dirname "$sarif")"
rm -f "$sarif"
# One run: annotations on stderr (GitHub shows them on the pull request), every diagnostic as SARIF in the file.
netpolx "$@" --diagnostics-format github --diagnostics-file "$sarif" --diagnostics-file-format sarif
code=$?
if [ -s "$sarif" ]; then
  echo "sarif-file=$sarif" >>"$output"
else
  echo "::error title=netpolx::netpolx $args failed with exit code $code"   # e.g. a usage error, shown above
  echo "sarif-file=" >>"$output"
fi
echo "exit-code=$code" >>"$output"
if [ "${NETPOLX_DEFER_EXIT:-}" = 1 ]; then
  exit 0
fi
exit "$code"
