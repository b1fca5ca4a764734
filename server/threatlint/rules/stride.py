"""STRIDE coverage and data-flow hygiene (TM101-TM105)."""
from __future__ import annotations

from ..engine.model import APPLICABLE, COVERAGE_PARTS, STRIDE, Model, as_list, kind_name
from .registry import Hit, Reads, rule

_ELEMENT_KINDS = ("elements[].id", "elements[].kind", "flows[].id")  # what `kind_of` reads
_BOUNDARIES = ("elements[].id", "elements[].boundary")  # what `crosses_boundary` and `boundary_of` read
_SENSITIVE = ("assets[].id", "assets[].classification")  # what `is_sensitive` reads


@rule("TM101", "warning", "Missing STRIDE category",
      "Each element and flow must have a threat (or an exemption with a rationale) for every STRIDE category that "
      "applies to its kind: external_entity S R; process S T R I D E; data_store T R I D; flow T I D.",
      reads=Reads(parts=("elements[].id", "elements[].kind", "flows[].id") + COVERAGE_PARTS),
      why=("STRIDE per element is the check that nothing was forgotten: every category that can happen to a "
           "kind of element either has a threat or a written reason why it does not apply."),
      fix=("Add a threat with that `stride` category that `affects` the element or flow, or an exemption "
           "naming the element, the category and the reason. `threatlint suggest` proposes catalog threats "
           "that fit."),
      bad="""\
elements:
  - {id: browser, kind: external_entity}
""",
      good="""\
elements:
  - {id: browser, kind: external_entity}
threats:
  - id: T-1
    title: Replayed session cookie lets an attacker act as the shopper in the browser
    stride: spoofing
    affects: [browser]
    likelihood: medium
    impact: {severity: high}
    priority: high
    status: mitigated
exemptions:
  - {element: browser, stride: repudiation, rationale: every order is signed server-side with the session id}
""")
def missing_category(model: Model, ctx):
    for section in ("elements", "flows"):
        for i, item in model.items(section):
            ident = model.id_of(item)
            kind = "flow" if section == "flows" else kind_name(item.get("kind"))
            if not ident or kind is None:
                continue
            for cat in APPLICABLE[kind]:
                if (ident, cat) in model.covered or (ident, cat) in model.exempted:
                    continue
                noun = "flow" if kind == "flow" else kind.replace("_", " ")
                yield Hit((section, i, "id"),
                          f"{noun} '{ident}' has no {cat} threat: add a threat with stride: {cat} that affects "
                          f"'{ident}', or an exemption with the reason it does not apply",
                          data={"element": ident, "kind": kind, "category": cat, "index": i, "section": section})


@rule("TM102", "error", "STRIDE category does not apply",
      "A threat's STRIDE category must apply to the kind of every element or flow it affects (e.g. tampering does "
      "not apply to an external entity).",
      reads=Reads(each="threats", parts=_ELEMENT_KINDS),
      why=("A category that cannot happen to the element (tampering with an external entity you do not run) "
           "means the threat sits on the wrong element, and the element it belongs to still lacks it."),
      fix=("Move the threat to the element where the attack takes effect, or change its category. "
           "Applicable: external_entity S R; process S T R I D E; data_store T R I D; flow T I D."),
      bad="""\
elements:
  - {id: browser, kind: external_entity}
threats:
  - id: T-1
    title: Shopper edits the cart total in the browser before checkout
    stride: tampering
    affects: [browser]
    likelihood: high
    impact: {severity: medium}
    priority: high
    status: open
""",
      good="""\
elements:
  - {id: browser, kind: external_entity}
  - {id: api, kind: process}
threats:
  - id: T-1
    title: Checkout API trusts the cart total the browser sends
    stride: tampering
    affects: [api]
    likelihood: high
    impact: {severity: medium}
    priority: high
    status: open
""")
def inapplicable_category(model: Model, ctx):
    for i, t in model.items("threats"):
        stride = t.get("stride")
        cats = as_list(stride)
        for target in as_list(t.get("affects")):
            kind = model.kind_of(target) if isinstance(target, str) else None
            if kind is None:
                continue
            for j, cat in enumerate(cats):
                if cat in STRIDE and cat not in APPLICABLE[kind]:
                    path = ("threats", i, "stride", j) if isinstance(stride, list) else ("threats", i, "stride")
                    noun = "flow" if kind == "flow" else kind
                    yield Hit(path, f"{model.label('threats', t, i)} is {cat}, which does not apply to {noun} "
                              f"'{target}' (applicable: {', '.join(APPLICABLE[kind])}); change the category or what it affects")


def _zone(model: Model, element_id) -> str:
    b = model.boundary_of(element_id)
    return f"boundary '{b}'" if b else f"'{element_id}' (no boundary)"


@rule("TM103", "warning", "Unauthenticated flow across a trust boundary",
      "A flow whose ends sit in different trust boundaries should be authenticated (authenticated: true) by the "
      "receiving side.",
      reads=Reads(each="flows", parts=_BOUNDARIES),
      why=("Whatever crosses a trust boundary comes from someone the receiver does not trust by default; "
           "without authentication anyone who can reach the receiver can send it data as anyone else "
           "(spoofing)."),
      fix=("Authenticate the sender on the receiving side (mutual TLS, signed tokens, API keys checked per "
           "request) and set `authenticated: true` on the flow."),
      bad="""\
boundaries:
  - {id: internet}
  - {id: vpc}
elements:
  - {id: browser, kind: external_entity, boundary: internet}
  - {id: api, kind: process, boundary: vpc}
flows:
  - {id: checkout, from: browser, to: api, protocol: HTTPS, encrypted: true}
""",
      good="""\
boundaries:
  - {id: internet}
  - {id: vpc}
elements:
  - {id: browser, kind: external_entity, boundary: internet}
  - {id: api, kind: process, boundary: vpc}
flows:
  - {id: checkout, from: browser, to: api, protocol: HTTPS, encrypted: true, authenticated: true}
""")
def unauthenticated_crossing(model: Model, ctx):
    for i, f in model.items("flows"):
        if model.crosses_boundary(f) and f.get("authenticated") is not True:
            path = ("flows", i, "authenticated") if "authenticated" in f else ("flows", i, "id")
            yield Hit(path, f"{model.label('flows', f, i)} crosses from {_zone(model, f.get('from'))} to "
                      f"{_zone(model, f.get('to'))} without authentication: authenticate the sender "
                      "(e.g. mutual TLS, signed tokens) and set authenticated: true",
                      data={"flow": model.id_of(f), "index": i})


@rule("TM104", "error", "Sensitive data crosses a trust boundary unencrypted",
      "A flow that carries a pii, credentials, financial or secret asset across a trust boundary must be encrypted "
      "in transit (encrypted: true).",
      reads=Reads(each="flows", parts=_BOUNDARIES + _SENSITIVE),
      why=("Sensitive data sent in clear text across a trust boundary can be read and altered by anyone on "
           "the path between the two zones."),
      fix=("Encrypt the flow in transit (TLS 1.2 or later, or an encrypted tunnel) and set `encrypted: "
           "true`."),
      bad="""\
assets:
  - {id: cards, classification: financial}
boundaries:
  - {id: internet}
  - {id: vpc}
elements:
  - {id: browser, kind: external_entity, boundary: internet}
  - {id: api, kind: process, boundary: vpc}
flows:
  - {id: pay, from: browser, to: api, data: [cards], protocol: HTTP, authenticated: true}
""",
      good="""\
assets:
  - {id: cards, classification: financial}
boundaries:
  - {id: internet}
  - {id: vpc}
elements:
  - {id: browser, kind: external_entity, boundary: internet}
  - {id: api, kind: process, boundary: vpc}
flows:
  - {id: pay, from: browser, to: api, data: [cards], protocol: HTTPS, authenticated: true, encrypted: true}
""")
def unencrypted_sensitive_crossing(model: Model, ctx):
    for i, f in model.items("flows"):
        if not model.crosses_boundary(f) or f.get("encrypted") is True:
            continue
        sensitive = [a for a in as_list(f.get("data")) if model.is_sensitive(a)]
        if sensitive:
            path = ("flows", i, "encrypted") if "encrypted" in f else ("flows", i, "id")
            yield Hit(path, f"{model.label('flows', f, i)} carries sensitive {', '.join(repr(a) for a in sensitive)} across "
                      "a trust boundary unencrypted: use TLS 1.2+ and set encrypted: true",
                      data={"flow": model.id_of(f), "index": i, "assets": sensitive})


@rule("TM105", "warning", "Sensitive data store not encrypted at rest",
      "A data store holding a pii, credentials, financial or secret asset should encrypt at rest "
      "(encrypted_at_rest: true).",
      reads=Reads(each="elements", parts=_SENSITIVE),
      why=("A copied disk, snapshot or backup of an unencrypted store hands over every sensitive record it "
           "holds."),
      fix=("Turn on storage encryption (database, volume or bucket encryption with managed keys) and set "
           "`encrypted_at_rest: true`."),
      bad="""\
assets:
  - {id: cards, classification: financial}
elements:
  - {id: db, kind: data_store, stores: [cards]}
""",
      good="""\
assets:
  - {id: cards, classification: financial}
elements:
  - {id: db, kind: data_store, stores: [cards], encrypted_at_rest: true}
""")
def unencrypted_store(model: Model, ctx):
    for i, el in model.items("elements"):
        if el.get("kind") != "data_store" or el.get("encrypted_at_rest") is True:
            continue
        sensitive = [a for a in as_list(el.get("stores")) if model.is_sensitive(a)]
        if sensitive:
            path = ("elements", i, "encrypted_at_rest") if "encrypted_at_rest" in el else ("elements", i, "id")
            yield Hit(path, f"data store '{model.id_of(el)}' holds sensitive {', '.join(repr(a) for a in sensitive)} "
                      "without encryption at rest: enable storage encryption and set encrypted_at_rest: true",
                      data={"element": model.id_of(el), "index": i, "assets": sensitive})
