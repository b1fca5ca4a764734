"""`threatlint init [PATH]`: write a starter threatmodel.yaml for a directory."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from ..engine import resolve_today
from ..scaffold.entrypoints import detect
from ..scaffold.template import starter_model
from . import UsageError
from ..workspace import git_root

HELP = "write a starter threatmodel.yaml for a directory (scope, system name, detected entry points)"


def add_arguments(p) -> None:
    p.add_argument("path", nargs="?", default=".", metavar="PATH", help="the directory the model covers (default: .)")
    p.add_argument("--force", action="store_true", help="overwrite an existing threatmodel.yaml")
    p.add_argument("--no-detect", action="store_true", help="do not scan the directory for entry points")
    p.add_argument("--today", metavar="YYYY-MM-DD", help="date written as review.last_reviewed (default: $THREATLINT_TODAY or today)")


def scope_pattern(directory: Path) -> tuple[str, str | None]:
    """`dir/**` relative to the repository root (or `**` at the root), and a note when not in a repository."""
    root = git_root(directory)
    base = root if root is not None else directory
    rel = os.path.relpath(directory, base.resolve()).replace(os.sep, "/")
    pattern = "**" if rel in (".", "") else f"{rel}/**"
    note = None if root is not None else "not inside a git repository: scope is relative to this directory"
    return pattern, note


def run(args) -> int:
    try:
        today = resolve_today(args.today)
    except ValueError as e:
        raise UsageError(str(e)) from None
    directory = Path(args.path)
    if not directory.is_dir():
        raise UsageError(f"{args.path}: not a directory")
    directory = directory.resolve()
    target = directory / "threatmodel.yaml"
    if target.exists() and not args.force:
        raise UsageError(f"{target} already exists; edit it, or pass --force to overwrite it")
    pattern, note = scope_pattern(directory)
    entry_points = [] if args.no_detect else detect(directory)
    text = starter_model(directory.name or "system", pattern, today, entry_points, note)
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as e:
        raise UsageError(f"{target}: cannot write: {e.strerror or e}") from None
    found = f", {len(entry_points)} entry point{'s' if len(entry_points) != 1 else ''} detected" if entry_points else ""
    print(f"wrote {target} (scope {pattern}{found}); fill in the TODOs, then run: threatlint check {target}", file=sys.stderr)
    return 0
