"""docs/rules.md: generated from the rule registry, current, and its examples do what they say."""
from pathlib import Path

import pytest

from threatlint.engine import CheckContext, check_text
from threatlint.rules import RULES
from threatlint.rules.docs import EXAMPLE_REPO_FILES, EXAMPLE_TODAY, PRELUDE, render_markdown

ROOT = Path(__file__).resolve().parents[1]
STRUCTURAL = ("TM001", "TM002", "TM003", "TM004")


def _check(fragment: str):
    ctx = CheckContext(today=EXAMPLE_TODAY, repo_files=EXAMPLE_REPO_FILES)
    return check_text(PRELUDE + fragment, ctx)


def test_docs_rules_md_is_current():
    page = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert page == render_markdown(), "docs/rules.md is stale: run `python scripts/regenerate.py` and commit it"


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_every_rule_is_documented(rule_id):
    r = RULES[rule_id]
    for field in ("summary", "help", "why", "fix", "bad", "good"):
        assert getattr(r, field).strip(), f"{rule_id} has no {field}: add it to the rule's registration"
    assert r.bad != r.good


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_failing_example_triggers_the_rule_and_passing_one_does_not(rule_id):
    r = RULES[rule_id]
    bad = _check(r.bad)
    assert [f for f in bad if f.rule == rule_id], f"{rule_id}'s failing example does not trigger it"
    assert [f.rule for f in bad if f.rule in STRUCTURAL and f.rule != rule_id] == [], "the example has other errors"
    good = _check(r.good)
    assert [f.message for f in good if f.rule == rule_id] == [], f"{rule_id}'s passing example triggers it"
    assert [f.rule for f in good if f.rule in STRUCTURAL] == [], "the passing example is not a valid model"


def test_a_new_family_gets_a_section_of_its_own():
    from dataclasses import replace

    extra = dict(RULES)
    extra["TM599"] = replace(RULES["TM404"], id="TM599", family="drift", summary="Something drifted")
    page = render_markdown(extra)
    assert "## Drift (TM599)" in page and "### TM599" in page and "[TM599](#tm599)" in page
