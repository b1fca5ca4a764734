"""`threatlint report PATH`: the risk register (Markdown or HTML) with a Mermaid data-flow diagram."""
from __future__ import annotations

from pathlib import Path

from ..settings import load_for
from ..engine.parse import decode
from ..report.document import build_report
from . import UsageError, model_files, today_arg
from .check import check_files
from .stdout import write_utf8

HELP = "render the risk register of a model (Markdown or self-contained HTML) with its data-flow diagram"


def add_arguments(p) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="model files, or directories to search for models")
    p.add_argument("--format", choices=("md", "html"), default="md", help="output format (default: md)")
    p.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of stdout")
    p.add_argument("--today", metavar="YYYY-MM-DD",
                   help="date for review and acceptance expiry (default: $THREATLINT_TODAY or the system date)")


def run(args) -> int:
    today = today_arg(args)
    files = model_files(args.paths)  # folders searched with each repository's model-patterns
    reports = []
    for path, (shown, findings) in zip(files, check_files(files, today), strict=True):
        text, error = decode(path.read_bytes())
        config = load_for(path)  # already read (and checked) by check_files
        reports.append(build_report(shown, None if error else text, findings, today, config.rating, config.stage))
    if args.format == "html":
        from ..report.render_html import render
    else:
        from ..report.render_md import render
    rendered = render(reports)
    if args.output:
        try:
            Path(args.output).write_text(rendered, encoding="utf-8")
        except OSError as e:
            raise UsageError(f"{args.output}: cannot write: {e.strerror or e}") from None
    else:
        write_utf8(rendered)
    return 0
