"""TM201-TM204: attack paths, vague threats, generic mitigations, unmitigated high-priority threats."""
import json

import pytest

from threatlint.engine import CheckContext, check_text
from threatlint.engine.finding import Severity

from conftest import TODAY

ERROR, WARNING = Severity.ERROR, Severity.WARNING


def located(findings):
    return [(f.rule, f.severity, f.range) for f in findings]


def test_tm201_missing_or_incomplete_attack_path(lint, span):
    text, found = lint("tm201_trigger.yaml", "TM201")
    assert located(found) == [
        ("TM201", WARNING, span(text, "- id: [[T-1]]")),  # no attack_path at all: at the threat's id
        ("TM201", WARNING, span(text, "    [[attack_path]]:\n      entry: GET /login?sid=\n      steps: []")),
    ]
    assert found[1].data["missing"] == ["steps", "target"]


def test_tm201_clean(lint):
    _, found = lint("tm201_clean.yaml")
    assert [f.rule for f in found if f.rule in ("TM201", "TM001", "TM002")] == []


def test_tm202_vague_threats_at_the_title(lint, span):
    text, found = lint("tm202_trigger.yaml", "TM202")
    assert located(found) == [
        ("TM202", WARNING, span(text, "title: [[Several potential security risks in the login handler]]")),
        ("TM202", WARNING, span(text, "title: [[Accounts could be compromised]]")),
        ("TM202", WARNING, span(text, "title: [[Hackers break in]]")),
    ]
    # one finding per threat, naming every reason
    assert "generic wording" in found[0].message and "names no element" not in found[0].message
    assert "generic wording" in found[1].message and "names no element" in found[1].message
    assert "generic wording" not in found[2].message and "names no element" in found[2].message


def test_tm202_clean(lint):
    _, found = lint("tm202_clean.yaml", "TM202")
    assert found == []


def test_tm203_generic_mitigations_at_the_title(lint, span):
    text, found = lint("tm203_trigger.yaml", "TM203")
    assert located(found) == [
        ("TM203", WARNING, span(text, "title: [[Follow security best practices]]")),
        ("TM203", WARNING, span(text, "title: [[Use a WAF]]")),
        # the title names the element, but the description is empty wording
        ("TM203", WARNING, span(text, "title: [[Harden the login handler]]")),
        ("TM203", WARNING, span(text, "title: [[Rate limiting]]")),
    ]


def test_tm203_clean(lint):
    # "Rate limiting" is fine once its description says where and how much.
    _, found = lint("tm203_clean.yaml", "TM203")
    assert found == []


def test_tm204_open_high_priority_threat_without_mitigation(lint, span):
    text, found = lint("tm204_trigger.yaml", "TM204")
    assert located(found) == [
        ("TM204", ERROR, span(text, "- id: [[T-1]]")),  # no mitigations key: at the id
        ("TM204", ERROR, span(text, "    [[mitigations]]: []")),  # empty list: at the key
        ("TM204", ERROR, span(text, "    [[mitigations]]: [M-1]")),  # only a rejected mitigation
    ]
    assert "only rejected mitigations" in found[2].message


def test_tm204_clean(lint):
    _, found = lint("tm204_clean.yaml", "TM204")
    assert found == []


# --- the heuristics against realistic threats and mitigations, good and bad ---------------------

MODEL = {
    "version": 1,
    "system": {"name": "Payments API"},
    "assets": [{"id": "card-data", "name": "Cardholder data", "classification": "financial"},
               {"id": "session-tokens", "name": "Session tokens", "classification": "credentials"}],
    "elements": [{"id": "shopper", "kind": "external_entity", "name": "Shopper browser"},
                 {"id": "api", "kind": "process", "name": "Payments API"},
                 {"id": "db", "kind": "data_store", "name": "Payments DB"},
                 {"id": "psp", "kind": "external_entity", "name": "Card processor"}],
}

SPECIFIC_THREATS = [
    {"title": "Open redirect in OAuth callback harvests session tokens"},
    {"title": "SQL injection in order search dumps cardholder data",
     "description": "The q parameter of GET /orders/search is concatenated into SQL."},
    {"title": "Forged webhook from the card processor marks unpaid orders as paid"},
    {"title": "Stolen refresh token replayed from another device",
     "description": "Refresh tokens are not bound to the device, so session tokens lifted via XSS work anywhere."},
    {"title": "Flood of checkout requests exhausts the DB connection pool",
     "description": "Each POST /checkout holds a connection for the whole 3-D Secure round trip."},
    {"title": "Support engineer reads full PANs through the admin console",
     "attack_path": {"entry": "admin console /admin/payments", "steps": ["log in", "open any order"], "target": "card-data"}},
    {"title": "Shopper denies placing an order for lack of signed receipts"},
    {"title": "JWT signed with alg=none accepted by the api"},
    {"title": "Amount field of the checkout request trusted from the client",
     "description": "POST /checkout takes amount from the body, so a shopper can pay 0.01 for any basket."},
    # a feature called "todo" is not a TODO placeholder
    {"title": "Todo items of other shoppers deleted through DELETE /todos/{id}"},
    # "could be" wording inside an otherwise concrete sentence is still specific
    {"title": "Card numbers written to api request logs",
     "description": "The api logs full request bodies at debug level, which could be shipped to the log SaaS."},
]
VAGUE_THREATS = [
    {"title": "Several potential security risks"},
    {"title": "The database could be compromised"},
    {"title": "Payments API could be hacked"},
    {"title": "Hackers attack the system"},
    {"title": "Data leak", "description": "Sensitive data might leak."},
    {"title": "Payments API is insecure"},
    {"title": "Security issues in the backend"},
    {"title": "TODO"},
    {"title": "Various attacks on the platform"},
]
CONCRETE_MITIGATIONS = [
    "Allowlist of redirect URIs on the OAuth callback",
    "Exact-match redirect_uri allowlist on /oauth/callback",
    "Parameterized queries in OrderRepository.search",
    "HMAC-SHA256 signature check on processor webhooks with a 5-minute timestamp window",
    "Bind refresh tokens to a device key (DPoP)",
    "Rate limiting of 20 checkouts per minute per card fingerprint",
    "Input validation of amount and currency on POST /checkout",
    "Encrypt the payments DB volume with a KMS customer key",
    "Mask PANs in the admin console to the last four digits",
    "Signed, append-only audit log of order state changes",
    "Mutual TLS between api and the card processor",
    "Require step-up MFA for refunds above 500 EUR",
    "Pin TLS 1.3 and HSTS on the checkout domain",
]
GENERIC_MITIGATIONS = [
    "Follow security best practices", "Use a WAF", "Harden the system", "Encryption", "Input validation",
    "Add monitoring", "Implement proper authentication", "Improve security of the payments API", "Rate limiting",
    "Regular penetration tests", "Use encryption", "Apply OWASP best practices to the checkout", "Defense in depth",
]


def _check(extra: dict, rule: str):
    text = json.dumps({**MODEL, **extra}, indent=1)
    found = check_text(text, CheckContext(today=TODAY))
    assert not [f for f in found if f.rule in ("TM001", "TM002")], found
    return [f for f in found if f.rule == rule]


def _threat(fields: dict) -> dict:
    return {"threats": [{"id": "T-1", "stride": "spoofing", "affects": ["api"], "likelihood": "low",
                         "impact": {"severity": "low"}, "priority": "low", "status": "open", **fields}]}


@pytest.mark.parametrize("threat", SPECIFIC_THREATS, ids=lambda t: t["title"])
def test_tm202_specific_threat_is_not_flagged(threat):
    assert _check(_threat(threat), "TM202") == []


@pytest.mark.parametrize("threat", VAGUE_THREATS, ids=lambda t: t["title"])
def test_tm202_vague_threat_is_flagged_once(threat):
    assert len(_check(_threat(threat), "TM202")) == 1


@pytest.mark.parametrize("title", CONCRETE_MITIGATIONS)
def test_tm203_concrete_mitigation_is_not_flagged(title):
    assert _check({"mitigations": [{"id": "M-1", "title": title}]}, "TM203") == []


@pytest.mark.parametrize("title", GENERIC_MITIGATIONS)
def test_tm203_generic_mitigation_is_flagged_once(title):
    assert len(_check({"mitigations": [{"id": "M-1", "title": title}]}, "TM203")) == 1


def test_one_omission_gives_one_finding():
    """A complete, specific threat without attack_path is TM201 only: not also vague, not also a schema error."""
    threat = _threat({"title": "Open redirect in OAuth callback harvests session tokens",
                      "impact": {"severity": "low", "blast_radius": "all active sessions"}})
    found = check_text(json.dumps({**MODEL, **threat}, indent=1), CheckContext(today=TODAY))
    about_threat = [f.rule for f in found if f.path[:2] == ("threats", 0)]
    assert about_threat == ["TM201"]
