"""The catalog's condition language: every form, with an element or flow it matches and one it does not."""
from __future__ import annotations

import pytest

from threatlint.catalog.conditions import FORMS, Facts, evaluate
from threatlint.engine.model import Model
from threatlint.engine.parse import parse_yaml

MODEL = """\
version: 1
system: {name: Shop, criticality: high}
assets:
  - {id: pw, classification: credentials}
  - {id: card, classification: financial, regulations: [PCI-DSS], attacker_value: 5, records: 2000000}
  - {id: catalog-data, classification: public, attacker_value: 1, records: 10}
  - {id: profile, classification: pii, regulations: [GDPR]}
  - {id: session, name: Session token, classification: credentials}
boundaries:
  - {id: internet, name: Internet}
  - {id: vpc, name: Production VPC}
elements:
  - {id: shopper, kind: external_entity, name: Shopper browser, boundary: internet}
  - {id: partner, kind: external_entity, name: Payment provider, boundary: internet}
  - {id: api, kind: process, name: Checkout API, technology: Python/FastAPI, boundary: vpc}
  - {id: worker, kind: process, name: Export worker, description: Renders PDF reports, boundary: vpc}
  - {id: db, kind: data_store, name: Orders DB, technology: PostgreSQL 16, boundary: vpc, stores: [card, profile], encrypted_at_rest: true}
  - {id: files, kind: data_store, name: Public files, technology: S3 bucket, boundary: vpc, stores: [catalog-data]}
flows:
  - {id: login, from: shopper, to: api, data: [pw], returns: [session], protocol: HTTPS, authenticated: true, encrypted: true}
  - {id: query, from: api, to: db, data: [card], protocol: SQL, authenticated: true, encrypted: true}
  - {id: report, from: worker, to: files, data: [catalog-data], protocol: HTTP}
  - {id: callback, from: partner, to: api, data: [card], protocol: HTTPS, encrypted: true}
  - {id: job, from: api, to: worker, data: [profile], protocol: AMQP}
  - {id: sync, from: worker, to: api, data: [profile], protocol: gRPC, authenticated: false}
"""


@pytest.fixture(scope="module")
def facts() -> Facts:
    return Facts(Model(parse_yaml(MODEL)))


def holds(facts: Facts, condition: dict, subject_id: str) -> bool:
    subject = next(s for s in facts.subjects if s.id == subject_id)
    return evaluate(condition, facts, subject)


# form -> (condition, a subject it matches, a subject it does not match)
CASES = {
    "kind": [({"kind": "process"}, "api", "db"), ({"kind": ["flow", "data_store"]}, "login", "shopper")],
    "property": [
        ({"property": {"encrypted_at_rest": True}}, "db", "files"),
        # an absent flag counts as false, as TM103-TM105 read it
        ({"property": {"encrypted_at_rest": False}}, "files", "db"),
        ({"property": {"protocol": ["https", "grpc"]}}, "login", "query"),
        ({"property": {"authenticated": False}}, "report", "login"),
    ],
    # like property, but an absent flag is not false: only a flow that says so
    "states": [
        ({"states": {"authenticated": False}}, "sync", "report"),
        ({"states": {"authenticated": True}}, "login", "sync"),
    ],
    "protocol": [({"protocol": ["HTTP", "FTP"]}, "report", "login"), ({"protocol": ["sql"]}, "db", "files")],
    # HTTP by the stated protocol (gRPC rides on HTTP/2); SQL and AMQP are other protocols
    "http": [({"http": True}, "login", "query"), ({"http": True}, "sync", "job"), ({"http": False}, "query", "login")],
    "other_protocol": [({"other_protocol": True}, "query", "login"), ({"other_protocol": True}, "job", "sync"),
                       ({"other_protocol": False}, "callback", "query")],
    # credentials the sender did not receive from anyone: its own (the shopper's password), not a payment it got
    "own_credentials": [({"own_credentials": True}, "login", "callback"), ({"own_credentials": True}, "shopper", "partner")],
    "technology": [({"technology": ["postgres", "mysql"]}, "db", "files"), ({"technology": ["fastapi"]}, "query", "report")],
    "mentions": [({"mentions": ["pdf", "render"]}, "worker", "api"), ({"mentions": ["export"]}, "worker", "db")],
    # the open internet: outside every boundary, or in one named so; a flow when either end is
    "internet": [({"internet": True}, "shopper", "api"), ({"internet": True}, "login", "query"),
                 ({"internet": False}, "api", "partner")],
    # roles come from kind, technology and name words; a flow has none
    "role": [
        ({"role": ["database"]}, "db", "files"),
        ({"role": ["person", "client_app"]}, "shopper", "partner"),
        ({"role": ["external_system"]}, "partner", "shopper"),
        ({"role": ["database"]}, "db", "query"),
    ],
    "carries": [
        ({"carries": ["credentials"]}, "login", "query"),
        ({"carries": ["sensitive"]}, "api", "files"),
        ({"carries": {"regulations": ["pci-dss"], "attacker_value_at_least": 4}}, "callback", "job"),
        ({"carries": {"records_at_least": 1000}}, "query", "report"),
        ({"carries": {"public": True}}, "report", "login"),
        ({"carries": {"public": False}}, "job", "report"),
        ({"carries": {"mentions": ["token"]}}, "login", "query"),  # the session token in its response
    ],
    # what reaches an element: the data of flows into it, the returns of flows out of it; a flow: its data
    "receives": [
        ({"receives": {"mentions": ["token"]}}, "shopper", "api"),  # the token goes back to the shopper
        ({"receives": ["financial"]}, "db", "worker"),
        ({"receives": ["credentials"]}, "login", "query"),
        ({"receives": {"mentions": ["token"]}}, "shopper", "login"),  # login sends the token back, not on
    ],
    "stores": [
        ({"stores": ["pii"]}, "db", "files"),
        ({"stores": {"classification": ["public"], "records_at_least": 5}}, "files", "db"),
        ({"stores": ["financial"]}, "db", "query"),  # a flow stores nothing
    ],
    "crosses_boundary": [({"crosses_boundary": True}, "login", "query"), ({"crosses_boundary": False}, "query", "callback")],
    "receives_from_other_boundary": [
        ({"receives_from_other_boundary": True}, "api", "worker"),
        ({"receives_from_other_boundary": False}, "worker", "api"),
    ],
    "sends_to_other_boundary": [
        ({"sends_to_other_boundary": True}, "shopper", "api"),
        ({"sends_to_other_boundary": False}, "api", "partner"),
    ],
    "inbound": [
        ({"inbound": {"from": {"kind": "external_entity"}}}, "api", "worker"),
        ({"inbound": {"protocol": ["AMQP"]}}, "worker", "db"),
    ],
    "outbound": [
        ({"outbound": {"to": {"kind": "data_store"}}}, "api", "shopper"),
        ({"outbound": {"carries": ["credentials"]}}, "shopper", "partner"),
    ],
    "from": [({"from": {"kind": "external_entity"}}, "callback", "query"), ({"from": {"kind": "process"}}, "query", "api")],
    "to": [({"to": {"technology": ["postgres"]}}, "query", "report"), ({"to": {"stores": ["pii"]}}, "query", "job")],
    "system": [({"system": {"criticality": ["high", "critical"]}}, "api", None)],
    "all": [({"all": [{"kind": "process"}, {"mentions": ["export"]}]}, "worker", "api")],
    "any": [({"any": [{"kind": "data_store"}, {"protocol": ["SQL"]}]}, "query", "login")],
    "not": [({"not": {"kind": "process"}}, "db", "api")],
}


def test_every_form_has_cases():
    assert set(CASES) == set(FORMS)


@pytest.mark.parametrize("form,condition,yes,no", [
    (form, cond, yes, no) for form, cases in CASES.items() for cond, yes, no in cases])
def test_form_matches_and_does_not_match(facts, form, condition, yes, no):
    assert holds(facts, condition, yes), f"{condition} should hold for {yes}"
    if no is not None:
        assert not holds(facts, condition, no), f"{condition} should not hold for {no}"


def test_system_form_does_not_match_other_criticality():
    facts = Facts(Model(parse_yaml(MODEL.replace("criticality: high", "criticality: low"))))
    assert not holds(facts, {"system": {"criticality": ["high", "critical"]}}, "api")


def test_keys_of_one_condition_must_all_hold(facts):
    assert holds(facts, {"kind": "process", "receives_from_other_boundary": True}, "api")
    assert not holds(facts, {"kind": "process", "receives_from_other_boundary": True}, "worker")


def test_mentions_matches_whole_words_and_their_inflections(facts):
    # "port" must not match "Export worker", nor "rep" "reports": a word, not a piece of one
    assert not holds(facts, {"mentions": ["port"]}, "worker")
    assert not holds(facts, {"mentions": ["rep"]}, "worker")
    assert holds(facts, {"mentions": ["report"]}, "worker")  # "reports": the plural counts
    assert holds(facts, {"mentions": ["render"]}, "worker")  # "Renders"


def test_a_store_named_logger_is_not_a_log_store():
    # a click logger's table holds clicks: "log" is not "logger" (nor "login"), but "logs" and "logging" are logs
    text = MODEL + """  - {id: clicks, kind: data_store, name: click-logger-table}
  - {id: audit, kind: data_store, name: Audit logs}
  - {id: signin, kind: process, name: Login service}
"""
    facts = Facts(Model(parse_yaml(text)))
    assert not holds(facts, {"mentions": ["log"]}, "clicks")
    assert not holds(facts, {"mentions": ["log"]}, "signin")
    assert holds(facts, {"mentions": ["log"]}, "audit")


def test_technology_matches_product_names_by_their_start(facts):
    assert holds(facts, {"technology": ["postgres"]}, "db")  # "PostgreSQL 16"
    assert not holds(facts, {"technology": ["sql"]}, "db")  # not inside a word


def test_conditions_tolerate_schema_invalid_models():
    text = MODEL + "  - {id: broken, from: [not, an, id], to: 42, data: oops, protocol: 7}\n"
    facts = Facts(Model(parse_yaml(text)))
    for form, cases in CASES.items():
        for cond, _, _ in cases:
            holds(facts, cond, "broken")  # must not raise


def test_an_asset_nobody_classified_is_not_public():
    from threatlint.catalog.conditions import asset_matches
    assert asset_matches({"id": "notes"}, {"public": False})
    assert not asset_matches({"id": "notes"}, {"public": True})
    assert asset_matches({"id": "docs", "classification": ["public"]}, {"public": True})


def test_asset_mentions_reads_id_name_and_description_by_word_start():
    from threatlint.catalog.conditions import asset_matches
    asset = {"id": "t1", "name": "Tokens (Amazon Cognito)", "description": "ID and access tokens"}
    assert asset_matches(asset, {"mentions": ["token"]})
    assert asset_matches({"id": "jwt-claims"}, {"mentions": ["jwt"]})
    assert not asset_matches({"id": "detokenised"}, {"mentions": ["token"]})


def test_every_form_is_in_the_catalog_schema():
    # a form the schema does not list would be refused in a team's own catalog
    import json
    from pathlib import Path

    schema = json.loads((Path(__file__).resolve().parent.parent / "schemas" / "catalog.schema.json").read_text())
    assert set(schema["$defs"]["condition"]["properties"]) == set(FORMS)
