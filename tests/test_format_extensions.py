"""The keys real models need (nested boundaries, out-of-scope items with a reason, request/response flows,
several classifications, integrity and availability, impacted assets, stage and rating scheme, `x-` keys):
schema-valid, and their ids are references like any other."""
from threatlint.engine import CheckContext, check_text
from threatlint.engine.model import classifications

from conftest import TODAY

MODEL = """\
version: 1
system: {name: Shop, x-source: threagile}
review: {last_reviewed: 2026-11-01, cadence_days: 90, stage: design, rating: severity}
assets:
  - {id: card, name: Card data, classification: [pii, financial], integrity: high, availability: medium}
  - {id: page, name: Catalogue page, classification: public}
boundaries:
  - {id: cloud, name: Cloud account}
  - {id: vpc, name: VPC, parent: cloud}
elements:
  - {id: user, kind: external_entity, name: Shopper}
  - {id: web, kind: process, name: Web, boundary: vpc, aliases: [web-frontend, shop-web]}
  - {id: cdn, kind: process, name: CDN, out_of_scope: run by the CDN vendor under its own assurance}
flows:
  - {id: browse, from: user, to: web, data: [card], returns: [page], encrypted: true, authenticated: true}
  - {id: assets, from: user, to: cdn, returns: [page], out_of_scope: public static content}
threats:
  - id: T1
    title: Card data read from the web tier's memory
    stride: information_disclosure
    affects: [web]
    assets: [card]
    likelihood: low
    impact: {severity: high}
    priority: medium
    status: accepted
    acceptance: {by: CISO, rationale: compensating controls, expires: 2027-06-01, date: 2026-11-01, ticket: RISK-12}
    x-threagile-id: some-risk
"""


def test_every_new_key_is_schema_valid():
    found = check_text(MODEL, CheckContext(today=TODAY))
    assert [f for f in found if f.rule in ("TM001", "TM002", "TM004")] == []


def test_new_reference_sites_are_checked():
    broken = (MODEL.replace("parent: cloud", "parent: nowhere")
              .replace("returns: [page], encrypted", "returns: [pages], encrypted")
              .replace("assets: [card]\n", "assets: [cards]\n"))
    refs = sorted(f.message for f in check_text(broken, CheckContext(today=TODAY)) if f.rule == "TM004")
    assert len(refs) == 3
    assert any("nowhere" in m for m in refs) and any("pages" in m for m in refs) and any("cards" in m for m in refs)


def test_an_unknown_key_still_fails_while_x_keys_pass():
    found = check_text(MODEL.replace("x-source: threagile", "source: threagile"), CheckContext(today=TODAY))
    assert [f.rule for f in found if f.rule == "TM002"] == ["TM002"]


def test_classifications_reads_one_value_or_a_list():
    assert classifications({"classification": ["pii", "financial"]}) == {"pii", "financial"}
    assert classifications({"classification": "public"}) == {"public"}
    assert classifications({"classification": 3}) == frozenset()
    assert classifications(None) == frozenset()
