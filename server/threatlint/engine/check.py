"""The pipeline: text -> parsed document -> schema findings -> rule findings."""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterable, Protocol

from .selection import apply as apply_config
from .context import CheckContext
from .finding import Finding, Position, Range, Severity
from .lines import lsp_lines
from .model import Model
from .parse import ParsedDoc, decode, parse_yaml
from .schema import schema_issues

if TYPE_CHECKING:
    from ..rules.registry import Hit, Rule


def _rules():
    # Imported on first use: the rules import the engine's modules, so a module-level
    # import here would make `import threatlint.rules` (before the engine) circular.
    from ..rules import RULES
    return RULES


class Caches(Protocol):
    """What a caller that checks successive versions of one document (the editor) plugs into the pipeline:
    results it can keep from the previous version. Both must return exactly what the uncached stage would."""

    def schema_issues(self, data) -> list[tuple[tuple, str, str]]: ...

    def hits(self, rules: list[Rule], model: Model, ctx: CheckContext, tolerant: bool) -> list[tuple[Rule, list[Hit]]]: ...


def _fresh_hits(rules: list[Rule], model: Model, ctx: CheckContext, tolerant: bool) -> list[tuple[Rule, list[Hit]]]:
    out = []
    for rule in rules:
        try:
            out.append((rule, list(rule.check(model, ctx))))
        except Exception:
            if not tolerant:
                raise
    return out


def run_rules(model: Model, ctx: CheckContext, rules: Iterable[Rule] | None = None, tolerant: bool = False,
              caches: Caches | None = None) -> list[Finding]:
    """Every rule's findings. `tolerant` (the document breaks the schema, TM002 says where): a rule that
    trips over a shape the schema forbids is skipped instead of failing the whole check. On a
    schema-valid document a rule that raises is a bug and the error propagates."""
    floor = ctx.min_severity.rank if ctx.min_severity is not None else None
    stage = model.stage(ctx.config.stage)
    chosen = []
    for rule in rules if rules is not None else _rules().values():
        if rule.check is None or not ctx.config.enabled(rule.id):
            continue  # a disabled rule's findings would be dropped by apply_config anyway
        if not runs_at_stage(rule, stage, ctx):
            continue
        if floor is not None and ctx.config.severity_of(rule.id, rule.severity).rank < floor:
            continue
        chosen.append(rule)
    hits = caches.hits if caches is not None else _fresh_hits
    return [to_finding(rule, hit, model) for rule, found in hits(chosen, model, ctx, tolerant) for hit in found]


def runs_at_stage(rule: Rule, stage: str, ctx: CheckContext) -> bool:
    """Whether a rule runs at the model's stage: it declares the stage, or `select` names it by its id."""
    return rule.runs_at(stage) or ctx.config.names(rule.id)


def to_finding(rule: Rule, hit: Hit, model: Model) -> Finding:
    rng = model.range(hit.path, "key" if hit.part == "anchor" else hit.part)
    return Finding(rule.id, rule.severity, hit.message, rng, tuple(hit.path), dict(hit.data))


def schema_findings(model: Model, caches: Caches | None = None) -> list[Finding]:
    rule = _rules()["TM002"]
    issues = caches.schema_issues(model.doc.data) if caches is not None else schema_issues(model.doc.data)
    return [Finding("TM002", rule.severity, msg, model.range(path, part), tuple(path)) for path, part, msg in issues]


@contextmanager
def gc_paused():
    """A check makes and drops many small containers and hardly any reference cycles (those it makes are
    collected once it is done). Left running, the cyclic collector rescans the whole parsed model again and
    again as they pile up: more than the rules' own time on a 1,000-threat model (docs/performance.md)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def check_document(doc: ParsedDoc, ctx: CheckContext | None = None, caches: Caches | None = None) -> list[Finding]:
    """The pipeline. `caches` (the editor's) keep results of the previous version of the same document."""
    with gc_paused():
        return _check_document(doc, ctx, caches)


def _check_document(doc: ParsedDoc, ctx: CheckContext | None, caches: Caches | None) -> list[Finding]:
    ctx = ctx or CheckContext()
    findings = list(doc.findings)
    if doc.ok:
        model = Model(doc)
        schema = schema_findings(model, caches)
        findings += schema
        if isinstance(doc.data, dict):
            findings += run_rules(model, ctx, tolerant=bool(schema), caches=caches)
    findings = apply_config(findings, doc.text, ctx.config, _rules())  # suppressions, select/ignore, severity
    if ctx.min_severity is not None:
        findings = [f for f in findings if f.severity.rank >= ctx.min_severity.rank]
    return finalize(findings, doc.text)


def check_text(text: str, ctx: CheckContext | None = None) -> list[Finding]:
    return check_document(parse_yaml(text), ctx)


def check_bytes(raw: bytes, ctx: CheckContext | None = None) -> list[Finding]:
    text, error = decode(raw)
    if error is not None:
        return [error]
    return check_text(text, ctx)


def finalize(findings: list[Finding], text: str) -> list[Finding]:
    """Sort, drop exact repeats and clamp every range into the document (LSP clients reject others)."""
    lines = lsp_lines(text)
    last = len(lines) - 1

    def clamp(p: Position) -> Position:
        line = min(max(p.line, 0), last)
        width = len(lines[line])
        return Position(line, min(max(p.character, 0), width))

    seen = set()
    out = []
    for f in findings:
        start, end = clamp(f.range.start), clamp(f.range.end)
        if end < start:
            end = start
        if (start, end) != (f.range.start, f.range.end):
            f = Finding(f.rule, f.severity, f.message, Range(start, end), f.path, f.data)
        key = (f.rule, f.range, f.message)
        if key in seen:
            continue
        seen.add(key)
        out.append(f)
    out.sort(key=Finding.sort_key)
    return out


def max_severity(findings: Iterable[Finding]) -> Severity | None:
    best = None
    for f in findings:
        if best is None or f.severity.rank > best.rank:
            best = f.severity
    return best
