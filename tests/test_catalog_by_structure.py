"""Catalog entries chosen by what a model states an element does, not by words in its name (issue 14, held-out round 2).

Each test builds the smallest model with the pattern as other people's models show it (a Terraform-derived OTM
model, a Threagile vehicle model, a threat-composer architecture), asserts the entry nobody would act on is not
suggested, and keeps a control where the same entry must still be suggested.
"""
from __future__ import annotations


import pytest

from threatlint.catalog import default_catalog
from threatlint.catalog.conditions import Facts, compile_condition
from threatlint.catalog.matching import matches
from threatlint.engine.model import Model
from threatlint.engine.parse import parse_yaml
from threatlint.engine.roles import roles

HEAD = "version: 1\nsystem: {name: Pattern}\n"


def suggested(text: str) -> dict[str, set[str]]:
    """{element or flow id: catalog ids suggested there} for a model."""
    out: dict[str, set[str]] = {}
    for m in matches(Model(parse_yaml(HEAD + text)), default_catalog(), include_covered=True):
        out.setdefault(m.subject.id, set()).add(m.threat.id)
    return out


# -- HTTP request smuggling needs an HTTP hop from a forwarding proxy to an HTTP server -----------------------

SMUGGLING = """\
assets:
  - {id: password, name: Passwords, classification: credentials}
  - {id: client-secret, name: Gateway client secret, classification: credentials}
  - {id: token, name: Access token, classification: credentials}
boundaries: [{id: dmz, name: DMZ}, {id: app, name: App}]
elements:
  - {id: user, kind: external_entity, name: Customer}
  - {id: keycloak, kind: process, name: Keycloak, boundary: app}
  - {id: lb, kind: process, name: Load balancer, boundary: dmz}
  - {id: web, kind: process, name: Web application, technology: web-server, boundary: app}
  - {id: fn, kind: process, name: aws_lambda_function.handler, boundary: app}
  - {id: idp, kind: process, name: Cognito User Pool, boundary: app}
  - {id: carrier, kind: external_entity, name: Cellular network, technology: gateway}
  - {id: bridge, kind: process, name: CAN bridge, technology: gateway, boundary: app}
  - {id: unit, kind: process, name: Head unit, technology: web-application, boundary: app}
flows:
  - {id: lb-web, from: lb, to: web, protocol: http}
  - {id: lb-web-unstated, from: lb, to: web}
  - {id: lb-fn, from: lb, to: fn}
  - {id: sign-in, from: user, to: lb, data: [password], protocol: HTTPS}
  - {id: lb-sign-in, from: lb, to: keycloak, data: [password], returns: [token], protocol: HTTPS}
  - {id: lb-token, from: lb, to: idp, data: [client-secret], returns: [token], protocol: HTTPS}
  - {id: carrier-unit, from: carrier, to: unit, protocol: text-encrypted}
  - {id: spi, from: bridge, to: unit, protocol: binary}
"""


def test_request_smuggling_needs_http_between_a_proxy_and_a_web_server():
    found = suggested(SMUGGLING)
    assert "CT-T-017" in found["lb-web"]  # control: HTTP from the load balancer to the web server
    assert "CT-T-017" in found["lb-web-unstated"]  # no protocol stated, both ends web tiers
    assert "CT-T-017" not in found.get("lb-fn", set())  # a function gets a parsed event
    assert "CT-T-017" not in found.get("lb-token", set())  # the proxy's own token request, with its own secret
    assert "CT-T-017" in found["lb-sign-in"]  # control: it forwards the customer's sign-in to a self-hosted IdP
    assert "CT-T-017" not in found.get("carrier-unit", set())  # a carrier network is no proxy of the system's
    assert "CT-T-017" not in found.get("spi", set())  # SPI carries no HTTP, whatever the chip is called


# -- OAuth redirect_uri manipulation needs an interactive sign-in ---------------------------------------------

SIGN_IN = """\
boundaries: [{id: internet, name: Internet}, {id: cloud, name: Cloud}]
elements:
  - {id: person, kind: external_entity, name: Customer, boundary: internet}
  - {id: edge, kind: process, name: CDN, boundary: cloud}
  - {id: login, kind: process, name: Login service, description: OAuth sign-in, boundary: cloud}
  - {id: gw, kind: process, name: API gateway, boundary: cloud}
  - {id: authorizer, kind: process, name: lambda_authorizer, description: checks the auth token, boundary: cloud}
  - {id: cfn, kind: process, name: CloudFormation, boundary: cloud}
  - {id: creds, kind: process, name: Custom resource (OAuth credential provider), boundary: cloud}
flows:
  - {id: visit, from: person, to: edge, protocol: HTTPS}
  - {id: forward, from: edge, to: login, protocol: HTTPS}
  - {id: authorize, from: gw, to: authorizer}
  - {id: deploy, from: cfn, to: creds}
"""


def test_oauth_redirect_uri_needs_people_signing_in():
    found = suggested(SIGN_IN)
    assert "CT-S-008" in found["login"]  # control: customers reach it through the CDN
    assert "CT-S-008" not in found.get("authorizer", set())  # an authorizer function nobody signs in at
    assert "CT-S-008" not in found.get("creds", set())  # a deployment step that creates a credential provider


# -- a forged JWT is a threat where tokens are received and checked ---------------------------------------------

TOKENS = """\
assets:
  - {id: jwt, name: JWT tokens, classification: credentials}
  - {id: m2m, name: M2M client secret, classification: credentials}
boundaries: [{id: edge, name: Edge}, {id: app, name: App}]
elements:
  - {id: client, kind: external_entity, name: MCP client}
  - {id: gw, kind: process, name: Gateway, description: obtains tokens via the client_credentials flow, boundary: edge}
  - {id: idp, kind: process, name: Cognito User Pool, description: M2M OAuth, boundary: app}
  - {id: runtime, kind: process, name: Runtime, description: JWT auth, boundary: app}
  - {id: cfn, kind: process, name: CloudFormation, boundary: app}
  - {id: creds, kind: process, name: Custom resource (OAuth credential provider), boundary: app}
flows:
  - {id: call, from: client, to: gw, protocol: HTTPS, authenticated: false}
  - {id: token, from: gw, to: idp, data: [m2m], returns: [jwt]}
  - {id: forward, from: gw, to: runtime, data: [jwt], authenticated: true}
  - {id: deploy, from: cfn, to: creds, data: [m2m]}
"""


def test_forged_jwt_belongs_where_tokens_arrive_not_where_they_are_issued_or_fetched():
    found = suggested(TOKENS)
    assert "CT-S-005" in found["runtime"]  # control: the gateway sends it the token to check
    assert "CT-S-005" not in found.get("gw", set())  # it fetches a token and passes it on
    assert "CT-S-005" not in found.get("idp", set())  # the identity provider issues them
    assert "CT-S-005" not in found.get("creds", set())  # the word OAuth in a name takes no token


def test_an_identity_provider_is_a_role_and_a_gateway_that_checks_its_tokens_is_not_one():
    assert "identity_provider" in roles({"kind": "process", "id": "pool", "name": "Cognito User Pool"})
    assert "identity_provider" in roles({"kind": "external_entity", "id": "kc", "technology": "Keycloak"})
    assert "identity_provider" not in roles({"kind": "process", "id": "gw", "name": "API Gateway",
                                             "technology": "Amazon API Gateway with Cognito tokens"})


# -- identity headers behind a proxy, and web-server entries, need an HTTP server ----------------------------

VEHICLE = """\
boundaries: [{id: car, name: Vehicle}, {id: dmz, name: DMZ}, {id: app, name: App}]
elements:
  - {id: carrier, kind: external_entity, name: Cellular network}
  - {id: bridge, kind: process, name: CAN bridge, technology: gateway, boundary: car}
  - {id: unit, kind: process, name: Head unit, technology: web-application, boundary: car}
  - {id: user, kind: external_entity, name: Customer}
  - {id: lb, kind: process, name: Load balancer, boundary: dmz}
  - {id: shop, kind: process, name: Shop, boundary: app}
  - {id: anon-lb, kind: process, name: Public gateway, boundary: dmz}
  - {id: docs, kind: process, name: Docs server, boundary: app}
  - {id: db, kind: data_store, name: Orders, boundary: app}
flows:
  - {id: cell, from: carrier, to: unit, protocol: text-encrypted}
  - {id: spi, from: bridge, to: unit, protocol: binary}
  - {id: upload, from: unit, to: carrier, protocol: https}
  - {id: browse, from: user, to: lb, protocol: HTTPS}
  - {id: forward, from: lb, to: shop, protocol: HTTP}
  - {id: save, from: shop, to: db, protocol: SQL}
  - {id: anon, from: user, to: anon-lb, protocol: HTTPS, authenticated: false}
  - {id: anon-forward, from: anon-lb, to: docs, protocol: HTTPS}
"""


def test_web_server_entries_need_requests_that_may_be_http():
    found = suggested(VEHICLE)
    assert {"CT-S-017", "CT-T-007"} <= found["shop"]  # control: a web shop behind a load balancer
    assert "CT-I-012" not in found.get("unit", set())  # nothing it is handed over CAN or a carrier link is a URL
    assert "CT-S-017" not in found.get("unit", set())  # the bridge sends SPI frames, not HTTP headers
    assert "CT-E-001" in found["unit"]  # its open service port still needs authorization


def test_a_proxy_that_takes_only_unauthenticated_requests_has_no_identity_to_pass_on():
    found = suggested(VEHICLE)
    assert "CT-S-017" not in found.get("docs", set())
    assert "CT-S-017" not in found.get("lb", set())  # a proxy establishes identity, it does not trust headers


# -- partner entries, secret vaults, log stores ------------------------------------------------------------

PARTS = """\
assets: [{id: secret, name: Client secret, classification: credentials}]
boundaries: [{id: internet, name: Internet}, {id: cloud, name: Cloud}]
elements:
  - {id: mcp, kind: external_entity, name: MCP Client, boundary: internet}
  - {id: guest, kind: external_entity, name: Anonymous visitor, boundary: internet}
  - {id: partner, kind: external_entity, name: Shipping partner, boundary: internet}
  - {id: api, kind: process, name: API, boundary: cloud}
  - {id: vault, kind: data_store, name: Secrets Manager, stores: [secret], boundary: cloud}
  - {id: users-db, kind: data_store, name: Users database, stores: [secret], boundary: cloud}
  - {id: settings, kind: data_store, name: Runtime config, boundary: cloud}
  - {id: clicks, kind: data_store, name: click-logger-table, boundary: cloud}
  - {id: audit, kind: data_store, name: Audit logs, boundary: cloud}
flows:
  - {id: mcp-call, from: mcp, to: api}
  - {id: guest-call, from: guest, to: api}
  - {id: partner-call, from: partner, to: api}
  - {id: read, from: api, to: vault}
  - {id: hash, from: api, to: users-db}
  - {id: conf, from: api, to: settings}
  - {id: click, from: api, to: clicks}
  - {id: log, from: api, to: audit}
"""


def test_partner_entries_need_a_partner():
    found = suggested(PARTS)
    assert {"CT-S-010", "CT-R-004"} <= found["partner"]  # control
    for caller in ("mcp", "guest"):  # a client app people run, an anonymous caller
        assert not {"CT-S-010", "CT-R-004"} & found.get(caller, set()), caller


def test_a_secret_vault_is_neither_runtime_configuration_nor_weakly_protected_storage():
    found = suggested(PARTS)
    assert not {"CT-T-020", "CT-I-028"} & found.get("vault", set())
    assert "CT-R-014" in found["vault"]  # who read the secret still matters
    assert "CT-I-028" in found["users-db"]  # control: an application database holding credentials
    assert "CT-T-020" in found["settings"]  # control: runtime configuration


def test_a_store_named_logger_is_no_audit_log():
    found = suggested(PARTS)
    assert not {"CT-R-003", "CT-T-019"} & found.get("clicks", set())
    assert {"CT-R-003", "CT-T-019"} <= found["audit"]  # control


# -- what a stated protocol says about HTTP -----------------------------------------------------------------------

@pytest.mark.parametrize("protocol,http,other", [
    ("HTTPS", True, False), ("HTTP/1.1", True, False), ("gRPC over TLS", True, False), ("WSS", True, False),
    ("reverse-proxy-web-protocol-encrypted", True, False),  # Threagile's name for HTTP through a proxy
    ("binary", False, True), ("text-encrypted", False, True), ("SQL", False, True), ("CAN", False, True),
    ("jdbc-encrypted", False, True), ("SSH", False, True),
    # a transport or an encoding leaves it open, as no protocol does
    ("TLS 1.3", False, False), ("mTLS", False, False), ("JSON over TCP", False, False), ("unknown-protocol", False, False),
])
def test_a_stated_protocol_says_http_another_protocol_or_nothing(protocol, http, other):
    facts = Facts(Model(parse_yaml(HEAD + f"""\
elements:
  - {{id: a, kind: process, name: Batch job}}
  - {{id: b, kind: process, name: Ledger}}
flows:
  - {{id: f, from: a, to: b, protocol: "{protocol}"}}
""")))
    flow = next(s for s in facts.subjects if s.id == "f")
    assert compile_condition({"http": True})(facts, flow) is http
    assert compile_condition({"other_protocol": True})(facts, flow) is other


def test_a_web_app_reached_over_tls_is_still_a_web_app():
    found = suggested("""\
boundaries: [{id: internet, name: Internet}, {id: app, name: App}]
elements:
  - {id: user, kind: external_entity, name: Customer, boundary: internet}
  - {id: shop, kind: process, name: Shop, boundary: app}
  - {id: db, kind: data_store, name: Orders, boundary: app}
flows:
  - {id: browse, from: user, to: shop, protocol: TLS 1.3}
  - {id: save, from: shop, to: db}
""")
    assert "CT-T-007" in found["shop"]


def test_a_partner_api_client_is_still_a_partner():
    found = suggested(PARTS.replace("name: Shipping partner", "name: Shipping partner API client"))
    assert {"CT-S-010", "CT-R-004"} <= found["partner"]


def test_a_backend_behind_a_bff_that_adds_its_own_key_still_trusts_its_headers():
    found = suggested("""\
assets: [{id: key, name: Backend API key, classification: credentials}, {id: session, name: Session cookie, classification: credentials}]
boundaries: [{id: internet, name: Internet}, {id: app, name: App}]
elements:
  - {id: user, kind: external_entity, name: Customer, boundary: internet}
  - {id: bff, kind: process, name: BFF gateway, boundary: app}
  - {id: orders, kind: process, name: Orders API, boundary: app}
flows:
  - {id: browse, from: user, to: bff, data: [session], protocol: HTTPS}
  - {id: call, from: bff, to: orders, data: [key], protocol: HTTPS}
""")
    assert "CT-S-017" in found["orders"]
    assert "CT-T-017" in found["call"]  # its own key, but not a token request to an identity provider
