"""`threatlint export MODEL --to FORMAT`: write a model as OTM, Threat Dragon v2 or DefectDojo findings JSON."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from . import UsageError

HELP = "write a threat model as OTM 0.2, Threat Dragon v2 or DefectDojo Generic Findings Import JSON (docs/interchange.md)"


def add_arguments(p) -> None:
    from ..interchange import EXPORT_FORMATS

    p.add_argument("model", metavar="MODEL", help="the threat model file")
    p.add_argument("--to", dest="target", required=True, choices=EXPORT_FORMATS, help="the format to write")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: stdout)")


def _repo_relative(path: Path) -> str:
    """The model's path as DefectDojo should show it: from the repository root when there is one."""
    from ..workspace import git_root

    root = git_root(path.resolve())
    if root is None:
        return path.as_posix()
    try:
        return Path(os.path.relpath(path.resolve(), root.resolve())).as_posix()
    except ValueError:
        return path.as_posix()


def run(args) -> int:
    from ..engine.locate import locate
    from ..engine.parse import decode, parse_yaml
    from ..interchange import exporter

    path = Path(args.model)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise UsageError(f"{path}: cannot read: {e.strerror or e}") from None
    text, error = decode(raw)
    doc = parse_yaml(text) if error is None else None
    problem = error or (doc.findings[0] if doc.findings else None)
    if problem is not None:
        start = problem.range.start
        raise UsageError(f"{path}:{start.line + 1}:{start.character + 1}: {problem.message}")
    if not isinstance(doc.data, dict):
        raise UsageError(f"{path}: not a threat model (the top level is not a mapping)")
    threats = doc.data.get("threats") if isinstance(doc.data.get("threats"), list) else []
    lines = {t["id"]: locate(doc.pos, ("threats", i), "key").start.line + 1
             for i, t in enumerate(threats) if isinstance(t, dict) and isinstance(t.get("id"), str)}
    result = exporter(args.target)(doc.data, _repo_relative(path), lines)
    rendered = json.dumps(result, indent=2, ensure_ascii=False) + "\n"
    if args.output:
        Path(args.output).write_text(rendered, encoding="utf-8")
    else:
        sys.stdout.write(rendered)
    return 0
