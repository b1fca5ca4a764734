"""Per-document incremental check: the engine's pipeline with cached parsing and schema validation.

`DocumentChecker.check(text, ctx)` returns exactly what
`threatlint.engine.check_text(text, ctx)` returns (tests compare them after
random edit sequences); it only avoids redoing the work of unchanged chunks.
"""
from __future__ import annotations

from ..engine.check import finalize, run_rules
from ..engine.config import apply as apply_config
from ..engine.context import CheckContext
from ..engine.finding import Finding
from ..engine.model import Model
from ..engine.parse import ParsedDoc
from ..rules import RULES
from .incremental import IncrementalParser
from .schema_cache import SchemaCache


class DocumentChecker:
    def __init__(self):
        self.parser = IncrementalParser()
        self.schema = SchemaCache()
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
        ctx = ctx or CheckContext()
        doc = self.parse(text)
        # Mirrors engine.check.check_document, with the schema stage cached per item.
        findings = list(doc.findings)
        if doc.ok:
            model = Model(doc)
            rule = RULES["TM002"]
            findings += [Finding("TM002", rule.severity, msg, model.range(path, part), tuple(path))
                         for path, part, msg in self.schema.issues(doc.data)]
            if isinstance(doc.data, dict):
                findings += run_rules(model, ctx)
        findings = apply_config(findings, doc.text, ctx.config, RULES)
        return finalize(findings, doc.text)
