"""Rule fixes for patterns found in threat models other people wrote (issue 14).

Each test builds the smallest model that has the pattern as public models show it (Threat Dragon,
threat-composer, pytm, Threagile, OTM exports, the OWASP cookbook), asserts the finding nobody acts on is
gone, and keeps a control that must still be reported so a test cannot pass by silencing the rule.
"""
from __future__ import annotations

from datetime import date

import pytest

from threatlint.engine import CheckContext, check_text
from threatlint.engine.selection import Config

TODAY = date(2026, 11, 23)
HEAD = "version: 1\nsystem: {name: Comment service}\n"


def check(text: str, **config) -> list:
    return check_text(HEAD + text, CheckContext(today=TODAY, config=Config(**config)))


def rules(found, rule: str) -> list:
    return [f for f in found if f.rule == rule]


def catalog_ids(found, element: str) -> set[str]:
    return {e["catalog"] for f in found if f.rule == "TM106" and f.data["element"] == element for e in f.data["entries"]}


def applicable(text: str, element: str) -> set[str]:
    """Catalog entries whose condition holds for an element, baseline hygiene included (what `suggest` lists)."""
    from threatlint.catalog import default_catalog
    from threatlint.catalog.matching import matches
    from threatlint.engine.model import Model
    from threatlint.engine.parse import parse_yaml

    return {m.threat.id for m in matches(Model(parse_yaml(HEAD + text)), default_catalog(), include_covered=True)
            if m.subject.id == element}


# -- TM106: conditions on one flow; a service's own secrets are not users' credentials -------------------------

WORKER = """\
assets:
  - {id: db-password, name: Worker database password, classification: credentials}
  - {id: user-password, name: User password, classification: credentials}
  - {id: report, name: Nightly report, classification: internal}
boundaries:
  - {id: internet}
  - {id: dc}
elements:
  - {id: config, kind: data_store, name: Worker config file, technology: YAML file, boundary: dc, stores: [db-password]}
  - {id: worker, kind: process, name: Report worker, boundary: dc}
  - {id: partner, kind: external_entity, name: Partner SFTP server, boundary: internet}
  - {id: user, kind: external_entity, name: Customer, boundary: internet}
  - {id: web, kind: process, name: Web application, technology: Python/Django, boundary: dc}
flows:
  - {id: read-config, from: config, to: worker, data: [db-password]}
  - {id: upload, from: worker, to: partner, data: [report], protocol: SFTP, encrypted: true, authenticated: true}
  - {id: sign-in, from: user, to: web, data: [user-password], protocol: HTTPS, encrypted: true, authenticated: true}
"""
SIGN_IN_ATTACKS = {"CT-S-001", "CT-S-018", "CT-S-019", "CT-D-017"}


def test_sign_in_attacks_need_users_credentials_arriving_on_one_flow():
    # pytm/Threagile pattern: a worker reads its own password from a config file and, on another flow, sends
    # a report across a boundary. Credential stuffing was raised on it by combining the two flows.
    found = check(WORKER)
    assert catalog_ids(found, "worker") & SIGN_IN_ATTACKS == set()
    # control: a customer's password arriving across the boundary at the web application
    assert SIGN_IN_ATTACKS <= catalog_ids(found, "web")


EDGE = """\
assets:
  - {id: pw, name: Password, classification: credentials}
  - {id: orders, name: Orders, classification: pii}
boundaries:
  - {id: internet}
  - {id: dmz}
  - {id: app}
elements:
  - {id: browser, kind: external_entity, name: Shopper browser, boundary: internet}
  - {id: lb, kind: process, name: Load balancer, technology: AWS ALB, boundary: dmz}
  - {id: cdn, kind: process, name: CDN, technology: CloudFront, boundary: dmz}
  - {id: spa, kind: process, name: Single-page app, technology: React, boundary: internet}
  - {id: api, kind: process, name: Orders API, technology: Python/FastAPI, boundary: app}
  - {id: db, kind: data_store, name: Orders database, technology: PostgreSQL, boundary: app, stores: [orders]}
flows:
  - {id: b-lb, from: browser, to: lb, data: [pw], protocol: HTTPS, encrypted: true}
  - {id: b-cdn, from: browser, to: cdn, protocol: HTTPS, encrypted: true}
  - {id: b-spa, from: browser, to: spa, data: [pw], protocol: HTTPS, encrypted: true}
  - {id: lb-api, from: lb, to: api, data: [pw], protocol: HTTP, encrypted: true, authenticated: true}
  - {id: api-db, from: api, to: db, data: [orders], protocol: SQL, encrypted: true, authenticated: true}
"""
APP_LEVEL = {"CT-E-007", "CT-S-009", "CT-S-018", "CT-I-012", "CT-E-001", "CT-S-001"}


def test_application_threats_skip_load_balancers_proxies_cdns_and_client_apps():
    # Threat Dragon / Threagile pattern: the browser talks to a load balancer or CDN, which forwards to the app.
    found = check(EDGE)
    for edge in ("lb", "cdn", "spa"):
        assert catalog_ids(found, edge) & APP_LEVEL == set(), edge
    # control: the application behind the load balancer still gets them (the edge is seen through)
    assert {"CT-E-007", "CT-S-009", "CT-E-001", "CT-S-001"} <= catalog_ids(found, "api")
    # and the edge still gets what is about edges
    assert "CT-D-001" in catalog_ids(found, "lb")


def test_certificate_validation_threat_needs_an_encrypted_flow():
    # OTM/Threagile pattern: a plaintext database connection; "does not verify the certificate" cannot apply.
    # (CT-T-021 is baseline hygiene, listed by `suggest`: what applies is read from the catalog's matches)
    text = EDGE.replace("protocol: SQL, encrypted: true, authenticated: true", "protocol: SQL, encrypted: false, authenticated: true")
    assert "CT-T-021" not in applicable(text, "api-db")
    assert "CT-T-021" in applicable(EDGE, "api-db")
    assert "CT-T-021" not in catalog_ids(check(EDGE.replace("protocol: SQL, encrypted: true, authenticated: true", "protocol: SQL, encrypted: true")), "api-db")


STORES = """\
assets:
  - {id: profile, name: Profile, classification: pii, attacker_value: 4}
  - {id: secret, name: Signing key, classification: secret}
boundaries: [{id: client}, {id: server}]
elements:
  - {id: app, kind: process, name: Web app, boundary: server}
  - {id: local, kind: data_store, name: Browser local storage, technology: localStorage, boundary: client, stores: [profile]}
  - {id: settings, kind: data_store, name: Application configuration file, technology: appsettings.json, boundary: server, stores: [secret]}
  - {id: db, kind: data_store, name: Profile database, technology: PostgreSQL, boundary: server, stores: [profile]}
flows:
  - {id: f1, from: app, to: local, data: [profile], encrypted: true, authenticated: true}
  - {id: f2, from: settings, to: app, data: [secret], encrypted: true, authenticated: true}
  - {id: f3, from: app, to: db, data: [profile], encrypted: true, authenticated: true}
"""
DATABASE_ONLY = {"CT-T-009", "CT-T-010", "CT-I-019", "CT-I-020", "CT-R-006", "CT-D-012", "CT-I-011"}


def test_database_threats_skip_config_files_and_browser_storage():
    assert applicable(STORES, "local") & DATABASE_ONLY == set()
    assert applicable(STORES, "settings") & DATABASE_ONLY == set()
    assert DATABASE_ONLY <= applicable(STORES, "db") | {"CT-I-011"}  # the database itself: every one fits
    # operational hygiene true of nearly every database (backups, restores, copies into staging, ransomware,
    # data audit) is left to `suggest`; TM106 reports the entry that fits this store in particular
    found = catalog_ids(check(STORES), "db")
    assert "CT-T-009" in found and not found & {"CT-T-010", "CT-I-019", "CT-I-020", "CT-R-006", "CT-D-012"}


def test_one_tm106_finding_per_element_names_every_entry():
    found = rules(check(WORKER), "TM106")
    per_element = [f.data["element"] for f in found]
    assert len(per_element) == len(set(per_element))
    web = next(f for f in found if f.data["element"] == "web")
    assert len(web.data["entries"]) > 3 and all(e["catalog"] in web.message for e in web.data["entries"])


# -- TM101: one finding per element; encrypted and authenticated flows; out of scope ----------------------------

def test_tm101_asks_flows_only_for_unencrypted_crossings():
    # Threagile/Threat Dragon pattern: most flows are HTTPS or stay inside one boundary; denial of service was
    # asked of every flow and tampering/disclosure of encrypted ones.
    text = WORKER + "  - {id: plain, from: worker, to: partner, data: [report], protocol: FTP}\n"
    found = rules(check(text), "TM101")
    by = {f.data["element"]: f.data["categories"] for f in found}
    assert "upload" not in by and "sign-in" not in by  # encrypted
    assert "read-config" not in by  # inside one boundary
    assert by["plain"] == ["tampering", "information_disclosure"]  # crosses unencrypted; DoS not asked
    assert len(found) == len(by)  # one finding per element or flow


OUT_OF_SCOPE = """\
assets: [{id: card, classification: financial}]
boundaries: [{id: internet}, {id: vpc}]
elements:
  - {id: shopper, kind: external_entity, name: Shopper, boundary: internet}
  - {id: api, kind: process, name: Checkout API, boundary: vpc}
  - id: psp
    kind: process
    name: Payment provider
    boundary: internet
    out_of_scope: run and assessed by the payment provider (PCI DSS AOC on file)
  - {id: vault, kind: data_store, name: Card vault, boundary: internet, stores: [card], out_of_scope: the provider's vault}
flows:
  - {id: pay, from: api, to: psp, data: [card], protocol: HTTP, out_of_scope: covered by the provider's model}
  - {id: order, from: shopper, to: api, protocol: HTTP}
"""


def test_out_of_scope_elements_and_flows_get_no_finding():
    # Threat Dragon's "out of scope" checkbox with its reason, as the source marks it.
    found = check(OUT_OF_SCOPE)
    about = {f.data.get("element") or f.data.get("flow") for f in found if f.rule in ("TM101", "TM103", "TM104", "TM105", "TM106", "TM107")}
    assert about.isdisjoint({"psp", "vault", "pay"})
    assert {"api", "order"} <= about  # control: what is in scope is still judged


# -- TM103: responses and public content ---------------------------------------------------------------------

RESPONSES = """\
assets:
  - {id: page, name: Product pages, classification: public}
  - {id: query, name: Search query, classification: internal}
  - {id: results, name: Search results, classification: internal}
boundaries: [{id: internet}, {id: dc}]
elements:
  - {id: user, kind: external_entity, name: Web user, boundary: internet}
  - {id: web, kind: process, name: Web server, boundary: dc}
  - {id: api, kind: process, name: Search API, boundary: dc}
  - {id: partner, kind: external_entity, name: Partner system, boundary: internet}
flows:
  - {id: request, from: user, to: web, data: [query], protocol: HTTPS, encrypted: true}
  - {id: response, from: web, to: user, data: [results], protocol: HTTPS, encrypted: true}
  - {id: browse, from: user, to: api, data: [page], protocol: HTTPS, encrypted: true}
  - {id: search, from: user, to: api, data: [query], returns: [results], protocol: HTTPS, encrypted: true}
  - {id: feed, from: partner, to: api, data: [query], protocol: HTTPS, encrypted: true}
"""


def test_tm103_judges_the_request_not_its_response_nor_public_content():
    # Threat Dragon pattern: the response drawn as its own flow back to the browser; pytm's responseTo is `returns`.
    flagged = {f.data["flow"] for f in rules(check(RESPONSES), "TM103")}
    assert "response" not in flagged and "browse" not in flagged
    assert {"request", "search", "feed"} <= flagged  # the requests are still unauthenticated


def test_tm104_counts_data_returned_in_the_response():
    text = RESPONSES.replace("{id: results, name: Search results, classification: internal}",
                             "{id: results, name: Patient records, classification: pii}").replace(
        "returns: [results], protocol: HTTPS, encrypted: true", "returns: [results], protocol: HTTP")
    found = rules(check(text), "TM104")
    assert [f.data["flow"] for f in found] == ["search"] and found[0].data["assets"] == ["results"]


def test_tm107_unencrypted_crossing_that_declares_no_data():
    text = RESPONSES + "  - {id: ping, from: partner, to: web, protocol: HTTP}\n  - {id: pong, from: web, to: partner, protocol: HTTP, data: [page]}\n"
    found = rules(check(text), "TM107")
    assert [f.data["flow"] for f in found] == ["ping"]
    assert "declares no data" in found[0].message


# -- TM102: spoofing a data store that authenticates its clients ------------------------------------------------

@pytest.mark.parametrize("store,expected", [
    ("{id: s, kind: data_store, name: Customer database, technology: PostgreSQL}", []),
    ("{id: s, kind: data_store, name: Corporate directory, technology: OpenLDAP}", []),
    ("{id: s, kind: data_store, name: Order events, technology: RabbitMQ}", []),
    ("{id: s, kind: data_store, name: Azure File Storage}", []),
    ("{id: s, kind: data_store, name: Export folder, technology: local disk}", ["TM102"]),
])
def test_tm102_accepts_spoofing_on_stores_that_authenticate_clients(store, expected):
    # threat-composer/OTM pattern: "an attacker spoofs a client of the database" filed as spoofing on the store.
    text = f"""elements:
  - {store}
threats:
  - {{id: T-1, title: Stolen service account used against the store s, stride: spoofing, affects: [s], status: open}}
  - {{id: T-2, title: A client of store s grants itself admin rights, stride: elevation_of_privilege, affects: [s], status: open}}
"""
    assert [f.rule for f in rules(check(text), "TM102")] == expected * 2  # spoofing and elevation alike


# -- TM005 / TM006: nested boundaries --------------------------------------------------------------------------

def test_outer_boundary_that_only_holds_boundaries_is_used_and_a_cycle_is_reported():
    # Threagile/OTM pattern: an AWS account holds a VPC, which holds a subnet that holds the elements.
    text = """boundaries:
  - {id: account, name: AWS account}
  - {id: vpc, name: VPC, parent: account}
  - {id: subnet, name: Private subnet, parent: vpc}
  - {id: a, parent: b}
  - {id: b, parent: a}
elements:
  - {id: app, kind: process, boundary: subnet}
"""
    found = check(text)
    assert [f for f in rules(found, "TM005") if "account" in f.message or "vpc" in f.message] == []
    [cycle] = rules(found, "TM006")
    assert "a -> b -> a" in cycle.message


# -- TM303 / TM306 / TM301: closed threats; acceptance.by is the accountable person -----------------------------

CLOSED = """\
elements: [{id: app, kind: process, name: App}]
mitigations: [{id: M-1, title: Parameterised queries in the OrderRepository via SQLAlchemy, status: implemented}]
threats:
  - {id: T-1, title: SQL injection on GET /orders?id= in app, stride: tampering, affects: [app], likelihood: high, impact: {severity: high}, priority: high, status: mitigated, mitigations: [M-1]}
  - id: T-2
    title: Legacy admin page of app reachable without MFA
    stride: spoofing
    affects: [app]
    likelihood: high
    impact: {severity: critical}
    priority: critical
    status: accepted
    acceptance: {by: CISO Dana Lee, rationale: page is removed in Q2, expires: 2027-01-31, date: 2026-10-01, ticket: RISK-12}
  - {id: T-3, title: Low-value banner on app page defaced, stride: tampering, affects: [app], likelihood: low, impact: {severity: low}, priority: low, status: mitigated, mitigations: [M-1]}
  - {id: T-4, title: Session tokens of app logged in plain text, stride: information_disclosure, affects: [app], likelihood: high, impact: {severity: high}, priority: high, status: open, mitigations: [M-1]}
"""


def test_nobody_is_asked_to_own_or_cost_a_threat_that_is_dealt_with():
    found = check(CLOSED, stage="operational")
    assert [f.data["threat"] for f in rules(found, "TM303")] == ["T-4"]  # open; T-2's acceptance.by answers for it
    assert [f.data["threat"] for f in rules(found, "TM306")] == ["T-1"]  # not T-3: low by definition
    assert [f.data["threat"] for f in rules(found, "TM301")] == ["T-4"]  # only the open threat


# -- TM002 / TM307 / TM302: the team's rating scheme --------------------------------------------------------------

SEVERITY_ONLY = """\
elements: [{id: app, kind: process, name: App}]
threats:
  - {id: T-1, title: Stored XSS in the app comment field, stride: tampering, affects: [app], impact: {severity: high}, status: open}
  - {id: T-2, title: CSRF on the app profile form, stride: spoofing, affects: [app], impact: {severity: medium}, priority: low, status: open}
"""


def test_severity_only_models_are_valid_and_judged_by_their_scheme():
    # Threat Dragon rates by severity only; threat-composer by priority only.
    default = check(SEVERITY_ONLY)
    assert rules(default, "TM002") == []
    assert [f.data["missing"] for f in rules(default, "TM307")] == [["likelihood"]]
    severity = check("review: {rating: severity}\n" + SEVERITY_ONLY)
    assert rules(severity, "TM307") == []
    [below] = rules(severity, "TM302")  # T-2: priority low below its severity medium
    assert below.data["threat"] == "T-2" and "severity medium" in below.message
    # the configuration's rating applies when the model names none; an open high threat needs an owner
    configured = check(SEVERITY_ONLY, rating="severity")
    assert rules(configured, "TM307") == [] and [f.data["threat"] for f in rules(configured, "TM303")] == ["T-1"]
    priority_only = check(SEVERITY_ONLY.replace("impact: {severity: high}", "priority: high"), rating="priority")
    assert rules(priority_only, "TM307") == [] and rules(priority_only, "TM302") == []


# -- TM202 / TM203: placeholders; where and how in everyday words --------------------------------------------------

def test_placeholder_text_is_reported():
    # Threat Dragon's new-threat template text, left in place.
    text = """elements: [{id: app, kind: process, name: App}]
mitigations:
  - {id: M-1, title: Some text describing the mitigation..., status: planned}
  - {id: M-2, title: N/A, status: planned}
threats:
  - {id: T-1, title: New STRIDE threat, description: "Some text describing the risk category...", stride: tampering, affects: [app], status: open, mitigations: [M-1, M-2]}
"""
    found = check(text)
    assert {f.data["mitigation"] for f in rules(found, "TM203")} == {"M-1", "M-2"}
    assert all("placeholder" in f.message for f in rules(found, "TM203"))
    [vague] = rules(found, "TM202")
    assert "placeholder text" in vague.message


def test_mitigation_naming_mechanism_and_component_in_its_own_words_is_not_generic():
    # threat-composer pattern: the mitigation says where and how without using the model's ids.
    text = """elements: [{id: app, kind: process, name: Storefront}]
mitigations:
  - {id: M-1, title: Input validation of request bodies against the published schema at the API gateway}
  - {id: M-2, title: Rate limiting with an account lockout on the sign-in form}
  - {id: M-3, title: Use a WAF}
  - {id: M-4, title: Input validation}
"""
    assert {f.data["mitigation"] for f in rules(check(text), "TM203")} == {"M-3", "M-4"}


# -- TM205: mitigated without a mitigation ---------------------------------------------------------------------------

def test_mitigated_threat_listing_no_mitigation():
    text = """elements: [{id: app, kind: process, name: App}]
mitigations: [{id: M-1, title: Account lockout after 5 failures on POST /login, status: rejected}]
threats:
  - {id: T-1, title: Password spraying on POST /login of app, stride: spoofing, affects: [app], status: mitigated}
  - {id: T-2, title: Credential stuffing on POST /login of app, stride: spoofing, affects: [app], status: mitigated, mitigations: [M-1]}
"""
    found = rules(check(text), "TM205")
    assert [(f.data["threat"], "only rejected" in f.message) for f in found] == [("T-1", False), ("T-2", True)]


# -- TM401: a review date without a cadence ---------------------------------------------------------------------------

@pytest.mark.parametrize("last,overdue", [("2025-06-01", True), ("2026-06-01", False)])
def test_last_reviewed_without_cadence_gets_the_default_cadence(last, overdue):
    found = rules(check(f"review: {{last_reviewed: {last}}}\n"), "TM401")
    assert bool(found) is overdue
    if found:
        assert "default of 365 days" in found[0].message


# -- integrity/availability needs and impacted assets ---------------------------------------------------------------

def test_availability_need_asks_a_store_for_denial_of_service():
    # Threagile pattern: assets rate confidentiality, integrity and availability separately.
    text = """assets:
  - {id: ledger, name: Ledger, classification: [financial, confidential], integrity: critical, availability: critical}
  - {id: archive, name: Old exports, classification: internal, availability: low}
elements:
  - {id: db, kind: data_store, name: Ledger database, stores: [ledger]}
  - {id: files, kind: data_store, name: Export archive, stores: [archive]}
"""
    by = {f.data["element"]: f.data["categories"] for f in rules(check(text), "TM101")}
    assert by["db"] == ["tampering", "information_disclosure", "denial_of_service"]
    assert by["files"] == ["tampering", "information_disclosure"]


def test_a_threat_naming_its_impacted_assets_names_where():
    # threat-composer pattern: the statement names the impacted assets, not the element.
    text = """assets: [{id: records, name: Patient records, classification: pii}]
elements: [{id: app, kind: process, name: App}]
threats:
  - {id: T-1, title: An attacker reads what he should not, stride: information_disclosure, affects: [app], assets: [records], status: open}
  - {id: T-2, title: An attacker reads what he should not, stride: information_disclosure, affects: [app], status: open}
"""
    assert [f.data["threat"] for f in rules(check(text), "TM202")] == ["T-2"]


# -- TM201: a threat statement already says how -------------------------------------------------------------------

def test_attack_path_not_asked_of_a_threat_statement_or_a_closed_threat():
    # threat-composer writes "[actor] with [prerequisites] can [action], which leads to [impact]".
    text = """elements: [{id: portal, kind: process, name: Patient portal}]
threats:
  - {id: T-1, title: "An external threat actor with a stolen session cookie can replay it against the portal's
      appointment API, which leads to reading another patient's appointments", stride: spoofing, affects: [portal], status: open}
  - {id: T-2, title: Session replay, stride: spoofing, affects: [portal], status: open}
  - {id: T-3, title: Session replay, stride: spoofing, affects: [portal], status: mitigated}
"""
    assert [f.data["threat"] for f in rules(check(text), "TM201")] == ["T-2"]


# -- TM402 / TM301 at the design stage: tracked work for what matters first -----------------------------------------

TRIAGE = """elements: [{id: app, kind: process, name: App}]
mitigations:
  - {id: M-1, title: Parameterised queries in the OrderRepository, status: planned}
  - {id: M-2, title: Content-Security-Policy header on every page of app, status: planned}
threats:
  - {id: T-1, title: SQL injection on GET /orders?id= of app, stride: tampering, affects: [app], priority: critical, status: open, mitigations: [M-1]}
  - {id: T-2, title: Reflected XSS on GET /search?q= of app, stride: tampering, affects: [app], priority: medium, status: open, mitigations: [M-2]}
"""


def test_design_stage_asks_tickets_and_impact_only_for_open_high_threats():
    found = check(TRIAGE)
    assert [f.data["mitigations"] for f in rules(found, "TM402")] == [["M-1"]]  # one per threat at design
    assert [f.data["threat"] for f in rules(found, "TM301")] == ["T-1"]
    operational = check(TRIAGE, stage="operational")
    assert [f.data["mitigation"] for f in rules(operational, "TM402")] == ["M-1", "M-2"]
    assert [f.data["threat"] for f in rules(operational, "TM301")] == ["T-1", "T-2"]


def test_untriaged_ratings_do_not_drive_the_bookkeeping():
    # An OTM/TMT converter rates every generated threat the same; those ratings put nothing first.
    threats = "".join(f"  - {{id: T-{n}, title: Generated threat {n} on app, stride: tampering, affects: [app], "
                      f"priority: critical, status: open, mitigations: [M-1]}}\n" for n in range(1, 7))
    text = TRIAGE.split("threats:")[0] + "threats:\n" + threats
    found = check(text)
    assert rules(found, "TM402") == [] and rules(found, "TM301") == []
    assert len(rules(found, "TM303")) == 6  # an open critical threat still needs an owner


# -- TM105 / TM107 / TM103: what the threats already say -----------------------------------------------------------

def test_what_the_threats_already_model_is_not_asked_again():
    # Threat Dragon demo pattern: the gap is a threat of its own, with its fix listed.
    text = """assets: [{id: creds, name: DB credentials, classification: credentials}]
boundaries: [{id: dc}, {id: queue-zone}]
mitigations:
  - {id: M-1, title: Encrypt the DB credentials in the configuration file with the platform KMS, status: planned}
  - {id: M-2, title: The queue authenticates each client with its own key, status: implemented}
elements:
  - {id: cfg, kind: data_store, name: Worker config store, stores: [creds], boundary: dc}
  - {id: web, kind: process, name: Web app, boundary: dc}
  - {id: queue, kind: data_store, name: Message queue, technology: file spool, boundary: queue-zone}
  - {id: other, kind: data_store, name: Report spool, technology: file spool, boundary: queue-zone}
flows:
  - {id: put, from: web, to: queue, protocol: AMQP}
  - {id: put-other, from: web, to: other, protocol: AMQP}
threats:
  - {id: T-1, title: DB credentials read from the worker config store, stride: information_disclosure, affects: [cfg], status: open, mitigations: [M-1]}
  - {id: T-2, title: Fake messages put on the message queue by any host, stride: tampering, affects: [queue], status: mitigated, mitigations: [M-2]}
  - {id: T-3, title: Messages on the put flow read on the network, stride: information_disclosure, affects: [put], status: open}
"""
    found = check(text)
    assert rules(found, "TM105") == []
    assert [f.data["flow"] for f in rules(found, "TM103")] == ["put-other"]
    assert [f.data["flow"] for f in rules(found, "TM107")] == ["put-other"]


def test_a_person_typing_into_their_own_client_app_is_no_network_request():
    # Threat Dragon payment pattern: Customer -> Customer Client (the app on their device) -> merchant server.
    text = """assets: [{id: card, name: Card details, classification: financial}]
boundaries: [{id: device}, {id: merchant}]
elements:
  - {id: customer, kind: external_entity, name: Customer}
  - {id: client, kind: process, name: Customer Client, boundary: device}
  - {id: server, kind: process, name: Merchant web server, boundary: merchant}
flows:
  - {id: type, from: customer, to: client, data: [card]}
  - {id: send, from: client, to: server, data: [card]}
"""
    found = check(text)
    about = lambda rule: [f.data.get("flow") or f.data.get("element") for f in rules(found, rule)]  # noqa: E731
    assert "type" not in about("TM103") + about("TM104") + about("TM101")
    assert "send" in about("TM103") and "send" in about("TM104")
    assert next(f for f in rules(found, "TM101") if f.data["element"] == "client").data["categories"] == [
        "tampering", "information_disclosure"]


def test_internet_flood_needs_callers_on_the_internet():
    # Threagile pattern: an ERP reached only from a development network (which also holds the team's build
    # server) and VPN clients is not internet-facing.
    text = """boundaries: [{id: dev-network, name: Development network}, {id: dmz, name: ERP DMZ}, {id: internet, name: Internet}]
elements:
  - {id: staff, kind: external_entity, name: Backoffice staff, boundary: dev-network}
  - {id: ci, kind: process, name: Build server, boundary: dev-network}
  - {id: erp, kind: process, name: ERP system, boundary: dmz}
  - {id: shopper, kind: external_entity, name: Shopper, boundary: internet}
  - {id: shop, kind: process, name: Shop front, boundary: dmz}
flows:
  - {id: f1, from: staff, to: erp, protocol: HTTPS, encrypted: true}
  - {id: f2, from: shopper, to: shop, protocol: HTTPS, encrypted: true}
"""
    found = check(text)
    assert "CT-D-001" not in catalog_ids(found, "erp") and "CT-D-001" in catalog_ids(found, "shop")


SERVERLESS = """assets: [{id: notes, name: Notes, classification: pii}]
boundaries: [{id: users, name: Users}, {id: aws, name: AWS account}]
elements:
  - {id: person, kind: external_entity, name: Mobile app user, description: Uses the mobile app on a phone, boundary: users}
  - {id: gw, kind: process, name: API Gateway, technology: Amazon API Gateway with Cognito tokens, boundary: aws}
  - {id: fn, kind: process, name: Notes function, technology: AWS Lambda, boundary: aws}
  - {id: bucket, kind: data_store, name: Attachments, technology: Amazon S3, boundary: aws, stores: [notes]}
flows:
  - {id: call, from: person, to: gw, data: [notes], protocol: HTTPS, encrypted: true, authenticated: true}
  - {id: invoke, from: gw, to: fn, data: [notes], protocol: HTTPS, encrypted: true, authenticated: false}
  - {id: put, from: fn, to: bucket, data: [notes], protocol: HTTPS, encrypted: true, authenticated: true}
"""


def test_serverless_api_behind_a_gateway():
    # AWS serverless pattern: users in a "Users" zone call an API gateway that checks tokens and invokes a function.
    found = check(SERVERLESS)
    by = {f.data["element"]: f.data["categories"] for f in rules(found, "TM101")}
    assert by["gw"] == ["spoofing", "information_disclosure", "denial_of_service"]  # it authenticates callers
    assert by["fn"] == ["spoofing"]  # it states it does not authenticate the gateway's calls
    assert {"CT-D-001", "CT-S-005"} <= catalog_ids(found, "gw")  # a "Users" zone is the internet
    assert "CT-T-017" not in catalog_ids(found, "invoke")  # a function gets events, not an HTTP stream
    assert "CT-S-020" not in catalog_ids(found, "person")  # a person is not a cloned device
    assert "CT-T-021" not in applicable(SERVERLESS, "put")  # object storage over the cloud API, not a DB connection


# threat-composer's vehicle-registration workshop model: the gateway's own text says nothing of tokens; the request
# its users send carries the Cognito tokens, and the function behind it is stated not to authenticate the gateway.
GATEWAY_TRUST = """assets:
  - {id: tokens, name: Tokens (Amazon Cognito), classification: credentials}
  - {id: records, name: Vehicle records}
  - {id: site, name: Marketing pages, classification: public}
boundaries: [{id: users, name: Users}, {id: api, name: API}]
elements:
  - {id: person, kind: external_entity, name: Fleet manager, boundary: users}
  - {id: gw, kind: process, name: API Gateway, technology: Amazon API Gateway (REST), boundary: api}
  - {id: fn, kind: process, name: Registration function, technology: AWS Lambda, boundary: api}
  - {id: pages, kind: process, name: Page renderer, technology: AWS Lambda, boundary: api}
  - {id: audit, kind: process, name: Audit function, technology: AWS Lambda, boundary: api}
flows:
  - {id: call, from: person, to: gw, data: [tokens, records], protocol: HTTPS, encrypted: true, authenticated: true}
  - {id: invoke, from: gw, to: fn, data: [records], encrypted: true, authenticated: false}
  - {id: render, from: gw, to: pages, data: [site], encrypted: true, authenticated: false}
  - {id: log, from: gw, to: audit, data: [records], encrypted: true}
"""


def test_tokens_on_the_request_and_a_backend_that_trusts_its_gateway():
    found = check(GATEWAY_TRUST)
    assert "CT-S-005" in catalog_ids(found, "gw")  # forged JWT: the tokens arrive on its inbound request
    assert "CT-S-005" not in catalog_ids(found, "fn")  # the tokens stop at the gateway
    assert "CT-S-006" in catalog_ids(found, "fn")  # stated unauthenticated, behind a caller that authenticates users
    assert "CT-S-006" not in catalog_ids(found, "pages")  # it only ever gets public content
    assert "CT-S-006" not in catalog_ids(found, "audit")  # nobody said the call is unauthenticated ...
    assert "CT-S-006" in applicable(GATEWAY_TRUST, "audit")  # ... so it stays an idea for `suggest`
    # a caller that does not itself take authenticated requests is the internal-call hygiene `suggest` covers
    plain = check(GATEWAY_TRUST.replace("encrypted: true, authenticated: true}", "encrypted: true}"))
    assert "CT-S-006" not in catalog_ids(plain, "fn")


# Threat Dragon's demo model: copy-pasted threats that name nothing ("Data flow should use HTTP/S") rated high.
VAGUE_HIGH = """review: {rating: severity}
elements:
  - {id: web, kind: process, name: Web application}
  - {id: queue, kind: data_store, name: Message queue}
flows:
  - {id: put-message, from: web, to: queue}
threats:
  - id: T11
    title: Data flow should use HTTP/S
    stride: information_disclosure
    affects: [put-message]
    description: These requests are made over the public internet and could be intercepted by an attacker.
    impact: {severity: high}
    status: open
  - id: T1
    title: Accessing the message queue credentials from the web application configuration
    stride: information_disclosure
    affects: [web]
    impact: {severity: high}
    status: open
"""


def test_tm301_waits_for_a_threat_to_say_what_is_attacked():
    found = check(VAGUE_HIGH)
    assert [f.data["threat"] for f in rules(found, "TM202")] == ["T11"]  # says nothing of where
    assert [f.data["threat"] for f in rules(found, "TM301")] == ["T1"]  # one finding per cause for T11
    # with TM202 switched off, nothing else asks about T11: TM301 does again
    quiet = check(VAGUE_HIGH, ignore=("TM202",))
    assert sorted(f.data["threat"] for f in rules(quiet, "TM301")) == ["T1", "T11"]


# Threat Dragon's demo model: the worker's database connection is drawn as two flows, the query and its results;
# the man-in-the-middle threat (T13) sits on the results flow.
QUERY_PAIR = """boundaries: [{id: app}, {id: dbzone}]
elements:
  - {id: worker, kind: process, name: Background worker, boundary: app}
  - {id: database, kind: data_store, name: Database, boundary: dbzone}
flows:
  - {id: worker-queries, from: worker, to: database, protocol: SQL}
  - {id: worker-query-results, from: database, to: worker, protocol: SQL}
threats:
  - id: T13
    title: Man in the middle reads the worker's database queries and results in transit
    stride: information_disclosure
    affects: [worker-query-results]
    impact: {severity: low}
    status: open
"""


def test_tm107_a_threat_on_the_response_flow_answers_the_connection():
    assert not rules(check(QUERY_PAIR), "TM107")
    # control: without the threat, the query flow (the request) is reported, the response is not
    bare = QUERY_PAIR.split("threats:")[0]
    found = rules(check(bare), "TM107")
    assert len(found) == 1 and "'worker-queries'" in found[0].message


# threat-composer does not ask for STRIDE: a translated threat may come without `stride`. Until it has one, which
# categories it answers on what it affects is open; the schema error asks for the category first.
UNCATEGORIZED = """boundaries: [{id: users, name: Users}, {id: aws, name: AWS}]
elements:
  - {id: user, kind: external_entity, name: Fleet manager, boundary: users}
  - {id: api, kind: process, name: API Gateway, boundary: aws}
flows:
  - {id: call, from: user, to: api, protocol: HTTPS, encrypted: true, authenticated: true}
threats:
  - id: T-001
    title: A look-alike domain tricks the fleet manager into sending API requests to the attacker
    affects: [user]
    status: open
"""


def test_an_element_with_an_uncategorized_threat_waits_for_its_category():
    found = check(UNCATEGORIZED)
    assert any(f.rule == "TM002" and "stride" in f.message for f in found)
    assert "user" not in {f.data["element"] for f in rules(found, "TM101")}
    assert catalog_ids(found, "user") == set()
    assert "api" in {f.data["element"] for f in rules(found, "TM101")}  # the rest of the model is judged
    categorized = check(UNCATEGORIZED.replace("    affects: [user]", "    stride: tampering\n    affects: [user]"))
    assert "user" in {f.data["element"] for f in rules(categorized, "TM101")}  # spoofing: still unanswered


# -- TM301 before the operational stage: the impacted assets say what is hurt ------------------------------------
# threat-composer statements end "resulting in reduced confidentiality of <assets>" and its importer lists those
# assets on the threat; asking for blast_radius or a fine on top at the design stage was judged noise every time.

IMPACTED = """assets:
  - {id: ip, name: Intellectual property, classification: confidential}
elements: [{id: app, kind: process, name: App}]
threats:
  - id: T-1
    title: External actor exfiltrates the proprietary models of app
    stride: information_disclosure
    affects: [app]
    assets: [ip]
    priority: high
    status: open
  - id: T-2
    title: External actor reads the model store of app through its admin API
    stride: information_disclosure
    affects: [app]
    attack_path: {entry: admin API of app, target: ip}
    priority: high
    status: open
  - id: T-3
    title: External actor overwrites the prompts of app
    stride: tampering
    affects: [app]
    assets: [not-an-asset]
    priority: high
    status: open
"""


def test_impacted_assets_answer_business_impact_until_the_operational_stage():
    found = check(IMPACTED)
    assert [f.data["threat"] for f in rules(found, "TM301")] == ["T-3"]  # an unknown id names nothing
    operational = check(IMPACTED, stage="operational")
    assert [f.data["threat"] for f in rules(operational, "TM301")] == ["T-1", "T-2", "T-3"]
