"""Per-document incremental check: the engine's pipeline with the editor's caches plugged in.

`DocumentChecker.check(text, ctx)` returns exactly what
`threatlint.engine.check_text(text, ctx)` returns (tests compare them after
random edits on every YAML layout); it only avoids redoing the work of
unchanged chunks (parse), items (schema) and what each rule reads (rules).
"""
from __future__ import annotations

from ..engine.check import check_document
from ..engine.context import CheckContext
from ..engine.finding import Finding
from ..engine.parse import ParsedDoc
from ..engine.rule_cache import RuleCache
from .incremental import IncrementalParser
from .schema_cache import SchemaCache


class EditorCaches:
    """The caches `engine.check.check_document` accepts: TM002 per list item, rule hits per what each rule reads."""

    def __init__(self):
        self.schema = SchemaCache()
        self.rules = RuleCache()

    def schema_issues(self, data):
        return self.schema.issues(data)

    def hits(self, rules, model, ctx, tolerant):
        return self.rules.hits(rules, model, ctx, tolerant)


class DocumentChecker:
    def __init__(self):
        self.parser = IncrementalParser()
        self.caches = EditorCaches()
        self.doc: ParsedDoc | None = None  # the latest parse
        self.last_good: ParsedDoc | None = None  # the latest parse that succeeded (completion uses it mid-edit)

    def parse(self, text: str) -> ParsedDoc:
        if self.doc is not None and self.doc.text == text:
            return self.doc
        doc = self.parser.parse(text)
        self.doc = doc
        if doc.ok and isinstance(doc.data, dict):
            self.last_good = doc
        return doc

    def check(self, text: str, ctx: CheckContext | None = None) -> list[Finding]:
        return check_document(self.parse(text), ctx, self.caches)
