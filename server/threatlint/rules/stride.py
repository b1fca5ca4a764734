"""STRIDE coverage and data-flow hygiene (TM101-TM105, TM107).

Elements and flows marked `out_of_scope` are not judged here (the report lists them with their reason).
"""
from __future__ import annotations

import re

from ..engine.model import (APPLICABLE, COVERAGE_PARTS, FLAG_PARTS, STRIDE, Model, as_list, authenticated,
                            encrypted, out_of_scope)
from ..engine.roles import AUTHENTICATING_STORES, ROLE_PARTS, roles
from .registry import FROM_DESIGN, Hit, Narrow, Reads, rule

_ELEMENT_KINDS = ("elements[].id", "elements[].kind", "flows[].id")  # what `kind_of` reads
_BOUNDARIES = ("elements[].id", "elements[].boundary")  # what `crosses_boundary` and `boundary_of` read
_SENSITIVE = ("assets[].id", "assets[].classification")  # what `is_sensitive` and `classifications` read
# What `is_response` reads besides the flow itself: which flows run the other way, and what their ends are.
_RESPONSES = ("flows[].from", "flows[].to") + ROLE_PARTS
# What `_judged_flows` reads besides the flow itself: whether its ends are out of scope.
_JUDGED = ("elements[].id", "elements[].out_of_scope", "flows[].id", "flows[].out_of_scope")
# What `answered` reads: threats and exemptions per category, and the flags of the flow with that id.
_ANSWERED = COVERAGE_PARTS + ("flows[].id", "flows[].from", "flows[].to") + FLAG_PARTS + ROLE_PARTS

_NOUN = {"external_entity": "external entity", "process": "process", "data_store": "data store", "flow": "flow"}


@rule("TM101", "warning", "Missing STRIDE category",
      "Each element and flow must have a threat (or an exemption with a rationale) for every STRIDE category that "
      "applies to its kind: external_entity S R; process S T R I D E; data_store T R I D; flow T I D. A flow that is "
      "both encrypted and authenticated answers tampering and information disclosure by itself. Which categories are "
      "asked follows from what the element or flow is exposed to (docs/rules.md, TM101). One finding per "
      "element or flow names every missing category; the quick fixes add them one by one. An element or flow "
      "that a threat without a STRIDE category affects is judged once that threat has one (the schema asks for it).",
      stages=FROM_DESIGN,
      # Which categories are asked follows from the element's roles, stores, boundary and flows, and the
      # availability of what it stores (`Model.required_categories`).
      reads=Reads(parts=("elements", "flows", "boundaries[].id", "assets[].id", "assets[].availability",
                         "assets[].classification")
                  + COVERAGE_PARTS),
      why=("STRIDE per element is the check that nothing was forgotten: every category that can happen to a "
           "kind of element either has a threat or a written reason why it does not apply."),
      fix=("Add a threat with that `stride` category that `affects` the element or flow, or an exemption "
           "naming the element, the category and the reason. `threatlint suggest` proposes catalog threats "
           "that fit."),
      bad="""\
elements:
  - {id: orders-db, kind: data_store, name: Orders database}
threats:
  - id: T-1
    title: Attacker with api's leaked database password rewrites order totals in orders-db
    stride: tampering
    affects: [orders-db]
    likelihood: low
    impact: {severity: high}
    status: open
""",
      good="""\
elements:
  - {id: orders-db, kind: data_store, name: Orders database}
threats:
  - id: T-1
    title: Attacker with api's leaked database password rewrites order totals in orders-db
    stride: tampering
    affects: [orders-db]
    likelihood: low
    impact: {severity: high}
    status: open
exemptions:
  - {element: orders-db, stride: information_disclosure, rationale: orders-db holds order numbers and totals only; card data stays with the payment provider}
""")
def missing_category(model: Model, ctx):
    for section in ("elements", "flows"):
        for i, item in model.items(section):
            missing = model.missing_categories(section, item)
            if not missing:
                continue
            ident = model.id_of(item)
            kind = "flow" if section == "flows" else item.get("kind")
            if len(missing) == 1:
                names, how = missing[0], f"add a threat with stride: {missing[0]}"
            else:
                names = ", ".join(missing[:-1]) + " or " + missing[-1]
                how = "add a threat for each category"
            yield Hit((section, i, "id"),
                      f"{_NOUN[kind]} '{ident}' has no {names} threat: {how} that affects '{ident}', or an exemption "
                      "with the reason it does not apply",
                      data={"element": ident, "kind": kind, "categories": missing, "index": i, "section": section})


def _authenticates_clients(model: Model, ident: str) -> bool:
    """A data store that checks who connects (a database, a directory, a broker, or any inbound flow marked
    authenticated): spoofing a client towards it is a threat of its own."""
    el = model.elements.get(ident) or {}
    if roles(el) & AUTHENTICATING_STORES:
        return True
    return any(f.get("to") == ident and authenticated(f) for f in model.flows.values())


def _target_kinds(model: Model) -> dict:
    """What TM102 reads of each element or flow a threat may affect: its kind, and for a data store whether it
    authenticates its clients (`kind_of` looks elements up before flows, as this dict's later entries win)."""
    out: dict = {ident: "flow" for ident in model.flows}
    for ident in model.elements:
        kind = model.kind_of(ident)
        out[ident] = (kind, kind == "data_store" and _authenticates_clients(model, ident))
    return out


def _retargeted(old: dict, new: dict):
    """Threats that affect an element or flow whose kind (or way of authenticating) came, went or changed."""
    changed = {k for k in old.keys() | new.keys() if old.get(k, _GONE) != new.get(k, _GONE)}
    return lambda targets: not changed.isdisjoint(targets)


_GONE = object()
_TM102_PARTS = _ELEMENT_KINDS + ROLE_PARTS + ("flows[].to",) + FLAG_PARTS
# An edit to an element's name, kind or technology, or to a flow, re-judges only the threats affecting an element
# or flow whose kind or authentication it changed.
_TARGET_KINDS = Narrow(_TM102_PARTS, _target_kinds,
                       lambda t: frozenset(a for a in as_list(t.get("affects")) if isinstance(a, str)), _retargeted)


@rule("TM102", "error", "STRIDE category does not apply",
      "A threat's STRIDE category must apply to the kind of every element or flow it affects (e.g. tampering does "
      "not apply to an external entity). Spoofing and elevation of privilege on a data store that authenticates and "
      "authorizes its clients (a database, a directory, a message broker, managed cloud storage) are accepted: a "
      "client can be impersonated towards it, or gain rights inside it.",
      reads=Reads(each="threats", parts=_TM102_PARTS, narrow=_TARGET_KINDS),
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
                    if cat in ("spoofing", "elevation_of_privilege") and kind == "data_store" \
                            and _authenticates_clients(model, target):
                        continue
                    path = ("threats", i, "stride", j) if isinstance(stride, list) else ("threats", i, "stride")
                    noun = "flow" if kind == "flow" else kind
                    yield Hit(path, f"{model.label('threats', t, i)} is {cat}, which does not apply to {noun} "
                              f"'{target}' (applicable: {', '.join(APPLICABLE[kind])}); change the category or what it affects")


def _zone(model: Model, element_id) -> str:
    b = model.boundary_of(element_id)
    return f"boundary '{b}'" if b else f"'{element_id}' (no boundary)"


_READS = re.compile(r"(?<![a-z])(?:pull|pulls|pulling|download|downloads|downloading|fetch|fetches|fetching|get|gets|"
                    r"getting|read|reads|reading|clone|clones|cloning|retrieve|retrieves|retrieving)(?![a-z])")
_WRITES = re.compile(r"(?<![a-z])(?:insert|inserts|write|writes|store|stores|upload|uploads|push|pushes|update|updates|"
                     r"delete|deletes|post|posts|put|puts|submit|submits|save|saves)(?![a-z])")
_ANONYMOUS = re.compile(r"(?<![a-z])(?:anonymous(?:ly)?|public (?:content|pages?|site|website|assets?|files?|"
                        r"downloads?|information|data)|static (?:content|pages?|assets?|files?))(?![a-z])")


def _deliberately_anonymous(model: Model, f: dict) -> bool:
    """Public content served to anyone on purpose: a read of content that is all classified public (the flow
    asks for `returns` and sends nothing, or says it pulls, fetches, downloads or gets and not that it writes), an outside party (a user, a browser) reading or
    sending public content, or a flow that says it is anonymous or public content. A write of public data into a
    data store is not: its integrity still needs an authenticated writer."""
    src = model.elements.get(f.get("from")) if isinstance(f.get("from"), str) else None
    dst = model.elements.get(f.get("to")) if isinstance(f.get("to"), str) else None
    if not src or not dst:
        return False
    public = model.only_public([a for a in model.carried(f) if a in model.assets])  # an unknown id is TM004's
    words = " ".join(v.lower() for k in ("name", "description") if isinstance(v := f.get(k), str))
    reads = (f.get("returns") and not as_list(f.get("data"))) or (_READS.search(words) and not _WRITES.search(words))
    if public and reads:
        return True  # a read of public content (an image pull, a page's code): who reads it protects nothing
    if dst.get("kind") == "data_store":
        return False
    # an outside party, or an edge (load balancer, CDN) forwarding its requests
    outside = src.get("kind") == "external_entity" or dst.get("kind") == "external_entity" or "edge" in roles(src)
    if outside and public:
        return True
    return bool(_ANONYMOUS.search(words)) or _serves_anonymous_actors(model, f.get("to"))


def _serves_anonymous_actors(model: Model, ident) -> bool:
    """The receiver takes requests from an actor the model calls anonymous: it is public by design, so the requests
    of its other visitors cannot be asked to authenticate either."""
    return isinstance(ident, str) and any(
        f.get("to") == ident and "anonymous" in roles(model.elements.get(f.get("from")) or {})
        for _, f in model.items("flows"))


def _to_a_browser(model: Model, f: dict) -> bool:
    """A process sending to a user's web browser: nothing opens a connection to a browser, so it answers one the
    browser opened (the browser checks the server's certificate; who may fetch it is asked of the request)."""
    src = model.elements.get(f.get("from")) if isinstance(f.get("from"), str) else None
    dst = model.elements.get(f.get("to")) if isinstance(f.get("to"), str) else None
    return bool(src and dst and src.get("kind") == "process" and "browser" in roles(dst))


def _judged_flows(model: Model):
    """In-scope flows into in-scope elements: what an out-of-scope party sends in (a carrier network, a
    provider's system) is the receiver's attack surface; what goes to an out-of-scope receiver is not judged."""
    for i, f in model.items("flows"):
        if out_of_scope(f) is None and not model.is_out_of_scope(f.get("to")):
            yield i, f


_AUTH_WORDS = re.compile(r"(?<![a-z])(?:authenticat\w*|mutual tls|mtls|signed|signatures?|api keys?|credentials?|"
                         r"client certificates?|tokens?)(?![a-z])")


def _authentication_modelled(model: Model, f: dict) -> bool:
    """The model already says how the receiver authenticates its clients: a mitigated threat on the flow or its
    receiver whose mitigation is about authentication."""
    for ident in (model.id_of(f), f.get("to")):
        if not isinstance(ident, str):
            continue
        for t in model.threats_on(ident):
            if t.get("status") == "mitigated":
                for mid in as_list(t.get("mitigations")):
                    m = model.mitigations.get(mid) if isinstance(mid, str) else None
                    words = " ".join(v.lower() for k in ("title", "description") if isinstance(v := (m or {}).get(k), str))
                    if _AUTH_WORDS.search(words):
                        return True
    return False


@rule("TM103", "warning", "Unauthenticated flow across a trust boundary",
      "A request that crosses a trust boundary should be authenticated by the receiving side (authenticated: true; "
      "mutual TLS as the protocol counts when the flag is unset). "
      "Authentication is judged on the request: a response on the connection the client opened (drawn as its own "
      "flow back to the client, or given as the flow's `returns`), public content served anonymously on purpose, and "
      "a store read by the process that connects to it, and flows whose authentication the threats already model (a "
      "mitigated threat on the flow or its receiver with an authentication mitigation) are not reported.",
      stages=FROM_DESIGN,
      # Not one flow at a time: whether a flow is a response reads the flows the other way (`is_response`). Also
      # the threats and mitigations that may already model the authentication, and the assets the flow carries.
      reads=Reads(parts=("flows",) + _BOUNDARIES + _JUDGED + _RESPONSES + _SENSITIVE + (
          "threats[].affects", "threats[].status", "threats[].mitigations", "mitigations[].id",
          "mitigations[].title", "mitigations[].description")),
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
    for i, f in _judged_flows(model):
        if not model.crosses_boundary(f) or authenticated(f):
            continue
        if model.is_response(f) or model.opened_by_receiver(f) or model.is_local(f) or _to_a_browser(model, f) \
                or _deliberately_anonymous(model, f):
            continue
        if _authentication_modelled(model, f) or model.sends_secrets(f):
            continue  # only the flag is missing: the threats, or the credentials the request sends, say how
        path = ("flows", i, "authenticated") if "authenticated" in f else ("flows", i, "id")
        yield Hit(path, f"{model.label('flows', f, i)} crosses from {_zone(model, f.get('from'))} to "
                  f"{_zone(model, f.get('to'))} without authentication: authenticate the sender "
                  "(e.g. mutual TLS, signed tokens) and set authenticated: true",
                  data={"flow": model.id_of(f), "index": i})


@rule("TM104", "error", "Sensitive data crosses a trust boundary unencrypted",
      "A flow that carries a pii, credentials, financial or secret asset across a trust boundary, in its request "
      "(`data`) or its response (`returns`), must be encrypted in transit (encrypted: true, or unset with a protocol that "
      "encrypts, such as HTTPS or SFTP; docs/format.md).",
      # Not one flow at a time: an end of a flow may name another flow (is_out_of_scope looks both up).
      reads=Reads(parts=("flows",) + _BOUNDARIES + _JUDGED + ROLE_PARTS + _SENSITIVE),
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
    for i, f in _judged_flows(model):
        if not model.crosses_boundary(f) or encrypted(f) or model.is_local(f):
            continue  # a person's input into their own client app, or a local disk, crosses no network
        sensitive = list(dict.fromkeys(a for a in model.carried(f) if model.is_sensitive(a)))
        if sensitive:
            path = ("flows", i, "encrypted") if "encrypted" in f else ("flows", i, "id")
            yield Hit(path, f"{model.label('flows', f, i)} carries sensitive {', '.join(repr(a) for a in sensitive)} across "
                      "a trust boundary unencrypted: use TLS 1.2+ and set encrypted: true",
                      data={"flow": model.id_of(f), "index": i, "assets": sensitive})


@rule("TM107", "warning", "Unencrypted flow across a trust boundary carries undeclared data",
      "A flow crosses a trust boundary unencrypted and declares no `data`, so nobody can tell whether it exposes "
      "something sensitive (TM104 cannot judge it). Say what it carries, or encrypt it (a protocol that encrypts, such "
      "as HTTPS, counts when `encrypted` is unset). Not reported when a threat on the flow, or on its response drawn "
      "as a flow back, already models tampering or disclosure in transit.", stages=FROM_DESIGN,
      # Not one flow at a time: `is_response` and `answered` read the other flows.
      reads=Reads(parts=("flows",) + _BOUNDARIES + _JUDGED + _RESPONSES + _SENSITIVE + _ANSWERED),
      why=("Anyone on the path between the two zones can read and change an unencrypted flow; when the flow "
           "does not say what it carries, nobody (TM104 included) can tell whether that exposes card numbers or "
           "nothing at all, and the gap goes unreviewed."),
      fix=("List the assets the flow carries in `data` (and what its response sends back in `returns`) so "
           "their sensitivity is judged, or encrypt it in transit and set `encrypted: true`."),
      bad="""\
boundaries:
  - {id: internet}
  - {id: vpc}
elements:
  - {id: partner, kind: external_entity, name: Partner ERP, boundary: internet}
  - {id: api, kind: process, boundary: vpc}
flows:
  - {id: orders-feed, from: partner, to: api, protocol: HTTP, authenticated: true}
""",
      good="""\
boundaries:
  - {id: internet}
  - {id: vpc}
elements:
  - {id: partner, kind: external_entity, name: Partner ERP, boundary: internet}
  - {id: api, kind: process, boundary: vpc}
flows:
  - {id: orders-feed, from: partner, to: api, protocol: HTTPS, encrypted: true, authenticated: true}
""")
def unencrypted_unknown_crossing(model: Model, ctx):
    for i, f in _judged_flows(model):
        if not model.crosses_boundary(f) or encrypted(f) or model.carried(f):
            continue
        if model.is_response(f) or model.is_local(f) or _deliberately_anonymous(model, f):
            continue  # the request flow of the pair is reported; public content is public; no network
        if _in_transit_answered(model, f):
            continue  # a threat already models what an on-path attacker does here
        how = "unencrypted" if f.get("encrypted") is False else "without encrypted: true"
        path = ("flows", i, "encrypted") if "encrypted" in f else ("flows", i, "id")
        yield Hit(path, f"{model.label('flows', f, i)} crosses from {_zone(model, f.get('from'))} to "
                  f"{_zone(model, f.get('to'))} {how} and declares no data: list the assets it carries in data "
                  "(TM104 then judges them), or encrypt it and set encrypted: true",
                  data={"flow": model.id_of(f), "index": i})


def _in_transit_answered(model: Model, f: dict) -> bool:
    """Whether a threat models tampering or disclosure on this connection: on the flow, or on its response drawn
    as a flow of its own back to the caller (one connection, so one on-path attacker)."""
    ends = (f.get("to"), f.get("from"))
    same_connection = [f] + [r for _, r in model.items("flows")
                             if (r.get("from"), r.get("to")) == ends and model.is_response(r)]
    return any(model.answered(model.id_of(c) or "", cat)
               for c in same_connection for cat in ("tampering", "information_disclosure"))


def _disclosure_tracked(model: Model, ident) -> bool:
    """An information-disclosure threat on the store lists a mitigation: the gap is modelled and its fix tracked."""
    return isinstance(ident, str) and any(
        "information_disclosure" in as_list(t.get("stride")) and as_list(t.get("mitigations"))
        for t in model.threats_on(ident))


@rule("TM105", "warning", "Sensitive data store not encrypted at rest",
      "A data store holding a pii, credentials, financial or secret asset should encrypt at rest "
      "(encrypted_at_rest: true), unless an information-disclosure threat on it already lists the mitigation "
      "that tracks the fix.", stages=FROM_DESIGN,
      # An information-disclosure threat on the store with a mitigation tracks the fix.
      reads=Reads(each="elements", parts=_SENSITIVE + ("threats[].affects", "threats[].stride", "threats[].mitigations")),
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
    for i, el in model.in_scope("elements"):
        if el.get("kind") != "data_store" or el.get("encrypted_at_rest") is True:
            continue
        sensitive = [a for a in as_list(el.get("stores")) if model.is_sensitive(a)]
        if sensitive and _disclosure_tracked(model, model.id_of(el)):
            continue
        if sensitive:
            path = ("elements", i, "encrypted_at_rest") if "encrypted_at_rest" in el else ("elements", i, "id")
            yield Hit(path, f"data store '{model.id_of(el)}' holds sensitive {', '.join(repr(a) for a in sensitive)} "
                      "without encryption at rest: enable storage encryption and set encrypted_at_rest: true",
                      data={"element": model.id_of(el), "index": i, "assets": sensitive})

