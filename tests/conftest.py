"""Shared test helpers: lint a rule fixture, and find a node's range by the text around it."""
from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import settings

from threatlint.engine import CheckContext, check_text
from threatlint.engine.finding import Range

# Property tests draw the same examples on every run (a CI verdict can be reproduced); a long fuzz run
# (FUZZ_EXAMPLES set, see tests/fuzz_strategies.py) explores at random instead.
settings.register_profile("threatlint", derandomize="FUZZ_EXAMPLES" not in os.environ)
settings.load_profile("threatlint")

FIXTURES = Path(__file__).parent / "fixtures"
RULE_FIXTURES = FIXTURES / "rules"
# The fixtures' "today": every date-dependent fixture is written relative to it.
TODAY = date(2026, 11, 23)


def span(text: str, marked: str) -> Range:
    """0-based range of the part of `marked` inside [[...]], where `marked` occurs exactly once in `text`.

    `span(text, "encrypted_at_rest: [[false]]")` is the range of that `false`.
    Expected ranges come from the fixture's text, independently of the parser.
    """
    m = re.fullmatch(r"(.*)\[\[(.*?)\]\](.*)", marked, re.S)
    before, target, after = m.groups() if m else ("", marked, "")
    needle = before + target + after
    count = text.count(needle)
    assert count == 1, f"{needle!r} occurs {count} times in the fixture; make it unique"
    start = text.index(needle) + len(before)
    end = start + len(target)
    line = text.count("\n", 0, start)
    col = start - (text.rfind("\n", 0, start) + 1)
    end_line = text.count("\n", 0, end)
    end_col = end - (text.rfind("\n", 0, end) + 1)
    return Range.of(line, col, end_line, end_col)


def lint(name: str, rule: str | None = None, **ctx):
    """(text, findings) of a fixture under tests/fixtures/rules, optionally only one rule's findings."""
    text = (RULE_FIXTURES / name).read_text(encoding="utf-8")
    ctx.setdefault("today", TODAY)
    found = check_text(text, CheckContext(**ctx))
    return text, [f for f in found if rule is None or f.rule == rule]


@pytest.fixture(name="lint")
def lint_fixture():
    return lint


@pytest.fixture(name="span")
def span_fixture():
    return span
