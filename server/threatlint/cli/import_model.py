"""`threatlint import FILE`: write a threatlint model from a Threat Dragon, threat-composer, Threagile or OTM file."""
from __future__ import annotations

import sys
from pathlib import Path

from . import UsageError

HELP = "write a threatlint model from a Threat Dragon v2, threat-composer, Threagile or OTM file (docs/interchange.md)"


def add_arguments(p) -> None:
    from ..interchange import IMPORT_FORMATS

    p.add_argument("file", metavar="FILE", help="the other tool's model file")
    p.add_argument("-o", "--output", metavar="OUT", help="write the model to OUT (default: stdout)")
    p.add_argument("--force", action="store_true", help="replace OUT when it exists")
    p.add_argument("--from", dest="source_format", choices=IMPORT_FORMATS,
                   help="the format of FILE (default: detected from its content)")


def run(args) -> int:
    from ..engine import check_text
    from ..interchange import InterchangeError, importer
    from ..interchange.detect import detect, load
    from ..interchange.ledger import Ledger
    from ..interchange.writer import render

    path = Path(args.file)
    if args.output and Path(args.output).exists() and not args.force:
        raise UsageError(f"{args.output} exists: pass --force to replace it (an import writes a whole new model)")
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise UsageError(f"{path}: cannot read: {e.strerror or e}") from None
    try:
        data = load(raw, str(path))
        fmt = args.source_format or detect(data)
        if not isinstance(data, dict):
            raise InterchangeError(f"{path}: the top level is not an object, so it is not a {fmt} model")
        ledger = Ledger(f"{path.name} ({fmt})")
        model = importer(fmt)(data, ledger)
    except InterchangeError as e:
        raise UsageError(str(e)) from None
    header = [f"Imported from {path.name} ({fmt}) by `threatlint import`.",
              "Comments name the source field where a mapping is not one-to-one; x- keys hold fields",
              "threatlint has no key for (docs/interchange.md)."]
    text = render(model, header)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        report = sys.stdout
    else:
        sys.stdout.write(text)
        report = sys.stderr
    print(ledger.summary(), file=report)
    schema = [f for f in check_text(text) if f.rule in ("TM001", "TM002")]
    if schema:
        print(f"{len(schema)} schema finding(s) in the written model (run `threatlint check` on it):", file=report)
        for f in schema[:20]:
            print(f"  {f.range.start.line + 1}: {f.rule} {f.message}", file=report)
    return 0
