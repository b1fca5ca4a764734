"""One definition per concept, on the model, used by every front end: review due date, open threat,
effective priority, stage and rating, nested boundaries, roles."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from threatlint.engine import CheckContext, check_text
from threatlint.engine.selection import Config
from threatlint.engine.model import (DEFAULT_CADENCE_DAYS, Model, effective_priority, is_open, rating_of,
                                     review_due, stage_of)
from threatlint.engine.roles import roles
from threatlint.engine.parse import parse_yaml
from threatlint.lsp.coverage import ModelInfo, summary
from threatlint.report import register
from threatlint.lsp.diagram import hot_elements
from threatlint.status import metrics, releases

TODAY = date(2026, 11, 23)


def model(text: str) -> Model:
    return Model(parse_yaml("version: 1\nsystem: {name: x}\n" + text))


# -- review due date ----------------------------------------------------------------------------------------------

FAR = "review: {last_reviewed: 9999-12-01, cadence_days: 90}\n"


def test_review_due_past_year_9999_is_never_and_raises_nowhere():
    m = model(FAR)
    assert review_due(m.data).due is None and not m.review_due().overdue(TODAY)
    assert [f for f in check_text("version: 1\nsystem: {name: x}\n" + FAR, CheckContext(today=TODAY)) if f.rule == "TM401"] == []
    reg = register.build(m, TODAY)
    assert (reg.summary.last_reviewed, reg.summary.review_due, reg.summary.review_overdue) == ("9999-12-01", "", False)
    assert metrics.review_state(m.data, TODAY) == {"last_reviewed": "9999-12-01", "cadence_days": 90, "due": None,
                                                   "overdue": False}
    line = summary(ModelInfo(Path("m.yaml"), Path("."), m.doc), TODAY, "m.yaml")
    assert line.endswith("review not due before the year 9999")


def test_review_due_with_and_without_cadence():
    due = review_due({"review": {"last_reviewed": "2026-01-01", "cadence_days": 30}})
    assert (due.due, due.default_cadence, due.overdue(TODAY)) == (date(2026, 1, 31), False, True)
    default = review_due({"review": {"last_reviewed": "2026-01-01"}})
    assert default.default_cadence and (default.due - date(2026, 1, 1)).days == DEFAULT_CADENCE_DAYS
    assert review_due({"review": {"cadence_days": 30}}).due is None
    assert review_due({"review": {"last_reviewed": "2026-01-01", "cadence_days": "x"}}).due is None  # TM002's job
    assert review_due(None).due is None


def test_every_front_end_agrees_on_the_due_date():
    text = "review: {last_reviewed: 2025-01-10}\n"
    m = model(text)
    due = m.review_due().due.isoformat()
    assert register.build(m, TODAY).summary.review_due == due
    assert metrics.review_state(m.data, TODAY)["due"] == due
    assert f"review overdue since {due}" in summary(ModelInfo(Path("m.yaml"), Path("."), m.doc), TODAY, "m.yaml")
    tm401 = [f for f in check_text("version: 1\nsystem: {name: x}\n" + text, CheckContext(today=TODAY)) if f.rule == "TM401"]
    assert tm401[0].data["due"] == due


# -- open threats -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("status,expected", [
    ("open", True), ("mitigating", True), (None, True), ("bogus", True), (["open"], True),
    ("mitigated", False), ("accepted", False), ("transferred", False),
])
def test_open_threat(status, expected):
    assert is_open({"status": status}) is expected


def test_front_ends_count_the_same_open_threats():
    text = """threats:
  - {id: T-1, title: a, stride: spoofing, affects: [x], priority: high, status: mitigating}
  - {id: T-2, title: b, stride: spoofing, affects: [x], priority: high}
  - {id: T-3, title: c, stride: spoofing, affects: [x], priority: high, status: mitigated}
  - {id: T-4, title: d, stride: spoofing, affects: [x], priority: critical, status: accepted}
"""
    m = model(text)
    reg = register.build(m, TODAY)
    assert reg.summary.open_by_priority["high"] == 2
    assert metrics.open_by_priority(m.data)["high"] == 2
    line = summary(ModelInfo(Path("m.yaml"), Path("."), m.doc), TODAY, "m.yaml")
    assert "2 open high/critical threats" in line
    assert hot_elements(model("elements:\n  - {id: x, kind: process}\n" + text)) == {"x": ["T-1", "T-2"]}
    assert releases.open_score(m.data) == 2 * 3  # two open threats of priority high


def test_front_ends_agree_on_the_effective_priority_of_an_unprioritised_threat():
    # No `priority`: what the rating scheme derives is the priority everywhere (register, status, the editor's
    # coverage line and diagram), never "unrated" in one place and "critical" in another.
    text = """review: {rating: severity}
elements:
  - {id: x, kind: process}
threats:
  - {id: T-1, title: a, stride: spoofing, affects: [x], likelihood: low, impact: {severity: critical}, status: open}
  - {id: T-2, title: b, stride: spoofing, affects: [x], impact: {severity: low}, status: open}
"""
    m = model(text)
    assert register.build(m, TODAY).summary.open_by_priority["critical"] == 1
    counted = lambda data: {k: n for k, n in metrics.open_by_priority(data).items() if n}  # noqa: E731
    assert counted(m.data) == {"critical": 1, "low": 1}
    assert releases.open_score(m.data) == 4 + 1
    assert hot_elements(m) == {"x": ["T-1"]}
    assert "1 open high/critical threat:" in summary(ModelInfo(Path("m.yaml"), Path("."), m.doc), TODAY, "m.yaml")
    # Under the priority scheme neither threat is rated: status counts both unrated, the diagram marks nothing.
    p = model(text.replace("rating: severity", "rating: priority"))
    assert counted(p.data) == {"unrated": 2} and hot_elements(p) == {}
    # Under likelihood_severity T-1 is low x critical = 4 -> medium by the rubric.
    ls = model(text.replace("review: {rating: severity}\n", ""))
    assert counted(ls.data) == {"medium": 1, "low": 1} and hot_elements(ls) == {}


# -- effective priority under each rating scheme -------------------------------------------------------------------

@pytest.mark.parametrize("threat,likelihood_severity,severity,priority", [
    ({"priority": "low", "likelihood": "critical", "impact": {"severity": "critical"}}, "low", "low", "low"),
    ({"likelihood": "high", "impact": {"severity": "high"}}, "high", "high", None),
    ({"likelihood": "critical", "impact": {"severity": "critical"}}, "critical", "critical", None),
    ({"impact": {"severity": "medium"}}, "medium", "medium", None),
    ({"likelihood": "high"}, None, None, None),
    ({}, None, None, None),
])
def test_effective_priority(threat, likelihood_severity, severity, priority):
    assert effective_priority(threat, "likelihood_severity") == likelihood_severity
    assert effective_priority(threat, "severity") == severity
    assert effective_priority(threat, "priority") == priority


def test_register_ranks_by_the_rating_scheme():
    text = """review: {rating: severity}
threats:
  - {id: T-1, title: a, stride: spoofing, affects: [x], likelihood: low, impact: {severity: critical}, status: open}
"""
    row = register.build(model(text), TODAY).threats[0]
    assert row.priority == "critical" and row.rubric == "medium"  # severity scheme: the rubric is only shown
    assert register.build(model(text.replace("review: {rating: severity}\n", "")), TODAY).threats[0].priority == "medium"


# -- stage and rating: the model wins over the configuration, which wins over the default ---------------------------

def test_stage_and_rating_precedence():
    assert stage_of({}) == "design" and rating_of({}) == "likelihood_severity"
    assert stage_of({}, "draft") == "draft" and rating_of({}, "priority") == "priority"
    own = {"review": {"stage": "operational", "rating": "severity"}}
    assert stage_of(own, "draft") == "operational" and rating_of(own, "priority") == "severity"
    assert stage_of({"review": {"stage": "bogus"}}, "draft") == "draft"


# -- nested boundaries ----------------------------------------------------------------------------------------------

def test_boundary_chain_crossing_and_cycles():
    m = model("""boundaries:
  - {id: account}
  - {id: vpc, parent: account}
  - {id: subnet-a, parent: vpc}
  - {id: subnet-b, parent: vpc}
  - {id: x, parent: y}
  - {id: y, parent: x}
  - {id: self, parent: self}
elements:
  - {id: a, kind: process, boundary: subnet-a}
  - {id: b, kind: process, boundary: subnet-b}
  - {id: v, kind: process, boundary: vpc}
  - {id: v2, kind: process, boundary: vpc}
""")
    assert m.boundary_chain("subnet-a") == ("subnet-a", "vpc", "account")
    assert m.boundaries_crossed({"from": "a", "to": "b"}) == ("subnet-a", "subnet-b")
    assert m.boundaries_crossed({"from": "a", "to": "v"}) == ("subnet-a",)  # not the VPC both sit in
    assert m.crosses_boundary({"from": "a", "to": "v"}) and not m.crosses_boundary({"from": "v", "to": "v2"})
    assert sorted(m.boundary_cycles) == [("self",), ("x", "y")]
    assert m.boundary_chain("x") == ("x", "y")  # stops at the cycle


# -- roles ------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("item,expected", [
    ({"kind": "process", "name": "Load Balancer", "technology": "AWS ALB"}, {"edge"}),
    ({"kind": "process", "name": "nginx reverse proxy"}, {"edge"}),
    ({"kind": "process", "name": "Storefront SPA", "technology": "React"}, {"client_app"}),
    ({"kind": "data_store", "name": "Browser localStorage"}, {"browser_storage"}),
    ({"kind": "data_store", "name": "App settings", "technology": "config file"}, {"config"}),
    ({"kind": "data_store", "name": "Orders", "technology": "PostgreSQL 16"}, {"database"}),
    ({"kind": "external_entity", "name": "Customer"}, {"person"}),
    ({"kind": "external_entity", "name": "Payment provider API"}, {"external_system"}),
    ({"kind": "process", "name": "Orders service", "technology": "Python"}, set()),
    ({"kind": "process", "name": "Cognito User Pool"}, {"identity_provider"}),
    ({"kind": "process", "name": "API Gateway", "technology": "Amazon API Gateway with Cognito tokens"}, {"edge"}),
    ({"kind": "process", "name": "Notes function", "technology": "AWS Lambda"}, {"function"}),
    ({"kind": "data_store", "name": "Secrets Manager"}, {"config", "secret_store"}),
    ({"kind": "process", "name": "Apache Webserver", "technology": "web-server"}, {"web"}),
    ({"kind": "external_entity", "name": "Partner web portal"}, {"external_system"}),  # web: software the system runs
])
def test_roles(item, expected):
    assert set(roles(item)) == expected


def test_configured_stage_and_rating_reach_the_rules():
    text = "version: 1\nsystem: {name: x}\nmitigations: [{id: M-1, title: Lockout after 5 failures on POST /login}]\n"
    assert not [f for f in check_text(text, CheckContext(today=TODAY)) if f.rule == "TM402"]
    ctx = CheckContext(today=TODAY, config=Config(stage="operational"))
    assert [f.rule for f in check_text(text, ctx) if f.rule == "TM402"] == ["TM402"]


# -- the report lists what is out of scope, and acceptance records ------------------------------------------------

def test_report_lists_out_of_scope_items_with_their_reason_and_acceptance_records():
    from threatlint.report.document import build_report
    from threatlint.report.render_html import render as html
    from threatlint.report.render_md import render as md

    text = """version: 1
system: {name: Shop}
elements:
  - {id: psp, kind: external_entity, name: Payment provider, out_of_scope: assessed by the provider (AOC 2026)}
  - {id: api, kind: process, name: Checkout API}
flows:
  - {id: pay, from: api, to: psp, out_of_scope: the provider's endpoint}
threats:
  - id: T-1
    title: Card testing through the checkout API
    stride: spoofing
    affects: [api]
    priority: high
    status: accepted
    acceptance: {by: CISO Kim Lee, rationale: fraud rules at the provider, expires: 2027-06-30, date: 2026-10-01, ticket: RISK-12}
"""
    reg = register.build(model(text.split("\n", 2)[2]), TODAY)
    assert [(o.kind, o.id, o.reason) for o in reg.out_of_scope] == [
        ("element", "psp", "assessed by the provider (AOC 2026)"), ("flow", "pay", "the provider's endpoint")]
    assert reg.accepted[0].recorded == "2026-10-01, RISK-12"
    rep = build_report("m.yaml", text, [], TODAY)
    out_md, out_html = md([rep]), html([rep])
    assert "## Out of scope" in out_md and "assessed by the provider (AOC 2026)" in out_md
    assert "(accepted 2026-10-01, RISK-12)" in out_md
    assert "<h2>Out of scope</h2>" in out_html and "the provider&#x27;s endpoint" in out_html
    assert "(accepted 2026-10-01, RISK-12)" in out_html


# -- completion and hover know the new keys --------------------------------------------------------------------------

def test_completion_and_hover_know_the_new_keys():
    from threatlint.lsp.features import completion, hover

    text = """version: 1
system: {name: x}
review:
  stage: 
  rating: 
assets:
  - id: a1
    classification: 
boundaries:
  - id: outer
  - id: inner
    parent: 
elements:
  - id: web
    kind: process
    
flows:
  - id: f1
    from: web
    to: web
    returns: [a1]
threats:
  - id: T1
    acceptance:
      
"""
    good = parse_yaml(text)

    def labels(line, col):
        return [i.label for i in completion(text, line, col, good)]
    assert labels(3, 9) == ["draft", "design", "operational"]
    assert labels(4, 10) == ["likelihood_severity", "severity", "priority"]
    assert "pii" in labels(7, 20) and "financial" in labels(7, 20)
    assert "outer" in labels(11, 12)
    assert {"out_of_scope", "aliases"} <= set(labels(15, 4))
    assert {"date", "ticket"} <= set(labels(24, 6))
    returns = hover(text, 20, 6, good)[0]
    assert returns.startswith("**returns**: Data assets sent back in the response")
    assert hover(text, 11, 6, good)[0].startswith("**parent**: The id of the boundary this one sits inside")


def test_responses_need_a_request_the_other_way():
    m = model("""elements:
  - {id: user, kind: external_entity, name: Customer}
  - {id: api, kind: process, name: API}
  - {id: db, kind: data_store, name: DB}
  - {id: job, kind: process, name: Job}
flows:
  - {id: ask, from: user, to: api, name: Submit search results filter}
  - {id: answer, from: api, to: user}
  - {id: q, from: api, to: db}
  - {id: rows, from: db, to: api}
  - {id: push, from: api, to: job, name: Send results}
  - {id: get, from: user, to: api, returns: [x]}
""")
    f = m.flows
    assert m.is_response(f["answer"]) and m.is_response(f["rows"])
    assert not m.is_response(f["ask"])  # an outside party's request, whatever its name says
    assert not m.is_response(f["push"])  # says "results", but nothing asked for them on this connection
    assert not m.is_response(f["get"]) and not m.is_response(f["q"])
    assert m.opened_by_receiver(f["rows"]) and not m.opened_by_receiver(f["q"])
