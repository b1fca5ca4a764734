"""Rule fixes for patterns of the held-out corpus models (docs/precision.md, "Held-out models judged on 288a687").

As in test_rules_real_patterns.py: each test builds the smallest model with the pattern as public models show it
(Threat Dragon, threat-composer, the OWASP cookbook's pytm models), asserts the finding nobody acts on is gone,
and keeps a control that must still be reported.
"""
from __future__ import annotations

from datetime import date

import pytest

from threatlint.catalog.conditions import Facts, compile_condition
from threatlint.engine import CheckContext, check_text
from threatlint.engine.model import Model, authenticated, encrypted
from threatlint.engine.parse import parse_yaml
from threatlint.engine.selection import Config

TODAY = date(2026, 12, 3)
HEAD = "version: 1\nsystem: {name: IoT device}\n"


def check(text: str, **config) -> list:
    return check_text(HEAD + text, CheckContext(today=TODAY, config=Config(**config)))


def rules(found, rule: str) -> list:
    return [f for f in found if f.rule == rule]


def about(found, rule: str) -> set:
    return {f.data.get("element") or f.data.get("flow") for f in rules(found, rule)}


# -- encryption stated by the protocol ---------------------------------------------------------------------------

@pytest.mark.parametrize("protocol,enc,auth", [
    ("HTTPS", True, False), ("https", True, False), ("TLS 1.3", True, False), ("gRPC over TLS", True, False),
    ("mTLS", True, True), ("Mutual TLS", True, True), ("HTTPS (mutual-TLS)", True, True), ("SFTP", True, False),
    ("SSH", True, False), ("WSS", True, False), ("LDAPS", True, False), ("AMQPS", True, False),
    ("MQTTS", True, False), ("FTPS", True, False), ("HTTP over TLS", True, False),
    ("HTTP", False, False), ("HTTP/HTTPS", False, False), ("FTP", False, False), ("no TLS", False, False),
    ("TLS (not enforced)", False, False), ("SQL", False, False), ("Rest", False, False), (None, False, False),
])
def test_a_protocol_that_encrypts_counts_as_encrypted_when_the_flag_is_unset(protocol, enc, auth):
    flow = {"id": "f", "from": "a", "to": "b"} | ({"protocol": protocol} if protocol else {})
    assert encrypted(flow) is enc
    assert authenticated(flow) is auth


def test_an_explicit_flag_wins_over_the_protocol():
    assert encrypted({"protocol": "HTTPS", "encrypted": False}) is False
    assert authenticated({"protocol": "mTLS", "authenticated": False}) is False
    assert encrypted({"protocol": "HTTP", "encrypted": True}) is True
    assert encrypted({"protocol": "HTTPS", "encrypted": "yes"}) is False  # schema-invalid flag: not trusted


IOT = """\
assets: [{id: readings, name: Sensor readings, classification: pii}]
boundaries: [{id: home, name: Home network}, {id: cloud, name: Cloud}]
elements:
  - {id: device, kind: process, name: IoT device, boundary: home}
  - {id: api, kind: process, name: Cloud API, boundary: cloud}
  - {id: db, kind: data_store, name: Readings database, technology: MySQL, boundary: cloud, stores: [readings]}
flows:
  - {id: upload, from: device, to: api, data: [readings], protocol: HTTPS}
  - {id: poll, from: device, to: api, protocol: HTTPS}
  - {id: legacy, from: device, to: api, protocol: HTTP}
  - {id: ticked-off, from: device, to: api, data: [readings], protocol: HTTPS, encrypted: false}
"""


def test_https_flows_without_the_flag_are_not_asked_to_encrypt():
    # Threat Dragon pattern: `isEncrypted` not ticked on flows labelled HTTPS, imported without `encrypted`.
    found = check(IOT)
    assert about(found, "TM104") == {"ticked-off"}  # the author said it is not encrypted
    assert about(found, "TM107") == {"legacy"}  # control: plain HTTP is still asked
    tm101 = {f.data["element"]: f.data["categories"] for f in rules(found, "TM101") if f.data["section"] == "flows"}
    assert "upload" not in tm101 and "poll" not in tm101
    assert tm101["legacy"] == ["tampering", "information_disclosure"]


def test_catalog_conditions_read_encryption_from_the_protocol():
    doc = parse_yaml(HEAD + IOT)
    facts = Facts(Model(doc))
    plain = compile_condition({"property": {"encrypted": False}})
    tls = compile_condition({"property": {"encrypted": True}})
    flows = {s.id: s for s in facts.subjects if s.is_flow}
    assert {i for i, s in flows.items() if plain(facts, s)} == {"legacy", "ticked-off"}
    assert {i for i, s in flows.items() if tls(facts, s)} == {"upload", "poll"}


def test_mutual_tls_authenticates_the_sender():
    text = IOT.replace("{id: poll, from: device, to: api, protocol: HTTPS}", "{id: poll, from: device, to: api, protocol: mTLS}")
    found = check(text)
    assert "poll" not in about(found, "TM103")
    assert "upload" in about(found, "TM103")  # control: HTTPS alone does not say who the sender is


# -- TM402: one per threat at the design stage, none when its work is tracked --------------------------------------

CANDIDATES = """\
elements: [{id: bot, kind: process, name: Chatbot API}]
threats:
  - {id: T-1, title: Prompt injection makes the chatbot API reveal other users' conversations, stride: information_disclosure, affects: [bot], priority: high, status: open, mitigations: [M-1, M-2, M-3]}
  - {id: T-2, title: Flood of long prompts exhausts the chatbot API's model quota, stride: denial_of_service, affects: [bot], priority: high, status: open, mitigations: [M-4, M-5]}
  - {id: T-3, title: Chatbot API logs prompts with personal data in plain text, stride: information_disclosure, affects: [bot], priority: high, status: open, mitigations: [M-6, M-7]}
  - {id: T-4, title: Stolen session token lets an attacker read a user's chat history, stride: spoofing, affects: [bot], priority: low, status: open, mitigations: [M-8]}
mitigations:
  - {id: M-1, title: Guardrail filter on chatbot API outputs}
  - {id: M-2, title: Per-user conversation isolation in the chatbot API, status: planned}
  - {id: M-3, title: Strip other users' data from the retrieval context, status: rejected}
  - {id: M-4, title: Per-user rate limit on the chatbot API, ticket: BOT-7}
  - {id: M-5, title: Cap prompt length at 4k tokens}
  - {id: M-6, title: Redact personal data before logging prompts, status: in_progress}
  - {id: M-7, title: Encrypt the prompt log}
  - {id: M-8, title: Short-lived session tokens}
"""


def test_design_stage_asks_one_ticket_per_threat_whose_candidate_mitigations_are_untracked():
    # threat-composer pattern: 3-5 candidate mitigations per high threat, none chosen yet.
    found = rules(check(CANDIDATES), "TM402")
    assert [(f.data["threat"], f.data["mitigations"]) for f in found] == [("T-1", ["M-1", "M-2"])]  # not the rejected
    assert "'M-1', 'M-2'" in found[0].message
    # T-2 has a ticketed mitigation, T-3 one in progress: their work is tracked; T-4 is low
    operational = rules(check(CANDIDATES, stage="operational"), "TM402")
    assert [f.data["mitigation"] for f in operational] == ["M-1", "M-2", "M-5", "M-6", "M-7", "M-8"]  # each its own ticket


# -- anonymous actors, public sites, browsers, clients, "AI" --------------------------------------------------------

GAME = """\
boundaries: [{id: player-local, name: Player's machine}, {id: prod, name: Production network}]
elements:
  - {id: anon, kind: external_entity, name: Anonymous WWW User-Agent, boundary: player-local}
  - {id: player, kind: external_entity, name: Player, boundary: player-local}
  - {id: browser, kind: process, name: Browser, boundary: player-local}
  - {id: stats, kind: process, name: Website Stats, boundary: prod}
  - {id: lobby, kind: process, name: Lobby, boundary: prod}
flows:
  - {id: anon-to-stats, from: anon, to: stats}
  - {id: player-to-browser, from: player, to: browser}
  - {id: browser-to-stats, from: browser, to: stats, protocol: HTTPS}
  - {id: player-to-lobby, from: player, to: lobby, protocol: HTTPS}
"""


def catalog_ids(found, element: str) -> set[str]:
    return {e["catalog"] for f in found if f.rule == "TM106" and f.data["element"] == element for e in f.data["entries"]}


def test_an_anonymous_actor_has_no_identity_to_spoof():
    # pytm/OWASP cookbook pattern: "Anonymous WWW User-Agent" beside the players.
    found = check(GAME)
    tm101 = {f.data["element"]: f.data["categories"] for f in rules(found, "TM101")}
    assert "anon" not in tm101 and tm101["player"] == ["spoofing"]  # control: a player has an account
    assert not {e for e in catalog_ids(found, "anon") if e.startswith("CT-S-")}  # "agent" is not support staff


def test_a_site_an_anonymous_actor_reaches_is_public_by_design():
    tm103 = about(check(GAME), "TM103")
    assert tm103.isdisjoint({"anon-to-stats", "browser-to-stats"})
    assert "player-to-lobby" in tm103  # control: the lobby serves only players


def test_the_users_own_browser_is_asked_nothing_a_client_app_the_team_builds_is():
    text = (GAME + "  - {id: player-to-spa, from: player, to: spa}\n").replace(
        "elements:\n", "elements:\n  - {id: spa, kind: process, name: Game SPA in the browser, boundary: player-local}\n")
    found = check(text)
    tm101 = {f.data["element"]: f.data["categories"] for f in rules(found, "TM101")}
    assert "browser" not in tm101
    assert tm101["spa"] == ["tampering", "information_disclosure"]


SCRIPT = """\
boundaries: [{id: home, name: Home network}, {id: cloud, name: Cloud}]
elements:
  - {id: user, kind: external_entity, name: User, boundary: home}
  - {id: my-script, kind: process, name: My script, description: Python, boundary: home}
  - {id: local-api, kind: process, name: Local API, boundary: home}
  - {id: web, kind: process, name: Backup web app, boundary: home}
  - {id: files, kind: data_store, name: Backup files, boundary: home}
  - {id: cloud-api, kind: process, name: Cloud API, boundary: cloud}
flows:
  - {id: run, from: user, to: my-script}
  - {id: call, from: my-script, to: local-api, protocol: HTTP}
  - {id: sync, from: local-api, to: cloud-api, protocol: HTTPS}
  - {id: use, from: user, to: web}
  - {id: write, from: web, to: files}
"""


def test_a_process_a_person_drives_that_calls_an_api_is_a_client_not_a_server():
    # Threat Dragon IoT pattern: the user's own script calling the device's local API.
    model = Model(parse_yaml(HEAD + SCRIPT))
    assert "client_app" in model.roles_of("my-script")
    assert "client_app" not in model.roles_of("web")  # it only writes its own store: a server its user reaches
    assert "client_app" not in model.roles_of("local-api")  # it takes calls from a process
    found = check(SCRIPT)
    assert not catalog_ids(found, "my-script") & {"CT-E-001", "CT-E-002"}


def test_ai_as_a_word_fragment_or_an_adjective_is_not_an_llm_application():
    text = """elements:
  - {id: filter, kind: process, name: Content guardrail, description: Performs responsible AI check and PII redaction}
  - {id: air, kind: process, name: Air quality service}
  - {id: bot, kind: process, name: Support bot, description: Calls an AI model to draft answers}
"""
    found = check(text)
    assert "CT-I-027" not in catalog_ids(found, "filter") | catalog_ids(found, "air")
    assert "CT-I-027" in catalog_ids(found, "bot")


# -- TM303 words the rating by the model's scheme ---------------------------------------------------------------------

def test_tm303_says_severity_on_a_model_rated_by_severity():
    text = """review: {rating: severity}
elements: [{id: api, kind: process, name: Device API}]
threats:
  - {id: T-4, title: Unauthenticated command endpoint on the device API, stride: spoofing, affects: [api], impact: {severity: high}, status: open}
"""
    (found,) = rules(check(text), "TM303")
    assert "has severity high and no owner" in found.message
    prioritised = text.replace("review: {rating: severity}", "review: {rating: priority}").replace(
        "impact: {severity: high}", "priority: critical")
    assert "has priority critical and no owner" in rules(check(prioritised), "TM303")[0].message


# -- "internet-facing" needs evidence of the public -------------------------------------------------------------------

ZONES = """\
boundaries: [{id: corp, name: corp network}, {id: players, name: Players}, {id: partners, name: Partner zone},
             {id: staff-zone, name: Operations}, {id: prod, name: prod network}]
elements:
  - {id: cs, kind: external_entity, name: Customer Support, boundary: corp}
  - {id: player, kind: external_entity, name: Player, boundary: players}
  - {id: ops, kind: external_entity, name: Site operators, boundary: staff-zone}
  - {id: erp, kind: external_entity, name: Partner ERP system, boundary: partners}
  - {id: web, kind: process, name: Game site, boundary: prod}
"""


@pytest.mark.parametrize("element,public", [("cs", False), ("player", True), ("ops", False), ("erp", False)])
def test_a_zone_of_outside_parties_is_the_internet_only_with_evidence_of_the_public(element, public):
    # OWASP cookbook pattern: customer support alone on a "corp network" reaches the moderation site.
    model = Model(parse_yaml(HEAD + ZONES))
    assert model.on_internet(element) is public
    flows = f"flows:\n  - {{id: in, from: {element}, to: web, protocol: HTTPS}}\n"
    assert ("CT-D-001" in catalog_ids(check(ZONES + flows), "web")) is public


# -- missed: a tool's default title, a mitigated threat whose mitigations are not in place -----------------------------

@pytest.mark.parametrize("title,default", [
    ("New STRIDE threat", True), ("New threat", True), ("New LINDDUN threat", True), ("Untitled mitigation", True),
    ("New threat 3", True), ("New session tokens are not bound to the device", False),
])
def test_a_tools_default_title_is_placeholder_text(title, default):
    # Threat Dragon names a new threat "New STRIDE threat"; a user who never renames it leaves it in the register.
    text = f"""elements: [{{id: local-api, kind: process, name: Local API}}]
threats:
  - {{id: T-5, title: "{title}", stride: spoofing, affects: [local-api], description: No authentication is needed to access the IoT device from the Mobile App, status: open}}
"""
    found = check(text)
    assert bool([f for f in rules(found, "TM202") if "placeholder" in f.message]) is default
    assert rules(found, "TM201") == []  # the description states the attack; the title is what is missing


MITIGATED = """\
elements: [{id: cloud-api, kind: process, name: Cloud API}]
threats:
  - {id: T-7, title: SQL injection through the Cloud API's search endpoint, stride: tampering, affects: [cloud-api], status: mitigated, mitigations: [M-7]}
  - {id: T-8, title: Replayed device commands accepted by the Cloud API, stride: tampering, affects: [cloud-api], status: mitigated, mitigations: [M-8, M-9]}
  - {id: T-9, title: Forged device identity on the Cloud API, stride: spoofing, affects: [cloud-api], status: mitigated, mitigations: [M-9, M-10]}
mitigations:
  - {id: M-7, title: Parameterised queries through the ORM in the Cloud API}
  - {id: M-8, title: Nonce and 60-second expiry on device commands, status: planned}
  - {id: M-9, title: Signed device commands, status: in_progress}
  - {id: M-10, title: Per-device client certificates, status: implemented}
"""


def test_a_mitigated_threat_needs_an_implemented_mitigation():
    # Threat Dragon pattern: status Mitigated, the mitigation text imported without a status.
    found = {f.data["threat"]: f.message for f in rules(check(MITIGATED), "TM205")}
    assert set(found) == {"T-7", "T-8"}  # T-9 has one in place
    assert "none of its mitigations has a status" in found["T-7"]
    assert "in_progress or planned" in found["T-8"]


@pytest.mark.parametrize("statement,vague", [
    ("exposing confidential training data through various attack vectors (e.g., membership inference, data "
     "reconstruction)", False),
    ("exposing confidential training data through multiple security issues, including model inversion", False),
    ("exposing confidential training data through various attacks", True),
    ("exposing confidential training data through various attacks likely to succeed", True),
])
def test_a_generic_phrase_followed_by_its_examples_is_not_vague(statement, vague):
    # threat-composer statement pattern: the actor, the action, the impact, and "various attack vectors (e.g. ...)".
    text = f"""elements: [{{id: trainer, kind: process, name: Fine-tuning job}}]
threats:
  - id: T-18
    title: Malicious internal actor can overfit the model in the fine-tuning job
    stride: information_disclosure
    affects: [trainer]
    description: A malicious internal actor who fine-tunes the model on sensitive data can overfit it, {statement}
    status: open
"""
    assert bool([f for f in rules(check(text), "TM202") if "generic wording" in f.message]) is vague


# -- an element no flow reaches ------------------------------------------------------------------------------------

def test_a_process_standing_for_the_whole_system_is_told_to_hand_over_its_threats():
    # threat-composer import pattern: one element stands for the application and carries every threat, while the
    # entities added from the data-flow table have the flows.
    text = """elements:
  - {id: app, kind: process, name: Chatbot application}
  - {id: user, kind: external_entity, name: User}
  - {id: api, kind: process, name: Chat API}
  - {id: archive, kind: data_store, name: Old archive}
  - {id: vendor, kind: process, name: Vendor portal, out_of_scope: run by the vendor}
flows:
  - {id: ask, from: user, to: api, protocol: HTTPS}
threats:
  - {id: T-1, title: Prompt injection through the chat API reveals the system prompt, stride: information_disclosure, affects: [app], status: open}
  - {id: T-2, title: Vendor portal session fixation, stride: spoofing, affects: [vendor], status: open}
"""
    found = {f.data["element"]: f.message for f in rules(check(text), "TM005") if "element" in f.data}
    assert set(found) == {"app"}  # not the out-of-scope one, nor an element without threats
    assert "1 threat affect it" in found["app"] and "move each to the elements or flows it concerns" in found["app"]
    assert not [f for f in rules(check(text.split("flows:")[0]), "TM005") if "element" in f.data]  # no flows drawn


# -- a threat statement and its impacted assets answer a partial attack path at design time --------------------

STATEMENT = """\
review: {stage: STAGE}
assets: [{id: kb, name: Knowledge base, classification: confidential}]
elements:
  - {id: cdn, kind: process, name: CloudFront distribution}
  - {id: retriever, kind: process, name: Knowledge base retriever}
threats:
  - id: T-1
    title: An internet-based actor can send a high volume of MCP requests to the public CloudFront endpoint
    description: An internet-based actor can send a high volume of MCP requests to the public CloudFront endpoint,
      which leads to excessive retrieval costs, resulting in reduced availability of the knowledge base.
    stride: denial_of_service
    affects: [cdn, retriever]
    ASSETS
    attack_path:
      steps: [send a high volume of MCP requests to the public CloudFront endpoint]
    priority: high
    status: open
"""


def _statement(stage: str, assets: bool) -> str:
    return STATEMENT.replace("STAGE", stage).replace("ASSETS", "assets: [kb]" if assets else "")


def test_a_threat_statement_with_its_impacted_assets_needs_no_copy_in_the_attack_path():
    assert not rules(check(_statement("design", assets=True)), "TM201")


def test_a_partial_attack_path_still_needs_the_target_when_no_impacted_asset_is_named():
    found = rules(check(_statement("design", assets=False)), "TM201")
    assert [f.data["missing"] for f in found] == [["target"]]  # the statement says where; nothing says what is reached


def test_in_operation_the_attack_path_must_be_complete():
    found = rules(check(_statement("operational", assets=True)), "TM201")
    assert [f.data["missing"] for f in found] == [["entry", "target"]]
