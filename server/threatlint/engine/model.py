"""A read-only view of a parsed model that rules query: items, the id index, references.

Rules run on documents that may violate the schema, so every accessor here
tolerates wrong types (a string where a list belongs, a list item that is not
a mapping) and simply yields less.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property, lru_cache

from .locate import locate
from .parse import ParsedDoc
from .roles import roles

SECTIONS = ("assets", "boundaries", "elements", "flows", "threats", "mitigations", "assumptions")
STRIDE = (
    "spoofing",
    "tampering",
    "repudiation",
    "information_disclosure",
    "denial_of_service",
    "elevation_of_privilege",
)
STRIDE_LETTER = dict(zip(STRIDE, "STRIDE"))
# Which STRIDE categories apply to which kind of element (docs/format.md, "STRIDE per kind").
APPLICABLE = {
    "external_entity": ("spoofing", "repudiation"),
    "process": STRIDE,
    "data_store": ("tampering", "repudiation", "information_disclosure", "denial_of_service"),
    "flow": ("tampering", "information_disclosure", "denial_of_service"),
}
# Words of element names too common to identify anything on their own.
_COMMON_WORDS = frozenset({
    "data", "system", "systems", "service", "services", "server", "servers", "user", "users", "with", "from", "into",
    "that", "this", "store", "stores", "flow", "flows", "process", "entity", "external", "internal", "information",
    "application", "component", "module", "layer", "the", "and", "for", "other", "main", "general",
})
SENSITIVE = frozenset({"pii", "credentials", "financial", "secret"})
# What a sender signs in with or holds as a secret: passwords, tokens, API keys, keys.
SECRETS = frozenset({"credentials", "secret"})
# A trust boundary that is the open internet.
_INTERNET_WORDS = re.compile(r"(?<![a-z])(?:internet|public|untrusted|world|www|anonymous)(?![a-z])")
# A trust boundary that is a private network, and people who work for the operator: not the public.
_PRIVATE_NETWORK_WORDS = re.compile(r"(?<![a-z])(?:corp|corporate|intranet|internal|office|vpn|private|lan|on-prem|"
                                    r"on-premises|staff|employees?|admin|back-?office)(?![a-z])")
_STAFF_WORDS = re.compile(r"(?<![a-z])(?:staff|employees?|support|admins?|administrators?|operators?|back-?office|"
                          r"moderators?|engineers?|developers?|analysts?|internal)(?![a-z])")
# A flow that calls itself the answer to a request.
_RESPONSE_WORDS = re.compile(r"(?<![a-z])(?:response|responses|reply|replies|result|results|returns?|returned)(?![a-z])")
LEVELS = {"low": 1, "medium": 2, "high": 3, "critical": 4}
# A protocol that encrypts in transit by what it is: TLS and SSH, and the TLS forms of other protocols, as words
# of `protocol` ("HTTPS", "gRPC over TLS", "mTLS", "SFTP"). Unless the text says the encryption is absent.
_ENCRYPTING_PROTOCOL = re.compile(
    r"(?<![a-z0-9])(?:https|tls|mtls|ssl|wss|ssh|sftp|scp|ftps|ldaps|amqps|mqtts|smtps|imaps|pop3s|grpcs|ipsec"
    r"|wireguard)(?![a-z0-9])")
# The plain form of a protocol named beside the encrypted one ("HTTP/HTTPS"): either may be used. Not when the plain
# protocol runs inside the encrypted one ("HTTP over TLS").
_PLAIN_ALTERNATIVE = re.compile(r"(?<![a-z0-9])(?:http|ftp|ws|ldap|amqp|mqtt|smtp|telnet)(?![a-z0-9])"
                                r"(?!\s*(?:over|with|via|using|inside|in|\+)(?![a-z0-9]))")
_NOT_ENCRYPTED = re.compile(r"(?<![a-z0-9])(?:no|non|not|without|plain|plaintext|cleartext|unencrypted|insecure)"
                            r"(?![a-z0-9])")
# Mutual TLS authenticates both ends of the connection by certificate.
_MUTUAL_TLS = re.compile(r"(?<![a-z0-9])(?:mtls|mutual[\s-]*tls|two[\s-]*way[\s-]*tls)(?![a-z0-9])")


def _protocol_text(flow) -> str:
    value = flow.get("protocol") if isinstance(flow, dict) else None
    return value.lower() if isinstance(value, str) else ""


def _flag_or_protocol(flow, key: str, protocol_says) -> bool:
    """`key: true`, or, with `key` unset, what the protocol says; an explicit `false` wins: the author said so."""
    if not isinstance(flow, dict):
        return False
    flag = flow.get(key)
    if flag is not None:
        return flag is True
    return protocol_says(_protocol_text(flow))


def encrypted(flow) -> bool:
    """Whether a flow is encrypted in transit: `encrypted: true`, or, with `encrypted` unset, a protocol that
    encrypts (HTTPS, TLS, SSH, ...)."""
    return _flag_or_protocol(flow, "encrypted", lambda words: bool(_ENCRYPTING_PROTOCOL.search(words))
                             and not _NOT_ENCRYPTED.search(words) and not _PLAIN_ALTERNATIVE.search(words))


def authenticated(flow) -> bool:
    """Whether the receiving side authenticates the sender: `authenticated: true`, or, with `authenticated`
    unset, mutual TLS as the protocol."""
    return _flag_or_protocol(flow, "authenticated", lambda words: bool(_MUTUAL_TLS.search(words))
                             and not _NOT_ENCRYPTED.search(words))


# What `encrypted` and `authenticated` read.
FLAG_PARTS = ("flows[].encrypted", "flows[].authenticated", "flows[].protocol")


def _words_of(item: dict) -> str:
    return " ".join(v.lower() for k in ("id", "name") if isinstance(v := item.get(k), str)).replace("_", " ")


def level(value) -> int:
    """1..4 for low..critical, 0 for anything else (a schema-invalid list or number included)."""
    return LEVELS.get(value, 0) if isinstance(value, str) else 0


def kind_name(value) -> str | None:
    """An element kind STRIDE knows, or None (also for a schema-invalid value)."""
    return value if isinstance(value, str) and value in APPLICABLE else None


def level_for_score(score: int) -> str:
    if score >= 12:
        return "critical"
    if score >= 6:
        return "high"
    if score >= 3:
        return "medium"
    return "low"


def as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def categories(value) -> list[str]:
    """The STRIDE categories of a threat or exemption (`stride:` is one or a list)."""
    return [c for c in as_list(value) if isinstance(c, str) and c in STRIDE]


def text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def parse_date(value) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


_TRIE_DEPTH = 4  # branch on at most this many leading characters; deeper, plain alternatives


def _alternation(terms) -> str:
    """A regex for any of `terms` (literal strings), factored by common prefixes.

    A flat `a|b|c...` is tried alternative by alternative at every position of
    the searched text, so one search cost grows with the number of terms and a
    rule searching every mitigation became quadratic in the model's size.
    Factored (`pay(?:ments|outs)`), a position is rejected after a character or
    two. The set of matched strings is the same.
    """
    def build(group: list[str], depth: int) -> str:
        if depth >= _TRIE_DEPTH or len(group) <= 2:
            alts = sorted(group, key=len, reverse=True)
            body = "|".join(re.escape(t) for t in alts)
            return body if len(alts) == 1 else "(?:" + body + ")"
        by_first: dict[str, list[str]] = {}
        ends = False
        for t in group:
            if t:
                by_first.setdefault(t[0], []).append(t[1:])
            else:
                ends = True
        alts = [re.escape(c) + build(rest, depth + 1) for c, rest in sorted(by_first.items())]
        if ends:
            alts.append("")  # the term ending here; after the longer ones, as in the flat form
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    return build(sorted(set(terms)), 0)


@lru_cache(maxsize=16)
def _vocabulary_regex(terms: frozenset) -> "re.Pattern":
    # Cached: the editor re-checks after every keystroke and the names rarely change between two.
    return re.compile(r"(?<![\w-])" + _alternation(terms) + r"(?![\w-])", re.IGNORECASE)


def names_any(terms: frozenset, text: str) -> bool:
    """Whether `text` names one of `terms` the way `Model.vocabulary` matches them."""
    if not terms:
        return False
    if text.isascii() and all(t.isascii() for t in terms):
        # Each match contains a term as it is: a text holding none of them cannot match (outside ASCII,
        # case-insensitive matching does not reduce to str.lower, so the regex alone decides).
        low = text.lower()
        if not any(t in low for t in terms):
            return False
    return _terms_regex(terms).search(text) is not None


@lru_cache(maxsize=4)
def _terms_regex(terms: frozenset) -> "re.Pattern":
    # Apart from _vocabulary_regex's cache: the few terms an edit changes must not evict the whole vocabulary.
    return re.compile(r"(?<![\w-])" + _alternation(terms) + r"(?![\w-])", re.IGNORECASE)


_NOUNS = {
    "assets": "asset",
    "boundaries": "boundary",
    "elements": "element",
    "flows": "flow",
    "threats": "threat",
    "mitigations": "mitigation",
    "assumptions": "assumption",
    "exemptions": "exemption",
}


@dataclass(frozen=True)
class Ref:
    """A reference to an id from somewhere in the model."""

    target: str
    path: tuple  # path of the referencing value
    expects: tuple  # sections the id may live in
    site: str  # human name of the reference site, e.g. "flow 'checkout' from"


# Every reference site TM004 checks (docs/rules.md#tm004): (section, key, expected target sections, many?)
REFERENCE_SITES = (
    ("flows", "from", ("elements",), False),
    ("flows", "to", ("elements",), False),
    ("flows", "data", ("assets",), True),
    ("flows", "returns", ("assets",), True),
    ("boundaries", "parent", ("boundaries",), False),
    ("elements", "boundary", ("boundaries",), False),
    ("elements", "stores", ("assets",), True),
    ("threats", "affects", ("elements", "flows"), True),
    ("threats", "mitigations", ("mitigations",), True),
    ("threats", "assets", ("assets",), True),
)
# Where an id is expected, as (section, key) -> sections it may come from: REFERENCE_SITES plus the two sites
# Model.references reads on their own (attack_path.target, keyed by its last key, and an exemption's element).
ID_SITES = {
    **{(section, key): expects for section, key, expects, _ in REFERENCE_SITES},
    ("threats", "target"): ("assets",),
    ("exemptions", "element"): ("elements", "flows"),
}


# What the id index (`definitions`, `lookup`) and `references` read, as rule `Reads` parts (rules/registry.py).
ID_PARTS = tuple(f"{section}[].id" for section in SECTIONS)
REFERENCE_PARTS = tuple(f"{section}[].{key}" for section, key, _, _ in REFERENCE_SITES) + (
    "threats[].attack_path.target", "exemptions[].element")
# What `covered` and `exempted` read.
COVERAGE_PARTS = ("threats[].stride", "threats[].affects", "exemptions[].element", "exemptions[].stride")
# What `vocabulary` reads.
# What `Model.threat_in_scope` and `Model.is_out_of_scope` read (the ids and scope marks of elements and flows).
SCOPE_PARTS = ("elements[].id", "elements[].out_of_scope", "flows[].id", "flows[].out_of_scope")
# What `Model.stage` and `Model.rating` read of the model (the configuration's value is part of the context).
STAGE_PARTS = ("review.stage",)
RATING_PARTS = ("review.rating",)
# What `is_open`, `effective_priority` and `Model.ratings_discriminate` read of the threats.
THREAT_RATING_PARTS = ("threats[].status", "threats[].priority", "threats[].likelihood", "threats[].impact")
VOCABULARY_PARTS = tuple(f"{s}[].{k}" for s in ("elements", "flows", "assets") for k in ("id", "name"))


def classifications(asset) -> frozenset[str]:
    """An asset's classifications: `classification` holds one value or a list of them."""
    c = asset.get("classification") if isinstance(asset, dict) else None
    return frozenset(x for x in (c if isinstance(c, list) else [c]) if isinstance(x, str))


class Model:
    def __init__(self, doc: ParsedDoc):
        self.doc = doc
        self.data = doc.data if isinstance(doc.data, dict) else {}

    # -- positions -------------------------------------------------------
    def range(self, path, part: str = "value"):
        return locate(self.doc.pos, path, part, self.doc.line_offset)

    # -- items -----------------------------------------------------------
    def items(self, section: str):
        """(index, item) for each mapping item of a top-level list section."""
        seq = self.data.get(section)
        if not isinstance(seq, list):
            return
        for i, item in enumerate(seq):
            if isinstance(item, dict):
                yield i, item

    def section(self, name: str):
        value = self.data.get(name)
        return value if isinstance(value, dict) else {}

    @staticmethod
    def id_of(item: dict) -> str | None:
        v = item.get("id")
        return v if isinstance(v, str) and v else (str(v) if isinstance(v, int) and not isinstance(v, bool) else None)

    def label(self, section: str, item: dict, index: int) -> str:
        noun = _NOUNS.get(section, section)
        ident = self.id_of(item)
        return f"{noun} '{ident}'" if ident else f"{noun} #{index + 1}"

    # -- id index ----------------------------------------------------------
    @cached_property
    def definitions(self) -> dict[str, list[tuple[str, int, dict]]]:
        """id -> every (section, index, item) defining it (more than one is TM003)."""
        out: dict[str, list] = {}
        for section in SECTIONS:
            for i, item in self.items(section):
                ident = self.id_of(item)
                if ident:
                    out.setdefault(ident, []).append((section, i, item))
        return out

    def lookup(self, ident, sections=SECTIONS) -> tuple[str, int, dict] | None:
        for d in self.definitions.get(ident, ()) if isinstance(ident, str) else ():
            if d[0] in sections:
                return d
        return None

    def by_id(self, section: str) -> dict[str, dict]:
        out = {}
        for _, item in self.items(section):
            ident = self.id_of(item)
            if ident and ident not in out:
                out[ident] = item
        return out

    @cached_property
    def elements(self) -> dict[str, dict]:
        return self.by_id("elements")

    @cached_property
    def flows(self) -> dict[str, dict]:
        return self.by_id("flows")

    @cached_property
    def assets(self) -> dict[str, dict]:
        return self.by_id("assets")

    @cached_property
    def mitigations(self) -> dict[str, dict]:
        return self.by_id("mitigations")

    @cached_property
    def references(self) -> list[Ref]:
        refs: list[Ref] = []
        for section, key, expects, many in REFERENCE_SITES:
            for i, item in self.items(section):
                value = item.get(key)
                if value is None:  # most items leave most reference keys out; no label to build
                    continue
                label = self.label(section, item, i)
                if many:
                    for j, target in enumerate(as_list(value)):
                        if isinstance(target, str):
                            p = (section, i, key, j) if isinstance(value, list) else (section, i, key)
                            refs.append(Ref(target, p, expects, f"{label} {key}"))
                elif isinstance(value, str):
                    refs.append(Ref(value, (section, i, key), expects, f"{label} {key}"))
        for i, item in self.items("threats"):
            ap = item.get("attack_path")
            if isinstance(ap, dict) and isinstance(ap.get("target"), str):
                refs.append(Ref(ap["target"], ("threats", i, "attack_path", "target"), ("assets",), f"{self.label('threats', item, i)} attack_path.target"))
        for i, item in self.items("exemptions"):
            if isinstance(item.get("element"), str):
                refs.append(Ref(item["element"], ("exemptions", i, "element"), ("elements", "flows"), f"exemption #{i + 1} element"))
        return refs

    @cached_property
    def referenced(self) -> set[str]:
        return {r.target for r in self.references}

    # -- STRIDE coverage -------------------------------------------------
    def kind_of(self, ident: str) -> str | None:
        """Element kind, or "flow", of the item with this id (None for anything else, a list included)."""
        if not isinstance(ident, str):
            return None
        if ident in self.elements:
            return kind_name(self.elements[ident].get("kind"))
        if ident in self.flows:
            return "flow"
        return None

    @cached_property
    def covered(self) -> set[tuple[str, str]]:
        """(element-or-flow id, category) pairs that some threat addresses."""
        out = set()
        for _, t in self.items("threats"):
            cats = categories(t.get("stride"))
            for target in as_list(t.get("affects")):
                if isinstance(target, str):
                    for c in cats:
                        out.add((target, c))
        return out

    @cached_property
    def uncategorized(self) -> frozenset[str]:
        """Ids of the elements and flows a threat without a STRIDE category affects (a source that does not
        categorise, e.g. threat-composer): which categories they answer cannot be told until it has one."""
        return frozenset(target for _, t in self.items("threats") if not categories(t.get("stride"))
                         for target in as_list(t.get("affects")) if isinstance(target, str))

    @cached_property
    def exempted(self) -> set[tuple[str, str]]:
        out = set()
        for _, x in self.items("exemptions"):
            el = x.get("element")
            if isinstance(el, str):
                for c in categories(x.get("stride")):
                    out.add((el, c))
        return out

    def answered_by_flags(self, ident: str) -> frozenset[str]:
        """Categories a flow answers by what it is: encrypted and authenticated, neither an on-path attacker nor
        an eavesdropper gets in; a person's own input into their client app crosses no network. Either way
        tampering and information disclosure in transit need no threat of their own."""
        f = self.flows.get(ident)
        if f is not None and ((encrypted(f) and authenticated(f)) or self.is_local(f)):
            return frozenset({"tampering", "information_disclosure"})
        return frozenset()

    def is_local(self, flow: dict) -> bool:
        """No network request: a person typing into their own client app (browser, mobile or desktop app, CLI),
        or a process reading or writing storage on its own host (a local disk, an embedded database)."""
        src = self.elements.get(flow.get("from")) if isinstance(flow.get("from"), str) else None
        dst = self.elements.get(flow.get("to")) if isinstance(flow.get("to"), str) else None
        if not (src and dst):
            return False
        if src.get("kind") == "external_entity" and "person" in roles(src) and "client_app" in roles(dst):
            return True
        return "local_storage" in roles(dst) or "local_storage" in roles(src)

    def missing_categories(self, section: str, item: dict) -> list[str]:
        """What TM101 asks: the categories an element or flow must answer (required_categories) and that the
        model does not answer (unanswered_categories). Nothing while a threat on it has no category: which
        categories it answers is open until the threat gets one (the schema, TM002, asks for that first)."""
        if self.id_of(item) in self.uncategorized:
            return []
        unanswered = self.unanswered_categories(section, item)
        if not unanswered:
            return []  # what is required need not be worked out (roles, flows, responses) when all is answered
        return [c for c in self.required_categories(section, item) if c in unanswered]

    def unanswered_categories(self, section: str, item: dict) -> list[str]:
        """The STRIDE categories that apply to an in-scope element's or flow's kind and that no threat, exemption
        or (for a flow) its own nature answers; [] for out-of-scope items and unknown kinds."""
        ident = self.id_of(item)
        kind = "flow" if section == "flows" else kind_name(item.get("kind"))
        if not ident or kind is None or out_of_scope(item) is not None:
            return []
        flags = self.answered_by_flags(ident) if kind == "flow" else frozenset()
        return [c for c in APPLICABLE[kind]
                if (ident, c) not in self.covered and (ident, c) not in self.exempted and c not in flags]

    def required_categories(self, section: str, item: dict) -> tuple[str, ...]:
        """The STRIDE categories a reviewer asks an element or flow to answer, from what it is exposed to.

        APPLICABLE says which categories can apply to a kind (TM102); this says which ones matter here:
        - a flow: tampering and information disclosure when it crosses a trust boundary unencrypted (not a
          response judged with its request, not a person's input into their own client app);
        - an external entity: spoofing when it sends requests into the system, unless it is anonymous (no
          identity to spoof);
        - a data store: tampering and information disclosure (it holds data, declared in `stores` or not;
          tampering only when all it stores is public), and
          denial of service when an asset it stores needs availability high or critical;
        - a process that takes requests from another trust boundary: spoofing, tampering, information
          disclosure and elevation of privilege, plus repudiation and denial of service when the requests come
          from outside parties (users, partners); an edge (load balancer, proxy, CDN, gateway) forwards them,
          so only what it sees, what floods it and, when it authenticates callers, spoofing; managed static
          hosting, nothing of its own; inside one zone, spoofing when a caller is stated unauthenticated, and
          information disclosure when it sends credentials or secrets across a boundary (it holds them);
        - a client app on the user's device: tampering and information disclosure of what it holds and is given;
          the user's own web browser, nothing (its threats are the web site's to model).
        A model that declares no trust boundary cannot say what crosses one: everything counts as exposed.
        """
        kind = "flow" if section == "flows" else kind_name(item.get("kind"))
        if kind is None or out_of_scope(item) is not None:
            return ()
        ident = self.id_of(item)
        if kind == "flow":
            if encrypted(item) or self.is_response(item) or self.is_local(item):
                return ()
            return ("tampering", "information_disclosure") if self._exposed(item) else ()
        if kind == "external_entity":
            if "anonymous" in roles(item):
                return ()  # no identity to spoof, and nothing it does is attributed to anyone
            sends = any(self._exposed(f) and not self.is_response(f) for f in self._flows_by_end[1].get(ident, ()))
            return ("spoofing",) if sends else ()
        if kind == "data_store":
            # what is public is no secret to keep; its integrity still matters
            needs = ("tampering",) if self.only_public(as_list(item.get("stores"))) else ("tampering", "information_disclosure")
            if any(level(self.assets.get(a, {}).get("availability")) >= LEVELS["high"]
                   for a in as_list(item.get("stores")) if isinstance(a, str)):
                needs += ("denial_of_service",)  # it holds something that must stay available
            return needs
        role = roles(item)
        if "static_hosting" in role:
            return ()
        if "client_app" in role:
            # the user's own browser runs no code of the system's but the pages it loads: what tampers with or
            # leaks from them (XSS, storage) is the web site's threat to model
            return () if "browser" in role else ("tampering", "information_disclosure")
        inbound = [f for f in self._flows_by_end[0].get(ident, ()) if not self.is_response(f)]
        across = [f for f in inbound if self._exposed(f)]
        if not across:
            # inside one zone, a caller it states it does not authenticate can be impersonated
            needs = ("spoofing",) if any(f.get("authenticated") is False for f in inbound) else ()
            # a process that only calls out still holds the credentials it sends across a boundary
            if any(self._exposed(f) and self.sends_secrets(f) for f in self._flows_by_end[1].get(ident, ())):
                needs += ("information_disclosure",)
            return needs
        if "edge" in role:
            # it forwards; it answers for what it sees, what floods it, and whom it lets in when it checks
            checks = any(authenticated(f) for f in across)
            return (("spoofing",) if checks else ()) + ("information_disclosure", "denial_of_service")
        outside = any(self.kind_of(f.get("from")) == "external_entity" for f in across)
        return tuple(c for c in STRIDE if outside or c not in ("repudiation", "denial_of_service"))

    def only_public(self, asset_ids) -> bool:
        """Assets are named and every one is classified public (nothing named: unknown, not public)."""
        known = [self.assets.get(a) for a in asset_ids if isinstance(a, str)]
        return bool(known) and all(a is not None and classifications(a) == {"public"} for a in known)

    def sends_secrets(self, flow: dict) -> bool:
        """The request carries a credential or secret (a password, a token, an API key) in its `data`."""
        return any(classifications(self.assets.get(a)) & SECRETS
                   for a in as_list(flow.get("data")) if isinstance(a, str))

    def _exposed(self, flow: dict) -> bool:
        return self.crosses_boundary(flow) or not self.boundaries

    @cached_property
    def _flows_by_end(self) -> tuple[dict, dict]:
        """In-scope flows by their `to` and by their `from` element. A flow from an out-of-scope client still
        exposes what it reaches; only a flow itself marked out of scope is left out."""
        inbound: dict[str, list[dict]] = {}
        outbound: dict[str, list[dict]] = {}
        for _, f in self.in_scope("flows"):
            if isinstance(f.get("to"), str):
                inbound.setdefault(f["to"], []).append(f)
            if isinstance(f.get("from"), str):
                outbound.setdefault(f["from"], []).append(f)
        return inbound, outbound

    def answered(self, ident: str, category: str) -> bool:
        """Whether the model answers a STRIDE category on an element or flow (threat, exemption, flow flags)."""
        return (ident, category) in self.covered or (ident, category) in self.exempted \
            or category in self.answered_by_flags(ident)

    def boundary_of(self, element_id) -> str | None:
        el = self.elements.get(element_id) if isinstance(element_id, str) else None
        b = el.get("boundary") if el else None
        return b if isinstance(b, str) else None

    def crosses_boundary(self, flow: dict) -> bool:
        """A flow crosses a trust boundary when its ends sit in different (known) boundaries; with nesting, when
        some boundary holds one end and not the other (boundaries_crossed)."""
        src, dst = flow.get("from"), flow.get("to")
        if not (isinstance(src, str) and isinstance(dst, str) and src in self.elements and dst in self.elements):
            return False
        # Different innermost boundaries always differ in some enclosing one too (boundaries_crossed names
        # which); only a cycle of parents, a TM005 finding of its own, could make the two chains equal.
        return self.boundary_of(src) != self.boundary_of(dst)

    @cached_property
    def vocabulary_terms(self) -> frozenset[str]:
        """The lower-cased terms `vocabulary` matches: ids, full names and distinctive words of names."""
        terms = set()
        for items in (self.elements, self.flows, self.assets):
            for ident, item in items.items():
                terms.add(ident.lower())
                name = item.get("name")
                if isinstance(name, str) and name.strip():
                    terms.add(name.strip().lower())
                    terms.update(w for w in re.findall(r"[a-z0-9][a-z0-9-]{3,}", name.lower()) if w not in _COMMON_WORDS)
        return frozenset(t for t in terms if len(t) >= 2)

    @cached_property
    def vocabulary(self) -> "re.Pattern | None":
        """One regex matching any way text can name this model's elements, flows and assets.

        An id, a full name, or a distinctive word of a name ("payments" of "Payments
        API") counts: people write "the payments DB", not "Payments database". Built
        once per model so rules that search many threats stay linear.
        """
        terms = self.vocabulary_terms
        return _vocabulary_regex(terms) if terms else None

    def is_sensitive(self, asset_id) -> bool:
        a = self.assets.get(asset_id) if isinstance(asset_id, str) else None
        return bool(classifications(a) & SENSITIVE)

    # -- settings the model declares -----------------------------------------------------------------
    def stage(self, configured: str | None = None) -> str:
        return stage_of(self.data, configured)

    def rating(self, configured: str | None = None) -> str:
        return rating_of(self.data, configured)

    def review_due(self) -> ReviewDue:
        return review_due(self.data)

    # -- scope ---------------------------------------------------------------------------------------
    def in_scope(self, section: str):
        """(index, item) of the elements or flows the rules judge: those without `out_of_scope`."""
        for i, item in self.items(section):
            if out_of_scope(item) is None:
                yield i, item

    def is_out_of_scope(self, ident) -> bool:
        item = (self.elements.get(ident) or self.flows.get(ident)) if isinstance(ident, str) else None
        return out_of_scope(item) is not None

    def out_of_scope_items(self) -> list[tuple[str, str, dict, str]]:
        """(section, id, item, reason) of every element and flow marked out of scope."""
        out = []
        for section in ("elements", "flows"):
            for i, item in self.items(section):
                reason = out_of_scope(item)
                if reason is not None:
                    out.append((section, self.id_of(item) or f"#{i + 1}", item, reason))
        return out

    # -- nested boundaries ---------------------------------------------------------------------------
    @cached_property
    def boundaries(self) -> dict[str, dict]:
        return self.by_id("boundaries")

    def parent_of(self, boundary_id) -> str | None:
        b = self.boundaries.get(boundary_id) if isinstance(boundary_id, str) else None
        p = b.get("parent") if b else None
        return p if isinstance(p, str) and p in self.boundaries else None

    def boundary_chain(self, boundary_id) -> tuple[str, ...]:
        """The boundary and every boundary around it, innermost first (stops at a cycle)."""
        chain: list[str] = []
        b = boundary_id if isinstance(boundary_id, str) else None
        while b is not None and b not in chain:
            chain.append(b)
            b = self.parent_of(b)
        return tuple(chain)

    @cached_property
    def boundary_cycles(self) -> list[tuple[str, ...]]:
        """Each cycle of `parent` links once, as the boundaries on it in order from its first in the file."""
        seen: set[str] = set()
        cycles = []
        for start in self.boundaries:
            path: list[str] = []
            b = start
            while b is not None and b not in path and b not in seen:
                path.append(b)
                b = self.parent_of(b)
            if b is not None and b in path:
                cycles.append(tuple(path[path.index(b):]))
            seen.update(path)
        return cycles

    def boundaries_crossed(self, flow: dict) -> tuple[str, ...]:
        """The trust boundaries a flow passes through: those around one end and not the other. With nesting,
        a flow from a subnet to the rest of its VPC crosses the subnet's edge but not the VPC's."""
        src, dst = flow.get("from"), flow.get("to")
        if not (isinstance(src, str) and isinstance(dst, str) and src in self.elements and dst in self.elements):
            return ()
        a, b = self.boundary_chain(self.boundary_of(src)), self.boundary_chain(self.boundary_of(dst))
        return tuple(x for x in a if x not in b) + tuple(x for x in b if x not in a)

    def roles_of(self, element_id) -> frozenset[str]:
        """What an element is (`roles`), and client_app for a process the model draws as a client: a person in
        its own zone drives it (every request into it comes from a person, none across a trust boundary) and it
        calls another process or outside system, like a user's own script or app calling an API. (A server that
        only its users reach and that only writes its own stores is not taken for one.)"""
        el = self.elements.get(element_id) if isinstance(element_id, str) else None
        if el is None:
            return frozenset()
        found = roles(el)
        if el.get("kind") != "process" or "client_app" in found or not self.boundaries:
            return found
        inbound = [f for f in self._flows_by_end[0].get(element_id, ()) if not self.is_response(f)]
        outbound = [f for f in self._flows_by_end[1].get(element_id, ()) if not self.is_response(f)]
        driven = bool(inbound) and all(
            self.kind_of(f.get("from")) == "external_entity" and "person" in roles(self.elements[f["from"]])
            and not self.crosses_boundary(f) for f in inbound)
        if driven and any(self.kind_of(f.get("to")) in ("process", "external_entity") for f in outbound):
            return found | {"client_app"}
        return found

    def on_internet(self, element_id) -> bool:
        """Whether an element sits on the open internet: outside every declared trust boundary (in a model that
        declares some), inside a zone of the public (only outside parties, among them an anonymous actor or a
        person who is not staff: a "Users" zone), or inside one whose id or name says internet, public or
        untrusted. A client inside an internal zone that also holds the system's own processes or stores (a
        company or development network), or a zone of staff on a corporate network, is not."""
        if not self.boundaries or not isinstance(element_id, str) or element_id not in self.elements:
            return False
        chain = self.boundary_chain(self.boundary_of(element_id))
        if not chain:
            return True
        if chain[0] in self._public_zones:
            return True
        for b in chain:
            rec = self.boundaries.get(b, {})
            words = " ".join(v.lower() for v in (b, rec.get("name")) if isinstance(v, str))
            if _INTERNET_WORDS.search(words):
                return True
        return False

    @cached_property
    def _public_zones(self) -> frozenset[str]:
        """Zones of the public: boundaries whose elements are all external entities (outside parties), one of
        which is a member of the public (an anonymous actor, or a person who is not staff: users, customers,
        players), unless the boundary's name says it is a private network (a "corp network" of support staff is
        not the internet)."""
        members: dict[str, list[dict]] = {}
        for el in self.elements.values():
            b = el.get("boundary")
            if isinstance(b, str):
                members.setdefault(b, []).append(el)
        out = set()
        for b, els in members.items():
            if any(el.get("kind") != "external_entity" for el in els):
                continue
            rec = self.boundaries.get(b, {})
            if _PRIVATE_NETWORK_WORDS.search(" ".join(v.lower() for v in (b, rec.get("name")) if isinstance(v, str))):
                continue
            if any("anonymous" in (r := roles(el)) or ("person" in r and not _STAFF_WORDS.search(_words_of(el)))
                   for el in els):
                out.add(b)
        return frozenset(out)

    # -- requests and responses ----------------------------------------------------------------------
    def is_response(self, flow: dict) -> bool:
        """A flow that answers a request on a connection the other end opened: there is a flow the other way,
        and this one comes from a data store (which never calls out), goes to the side that opens connections
        (a user, a client app), or says it is a response. A flow with `returns` is a request, and so is anything
        an outside party sends in, whatever it is called."""
        if flow.get("returns") is not None:
            return False
        src, dst = flow.get("from"), flow.get("to")
        if not (isinstance(src, str) and isinstance(dst, str)) or (dst, src) not in self._flow_pairs:
            return False
        to_el, from_el = self.elements.get(dst) or {}, self.elements.get(src) or {}
        if from_el.get("kind") == "data_store":
            return True
        words = " ".join(v.lower() for k in ("id", "name", "description") if isinstance(v := flow.get(k), str))
        if from_el.get("kind") != "external_entity" and _RESPONSE_WORDS.search(words):
            return True
        return to_el.get("kind") == "external_entity" and from_el.get("kind") != "external_entity" \
            and bool(roles(to_el) & {"person", "client_app"})

    @cached_property
    def _flow_pairs(self) -> set[tuple[str, str]]:
        return {(f.get("from"), f.get("to")) for _, f in self.items("flows")
                if isinstance(f.get("from"), str) and isinstance(f.get("to"), str)}

    def opened_by_receiver(self, flow: dict) -> bool:
        """A flow from a data store to a process: the process opened the connection and reads (a store never
        calls out), so who authenticates whom is the reader's question, not this flow's sender's."""
        src = self.elements.get(flow.get("from")) if isinstance(flow.get("from"), str) else None
        dst = self.elements.get(flow.get("to")) if isinstance(flow.get("to"), str) else None
        return bool(src and dst and src.get("kind") == "data_store" and dst.get("kind") == "process")

    def carried(self, flow: dict) -> list[str]:
        """Asset ids a flow carries either way: its `data` and the `returns` of its response."""
        return [a for key in ("data", "returns") for a in as_list(flow.get(key)) if isinstance(a, str)]

    def impacted_assets(self, threat: dict) -> list[str]:
        """The model's assets a threat names as hurt: its `assets`, and the target of its attack path. Before
        operation these (with their classification and records) say what is reached and what is hurt."""
        path = threat.get("attack_path")
        named = as_list(threat.get("assets")) + [path.get("target") if isinstance(path, dict) else None]
        return list(dict.fromkeys(a for a in named if isinstance(a, str) and a in self.assets))

    def threat_in_scope(self, threat: dict) -> bool:
        """False when everything a threat affects is marked out of scope (nobody answers for it here)."""
        targets = [a for a in as_list(threat.get("affects")) if isinstance(a, str)]
        return not targets or not all(self.is_out_of_scope(a) for a in targets)

    def threats_on(self, ident: str) -> list[dict]:
        """The threats that affect an element or flow."""
        return self._threats_by_target.get(ident, [])

    @cached_property
    def _threats_by_target(self) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = {}
        for _, t in self.items("threats"):
            for target in dict.fromkeys(a for a in as_list(t.get("affects")) if isinstance(a, str)):
                out.setdefault(target, []).append(t)
        return out

    def chased_first(self, threat: dict, rating: str) -> bool:
        """An open, in-scope threat of priority high or critical, in a model whose ratings were triaged at all:
        what a reviewer chases first, and the bookkeeping (tickets, business impact) asked before operation."""
        return (is_open(threat) and self.threat_in_scope(threat) and self.ratings_discriminate(rating)
                and level(effective_priority(threat, rating)) >= LEVELS["high"])

    def ratings_discriminate(self, rating: str) -> bool:
        """Whether the threats' ratings tell them apart. A model whose threats (five or more) all carry the same
        priority was not triaged (a converter's default, a tool's fixed score): its ratings say nothing about
        which threat comes first."""
        found = self._discriminating.get(rating)
        if found is None:
            prios = [effective_priority(t, rating) for _, t in self.items("threats")]
            found = self._discriminating[rating] = len(prios) < 5 or len(set(prios)) > 1
        return found

    @cached_property
    def _discriminating(self) -> dict[str, bool]:
        return {}

    def threat_assets(self, threat: dict) -> list[str]:
        """Assets a threat impacts: its `assets`, its attack target, then what its affected items hold or carry."""
        out: list[str] = []

        def add(a):
            if isinstance(a, str) and a in self.assets and a not in out:
                out.append(a)
        for a in as_list(threat.get("assets")):
            add(a)
        ap = threat.get("attack_path")
        if isinstance(ap, dict):
            add(ap.get("target"))
        for target in as_list(threat.get("affects")):
            if not isinstance(target, str):
                continue
            if target in self.elements:
                for a in as_list(self.elements[target].get("stores")):
                    add(a)
            elif target in self.flows:
                for a in self.carried(self.flows[target]):
                    add(a)
        return out


# -- one definition per concept: stage, rating, open threats, priority, review due date ---------------------------

STAGES = ("draft", "design", "operational")
# A team adopting the tool usually brings a model of something being built: it wants the design checks
# (coverage, specificity, wrong categories) and the guards of real risk, not yet the bookkeeping of a system
# in production (tickets, residual risk, business-impact fields).
DEFAULT_STAGE = "design"
RATINGS = ("likelihood_severity", "severity", "priority")
DEFAULT_RATING = "likelihood_severity"
# What each rating scheme needs on a threat, as paths into it.
RATING_FIELDS = {
    "likelihood_severity": (("likelihood",), ("impact", "severity")),  # priority follows from them (TM302)
    "severity": (("impact", "severity"),),
    "priority": (("priority",),),
}
# A review with a date and no cadence is due again after a year: the longest interval common review
# policies allow (annual risk assessment), so the default never calls a review overdue that a team's
# own policy would not.
DEFAULT_CADENCE_DAYS = 365
CLOSED_STATUSES = frozenset({"mitigated", "accepted", "transferred"})


VALIDATED, DISPROVEN, UNVALIDATED = "validated", "disproven", "unvalidated"


def assumption_state(assumption: dict) -> str:
    """validated: `validated: true`; disproven: `validated: false` with `evidence` (it was checked and does not
    hold); unvalidated: anything else (no `validated`, or false without evidence: not checked yet)."""
    v = assumption.get("validated")
    if v is True:
        return VALIDATED
    ev = assumption.get("evidence")
    if v is False and isinstance(ev, str) and ev.strip():
        return DISPROVEN
    return UNVALIDATED


# An issue named in a mitigation's text: a link to an issue, pull request or work item of a tracker, or the word
# ticket/issue/jira before a key (ABC-123, #123). Tools without a ticket field (Threat Dragon) put links there.
_ISSUE_REFERENCE = re.compile(
    r"https?://\S+?/(?:issues|pull|merge_requests|browse|work_items|_workitems/edit|tickets?)/[A-Za-z0-9-]*\d"
    r"|(?<![A-Za-z])(?:ticket|issue|jira)s?\s*[:#]?\s*(?:[A-Z][A-Z0-9]+-\d+|#\d+)", re.IGNORECASE)


def ticket_of(mitigation) -> str | None:
    """The issue that tracks a mitigation's work: its `ticket`, else the first issue its title or description links."""
    if not isinstance(mitigation, dict):
        return None
    ticket = mitigation.get("ticket")
    if isinstance(ticket, str) and ticket.strip():
        return ticket.strip()
    for key in ("title", "description"):
        value = mitigation.get(key)
        found = _ISSUE_REFERENCE.search(value) if isinstance(value, str) else None
        if found:
            return found.group(0)
    return None


def is_open(threat) -> bool:
    """A threat is open unless its status says it is dealt with (mitigated, accepted, transferred); a missing
    or unknown status is open, so a threat nobody triaged is never counted as handled."""
    status = threat.get("status") if isinstance(threat, dict) else None
    return not (isinstance(status, str) and status in CLOSED_STATUSES)


def rubric_level(threat) -> str | None:
    """likelihood x impact.severity on the rubric (low..critical), or None when either is missing."""
    if not isinstance(threat, dict):
        return None
    impact = threat.get("impact") if isinstance(threat.get("impact"), dict) else {}
    lk, sev = level(threat.get("likelihood")), level(impact.get("severity"))
    return level_for_score(lk * sev) if lk and sev else None


def effective_priority(threat, rating: str = DEFAULT_RATING) -> str | None:
    """The priority a threat is ranked and guarded by under a rating scheme: an explicit `priority` wins;
    otherwise impact.severity under `severity`, the likelihood x severity rubric under `likelihood_severity`
    (falling back to severity when likelihood is missing); None when the threat is unrated."""
    if not isinstance(threat, dict):
        return None
    p = threat.get("priority")
    if level(p):
        return p
    impact = threat.get("impact") if isinstance(threat.get("impact"), dict) else {}
    sev = impact.get("severity") if level(impact.get("severity")) else None
    if rating == "priority":
        return None
    if rating == "likelihood_severity":
        return rubric_level(threat) or sev
    return sev


def rated_as(threat, rating: str = DEFAULT_RATING) -> str | None:
    """How a threat's effective priority reads in the words of what rates it: "priority high" for an explicit
    priority, "severity high" when its severity decides, "likelihood medium x severity high (high)" when the
    rubric does; None when the threat is unrated."""
    prio = effective_priority(threat, rating)
    if prio is None:
        return None
    if level(threat.get("priority")):
        return f"priority {prio}"
    impact = threat.get("impact") if isinstance(threat.get("impact"), dict) else {}
    if rating == "likelihood_severity" and rubric_level(threat):
        return f"likelihood {threat['likelihood']} x severity {impact['severity']} ({prio})"
    return f"severity {prio}"


@dataclass(frozen=True)
class ReviewDue:
    last: date | None  # last_reviewed, when it is a date
    cadence: int | None  # cadence_days as written, when a positive integer
    due: date | None  # None: no date to count from, or due after the year 9999
    default_cadence: bool  # True when cadence_days is missing and DEFAULT_CADENCE_DAYS was used

    def overdue(self, today: date) -> bool:
        return self.due is not None and self.due < today


def review_due(data) -> ReviewDue:
    """When the model's review is due: review.last_reviewed + cadence_days (DEFAULT_CADENCE_DAYS when absent).

    Takes the model's data (a Model's `data`, or a raw mapping from another commit); a due date past the
    year 9999 is None ("never"), not an OverflowError."""
    review = _review(data)
    last = parse_date(review.get("last_reviewed"))
    raw = review.get("cadence_days")
    cadence = raw if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 1 else None
    default = "cadence_days" not in review
    days = cadence if cadence is not None else (DEFAULT_CADENCE_DAYS if default else None)
    due = None
    if last is not None and days is not None:
        try:
            due = last + timedelta(days=days)
        except OverflowError:
            due = None
    return ReviewDue(last, cadence, due, default and last is not None)


def choice(value, options: tuple, default: str) -> str:
    return value if isinstance(value, str) and value in options else default


def _review(data) -> dict:
    return data.get("review") if isinstance(data, dict) and isinstance(data.get("review"), dict) else {}


def stage_of(data, configured: str | None = None) -> str:
    """A model's stage: review.stage, else the configuration's `stage`, else DEFAULT_STAGE."""
    return choice(_review(data).get("stage"), STAGES, choice(configured, STAGES, DEFAULT_STAGE))


def rating_of(data, configured: str | None = None) -> str:
    """A model's rating scheme: review.rating, else the configuration's `rating`, else DEFAULT_RATING."""
    return choice(_review(data).get("rating"), RATINGS, choice(configured, RATINGS, DEFAULT_RATING))


def out_of_scope(item) -> str | None:
    """The reason an element or flow is out of scope, or None when it is in scope."""
    reason = item.get("out_of_scope") if isinstance(item, dict) else None
    return reason.strip() if isinstance(reason, str) and reason.strip() else None
