"""TM401-TM404: review cadence, untracked mitigations, unvalidated assumptions, dead scope paths."""
from datetime import date

from threatlint.engine.finding import Severity

WARNING, INFO = Severity.WARNING, Severity.INFO
REPO = ("services/login/app.py", "services/login/tests/test_app.py", "docs/login.md", "README.md")


def located(findings):
    return [(f.rule, f.severity, f.range) for f in findings]


def test_tm401_review_overdue_at_last_reviewed(lint, span):
    text, found = lint("tm401_trigger.yaml", "TM401")
    assert located(found) == [("TM401", WARNING, span(text, "last_reviewed: [[2026-08-24]]"))]
    assert "due 2026-11-22 (1 day ago)" in found[0].message


def test_tm401_clean_due_today(lint):
    _, found = lint("tm401_clean.yaml", "TM401")
    assert found == []


def test_tm401_follows_today(lint):
    assert len(lint("tm401_clean.yaml", "TM401", today=date(2026, 11, 24))[1]) == 1
    assert lint("tm401_trigger.yaml", "TM401", today=date(2026, 11, 22))[1] == []


def test_tm402_unimplemented_mitigation_without_ticket(lint, span):
    text, found = lint("tm402_trigger.yaml", "TM402")
    assert located(found) == [
        ("TM402", INFO, span(text, "{id: [[M-1]]")),
        ("TM402", INFO, span(text, "- id: [[M-2]]")),
    ]


def test_tm402_clean(lint):
    _, found = lint("tm402_clean.yaml", "TM402")
    assert found == []


def test_tm403_unvalidated_assumptions_at_the_default_stage_are_one_finding_naming_them(lint, span):
    text, found = lint("tm403_trigger.yaml", "TM403")
    assert located(found) == [("TM403", WARNING, span(text, "[[assumptions]]:"))]
    assert found[0].data["assumptions"] == ["A-1", "A-2"]
    assert "2 assumptions are not validated: A-1, A-2." in found[0].message


def test_tm403_unvalidated_assumption_at_the_operational_stage_is_one_finding_each(lint, span):
    from threatlint.engine.selection import Config

    text, found = lint("tm403_trigger.yaml", "TM403", config=Config(stage="operational"))
    assert located(found) == [
        ("TM403", WARNING, span(text, "{id: [[A-1]]")),
        ("TM403", WARNING, span(text, "- id: [[A-2]]")),
    ]


def test_tm403_groups_at_draft_and_design_and_caps_the_list():
    """threat-composer workspaces list 15-19 assumptions, mostly design decisions and scope statements: one
    warning each buried the model. Grouped, they are named in one finding; the list in the message is capped."""
    from threatlint.engine import CheckContext, check_text
    from conftest import TODAY

    items = "".join(f"  - {{id: A-{n}, text: Assumption number {n} about the deployment}}\n" for n in range(1, 9))
    for stage in ("draft", "design"):
        text = f"version: 1\nsystem: {{name: Shop}}\nreview: {{stage: {stage}}}\nassumptions:\n" + items
        found = [f for f in check_text(text, CheckContext(today=TODAY)) if f.rule == "TM403"]
        assert len(found) == 1 and found[0].path == ("assumptions",), stage
        assert "8 assumptions are not validated: A-1, A-2, A-3, A-4, A-5 and 3 more." in found[0].message
        assert found[0].data["assumptions"] == [f"A-{n}" for n in range(1, 9)]
    text = "version: 1\nsystem: {name: Shop}\nreview: {stage: operational}\nassumptions:\n" + items
    assert len([f for f in check_text(text, CheckContext(today=TODAY)) if f.rule == "TM403"]) == 8


def test_tm403_a_single_unvalidated_assumption_is_reported_on_itself():
    from threatlint.engine import CheckContext, check_text
    from conftest import TODAY

    text = """version: 1
system: {name: Shop}
assumptions:
  - {id: A-1, text: The admin API is reachable from the VPN only}
  - {id: A-2, text: Payment webhooks are signed, validated: true, evidence: code review 2026-10}
"""
    found = [f for f in check_text(text, CheckContext(today=TODAY)) if f.rule == "TM403"]
    assert [(f.path, f.message.split(" ")[1]) for f in found] == [(("assumptions", 0), "'A-1'")]


def test_tm403_clean(lint):
    _, found = lint("tm403_clean.yaml", "TM403")
    assert found == []


def test_tm404_scope_path_matching_no_file(lint, span):
    text, found = lint("tm404_trigger.yaml", "TM404", repo_files=REPO)
    assert located(found) == [
        ("TM404", WARNING, span(text, '[["services/logn/**"]]')),
        # a negated pattern is judged by its un-negated form: nothing under fixtures/ exists
        ("TM404", WARNING, span(text, '[["!services/login/fixtures/**"]]')),
    ]


def test_tm404_clean(lint):
    _, found = lint("tm404_clean.yaml", "TM404", repo_files=REPO)
    assert found == []


def test_tm404_needs_the_repository_file_list(lint):
    # Outside a repository the engine is not told the files and cannot judge the patterns.
    assert lint("tm404_trigger.yaml", "TM404")[1] == []


def test_tm404_invalid_patterns_are_reported_not_raised():
    from threatlint.engine import CheckContext, check_text
    from threatlint.engine.scope import Scope

    patterns = ["services/login/**", "!!", "a\\", "**/[z-a]", "!services/[b-a]/**"]
    text = "version: 1\nsystem: {name: x}\nscope:\n  paths:\n" + "".join(f"    - '{p}'\n" for p in patterns)
    found = [f for f in check_text(text, CheckContext(repo_files=REPO)) if f.rule == "TM404"]
    assert [f.range.start.line for f in found] == [5, 6, 7, 8]
    assert all("not a valid gitignore-style pattern" in f.message for f in found)
    assert Scope(patterns).covers("services/login/app.py")  # the valid pattern still works


def test_tm403_a_disproven_assumption_asks_to_revise_the_threats_not_to_validate_it():
    """As threat-composer and portfolio steward teams record it: checked, and it does not hold."""
    from threatlint.engine import CheckContext, check_text
    from conftest import TODAY

    text = """version: 1
system: {name: Shop}
assumptions:
  - {id: A-1, text: The admin API is reachable from the VPN only, validated: false, evidence: pen test 2026-11 reached it from the internet}
  - {id: A-2, text: Payment webhooks are signed, validated: false}
"""
    found = {f.message.split(" ")[1]: f.message for f in check_text(text, CheckContext(today=TODAY)) if f.rule == "TM403"}
    assert "does not hold" in found["'A-1'"] and "revise the threats" in found["'A-1'"]
    assert "set validated: true" not in found["'A-1'"]
    assert "is not validated" in found["'A-2'"]  # false without evidence: not checked yet


def test_tm403_a_disproven_assumption_keeps_its_own_finding_beside_the_grouped_one():
    from threatlint.engine import CheckContext, check_text
    from conftest import TODAY

    text = """version: 1
system: {name: Shop}
assumptions:
  - {id: A-1, text: The admin API is reachable from the VPN only, validated: false, evidence: pen test 2026-11 reached it from the internet}
  - {id: A-2, text: Payment webhooks are signed}
  - {id: A-3, text: Only the pay team deploys the service}
"""
    found = [f for f in check_text(text, CheckContext(today=TODAY)) if f.rule == "TM403"]
    by_path = {f.path: f for f in found}
    assert len(found) == 2 and by_path.keys() == {("assumptions", 0), ("assumptions",)}
    assert "does not hold" in by_path[("assumptions", 0)].message
    assert by_path[("assumptions",)].data["assumptions"] == ["A-2", "A-3"]


def test_tm403_an_assumption_silenced_where_it_stands_is_left_out_of_the_grouped_finding():
    from threatlint.engine import CheckContext, check_text
    from conftest import TODAY

    text = """version: 1
system: {name: Shop}
assumptions:
  - {id: A-1, text: Orders are written by the API only}  # threatlint: ignore[TM403] a design decision, nothing to check
  - {id: A-2, text: Payment webhooks are signed}
  - {id: A-3, text: Only the pay team deploys the service}
"""
    found = [f for f in check_text(text, CheckContext(today=TODAY)) if f.rule == "TM403"]
    assert [f.data["assumptions"] for f in found] == [["A-2", "A-3"]]
    silenced_both = text.replace("signed}", "signed}  # threatlint: ignore[TM4] checked by the payments team")
    found = [f for f in check_text(silenced_both, CheckContext(today=TODAY)) if f.rule == "TM403"]
    assert [f.data["assumptions"] for f in found] == [["A-3"]]  # one left: reported where it stands
    assert found[0].path == ("assumptions", 2)
