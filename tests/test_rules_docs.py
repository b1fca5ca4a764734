"""docs/rules.md: generated from the rule registry, current, and its examples do what they say."""
from pathlib import Path

import pytest

from threatlint.rules import RULES
from threatlint.rules.docs import render_markdown
from threatlint.rules.examples import check_model, example_findings

ROOT = Path(__file__).resolve().parents[1]
STRUCTURAL = ("TM001", "TM002", "TM003", "TM004")
DRIFT = sorted(i for i, r in RULES.items() if r.family == "drift")


def test_docs_rules_md_is_current():
    page = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert page == render_markdown(), "docs/rules.md is stale: run `python scripts/regenerate.py` and commit it"


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_every_rule_is_documented(rule_id):
    r = RULES[rule_id]
    for field in ("summary", "help", "why", "fix", "bad", "good"):
        assert getattr(r, field).strip(), f"{rule_id} has no {field}: add it to the rule's registration"
    if r.family == "drift":  # judged against infrastructure: the examples need the file beside the model
        assert r.infra is not None and r.infra.path and r.infra.bad.strip(), f"{rule_id} has no infra example"
    infra = (r.infra.bad, r.infra.passing) if r.infra else ("", "")
    assert (r.bad, infra[0]) != (r.good, infra[1]), f"{rule_id}'s examples are the same"


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_failing_example_triggers_the_rule_and_passing_one_does_not(rule_id):
    r = RULES[rule_id]
    bad = example_findings(r, passing=False)
    assert [f for f in bad if f.rule == rule_id], f"{rule_id}'s failing example does not trigger it"
    model = bad if r.infra is None else check_model(r.bad)
    assert [f.rule for f in model if f.rule in STRUCTURAL and f.rule != rule_id] == [], "the example has other errors"
    good = example_findings(r, passing=True)
    assert [f.message for f in good if f.rule == rule_id] == [], f"{rule_id}'s passing example triggers it"
    model = good if r.infra is None else check_model(r.good)
    assert [f.rule for f in model if f.rule in STRUCTURAL] == [], "the passing example is not a valid model"


@pytest.mark.parametrize("rule_id", DRIFT)
def test_drift_examples_are_checked_against_their_file(rule_id):
    """The model alone does not decide a drift example: judged against an empty repository (no file, no
    traces), the failing example's model is silent, so it is the file that makes it fail."""
    from dataclasses import replace

    r = RULES[rule_id]
    empty = replace(r, infra=replace(r.infra, bad="", before=""))
    assert [f for f in example_findings(empty, passing=False) if f.rule == rule_id] == []


def test_drift_examples_appear_with_their_file():
    page = render_markdown()
    for rule_id in DRIFT:
        section = page.split(f"### {rule_id}\n", 1)[1].split("\n### ", 1)[0]
        infra = RULES[rule_id].infra
        assert f"`{infra.path}`" in section and infra.bad.rstrip() in section, rule_id
        if infra.before:
            assert infra.before.rstrip() in section, rule_id


def test_a_new_family_gets_a_section_of_its_own():
    from dataclasses import replace

    extra = dict(RULES)
    # A family with no module yet is titled by its name; one with a module by its docstring's first sentence.
    extra["TM699"] = replace(RULES["TM404"], id="TM699", family="secrets", summary="Something leaked")
    page = render_markdown(extra)
    assert "## Secrets (TM699)" in page and "### TM699" in page and "[TM699](#tm699)" in page
    assert "## Drift: the model against what the repository deploys and what runs (TM500-TM503)" in page
