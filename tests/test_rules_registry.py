"""The rule catalog matches docs/rules.md (ids, severities, families), and every rule has a fixture that triggers it and one that does not."""
import pytest

from threatlint.rules import RULES

from conftest import RULE_FIXTURES

DOCUMENTED_RULES = {
    "TM001": "error", "TM002": "error", "TM003": "error", "TM004": "error", "TM005": "warning",
    "TM101": "warning", "TM102": "error", "TM103": "warning", "TM104": "error", "TM105": "warning",
    "TM201": "warning", "TM202": "warning", "TM203": "warning", "TM204": "error",
    "TM301": "warning", "TM302": "warning", "TM303": "error", "TM304": "error", "TM305": "warning", "TM306": "warning",
    "TM401": "warning", "TM402": "info", "TM403": "warning", "TM404": "warning",
}
FAMILY = {"0": "structure", "1": "stride", "2": "specificity", "3": "business", "4": "governance"}


@pytest.mark.parametrize("rule_id", sorted(DOCUMENTED_RULES))
def test_rule_is_registered_with_the_documented_severity(rule_id):
    r = RULES[rule_id]
    assert r.severity.value == DOCUMENTED_RULES[rule_id]
    assert r.family == FAMILY[rule_id[2]]
    assert r.summary and len(r.help) > 40


@pytest.mark.parametrize("rule_id", sorted(DOCUMENTED_RULES))
def test_rule_has_trigger_and_clean_fixtures_that_behave(rule_id, lint):
    name = rule_id.lower()
    assert (RULE_FIXTURES / f"{name}_trigger.yaml").is_file()
    assert (RULE_FIXTURES / f"{name}_clean.yaml").is_file()
    files = ("services/login/app.py", "services/login/tests/test_app.py", "docs/login.md")
    assert lint(f"{name}_trigger.yaml", rule_id, repo_files=files)[1], f"{rule_id} trigger fixture does not trigger it"
    assert lint(f"{name}_clean.yaml", rule_id, repo_files=files)[1] == []
    if rule_id not in ("TM001", "TM002"):  # the other rules are shown on schema-valid models
        for kind in ("trigger", "clean"):
            found = lint(f"{name}_{kind}.yaml", repo_files=files)[1]
            assert [f for f in found if f.rule in ("TM001", "TM002")] == [], (kind, found)


# -- CheckContext.min_severity (the gate runs only rules that can block) -----------------------------

def _all_fixture_texts():
    from pathlib import Path

    examples = Path(__file__).resolve().parents[1] / "examples"
    files = sorted(RULE_FIXTURES.glob("*.yaml")) + sorted(examples.rglob("*threatmodel.yaml"))
    return [f.read_text(encoding="utf-8") for f in files]


@pytest.mark.parametrize("floor", ["error", "warning"])
@pytest.mark.parametrize("overrides", [(), (("TM2", "error"), ("TM204", "info")), (("ALL", "warning"),)])
def test_min_severity_gives_exactly_the_findings_at_or_above_it(floor, overrides):
    from datetime import date

    from threatlint.engine import CheckContext
    from threatlint.engine.check import check_text
    from threatlint.engine.selection import Config
    from threatlint.engine.finding import Severity

    config = Config(severity=tuple((k, Severity(v)) for k, v in overrides), ignore=("TM404",))
    full_ctx = CheckContext(today=date(2026, 11, 23), config=config)
    floor_ctx = CheckContext(today=date(2026, 11, 23), config=config, min_severity=Severity(floor))
    compared = total = 0
    for text in _all_fixture_texts():
        everything = check_text(text, full_ctx)
        full = [f for f in everything if f.severity.rank >= Severity(floor).rank]
        assert check_text(text, floor_ctx) == full
        compared += len(full)
        total += len(everything)
    assert total > 100
    if overrides == (("ALL", "warning"),) and floor == "error":
        assert compared == 0  # every rule demoted below the floor: nothing may block
    else:
        assert compared > 20  # the fixtures do produce blocking findings to compare


def test_min_severity_does_not_run_rules_that_cannot_reach_it(monkeypatch):
    from threatlint.engine import CheckContext
    from threatlint.engine.check import check_text
    from threatlint.engine.finding import Severity

    from dataclasses import replace

    called = []
    rule = RULES["TM203"]  # a warning rule
    monkeypatch.setitem(RULES, "TM203", replace(rule, check=lambda model, ctx: called.append(1) or iter(())))
    text = (RULE_FIXTURES / "tm203_trigger.yaml").read_text(encoding="utf-8")
    check_text(text, CheckContext(min_severity=Severity.ERROR))
    assert not called
    check_text(text, CheckContext(min_severity=Severity.WARNING))
    assert called
