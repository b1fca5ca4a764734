"""TM301-TM306: business impact, priority rubric, ownership, risk acceptance, residual risk."""
from datetime import date

from threatlint.engine.finding import Severity
from threatlint.engine.model import level_for_score

ERROR, WARNING = Severity.ERROR, Severity.WARNING


def located(findings):
    return [(f.rule, f.severity, f.range) for f in findings]


def test_priority_rubric_thresholds():
    assert [level_for_score(s) for s in (1, 2, 3, 4, 6, 8, 9, 12, 16)] == [
        "low", "low", "medium", "medium", "high", "high", "high", "critical", "critical"]


def test_tm301_no_business_impact_at_the_impact_key(lint, span):
    text, found = lint("tm301_trigger.yaml", "TM301")
    assert located(found) == [("TM301", WARNING, span(text, "    [[impact]]:"))]


def test_tm301_clean(lint):
    # any one of blast_radius, records_exposed (even 0), regulatory or financial states the impact
    _, found = lint("tm301_clean.yaml", "TM301")
    assert found == []


def test_tm302_priority_below_rubric_at_the_priority(lint, span):
    text, found = lint("tm302_trigger.yaml", "TM302")
    assert located(found) == [
        ("TM302", WARNING, span(text, "impact: {severity: critical}\n    priority: [[high]]")),
        ("TM302", WARNING, span(text, "priority: [[low]]")),
    ]
    assert "= 12 -> critical" in found[0].message and "= 4 -> medium" in found[1].message


def test_tm302_clean(lint):
    # a rationale excuses a lower priority; equal or higher than the rubric is fine
    _, found = lint("tm302_clean.yaml", "TM302")
    assert found == []


def test_tm303_high_or_critical_threat_without_owner(lint, span):
    text, found = lint("tm303_trigger.yaml", "TM303")
    assert located(found) == [
        ("TM303", ERROR, span(text, "- id: [[T-1]]")),
        ("TM303", ERROR, span(text, "- id: [[T-2]]")),
    ]


def test_tm303_clean(lint):
    _, found = lint("tm303_clean.yaml", "TM303")
    assert found == []


def test_tm304_incomplete_acceptance_one_finding_naming_what_is_missing(lint, span):
    text, found = lint("tm304_trigger.yaml", "TM304")
    assert located(found) == [
        ("TM304", ERROR, span(text, "status: [[accepted]]\n  - id: T-2")),  # no acceptance at all: at the status
        ("TM304", ERROR, span(text, "    [[acceptance]]:")),
    ]
    assert "lacks by, rationale, expires" in found[0].message
    assert "lacks rationale, expires" in found[1].message


def test_tm304_clean(lint):
    _, found = lint("tm304_clean.yaml", "TM304")
    assert found == []


def test_tm305_expired_acceptance_at_the_date(lint, span):
    text, found = lint("tm305_trigger.yaml", "TM305")
    assert located(found) == [("TM305", WARNING, span(text, "expires: [[2026-11-22]]"))]


def test_tm305_clean(lint):
    # expiring today is not expired yet; a mitigated threat's old acceptance no longer matters
    _, found = lint("tm305_clean.yaml", "TM305")
    assert found == []


def test_tm305_follows_today(lint):
    _, found = lint("tm305_clean.yaml", "TM305", today=date(2026, 11, 24))
    assert len(found) == 1


def test_tm306_mitigated_without_residual_risk_at_the_status(lint, span):
    text, found = lint("tm306_trigger.yaml", "TM306")
    assert located(found) == [("TM306", WARNING, span(text, "status: [[mitigated]]"))]


def test_tm306_clean(lint):
    _, found = lint("tm306_clean.yaml", "TM306")
    assert found == []
