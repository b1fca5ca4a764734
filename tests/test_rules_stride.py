"""TM101-TM105: STRIDE coverage and data-flow hygiene."""
from threatlint.engine import CheckContext, check_text
from threatlint.engine.finding import Severity
from threatlint.engine.model import APPLICABLE

ERROR, WARNING = Severity.ERROR, Severity.WARNING


def located(findings):
    return [(f.rule, f.severity, f.range) for f in findings]


def test_stride_per_element_table_matches_the_spec():
    assert APPLICABLE == {
        "external_entity": ("spoofing", "repudiation"),
        "process": ("spoofing", "tampering", "repudiation", "information_disclosure", "denial_of_service",
                    "elevation_of_privilege"),
        "data_store": ("tampering", "repudiation", "information_disclosure", "denial_of_service"),
        "flow": ("tampering", "information_disclosure", "denial_of_service"),
    }


def test_tm101_one_finding_per_element_naming_its_missing_categories(lint, span):
    text, found = lint("tm101_trigger.yaml", "TM101")
    got = sorted((f.data["element"], tuple(f.data["categories"]), f.severity, f.range) for f in found)
    browser = span(text, "{id: [[browser]]")
    login = span(text, "{id: [[login]]")
    users = span(text, "{id: [[users]]")
    # What a reviewer asks, from exposure (the fixture declares no boundary, so everything counts as exposed):
    # the browser user's repudiation and the store's repudiation and denial of service are not asked.
    assert got == sorted([
        ("login", ("elevation_of_privilege",), WARNING, login),
        ("users", ("information_disclosure",), WARNING, users),
    ])
    assert browser.start.line == 4
    # threats (T-1 spoofing on browser+login, T-2 on users and the flow) and exemptions cover everything else,
    # and the flow 'sign-in' is fully covered (tampering + DoS by T-2, information_disclosure exempted).
    assert all("exemption" in f.message for f in found)
    assert "has no elevation_of_privilege threat: add a threat with stride: elevation_of_privilege" in found[0].message


def test_tm101_asks_what_exposure_requires_and_names_several_categories_in_one_finding():
    text = """version: 1
system: {name: Shop}
assets: [{id: orders, classification: pii}]
boundaries: [{id: internet}, {id: dc}]
elements:
  - {id: shopper, kind: external_entity, name: Shopper, boundary: internet}
  - {id: api, kind: process, name: Orders API, boundary: dc}
  - {id: worker, kind: process, name: Invoice worker, boundary: dc}
  - {id: db, kind: data_store, name: Orders DB, boundary: dc, stores: [orders]}
flows:
  - {id: order, from: shopper, to: api, protocol: HTTP}
  - {id: save, from: api, to: db, protocol: SQL}
  - {id: job, from: api, to: worker, protocol: AMQP}
  - {id: tls, from: shopper, to: worker, protocol: HTTPS, encrypted: true}
"""
    found = {f.data["element"]: f for f in check_text(text, CheckContext()) if f.rule == "TM101"}
    assert found["shopper"].data["categories"] == ["spoofing"]  # it sends requests in; repudiation not asked
    assert found["api"].data["categories"] == list(APPLICABLE["process"])  # takes requests from outside parties
    assert found["db"].data["categories"] == ["tampering", "information_disclosure"]
    assert found["order"].data["categories"] == ["tampering", "information_disclosure"]  # crosses unencrypted
    assert "save" not in found and "job" not in found and "tls" not in found  # inside one boundary, or encrypted
    assert "has no spoofing, tampering, repudiation, information_disclosure, denial_of_service or " \
           "elevation_of_privilege threat: add a threat for each category" in found["api"].message


def test_tm101_clean(lint):
    _, found = lint("tm101_clean.yaml")
    assert [f.rule for f in found if f.rule in ("TM101", "TM001", "TM002")] == []


def test_tm102_category_not_applicable_to_affected_kind(lint, span):
    text, found = lint("tm102_trigger.yaml", "TM102")
    assert located(found) == [
        ("TM102", ERROR, span(text, "stride: [[tampering]]\n    affects: [browser]")),
        # a list: at the offending item, for the one affected element it does not fit (the flow)
        ("TM102", ERROR, span(text, "stride: [tampering, [[spoofing]]]")),
        ("TM102", ERROR, span(text, "stride: [[elevation_of_privilege]]")),
    ]
    assert "'browser'" in found[0].message and "'sign-in'" in found[1].message and "'users'" in found[2].message


def test_tm102_clean(lint):
    _, found = lint("tm102_clean.yaml", "TM102")
    assert found == []


def test_tm103_unauthenticated_crossing(lint, span):
    text, found = lint("tm103_trigger.yaml", "TM103")
    assert located(found) == [
        ("TM103", WARNING, span(text, "authenticated: [[false]]")),  # explicit false: at the value
        ("TM103", WARNING, span(text, "{id: [[callback]]")),  # flag missing: at the flow's id
        ("TM103", WARNING, span(text, "{id: [[notify]]")),  # an element outside every boundary is another zone
    ]


def test_tm103_clean(lint):
    _, found = lint("tm103_clean.yaml", "TM103")
    assert found == []


def test_tm104_sensitive_data_crossing_unencrypted(lint, span):
    text, found = lint("tm104_trigger.yaml", "TM104")
    assert located(found) == [
        ("TM104", ERROR, span(text, "encrypted: [[false]]")),
        ("TM104", ERROR, span(text, "{id: [[welcome]]")),
    ]
    assert "'passwords'" in found[0].message and "banner" not in found[0].message
    assert "'email'" in found[1].message


def test_tm104_clean(lint):
    _, found = lint("tm104_clean.yaml", "TM104")
    assert found == []


def test_tm105_sensitive_store_not_encrypted_at_rest(lint, span):
    text, found = lint("tm105_trigger.yaml", "TM105")
    assert located(found) == [
        ("TM105", WARNING, span(text, "encrypted_at_rest: [[false]]")),
        ("TM105", WARNING, span(text, "{id: [[profile-db]]")),
    ]


def test_tm105_clean(lint):
    _, found = lint("tm105_clean.yaml", "TM105")
    assert found == []


def test_stride_rules_tolerate_schema_invalid_shapes():
    text = """version: 1
system: {name: x}
assets: {card: 1}
elements:
  - {id: a, kind: [process], boundary: [x], stores: card}
  - {id: b, kind: data_store, stores: [[1]], encrypted_at_rest: "yes"}
  - just a string
flows:
  - {id: f, from: [a], to: {b: 1}, data: card}
  - {id: g, from: a, to: b, data: [{x: 1}]}
threats:
  - {id: T-1, stride: {s: 1}, affects: a}
  - {id: T-2, stride: [spoofing, 3, [tampering]], affects: [b, [a]]}
exemptions: [{element: [a], stride: spoofing}, 7]
"""
    found = check_text(text, CheckContext())
    assert any(f.rule == "TM002" for f in found)
    # data store b has kind data_store; elevation_of_privilege... is not in T-2, but spoofing is: TM102 at that item
    assert [f.range.start.line for f in found if f.rule == "TM102"] == [12]
