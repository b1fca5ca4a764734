"""The catalog's condition language: declarative `when:` mappings evaluated over a model.

A condition is a mapping; every key in it must hold (an implicit `all`). Each
key is a form with one small function in FORMS, so the language is exactly
the set of functions below: no expressions, nothing evaluated from data.
The subject is an element or a flow; forms that only make sense for one of
them say what they mean for the other (documented in schemas/catalog.schema.json).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Callable

from ..engine.model import SECRETS, SENSITIVE, Model, as_list, authenticated, classifications, encrypted, out_of_scope
from ..engine.roles import roles

FLAG_KEYS = frozenset({"encrypted", "authenticated", "encrypted_at_rest"})
FLOW_FLAGS = {"encrypted": encrypted, "authenticated": authenticated}


@dataclass(frozen=True)
class Subject:
    """An element or a flow of the model, as conditions see it."""

    section: str  # "elements" or "flows"
    index: int
    id: str
    item: dict

    @property
    def kind(self) -> str | None:
        if self.section == "flows":
            return "flow"
        kind = self.item.get("kind")
        return kind if isinstance(kind, str) else None

    @property
    def is_flow(self) -> bool:
        return self.section == "flows"


class Facts:
    """Per-model lookups the conditions share (built once per check, not per condition)."""

    def __init__(self, model: Model):
        self.model = model
        self._touching: dict[str, list[Subject]] = {}
        self._words: dict[tuple, str] = {}
        self._roles: dict[str, frozenset[str]] = {}

    @cached_property
    def every_subject(self) -> list[Subject]:
        """Every element and flow with an id, out-of-scope ones included (conditions may look at them)."""
        out = []
        for section in ("elements", "flows"):
            for i, item in self.model.items(section):
                ident = self.model.id_of(item)
                if ident:
                    out.append(Subject(section, i, ident, item))
        return out

    @cached_property
    def subjects(self) -> list[Subject]:
        """The elements and flows catalog threats are matched to: out-of-scope ones get no suggestion."""
        return [s for s in self.every_subject if out_of_scope(s.item) is None]

    @cached_property
    def _element_subjects(self) -> dict[str, Subject]:
        return {s.id: s for s in self.every_subject if not s.is_flow}

    def element(self, ident) -> Subject | None:
        return self._element_subjects.get(ident) if isinstance(ident, str) else None

    @cached_property
    def _flows_by_end(self) -> tuple[dict, dict]:
        inbound: dict[str, list[Subject]] = {}
        outbound: dict[str, list[Subject]] = {}
        for s in self.every_subject:
            if s.is_flow:
                if isinstance(s.item.get("to"), str):
                    inbound.setdefault(s.item["to"], []).append(s)
                if isinstance(s.item.get("from"), str):
                    outbound.setdefault(s.item["from"], []).append(s)
        return inbound, outbound

    def inbound(self, element_id: str) -> list[Subject]:
        return self._flows_by_end[0].get(element_id, [])

    def outbound(self, element_id: str) -> list[Subject]:
        return self._flows_by_end[1].get(element_id, [])

    def touching(self, subject: Subject) -> list[Subject]:
        """The flow itself, or every flow into and out of an element."""
        if subject.is_flow:
            return [subject]
        found = self._touching.get(subject.id)
        if found is None:
            found = self._touching[subject.id] = self.inbound(subject.id) + self.outbound(subject.id)
        return found

    def words(self, subject: Subject) -> str:
        """The subject's id, name, description and technology, lower-cased (what `mentions` searches)."""
        key = (subject.section, subject.index)
        found = self._words.get(key)
        if found is None:
            found = self._words[key] = "\n".join(_text(subject.item.get(k)) for k in ("id", "name", "description", "technology"))
        return found

    def roles(self, subject: Subject) -> frozenset[str]:
        found = self._roles.get(subject.id)
        if found is None:
            found = self._roles[subject.id] = (self.model.roles_of(subject.id) if not subject.is_flow
                                               else roles(subject.item))
        return found

    def assets_of(self, subject: Subject, key: str) -> list[dict]:
        """Asset records named in the subject's `data` (flows; with the `returns` of the response), `stores`
        (data stores) or `request` (a flow's `data` alone: what its destination receives)."""
        assets = self.model.assets
        if key == "data":
            ids = self.model.carried(subject.item)
        else:
            ids = as_list(subject.item.get("data" if key == "request" else key))
        return [assets[a] for a in ids if isinstance(a, str) and a in assets]

    def received(self, subject: Subject) -> list[dict]:
        """Assets that reach an element: the `data` of flows into it and the `returns` of flows out of it (the
        answers to the requests it makes). For a flow, what its destination receives: its `data`."""
        if subject.is_flow:
            return self.assets_of(subject, "request")
        return ([a for f in self.inbound(subject.id) for a in self.assets_of(f, "request")]
                + [a for f in self.outbound(subject.id) for a in self.assets_of(f, "returns")])


def _lower_set(values) -> set[str]:
    return {v.lower() for v in as_list(values) if isinstance(v, str)}


def _text(value) -> str:
    return value.lower() if isinstance(value, str) else ""


def asset_matches(asset: dict, cond) -> bool:
    """An asset condition: a list of classifications, or a mapping of requirements that must all hold."""
    if isinstance(cond, list):
        cond = {"classification": cond}
    if not isinstance(cond, dict):
        return False
    if "public" in cond and ("public" in classifications(asset)) is not cond["public"]:
        return False  # an asset nobody classified is not public: public content is something a team says
    if "mentions" in cond and not _cached_pattern(tuple(as_list(cond["mentions"]))).search(
            "\n".join(_text(asset.get(k)) for k in ("id", "name", "description"))):
        return False
    if "classification" in cond:
        wanted = set(as_list(cond["classification"]))
        if "sensitive" in wanted:
            wanted |= SENSITIVE
        if not classifications(asset) & wanted:
            return False
    if "regulations" in cond and not (_lower_set(asset.get("regulations")) & _lower_set(cond["regulations"])):
        return False
    for key, field in (("attacker_value_at_least", "attacker_value"), ("records_at_least", "records")):
        if key in cond:
            have = asset.get(field)
            if not isinstance(have, int) or isinstance(have, bool) or have < cond[key]:
                return False
    return True


# -- forms -----------------------------------------------------------------------------------
# Each form turns its argument into a predicate (facts, subject) -> bool once, when a catalog entry is
# first used, so checking a model only calls small closures (patterns compiled, sets lowered up front).

Predicate = Callable[["Facts", Subject], bool]


def _kind(arg) -> Predicate:
    kinds = frozenset(as_list(arg))
    return lambda facts, s: s.kind in kinds


def _property(arg, stated: bool = False) -> Predicate:
    wanted = [(key, expected if isinstance(expected, list) else [expected]) for key, expected in arg.items()]

    def test(facts, s) -> bool:
        for key, options in wanted:
            have = s.item.get(key)
            if stated:
                pass  # the model must say it: an unset flag is neither true nor false
            elif s.is_flow and key in FLOW_FLAGS:
                have = FLOW_FLAGS[key](s.item)  # unset: what the protocol says (HTTPS is encrypted)
            elif have is None and key in FLAG_KEYS:
                have = False
            if not any(_same(have, o) for o in options):
                return False
        return True
    return test


def _states(arg) -> Predicate:
    # Like `property`, but an absent flag is not false: the model must say so (a flow written
    # `authenticated: false` is a decision its authors took; a flow without the key is one nobody described).
    return _property(arg, stated=True)


def _same(have, want) -> bool:
    if isinstance(want, bool) or isinstance(have, bool):
        return have is want
    if isinstance(want, str) and isinstance(have, str):
        return have.strip().lower() == want.lower()
    return have == want


def _protocol(arg) -> Predicate:
    wanted = _lower_set(arg)
    return lambda facts, s: any(_text(f.item.get("protocol")).strip() in wanted for f in facts.touching(s))


# A protocol of the HTTP family: HTTP/1.x, HTTPS, HTTP/2, WebSocket, what rides on HTTP (REST, gRPC, GraphQL, SOAP)
# and Threagile's reverse-proxy-web-protocol.
_HTTP_PROTOCOL = re.compile(r"(?<![a-z0-9])(?:https?|h2c?|wss?|websockets?|grpc|rest|restful|graphql|soap|web-protocol)"
                            r"(?![a-z])")
# Words that name a transport, an encoding or nothing at all, not the protocol spoken over it: "TLS 1.3", "mTLS",
# "TCP", "JSON", "unknown-protocol" leave open whether HTTP is spoken, as an unstated protocol does.
_NEUTRAL_PROTOCOL = re.compile(r"(?<![a-z0-9])(?:m?tls|ssl|tcp|ip|json|xml|api|encrypted|unknown|protocol|other|"
                               r"mutual|secure|over|with|and|v?\d+(?:\.\d+)*)(?![a-z0-9])")
# Ends of a flow that speak HTTP by what they are, when the flow states no protocol.
_WEB_SENDERS = frozenset({"edge", "web", "client_app", "browser"})
_WEB_RECEIVERS = frozenset({"edge", "web"})


def _stated_protocol(flow: Subject) -> str:
    """The flow's protocol, or "" when it names only a transport or an encoding (TLS, TCP, JSON) or none."""
    stated = _text(flow.item.get("protocol")).strip()
    return stated if re.search(r"[a-z]", _NEUTRAL_PROTOCOL.sub(" ", stated)) else ""


def speaks_http(facts: "Facts", flow: Subject) -> bool:
    """A flow is an HTTP request when its protocol says so, or, with no protocol stated, when both its ends are
    web tiers by what they are (a proxy, a client app or a browser sending; a proxy or web software receiving)."""
    stated = _stated_protocol(flow)
    if stated:
        return bool(_HTTP_PROTOCOL.search(stated))
    src, dst = facts.element(flow.item.get("from")), facts.element(flow.item.get("to"))
    return (src is not None and dst is not None and bool(facts.roles(src) & _WEB_SENDERS)
            and bool(facts.roles(dst) & _WEB_RECEIVERS))


def _http(arg) -> Predicate:
    return lambda facts, s: any(speaks_http(facts, f) for f in facts.touching(s)) is arg


def _other_protocol(arg) -> Predicate:
    # The model states a protocol and it is not HTTP: a CAN frame, an SPI link or a JDBC connection carries no
    # HTTP request, whatever the ends are called.
    def test(facts, s) -> bool:
        return any((stated := _stated_protocol(f)) and not _HTTP_PROTOCOL.search(stated)
                   for f in facts.touching(s)) is arg
    return test


def own_credentials(facts: "Facts", flow: Subject) -> bool:
    """A flow's request carries credentials or secrets that reach its source on no flow into it: the source's
    own, as when a service signs in to another (a gateway fetching a token with its client secret), not a
    user's sign-in it passes on."""
    src = flow.item.get("from")
    if not isinstance(src, str):
        return False
    arrived = {a for f in facts.inbound(src) for a in as_list(f.item.get("data")) if isinstance(a, str)}
    return any(classifications(facts.model.assets[a]) & SECRETS
               for a in as_list(flow.item.get("data")) if isinstance(a, str) and a in facts.model.assets and a not in arrived)


def _own_credentials(arg) -> Predicate:
    return lambda facts, s: any(own_credentials(facts, f) for f in _outbound_flows(facts, s)) is arg


def _word_pattern(words, whole: bool = True) -> re.Pattern:
    # Prose (`mentions`): whole words, with their plural and -ed/-ing forms ("upload" matches "uploads" and
    # "uploaded"), but not a longer word that starts with them: "log" is not "logger" (a click logger holds clicks,
    # not an audit log) or "login", "server" is not "serverless"; a catalog entry lists the longer words it means.
    # Product names (`technology`) match at the start of a word: "postgres" is "PostgreSQL 16", "mongo" "MongoDB".
    alternatives = "|".join(re.escape(w.lower()) for w in as_list(words) if isinstance(w, str))
    if not whole:
        return re.compile(rf"(?<![a-z0-9])(?:{alternatives})")
    return re.compile(rf"(?<![a-z0-9])(?:{alternatives})(?:s|es|ed|ing)?(?![a-z0-9])")


@lru_cache(maxsize=256)
def _cached_pattern(words: tuple) -> re.Pattern:
    # Asset conditions are plain data read per asset, not compiled forms: compile each word list once.
    return _word_pattern(list(words))


def _technology(arg) -> Predicate:
    pattern = _word_pattern(arg, whole=False)

    def test(facts, s) -> bool:
        if s.is_flow:
            ends = (facts.element(s.item.get("from")), facts.element(s.item.get("to")))
            return any(e is not None and pattern.search(_text(e.item.get("technology"))) for e in ends)
        return bool(pattern.search(_text(s.item.get("technology"))))
    return test


def _role(arg) -> Predicate:
    wanted = frozenset(as_list(arg))
    return lambda facts, s: not s.is_flow and bool(facts.roles(s) & wanted)


def _internet(arg) -> Predicate:
    def test(facts, s) -> bool:
        if s.is_flow:
            on = any(facts.model.on_internet(s.item.get(k)) for k in ("from", "to"))
        else:
            on = facts.model.on_internet(s.id)
        return on is arg
    return test


def _mentions(arg) -> Predicate:
    pattern = _word_pattern(arg)
    return lambda facts, s: bool(pattern.search(facts.words(s)))


def _carries(arg) -> Predicate:
    return lambda facts, s: any(asset_matches(a, arg) for f in facts.touching(s) for a in facts.assets_of(f, "data"))


def _receives(arg) -> Predicate:
    return lambda facts, s: any(asset_matches(a, arg) for a in facts.received(s))


def _stores(arg) -> Predicate:
    return lambda facts, s: not s.is_flow and any(asset_matches(a, arg) for a in facts.assets_of(s, "stores"))


def _crossing(flows_of) -> Callable:
    def form(arg) -> Predicate:
        return lambda facts, s: any(facts.model.crosses_boundary(f.item) for f in flows_of(facts, s)) is arg
    return form


def _nested(flows_of) -> Callable:
    def form(arg) -> Predicate:
        inner = compile_condition(arg)
        return lambda facts, s: not s.is_flow and any(inner(facts, f) for f in flows_of(facts, s))
    return form


def _end(key: str) -> Callable:
    def form(arg) -> Predicate:
        inner = compile_condition(arg)

        def test(facts, s) -> bool:
            end = facts.element(s.item.get(key)) if s.is_flow else None
            return end is not None and inner(facts, end)
        return test
    return form


def _system(arg) -> Predicate:
    levels = arg.get("criticality")

    def test(facts, s) -> bool:
        return levels is None or facts.model.section("system").get("criticality") in levels
    return test


def _all(arg) -> Predicate:
    parts = [compile_condition(c) for c in arg]
    return lambda facts, s: all(p(facts, s) for p in parts)


def _any(arg) -> Predicate:
    parts = [compile_condition(c) for c in arg]
    return lambda facts, s: any(p(facts, s) for p in parts)


def _not(arg) -> Predicate:
    inner = compile_condition(arg)
    return lambda facts, s: not inner(facts, s)


def _inbound_flows(facts, s):
    return [s] if s.is_flow else facts.inbound(s.id)


def _outbound_flows(facts, s):
    return [s] if s.is_flow else facts.outbound(s.id)


FORMS: dict[str, Callable[[object], Predicate]] = {
    "all": _all,
    "any": _any,
    "not": _not,
    "kind": _kind,
    "property": _property,
    "states": _states,
    "protocol": _protocol,
    "http": _http,
    "other_protocol": _other_protocol,
    "own_credentials": _own_credentials,
    "technology": _technology,
    "mentions": _mentions,
    "role": _role,
    "internet": _internet,
    "carries": _carries,
    "receives": _receives,
    "stores": _stores,
    "crosses_boundary": _crossing(lambda facts, s: facts.touching(s)),
    "receives_from_other_boundary": _crossing(_inbound_flows),
    "sends_to_other_boundary": _crossing(_outbound_flows),
    "inbound": _nested(lambda facts, s: facts.inbound(s.id)),
    "outbound": _nested(lambda facts, s: facts.outbound(s.id)),
    "from": _end("from"),
    "to": _end("to"),
    "system": _system,
}


def compile_condition(condition: dict) -> Predicate:
    """A predicate for a (schema-checked) condition: every key of the mapping must hold."""
    parts = [FORMS[key](arg) for key, arg in condition.items()]
    if len(parts) == 1:
        return parts[0]
    return lambda facts, s: all(p(facts, s) for p in parts)


def evaluate(condition: dict, facts: Facts, subject: Subject) -> bool:
    """Whether `condition` holds for `subject` (compiles it each time; matching caches compiled ones)."""
    return compile_condition(condition)(facts, subject)
