"""`threatlint portfolio REPO...`: the steward's view of every model in many repositories, most at risk first."""
from __future__ import annotations

import json
import sys

from . import UsageError, today_arg
from .progress import Progress
from .status import add_cycle_arguments, check_cycle_arguments, write_output

HELP = "every model of many repositories, most at risk first, with metrics per release (text, JSON or an HTML page)"
MONTHS = 12


def add_arguments(p) -> None:
    p.add_argument("repos", nargs="+", metavar="REPO",
                   help="git checkouts, or files listing them (one path a line, # comments, relative to the file)")
    p.add_argument("--format", choices=("text", "json", "html"), default="text",
                   help="output format; html is one self-contained page with charts (default: text)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    p.add_argument("--today", metavar="YYYY-MM-DD",
                   help="date reviews and acceptances are due against (default: $THREATLINT_TODAY or today)")
    p.add_argument("--max-versions", type=int, default=100, metavar="N",
                   help="read at most the newest N versions of each model for the metrics (default: 100)")
    p.add_argument("--months", type=int, default=MONTHS, metavar="N",
                   help=f"calendar months the portfolio-wide charts cover, up to today's (default: {MONTHS})")
    add_cycle_arguments(p)


def run(args) -> int:
    from ..portfolio.collect import collect
    from ..portfolio.sources import repositories

    today = today_arg(args)
    if args.max_versions < 0:
        raise UsageError("--max-versions must be 0 or more")
    if args.months < 1:
        raise UsageError("--months must be 1 or more")
    check_cycle_arguments(args)
    paths, errors = repositories(args.repos)
    if errors:
        raise UsageError("; ".join(errors))
    if not paths:
        raise UsageError(f"no repositories listed in {' '.join(args.repos)}")
    progress = Progress(len(paths), "repositories", sys.stderr)
    try:
        report = collect(paths, today, args.max_versions, args.tags, args.cycles, args.months,
                         on_repository=progress.step)
    finally:
        progress.close()
    if args.format == "html":
        from ..portfolio.page import portfolio_page

        rendered = portfolio_page(report)
    elif args.format == "json":
        rendered = json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    else:
        from ..portfolio.text import render

        rendered = render(report)
    write_output(rendered, args.output)
    for r in report["repositories"]:
        if r["error"]:
            print(f"threatlint portfolio: {r['path']}: {r['error']}", file=sys.stderr)
    return 1 if any(r["error"] for r in report["repositories"]) else 0
