"""`threatlint check PATH...`: lint model files for CI and the terminal."""
from __future__ import annotations

import os
from pathlib import Path

from ..settings import ConfigError, context_for
from ..engine import check_bytes
from ..engine.finding import Finding
from . import UsageError, model_files, today_arg, output
from ..workspace import git_root, repo_files

HELP = "check threat model files (or directories of them) against the schema and the STRIDE rules"


def add_arguments(p) -> None:
    p.add_argument("paths", nargs="*", default=["."], metavar="PATH", help="model files or directories (default: .)")
    p.add_argument("--format", choices=("text", "json", "sarif"), default="text", help="output format (default: text)")
    p.add_argument("--fail-on", choices=("error", "warning", "info"), default="error",
                   help="exit 1 when a finding is at or above this severity (default: error)")
    p.add_argument("--today", metavar="YYYY-MM-DD", help="date rules compare against (default: $THREATLINT_TODAY or the system date)")
    p.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of stdout")
    p.add_argument("--force-exclude", action="store_true",
                   help="skip files named on the command line when the configuration's exclude covers them "
                        "(the pre-commit hook passes this)")


def display_path(p: Path) -> str:
    try:
        rel = os.path.relpath(p)
    except ValueError:
        return str(p)
    return str(p) if rel.startswith("..") else rel


def check_files(files: list[Path], today) -> list[tuple[str, list[Finding]]]:
    """Check each file with the context of the repository it lives in (repo file list read once per repo)."""
    repos: dict[Path | None, tuple[str, ...] | None] = {}
    results = []
    for path in files:
        root = git_root(path.resolve())
        if root not in repos:
            repos[root] = repo_files(root) if root else None
        try:
            ctx = context_for(path, today=today, repo_files=repos[root])
        except ConfigError as e:
            raise UsageError(str(e)) from None
        try:
            raw = path.read_bytes()
        except OSError as e:
            raise UsageError(f"{path}: cannot read: {e.strerror or e}") from None
        results.append((display_path(path), check_bytes(raw, ctx)))
    return results


def run(args) -> int:
    today = today_arg(args)
    files = model_files(args.paths, args.force_exclude)  # folders searched with each repository's model-patterns
    results = check_files(files, today)
    return output.publish(results, args.format, lambda: output.text(results, len(files)), args.output, args.fail_on)
