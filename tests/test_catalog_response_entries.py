"""Catalog entries about what our API *answers* (CT-I-006 over-broad responses, CT-I-017 cached responses) belong on
flows to the people and client apps that call us, not on requests we send to an outside system (an SMS gateway, a
payment provider): there the outside party answers, and the fields it gets are the ones we chose to send."""
from __future__ import annotations

from datetime import date

from threatlint.engine import CheckContext, check_text

MODEL = """version: 1
system: {name: Notifications}
assets:
  - {id: contact, name: Contact details, classification: pii}
boundaries: [{id: internet, name: Internet}, {id: dc, name: Data centre}]
elements:
  - {id: api, kind: process, name: Notification API, boundary: dc}
  - {id: customer, kind: external_entity, name: Customer, boundary: internet}
  - {id: sms, kind: external_entity, name: SMS gateway, boundary: internet}
flows:
  - {id: ask, from: customer, to: api, protocol: HTTPS, authenticated: true}
  - {id: answer, from: api, to: customer, data: [contact], protocol: HTTPS}
  - {id: send-sms, from: api, to: sms, data: [contact], protocol: HTTP}
"""

RESPONSE_ENTRIES = {"CT-I-006", "CT-I-017"}


def _entries(flow: str) -> set[str]:
    found = check_text(MODEL, CheckContext(today=date(2026, 12, 3)))
    return {e["catalog"] for f in found if f.rule == "TM106" and f.data.get("section") == "flows" and f.data.get("element") == flow
            for e in f.data.get("entries") or []}


def test_a_request_to_an_outside_system_is_not_an_api_response():
    assert not _entries("send-sms") & RESPONSE_ENTRIES


def test_the_answer_to_a_customer_still_is():
    assert RESPONSE_ENTRIES <= _entries("answer")
