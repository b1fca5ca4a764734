"""`threatlint` command line: one subcommand per module, imported only when used."""
from __future__ import annotations

import argparse
import importlib
import sys

from .. import __version__

# name -> module (each has add_arguments(parser) and run(args) -> int, and a one-line HELP)
COMMANDS = {
    "check": "threatlint.cli.check",
    "gate": "threatlint.cli.gate",
    "suggest": "threatlint.cli.suggest",
    "report": "threatlint.cli.report",
    "status": "threatlint.cli.status",
    "portfolio": "threatlint.cli.portfolio",
    "init": "threatlint.cli.init",
    "lsp": "threatlint.cli.lsp",
    "import": "threatlint.cli.import_model",
    "export": "threatlint.cli.export_model",
    "drift": "threatlint.cli.drift",
}


class UsageError(Exception):
    """Bad arguments or environment: exit code 2."""


def today_arg(args):
    """The date rules compare against: --today, else $THREATLINT_TODAY, else the system date."""
    from ..engine import resolve_today

    try:
        return resolve_today(getattr(args, "today", None))
    except ValueError as e:
        raise UsageError(str(e)) from None


def model_files(paths, force_exclude: bool = False) -> list:
    """Model files named or found under `paths` (with each repository's model-patterns and exclude); exit 2 if none.

    With `force_exclude`, files named explicitly are dropped when the configuration excludes them (pre-commit
    passes every staged model), and finding none is not an error.
    """
    from ..settings import ConfigError, expand

    try:
        files, errors = expand(paths, force_exclude=force_exclude)
    except ConfigError as e:
        raise UsageError(str(e)) from None
    if errors:
        raise UsageError("; ".join(errors))
    if not files and not force_exclude:
        raise UsageError(f"no threat model files found in {' '.join(map(str, paths))} "
                         "(looked for threatmodel.yaml, *.threatmodel.yaml, *.threatmodel.yml)")
    return files


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["--version"]:  # answered before any subcommand module is imported (~200 ms of them)
        print(f"threatlint {__version__}")
        return 0
    parser = argparse.ArgumentParser(prog="threatlint", description="Threat models as code: STRIDE findings, a pre-commit gate and a risk register.")
    parser.add_argument("--version", action="version", version=f"threatlint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = argv[0] if argv and argv[0] in COMMANDS else None
    modules = {}
    for name, modname in COMMANDS.items():
        if wanted and name != wanted:
            sub.add_parser(name)  # listed, but its module is not imported
            continue
        mod = importlib.import_module(modname)
        modules[name] = mod
        p = sub.add_parser(name, help=mod.HELP, description=mod.HELP)
        mod.add_arguments(p)
    args = parser.parse_args(argv)  # exits 2 on usage errors, as argparse does
    if not args.command:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(modules[args.command].run(args) or 0)
    except UsageError as e:
        print(f"threatlint {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
