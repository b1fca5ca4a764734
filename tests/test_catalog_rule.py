"""TM106: catalog threats whose condition matches an element or flow the model does not answer."""
from __future__ import annotations

from datetime import date

from threatlint.catalog import default_catalog, with_extra
from threatlint.engine import CheckContext, check_text
from threatlint.rules import RULES

TODAY = date(2026, 11, 23)

BASE = """\
version: 1
system: {name: Shop}
assets:
  - {id: pw, classification: credentials}
boundaries:
  - {id: internet}
  - {id: vpc}
elements:
  - {id: shopper, kind: external_entity, name: Shopper browser, boundary: internet}
  - {id: api, kind: process, name: Login API, boundary: vpc}
flows:
  - {id: login, from: shopper, to: api, data: [pw], protocol: HTTPS, authenticated: true, encrypted: true}
"""

SPOOFING_THREAT = """\
threats:
  - id: T-1
    title: Credential stuffing on the login API
    stride: spoofing
    affects: [api]
    likelihood: high
    impact: {severity: high}
    priority: critical
    status: open
"""


def tm106(text: str, **ctx) -> list:
    return [f for f in check_text(text, CheckContext(today=TODAY, **ctx)) if f.rule == "TM106"]


def about(findings, catalog_id: str, element: str):
    """The catalog entry `catalog_id` named in the (one) TM106 finding of `element`."""
    return [e for f in findings if f.data["element"] == element for e in f.data["entries"] if e["catalog"] == catalog_id]


def of_category(findings, element: str, category: str):
    return [e for f in findings if f.data["element"] == element for e in f.data["entries"] if e["category"] == category]


def test_rule_is_registered_as_info():
    rule = RULES["TM106"]
    assert rule.severity.value == "info" and rule.check is not None


def test_matching_catalog_threat_is_reported_on_the_element_with_id_and_title():
    found = tm106(BASE)
    stuffing = about(found, "CT-S-001", "api")
    assert len(stuffing) == 1
    # one finding for the element, naming its catalog entries (the first ones in the message, all in data)
    [f] = [f for f in found if f.data["element"] == "api"]
    assert f.data["entries"][0]["catalog"] == "CT-S-001"
    assert "CT-S-001" in f.message and default_catalog().threat("CT-S-001").title in f.message
    assert "'api'" in f.message and f"{len(f.data['entries'])} catalog threats apply" in f.message
    line = BASE.splitlines().index("  - {id: api, kind: process, name: Login API, boundary: vpc}")
    assert f.range.start.line == line and BASE.splitlines()[line][f.range.start.character:].startswith("api")
    assert stuffing[0]["category"] == "spoofing" and stuffing[0]["mitigations"]
    assert len({e["catalog"] for e in f.data["entries"]}) == len(f.data["entries"]) > 3


def test_element_that_does_not_match_the_condition_gets_no_suggestion():
    # CT-S-001 needs credentials arriving from another trust boundary
    text = BASE.replace("data: [pw], ", "")
    assert about(tm106(text), "CT-S-001", "api") == []
    text = BASE.replace("boundary: internet}", "boundary: vpc}")
    assert about(tm106(text), "CT-S-001", "api") == []


def test_a_threat_of_the_same_category_on_the_element_answers_it():
    found = tm106(BASE + SPOOFING_THREAT)
    assert of_category(found, "api", "spoofing") == []
    # other categories on api are still suggested
    assert of_category(found, "api", "tampering")


def test_a_threat_naming_the_catalog_id_answers_it_whatever_its_category():
    text = BASE + SPOOFING_THREAT.replace("stride: spoofing", "stride: tampering").replace(
        "    affects: [api]", "    catalog: CT-S-001\n    affects: [api]")
    found = tm106(text)
    assert about(found, "CT-S-001", "api") == []
    # other spoofing entries that match api are still open (the threat's own category is tampering)
    assert of_category(found, "api", "spoofing")


def test_catalog_link_on_another_element_does_not_answer():
    text = BASE + SPOOFING_THREAT.replace("stride: spoofing", "stride: repudiation").replace(
        "    affects: [api]", "    catalog: CT-S-001\n    affects: [shopper]")
    assert len(about(tm106(text), "CT-S-001", "api")) == 1


def test_an_exemption_answers_it():
    text = BASE + "exemptions:\n  - {element: api, stride: spoofing, rationale: Sign-in is delegated to the corporate IdP}\n"
    found = tm106(text)
    assert of_category(found, "api", "spoofing") == []


def test_flows_get_suggestions_too():
    text = BASE.replace("protocol: HTTPS, authenticated: true, encrypted: true", "protocol: HTTP").replace(
        "  - {id: pw, classification: credentials}", "  - {id: pw, classification: credentials}\n  - {id: basket, classification: financial}").replace(
        "data: [pw]", "data: [pw, basket]")
    found = tm106(text)
    assert about(found, "CT-T-006", "login") and about(found, "CT-T-015", "login")
    # baseline hygiene (eavesdropping on an unencrypted crossing restates TM104) is left to `suggest`
    assert about(found, "CT-I-001", "login") == [] and default_catalog().threat("CT-I-001").baseline


def test_team_catalog_in_the_context_is_used():
    team = """\
threats:
  - id: ACME-S-001
    title: Forged login from a kiosk
    stride: spoofing
    kinds: [process]
    when: {mentions: [login]}
    description: Kiosks share one account on {name}.
    attack_path:
      entry: kiosk sign-in on {name}
      steps: [attacker walks up to a kiosk, uses the open session]
    capec: [151]
    mitigations: [CM-SESSION-LIFETIME]
"""
    catalog = with_extra([("team.yaml", team)])
    found = tm106(BASE, catalog=catalog)
    assert len(about(found, "ACME-S-001", "api")) == 1
    assert about(tm106(BASE), "ACME-S-001", "api") == []


def test_complete_model_has_no_suggestions_and_schema_invalid_models_do_not_crash():
    exempt = "".join(f"  - {{element: {e}, stride: {c}, rationale: covered elsewhere}}\n"
                     for e, cats in (("shopper", ("spoofing", "repudiation")),
                                     ("api", ("spoofing", "tampering", "repudiation", "information_disclosure",
                                              "denial_of_service", "elevation_of_privilege")),
                                     ("login", ("tampering", "information_disclosure", "denial_of_service")))
                     for c in cats)
    assert tm106(BASE + "exemptions:\n" + exempt) == []
    broken = BASE + "  - {id: odd, from: [a], to: {x: 1}, data: 5}\n  - just a string\n"
    tm106(broken)


def test_a_baseline_entry_is_reported_where_its_reported_when_holds():
    team = """\
threats:
  - id: ACME-S-002
    title: Login endpoint reachable by anyone on the network
    stride: spoofing
    kinds: [process]
    baseline: true
    when: {mentions: [login]}
    reported_when: {receives: [credentials]}
    description: "{name} takes passwords from {sources}."
    attack_path:
      entry: sign-in on {name}
      steps: ["attacker finds {name}", replays passwords]
    capec: [151]
    mitigations: [CM-SESSION-LIFETIME]
"""
    catalog = with_extra([("team.yaml", team)])
    assert len(about(tm106(BASE, catalog=catalog), "ACME-S-002", "api")) == 1  # the login takes the passwords
    no_password = BASE.replace("data: [pw], ", "")
    assert about(tm106(no_password, catalog=catalog), "ACME-S-002", "api") == []  # hygiene: left to suggest
    # a reported_when that is not a condition is refused when the file is loaded
    import pytest
    from threatlint.catalog import CatalogError
    with pytest.raises(CatalogError, match="reported_when"):
        with_extra([("bad.yaml", team.replace("reported_when: {receives: [credentials]}", "reported_when: {sql: yes}"))])
