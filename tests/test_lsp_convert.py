"""lsp/convert.py: findings -> diagnostics (one builder), positions in every encoding."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from threatlint.engine import check_text
from threatlint.engine.context import CheckContext
from threatlint.engine.finding import Finding, Range, Severity
from threatlint.links import rule_help_uri
from threatlint.lsp.convert import DiagnosticCache, Lines, diagnostic, diagnostic_dict


FIXTURE = (Path(__file__).parent / "fixtures" / "lsp" / "payments.threatmodel.yaml").read_text(encoding="utf-8")
CTX = CheckContext(today=date(2026, 11, 23))


# -- convert ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("encoding,width", [("utf-16", 4), ("utf-8", 8), ("utf-32", 2)])
def test_lines_convert_columns_in_the_negotiated_encoding(encoding, width):
    lines = Lines("a: '😀😀' x\n", encoding)
    col = "a: '😀😀' x".index("x")  # code points
    pos = lines.to_client(0, col)
    assert pos.character == 6 + width
    assert lines.from_client(pos) == (0, col)


def test_one_builder_for_diagnostics_and_the_cache_reuses_dicts():
    findings = check_text(FIXTURE, CTX)
    lines = Lines(FIXTURE)
    f = next(x for x in findings if x.rule == "TM401")
    d = diagnostic_dict(f, lines)
    typed = diagnostic(f, lines)
    assert (typed.code, typed.message, typed.range.start.line, typed.range.start.character, typed.source) == \
        (d["code"], d["message"], d["range"]["start"]["line"], d["range"]["start"]["character"], d["source"])
    assert typed.severity == d["severity"] == 2 and typed.data == d["data"]
    assert d["codeDescription"]["href"] == rule_help_uri("TM401")  # the rule's section of docs/rules.md
    cache = DiagnosticCache()
    first = cache.convert(findings, lines)
    again = cache.convert(findings, lines)
    assert all(a is b for a, b in zip(first, again)) and len(first) == len(findings)
    # A finding whose data changed gets a new dict.
    changed = [Finding(x.rule, x.severity, x.message, x.range, x.path, {"other": 1}) for x in findings]
    assert all(a is not b for a, b in zip(first, cache.convert(changed, lines)))


def test_diagnostic_data_is_json():
    f = Finding("TM999", Severity.INFO, "m", Range.of(0, 0, 0, 1), ("a", 0), {"when": date(2026, 1, 1), "s": {1}})
    d = diagnostic_dict(f, Lines("x\n"))
    assert d["data"]["data"] == {"when": "2026-01-01", "s": [1]} and "codeDescription" not in d
