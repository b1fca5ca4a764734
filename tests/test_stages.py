"""Stages: each rule declares the stages it runs at; a draft sees what guards real risk, not the bookkeeping."""
from __future__ import annotations

from datetime import date

import pytest

from threatlint.settings import ConfigError, parse_config
from threatlint.engine import CheckContext, check_text
from threatlint.engine.selection import Config
from threatlint.engine.model import DEFAULT_STAGE, STAGES
from threatlint.lsp.checker import DocumentChecker
from threatlint.rules import RULES

TODAY = date(2026, 11, 23)
# What guards real risk runs from the first draft: a high or critical threat without owner or mitigation, an
# incomplete or expired acceptance, an overdue review, an unvalidated assumption.
GUARDS = ("TM204", "TM303", "TM304", "TM305", "TM401", "TM403")
BOOKKEEPING = ("TM306",)  # residual risk
# Business impact and tickets run from the design stage, but only for open high/critical threats; every
# open threat at the operational stage.
SCOPED = ("TM301", "TM402")


def test_every_rule_declares_its_stages_as_data():
    for r in RULES.values():
        assert r.stages and set(r.stages) <= set(STAGES), r.id
        assert r.runs_at(r.stages[0])


def test_the_default_stage_keeps_the_guards_and_drops_the_bookkeeping():
    assert DEFAULT_STAGE == "design"
    for rid in GUARDS:
        assert all(RULES[rid].runs_at(s) for s in STAGES), rid
    for rid in BOOKKEEPING:
        assert not RULES[rid].runs_at("draft") and not RULES[rid].runs_at(DEFAULT_STAGE), rid
        assert RULES[rid].runs_at("operational"), rid
    for rid in SCOPED:
        assert not RULES[rid].runs_at("draft") and RULES[rid].runs_at(DEFAULT_STAGE), rid


DRAFT = """version: 1
system: {name: Sign-up service}
review: {stage: draft, last_reviewed: 2025-01-05, cadence_days: 90}
elements: [{id: visitor, kind: external_entity, name: Visitor}, {id: signup, kind: process, name: Sign-up handler}]
flows: [{id: form, from: visitor, to: signup, protocol: HTTPS, encrypted: true}]
mitigations: [{id: M-1, title: Rate limiting, status: planned}]
assumptions: [{id: A-1, text: Only the web app calls the sign-up handler}]
threats:
  - {id: T-1, title: Mass fake sign-ups through the Sign-up handler, stride: spoofing, affects: [signup], likelihood: high, impact: {severity: high}, priority: high, status: open}
  - {id: T-2, title: Cheap sign-up spam, stride: spoofing, affects: [signup], likelihood: medium, impact: {severity: medium}, priority: medium, status: mitigated, mitigations: [M-1]}
  - {id: T-3, title: Old risk, stride: spoofing, affects: [signup], likelihood: low, impact: {severity: low}, priority: low, status: accepted, acceptance: {by: Kim, rationale: low value, expires: 2026-01-01}}
"""


def rules_of(text: str, **config) -> set[str]:
    return {f.rule for f in check_text(text, CheckContext(today=TODAY, config=Config(**config)))}


def test_a_draft_sees_the_guards_only():
    found = rules_of(DRAFT)
    assert {"TM204", "TM303", "TM305", "TM401", "TM403"} <= found
    assert found.isdisjoint({"TM101", "TM106", "TM201", "TM202", "TM203", "TM301", "TM302", "TM306", "TM402"})
    # M-1 ("Rate limiting") counters only a mitigated threat at the design stage: no ticket asked there
    assert "TM402" not in rules_of(DRAFT.replace("stage: draft", "stage: design"))


def test_the_same_model_at_later_stages():
    design = rules_of(DRAFT.replace("stage: draft", "stage: design"))
    assert {"TM101", "TM201", "TM203"} <= design and design.isdisjoint(BOOKKEEPING)
    operational = rules_of(DRAFT.replace("stage: draft", "stage: operational"))
    assert {"TM301", "TM306", "TM402"} <= operational


def test_configured_stage_applies_to_models_that_declare_none_and_select_by_id_overrides():
    text = DRAFT.replace("stage: draft, ", "")
    assert "TM101" not in rules_of(text, stage="draft")
    assert "TM101" in rules_of(text)  # default: design
    assert "TM306" in rules_of(text, select=("TM306",))  # named by id: runs whatever the stage
    assert "TM306" not in rules_of(text, select=("TM3",))  # a prefix keeps the stage


def test_the_language_server_filters_by_stage_too():
    checker = DocumentChecker()
    found = {f.rule for f in checker.check(DRAFT, CheckContext(today=TODAY))}
    assert found == rules_of(DRAFT)
    edited = DRAFT.replace("stage: draft", "stage: operational")
    assert {f.rule for f in checker.check(edited, CheckContext(today=TODAY))} == rules_of(edited)


@pytest.mark.parametrize("table,problem", [
    ({"stage": "prod"}, "stage must be one of draft, design, operational"),
    ({"rating": "cvss"}, "rating must be one of likelihood_severity, severity, priority"),
])
def test_configuration_values_are_checked(table, problem):
    with pytest.raises(ConfigError, match=problem):
        parse_config(table, ".threatlint.yaml", RULES)
    ok = parse_config({"stage": "draft", "rating": "severity"}, ".threatlint.yaml", RULES)
    assert (ok.stage, ok.rating) == ("draft", "severity")
