"""`threatlint drift [PATH...] [--traces FILE...]`: each model against the infrastructure files in its scope
and the services seen in OTLP JSON traces (docs/drift.md)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from ..settings import ConfigError, exclusion_for, load_for
from ..engine.finding import Finding, Range
from ..drift_scan import WorkTrees, parse_model, repository_drift, repository_root
from . import UsageError, model_files, output
from .check import display_path
from ..workspace import is_model_file

HELP = "compare each model with the compose, Kubernetes, Terraform and OpenAPI files in its scope, and with traces"


def add_arguments(p) -> None:
    p.add_argument("paths", nargs="*", default=["."], metavar="PATH", help="model files or directories (default: .)")
    p.add_argument("--traces", nargs="+", default=[], metavar="FILE",
                   help="OTLP JSON trace files (one ExportTraceServiceRequest per line, as the Collector's file "
                        "exporter writes them)")
    p.add_argument("--format", choices=("text", "json", "sarif"), default="text", help="output format (default: text)")
    p.add_argument("--fail-on", choices=("error", "warning", "info"), default="warning",
                   help="exit 1 when a finding is at or above this severity (default: warning)")
    p.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of stdout")


def run(args) -> int:
    from ..drift import check as drift
    from ..drift.traces import TraceReader

    trees = WorkTrees()
    models = _models(args.paths, trees)
    loaded = []
    for path in models:
        try:
            config = load_for(path)
        except ConfigError as e:
            raise UsageError(str(e)) from None
        doc = _parse_model(path)
        loaded.append((path, doc, config))
    results: list[tuple[str, list[Finding]]] = []
    for found in repository_drift([m for m in loaded if m[1] is not None], trees, display_path):
        results += [(display_path(found.root / rel), fs) for rel, fs in found.findings.items()]
    if args.traces:
        reader = TraceReader()
        for trace in args.traces:
            results += _stream(trace, reader)
        reader.finish()
        answers = [(path, doc) for path, doc, _ in loaded if doc is not None]
        for path, doc, config in loaded:
            if doc is None:
                continue
            others = [d for p, d in answers if p != path]
            found = drift.runtime(doc, reader.calls, reader.services, config, _answered_by(others))
            if found:
                results.append((display_path(path), found))
    return output.publish(results, args.format, lambda: _text(results, len(loaded), bool(args.traces)), args.output, args.fail_on)


def _models(paths, trees: WorkTrees) -> list[Path]:
    """Model files named or under the folders named. A folder inside a git work tree is searched in git's file
    list (which the scopes need anyway) instead of walking every folder again."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        root = repository_root(p.resolve() / "x") if p.is_dir() else None
        if root is None or not (root / ".git").exists():
            out += model_files([raw])
            continue
        try:
            patterns = load_for(p).model_patterns
            excluded = exclusion_for(root).under(root)  # the `exclude` setting, as every model search honours it
        except ConfigError as e:
            raise UsageError(str(e)) from None
        under = os.path.relpath(p.resolve(), root).replace(os.sep, "/")
        prefix = "" if under == "." else under + "/"
        found = [root / rel for rel in trees.candidates(root) if rel.startswith(prefix)
                 and is_model_file(rel, patterns) and not excluded(rel)]
        out += [Path(os.path.relpath(f)) if not p.is_absolute() else f for f in sorted(found)]
    if not out:
        raise UsageError(f"no threat model files found in {' '.join(map(str, paths))}")
    return list(dict.fromkeys(out))


def _parse_model(path: Path):
    try:
        doc = parse_model(path)
    except OSError as e:
        raise UsageError(f"{path}: cannot read: {e.strerror or e}") from None
    if doc is None:
        print(f"threatlint drift: {display_path(path)} does not parse; run `threatlint check` on it", file=sys.stderr)
    return doc


def _stream(path: str, reader) -> list[tuple[str, list[Finding]]]:
    """Feed a trace file to the reader line by line (memory stays bounded whatever its size)."""
    from ..rules import RULES

    before = len(reader.problems)
    try:
        with open(path, "rb") as fh:
            for n, line in enumerate(fh):
                reader.feed(line, n)
    except OSError as e:
        raise UsageError(f"--traces {path}: cannot read: {e.strerror or e}") from None
    new = reader.problems[before:]
    rule = RULES["TM500"]
    found = [Finding("TM500", rule.severity, f"cannot read this trace line: {p.message}", Range.of(p.line, 0, p.line, 0))
             for p in new]
    return [(path, found)] if found else []


def _answered_by(docs):
    from ..drift.matching import Answers
    from ..engine.model import Model

    answers = [Answers(Model(d)) for d in docs if isinstance(d.data, dict)]
    return lambda name: any(a.answer((name,)) is not None for a in answers)


def _text(results: list[tuple[str, list[Finding]]], models: int, traced: bool) -> str:
    lines = []
    for file, findings in results:
        for f in findings:
            s = f.range.start
            lines.append(f"{file}:{s.line + 1}:{s.character + 1}: {f.severity.value} {f.rule} {f.message}")
    n = sum(len(fs) for _, fs in results)
    word = "model" if models == 1 else "models"
    if n:
        lines.append(f"Found {n} drift finding{'s' if n != 1 else ''} for {models} {word}.")
    else:
        lines.append(f"No drift: {models} {word} checked against the infrastructure files in scope"
                     + (" and the traces." if traced else "."))
    return "\n".join(lines)
