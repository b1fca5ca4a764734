"""Every quick fix applied to a fixture: the targeted finding goes away, no new error appears, comments stay."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from threatlint.engine import check_text, parse_yaml
from threatlint.engine.selection import Config
from threatlint.engine.context import CheckContext
from threatlint.engine.finding import Severity
from threatlint.fixes import FIXERS, fixes_for, next_id
from threatlint.fixes.yamledit import apply_edits
from threatlint.engine.model import Model

FIXTURE = Path(__file__).parent / "fixtures" / "lsp" / "payments.threatmodel.yaml"
TODAY = date(2026, 11, 23)
# Checked at the operational stage so every fixable rule runs (TM301 runs only there; fixes apply at any stage).
CTX = CheckContext(today=TODAY, config=Config(stage="operational"))


def _key(f):
    return (f.rule, f.message)


def _all_fixes(text):
    doc = parse_yaml(text)
    for f in check_text(text, CTX):
        for fix in fixes_for(text, doc, f, TODAY):
            yield f, fix


def _cases():
    text = FIXTURE.read_text(encoding="utf-8")
    return [pytest.param(f, fix, id=f"{f.rule}-{n}") for n, (f, fix) in enumerate(_all_fixes(text))]


SMALL_FIXES = {"TM107", "TM205"}  # exercised on a small model below


def test_fixture_has_a_finding_for_every_fixable_rule():
    rules = {f.rule for f in check_text(FIXTURE.read_text(encoding="utf-8"), CTX)}
    assert set(FIXERS) - SMALL_FIXES <= rules


SMALL = """version: 1
system: {name: Reports}
boundaries: [{id: dc}, {id: partner-net}]
elements:
  - {id: app, kind: process, name: Report app, boundary: dc}
  - {id: partner, kind: external_entity, name: Partner SFTP, boundary: partner-net}   # keep me
flows:
  - {id: push, from: app, to: partner, protocol: FTP}
threats:
  - {id: T-1, title: Reports read on the FTP push to the partner, stride: information_disclosure, affects: [app], status: mitigated}
"""


@pytest.mark.parametrize("rule", sorted(SMALL_FIXES))
def test_fixes_of_the_new_rules_clear_their_finding(rule):
    doc = parse_yaml(SMALL)
    [f] = [f for f in check_text(SMALL, CTX) if f.rule == rule]
    [fix] = fixes_for(SMALL, doc, f, TODAY)
    after = apply_edits(SMALL, fix.edits)
    assert "# keep me" in after and parse_yaml(after).ok
    assert rule not in {g.rule for g in check_text(after, CTX)}, after


def test_every_fixable_finding_gets_a_fix():
    text = FIXTURE.read_text(encoding="utf-8")
    doc = parse_yaml(text)
    for f in check_text(text, CTX):
        if f.rule in FIXERS:
            assert fixes_for(text, doc, f, TODAY), f"no fix for {f.rule}: {f.message}"


@pytest.mark.parametrize("finding,fix", _cases())
def test_fix_clears_its_finding_without_new_errors(finding, fix):
    text = FIXTURE.read_text(encoding="utf-8")
    before = check_text(text, CTX)
    after_text = apply_edits(text, fix.edits)
    after = check_text(after_text, CTX)
    assert _key(finding) not in {_key(f) for f in after}, f"{fix.title}: finding still there\n{after_text}"
    old_errors = {_key(f) for f in before if f.severity == Severity.ERROR}
    new_errors = [f for f in after if f.severity == Severity.ERROR and _key(f) not in old_errors]
    assert not new_errors, f"{fix.title} added errors: {[f.message for f in new_errors]}\n{after_text}"
    # Comments and the untouched lines stay as they were.
    for line in text.split("\n"):
        if "#" in line:
            assert line[line.index("#"):] in after_text
    assert parse_yaml(after_text).ok


def test_tm101_offers_threat_stub_and_exemption_with_catalog_mitigations():
    text = FIXTURE.read_text(encoding="utf-8")
    doc = parse_yaml(text)
    f = next(f for f in check_text(text, CTX) if f.rule == "TM101" and f.data["element"] == "api")
    assert "information_disclosure" in f.data["categories"]
    fixes = fixes_for(text, doc, f, TODAY)
    titles = [x.title for x in fixes]
    # one finding for the element, but a threat stub and an exemption for each missing category on its own
    for cat in f.data["categories"]:
        assert f"Add threat T-004: {cat} on 'api'" in " ".join(titles)
        assert f"Exempt 'api' from {cat} (state the rationale)" in titles
    assert [x.preferred for x in fixes].count(True) == 1
    stub = apply_edits(text, next(x for x in fixes if x.title.startswith("Add threat T-004: information_disclosure")).edits)
    model = Model(parse_yaml(stub))
    new = model.by_id("threats")["T-004"]
    assert new["stride"] == "information_disclosure" and new["affects"] == ["api"]
    assert set(new["attack_path"]) == {"entry", "steps", "target"}
    assert new["mitigations"] and all(m in model.mitigations for m in new["mitigations"])
    assert all(model.mitigations[m].get("catalog") for m in new["mitigations"])


def test_tm204_one_action_per_catalog_entry():
    text = FIXTURE.read_text(encoding="utf-8")
    doc = parse_yaml(text)
    f = next(f for f in check_text(text, CTX) if f.rule == "TM204")
    fixes = fixes_for(text, doc, f, TODAY)
    assert len(fixes) >= 2
    assert len({x.title for x in fixes}) == len(fixes)


def test_tm401_uses_today():
    text = FIXTURE.read_text(encoding="utf-8")
    f = next(f for f in check_text(text, CTX) if f.rule == "TM401")
    (fix,) = fixes_for(text, parse_yaml(text), f, TODAY)
    assert "last_reviewed: 2026-11-23   # long ago" in apply_edits(text, fix.edits)


def test_next_id_skips_taken_numbers():
    model = Model(parse_yaml("version: 1\nthreats:\n  - {id: T-007}\n  - {id: T-0010}\nmitigations: [{id: M-1}]\n"))
    assert next_id(model, "T-") == "T-0011"
    assert next_id(model, "M-") == "M-002"
    assert next_id(model, "M-", {"M-002"}) == "M-003"


def test_fix_on_flow_style_and_missing_sections():
    text = ("version: 1\nsystem: {name: x}\nelements:\n  - {id: a, kind: external_entity}   # keep me\n"
            "  - {id: b, kind: process}\nflows: [{id: f, from: a, to: b}]\n")
    doc = parse_yaml(text)
    f = next(f for f in check_text(text, CTX) if f.rule == "TM101")
    for fix in fixes_for(text, doc, f, TODAY):
        out = apply_edits(text, fix.edits)
        assert "# keep me" in out
        assert _key(f) not in {_key(g) for g in check_text(out, CTX)}
        assert not [g for g in check_text(out, CTX) if g.severity == Severity.ERROR]
