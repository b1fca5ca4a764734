"""Specificity: threats and mitigations that say something concrete (TM201-TM204)."""
from __future__ import annotations

import re

from ..engine.model import LEVELS, RATING_PARTS, SCOPE_PARTS, STAGE_PARTS, VOCABULARY_PARTS, Model, as_list, effective_priority, is_open, level, names_any, rated_as, text
from .registry import FROM_DESIGN, Hit, Narrow, Reads, rule


class _LazyPattern:
    """A pattern compiled on its first search. Compiling these takes ~8 ms, which the gate (it runs only the
    rules that can block, and these serve warnings) would otherwise pay on every commit."""

    __slots__ = ("_build", "_args", "_rx")

    def __init__(self, build, *args):
        self._build, self._args, self._rx = build, args, None

    def search(self, text: str):
        if self._rx is None:
            self._rx = self._build(*self._args)
        return self._rx.search(text)

    def finditer(self, text: str):
        if self._rx is None:
            self._rx = self._build(*self._args)
        return self._rx.finditer(text)


def _phrases(*patterns: str) -> re.Pattern:
    """Word-bounded alternatives: "not secure" must not match "not secured"."""
    return re.compile(r"(?<![\w-])(?:" + "|".join(patterns) + r")(?![\w-])", re.IGNORECASE)


# Wording that fits any system and so tells the reader nothing, whatever else the threat says.
VAGUE_THREAT = _LazyPattern(_phrases,
    r"(?:several|various|many|multiple|numerous) (?:potential )?(?:security )?(?:risks?|threats?|attacks?|issues?|"
    r"vulnerabilit(?:y|ies)|problems?|weakness(?:es)?)",
    r"potential (?:security )?(?:risks?|issues?|vulnerabilit(?:y|ies)|threats?|problems?)",
    r"security (?:risks?|issues?|problems?|vulnerabilit(?:y|ies)|concerns?)",
    r"(?:could|can|may|might|will) be (?:compromised|hacked|attacked|breached|insecure|unsafe|at risk)",
    r"(?:an attacker|attackers|hackers?|bad actors|malicious actors|someone) (?:could|can|may|might) "
    r"(?:do (?:something|bad things|damage)|attack (?:it|us|the system)|compromise (?:it|the system|everything)|hack (?:it|us|the system))",
    r"something bad", r"bad things", r"(?:is|are) (?:insecure|not secure)", r"general security", r"generic threat",
    r"tbd", r"(?-i:TODO)", r"fixme", r"lorem ipsum",  # a "todo list" feature is not a placeholder; TODO is
    r"some text (?:describing|about|explaining)",
)

# Template text left in place: tools and templates seed fields with it, and it passes every other check.
PLACEHOLDER = _LazyPattern(_phrases,
    r"some (?:text|words|sentences?) (?:describing|about|explaining|that describes?|to describe)",
    r"(?:describe|insert|enter|add|write|put) (?:the |your |a |an )?[\w -]{0,40} here",
    r"(?:text|description|details?|title) (?:goes|go) here", r"placeholder(?: text)?", r"lorem ipsum",
    r"to be (?:defined|determined|completed|written|filled(?: in)?)", r"(?-i:TODO)", r"tbd", r"fixme", r"xxx+",
    # the texts Threat Dragon seeds a new threat with
    r"provide (?:a )?(?:description|remediation|mitigation) for (?:this|the) threat", r"mitigation or prevention for the threat",
)
# A whole field that is only a filler says nothing (inside a sentence these words are ordinary).
FILLER = frozenset({"n/a", "na", "none", "-", "--", "---", "...", "?", "x", "tbc", "tbd", "todo", "."})
# A whole title that is a tool's default for a new item ("New STRIDE threat", "New threat", "Untitled mitigation":
# Threat Dragon names a new threat after its methodology).
DEFAULT_TITLE = re.compile(r"(?:new|untitled|unnamed|sample|example)(?: [\w-]+)? (?:threat|mitigation|risk|control)"
                           r"(?: \d+)?", re.IGNORECASE)
# Named attack techniques and where they strike: with the elements a threat affects, they say how and where.
TECHNIQUE = _LazyPattern(_phrases,
    r"sniff(?:s|ed|ing)?", r"eavesdrop(?:s|ped|ping)?", r"man[ -]in[ -]the[ -]middle",
    r"(?:person|adversary|machine)[ -]in[ -]the[ -]middle", r"replay(?:s|ed|ing)?", r"brute[ -]forc(?:e|es|ed|ing)",
    r"credential stuffing", r"password spraying", r"phishing", r"(?:sql|nosql|command|os command|ldap|xpath|template|"
    r"header|log|code|prompt) injection", r"cross[ -]site (?:scripting|request forgery)", r"xss", r"csrf", r"ssrf",
    r"xxe", r"deseriali[sz]ation", r"path traversal", r"directory traversal", r"clickjacking", r"session (?:fixation|"
    r"hijacking)", r"error messages?", r"stack traces?", r"verbose errors?", r"config(?:uration)? files?",
    r"(?:log|backup|snapshot|dump) files?", r"hard-?coded (?:credentials|secrets|keys|passwords)", r"debug endpoints?",
    r"typosquat\w*", r"dependency confusion", r"subdomain takeover",
    r"dns (?:hijack\w*|spoofing|poisoning)", r"cache poisoning", r"request smuggling", r"race conditions?",
    r"zip bombs?", r"decompression bombs?", r"redos", r"flood(?:s|ed|ing)?", r"ddos", r"ransomware",
)
# A concrete entry point: an HTTP method with a path, a URL path, a port, a query parameter,
# a header, a function call or a file name.
ENTRY_POINT = _LazyPattern(re.compile,
    r"\b(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+/|(?<![\w/.])/[\w.{}:-]+|\bports?\s+\d+|:\d{2,5}\b|"
    r"[?&][\w.-]+=|\bX-[\w-]+|\b\w+\(\)|\b[\w-]+\.(?:py|js|ts|go|java|rb|php|yaml|yml|json|xml|sql|sh)\b",
    re.IGNORECASE,
)

# Empty phrases: a mitigation saying this is generic however specific the rest of it is.
GENERIC_MITIGATION = _LazyPattern(_phrases,
    r"(?:follow|apply|use|adopt|implement) (?:(?:the|security|industry|owasp|standard|general) )*best[ -]practices?",
    r"(?:security |industry |general )?best[ -]practices?", r"industry[ -]standards?",
    r"harden(?:ing)? (?:the |our )?(?:system|server|servers|application|app|environment|infrastructure|platform)",
    r"system hardening", r"(?:improve|increase|enhance|strengthen|tighten|implement|apply|add|ensure) (?:the |overall )?security",
    r"secure (?:the|our) (?:system|application|app|platform|environment)", r"make (?:it|the system|everything) (?:more )?secure",
    r"be careful", r"defen[cs]e in depth", r"keep (?:software|everything|systems?|dependencies) up[ -]to[ -]date",
    r"security measures", r"appropriate (?:security )?controls",
)
# Control families: generic on their own, fine once tied to where and how ("rate limiting of 5/min on POST /login").
CONTROL_FAMILY = _LazyPattern(_phrases,
    r"(?:use|add|deploy|install|put|enable) (?:a |an )?(?:waf|web application firewall|firewall|ids|ips|antivirus)",
    r"(?:use|add|apply|enable) (?:strong )?encryption", r"encrypt (?:all |the )?(?:data|everything|traffic)",
    r"(?:use|add|implement|enforce|require) (?:strong |proper |better )?(?:authentication|authorization|mfa|2fa)",
    r"proper (?:authentication|authorization|access control|validation)",
    r"(?:input|data) validation", r"(?:validate|sanitize|sanitise|check) (?:all )?(?:user )?inputs?",
    r"(?:add|implement|enable|improve) (?:logging|monitoring|alerting)(?: and (?:logging|monitoring|alerting))?",
    r"monitor (?:the )?(?:system|traffic|logs)", r"(?:regular|periodic) (?:security )?(?:audits?|reviews?|scans?|pentests?)",
    r"security (?:audits?|reviews?|scans?|testing|training|controls)", r"penetration test(?:s|ing)?", r"pen-?tests?",
    r"code reviews?", r"train (?:the )?developers", r"(?:patch|update) (?:regularly|often)", r"apply (?:security )?patches",
    r"access controls?", r"rate[ -]limit(?:ing|s)?", r"least privilege", r"network segmentation",
)
# A whole title that is a bare control family says nothing about the design change.
GENERIC_TITLES = {
    "encryption", "authentication", "authorization", "logging", "monitoring", "firewall", "waf", "hardening",
    "access control", "validation", "input validation", "rate limiting", "backups", "backup", "tls", "mfa", "security",
    "patching", "auditing", "audit logging", "least privilege", "sanitization", "encryption at rest",
    "encryption in transit", "https", "2fa", "ssl",
}
# Where a control applies, in the words people use for parts of a system rather than the model's ids.
COMPONENT = _LazyPattern(_phrases,
    r"(?:api|rest|graphql|grpc|http|web|admin|sign-?in|log-?in|login|upload|search|payment|checkout|callback|"
    r"webhook)s? (?:endpoints?|routes?|handlers?|forms?|pages?|requests?|calls?|responses?)", r"endpoints?",
    r"(?:api |application |service |edge )?gateways?", r"load balancers?", r"reverse prox(?:y|ies)", r"ingress",
    r"databases?", r"db", r"tables?", r"columns?", r"queries", r"quer(?:y|ies) parameters?", r"stored procedures?",
    r"(?:web |application |app |file |mail |db |database |auth(?:entication)? )?servers?", r"services?",
    r"micro-?services?", r"browsers?", r"clients?", r"cookies?", r"sessions?", r"(?:access |refresh |bearer |api )?"
    r"tokens?", r"api keys?", r"headers?", r"queues?", r"topics?", r"brokers?", r"buckets?", r"containers?", r"pods?",
    r"hosts?", r"vms?", r"instances?", r"clusters?", r"subnets?", r"vpcs?", r"network (?:policy|policies|segment)",
    r"firewall rules?", r"security groups?", r"(?:audit |access |application )?logs?", r"certificates?",
    r"private keys?", r"keys?", r"secrets? (?:store|manager|vault)", r"vaults?", r"repositor(?:y|ies)", r"pipelines?",
    r"build (?:jobs?|steps?)", r"accounts?", r"passwords?", r"credentials?", r"user (?:input|records?|data)",
    r"fields?", r"parameters?", r"files?", r"uploads?", r"backups?", r"messages?", r"payloads?", r"emails?",
    r"(?:mobile |web |desktop )?apps?", r"front-?ends?", r"back-?ends?", r"storage", r"caches?", r"dns",
)
# How: named mechanisms, as opposed to control families ("rate limiting", "encryption").
MECHANISM = _LazyPattern(_phrases,
    r"allow-?lists?", r"white-?lists?", r"deny-?lists?", r"block-?lists?", r"signed", r"signatures?", r"sign(?:s|ing)?",
    r"hmac", r"hash(?:ed|es|ing)?", r"salt(?:ed)?", r"bcrypt", r"scrypt", r"argon2\w*", r"pbkdf2", r"parameteri[sz]ed",
    r"prepared statements?", r"bind (?:variables|parameters)", r"orm", r"escap(?:e|es|ed|ing)", r"encod(?:e|es|ed|ing)",
    r"csrf tokens?", r"anti-?forgery", r"same-?site", r"httponly", r"secure flag", r"hsts", r"csp",
    r"content security policy", r"mutual tls", r"mtls", r"tls", r"ssl", r"https", r"oauth\w*", r"oidc", r"openid",
    r"saml", r"jwt", r"pkce", r"mfa", r"2fa", r"totp", r"webauthn", r"fido2?", r"passkeys?", r"captcha",
    r"lock(?:s|ed)? out", r"lockout", r"throttl(?:e|es|ed|ing)", r"quotas?", r"timeouts?", r"circuit breakers?",
    r"retr(?:y|ies) with backoff", r"schemas?", r"rotat(?:e|es|ed|ion)", r"expir(?:e|es|y|ation)", r"revok(?:e|es|ed)",
    r"revocation", r"scop(?:e|es|ed)", r"roles?", r"rbac", r"abac", r"permissions?", r"acls?", r"pinn(?:ed|ing)",
    r"checksums?", r"immutable", r"append-only", r"write-once", r"worm", r"replicas?", r"snapshots?", r"restor(?:e|es)",
    r"aes(?:-\d+)?", r"rsa", r"kms", r"hsm", r"sanitiz(?:e|es|ed|er)", r"sanitis(?:e|es|ed|er)",
    r"validat(?:e|es|ed|ion) against", r"audit trail", r"tamper-?evident", r"idempoten(?:t|cy)", r"nonces?",
    r"re-?authenticat(?:e|ion)", r"segregat(?:e|ed|ion)", r"isolat(?:e|ed|ion)", r"sandbox(?:ed|ing)?",
    r"least[ -]privilege (?:role|account|policy|iam)", r"private (?:subnet|endpoint|network)", r"vpn",
)
# Details that tie a control to a design: numbers (TLS 1.2, 5 req/min, 15 min), code identifiers, quoted names.
CONCRETE_DETAIL = _LazyPattern(re.compile, r"\d|`|\"[^\"]+\"|(?<!\w)'[^']+'(?!\w)|\b[a-z]+_[a-z_]+\b|\b[a-z]+[A-Z]\w*\b|\b\w+\.\w+\b")


def _named(model: Model) -> tuple[frozenset, frozenset]:
    """What "names something" reads of the model besides the judged item: the vocabulary's terms, and apart
    from them the ids of elements, flows and assets (`affects` and attack_path.target are looked up by id, and
    an id can go while the same word stays a term through another name)."""
    ids = frozenset((s, i) for s, items in (("e", model.elements), ("f", model.flows), ("a", model.assets)) for i in items)
    return model.vocabulary_terms, ids


def _vocabulary_delta(old: tuple, new: tuple) -> frozenset:
    return (old[0] ^ new[0]) | frozenset(i.lower() for _, i in old[1] ^ new[1])


def _vocabulary_affected(old: tuple, new: tuple):
    """Items whose text names a term or an id that came or went: only their verdict on "names something" can
    change (the item's text holds its `affects`, `assets` and attack_path.target ids)."""
    delta = _vocabulary_delta(old, new)
    return lambda words: bool(delta) and names_any(delta, words)


# TM201, TM202 and TM203 read the vocabulary (every element, flow and asset name and id): an edit to one name
# re-judges only the threats and mitigations whose text names a term it added or removed. `names_any` matches a
# term within an ASCII text only where the lower-cased text holds it: the terms are the needles.
_VOCABULARY = Narrow(VOCABULARY_PARTS, _named, lambda item: _words(item), _vocabulary_affected, _vocabulary_delta)


def _words(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return " ".join(_words(v) for v in value)
    if isinstance(value, dict):
        return " ".join(_words(v) for v in value.values())
    return ""


_STATEMENT_WORDS = 12  # "An attacker replays stolen session cookies against the admin API" is 10


def _states_the_attack(model: Model, t: dict) -> bool:
    """The threat's own words already say who attacks what and how: a statement of some length, with no
    placeholder or generic wording, about elements it names in `affects` or in its text (a threat-composer or
    Threat Dragon threat statement). A structured attack_path would only repeat it."""
    # a tool's default title ("New STRIDE threat") says nothing, the description may still say it all (TM202
    # asks for the title)
    title = None if isinstance(t.get("title"), str) and DEFAULT_TITLE.fullmatch(t["title"].strip()) else t.get("title")
    blob = " ".join(_words(v) for v in (title, t.get("description")))
    if len(re.findall(r"[A-Za-z]{2,}", blob)) < _STATEMENT_WORDS:
        return False
    if _placeholder(blob, title, t.get("description")) or VAGUE_THREAT.search(blob):
        return False
    affects = [a for a in as_list(t.get("affects")) if a in model.elements or a in model.flows]
    return bool(affects) or _names_something(model, t, blob)


@rule("TM201", "warning", "Threat without an attack path",
      "An open threat needs an attack_path with entry (where the attacker comes in), steps (what they do) and "
      "target (the asset id they reach), so that a reader can judge and test the mitigation, unless its title and "
      "description already state who attacks what and how. Before operation, a path that leaves out entry or steps "
      "the statement already says, or the target its impacted `assets` already name, is not asked to repeat "
      "them. Mitigated, accepted and transferred threats are not asked, nor is a threat TM202 calls vague (one "
      "finding per cause: what the threat is comes first), unless TM202 is switched off.", stages=FROM_DESIGN,
      # Whether the title and description state the attack reads the model's vocabulary and the ids of what it
      # affects (VOCABULARY_PARTS holds the element, flow and asset ids); the stage decides whether a partial path
      # may lean on them.
      reads=Reads(each="threats", parts=VOCABULARY_PARTS + SCOPE_PARTS + STAGE_PARTS, narrow=_VOCABULARY),
      why=("Without the path from entry point to asset a reader can neither judge how likely the attack is "
           "nor test whether a mitigation blocks it."),
      fix=("Add `attack_path` with `entry` (where the attacker comes in), `steps` (what they do, in order) "
           "and `target` (the asset id they reach)."),
      bad="""\
elements:
  - {id: api, kind: process}
threats:
  - id: T-1
    title: Open redirect in /oauth/callback leaks session tokens to attacker.example
    stride: spoofing
    affects: [api]
    likelihood: medium
    impact: {severity: high, blast_radius: every signed-in shopper}
    priority: high
    status: open
""",
      good="""\
assets:
  - {id: sessions, classification: credentials}
elements:
  - {id: api, kind: process}
threats:
  - id: T-1
    title: Open redirect in /oauth/callback leaks session tokens to attacker.example
    stride: spoofing
    affects: [api]
    likelihood: medium
    impact: {severity: high, blast_radius: every signed-in shopper}
    priority: high
    status: open
    attack_path:
      entry: GET /oauth/callback?redirect_uri=
      steps: [attacker sends a sign-in link with their redirect_uri, the token is appended to it]
      target: sessions
""")
def missing_attack_path(model: Model, ctx):
    operational = model.stage(ctx.config.stage) == "operational"
    ask_text_first = ctx.config.enabled("TM202")
    for i, t in model.items("threats"):
        if not is_open(t) or not model.threat_in_scope(t):
            continue
        if ask_text_first and vague_reasons(model, t):
            continue  # one finding per cause: TM202 asks what the threat is first; its path follows from that
        ap = t.get("attack_path")
        if not isinstance(ap, dict):
            if _states_the_attack(model, t):
                continue
            yield Hit(("threats", i), f"{model.label('threats', t, i)} has no attack_path: add entry, steps and target "
                      "(an asset id)", part="anchor", data={"threat": model.id_of(t), "index": i, "missing": ["entry", "steps", "target"]})
            continue
        missing = [k for k in ("entry", "steps", "target") if not (text(ap.get(k)) or (k == "steps" and any(text(s) for s in as_list(ap.get(k)))))]
        if missing and not operational:
            # at design time a threat statement (threat-composer's "actor can ... resulting in reduced X of <assets>")
            # says where and how, and its impacted assets say what is reached: copying them into the path adds nothing
            if "target" in missing and model.impacted_assets(t):
                missing.remove("target")
            if {"entry", "steps"} & set(missing) and _states_the_attack(model, t):
                missing = [k for k in missing if k == "target"]
        if missing:
            yield Hit(("threats", i, "attack_path"), f"{model.label('threats', t, i)} attack_path lacks {', '.join(missing)}: "
                      "say where the attacker enters, what they do and which asset they reach", part="key",
                      data={"threat": model.id_of(t), "index": i, "missing": missing})


def _names_something(model: Model, t: dict, blob: str) -> bool:
    """Names where: an attack-path entry or target, an impacted asset (`assets`), an element, flow or asset in
    words, an entry point, or a
    named attack technique on the elements it affects ("by sniffing traffic" on the API it names in affects)."""
    ap = t.get("attack_path") if isinstance(t.get("attack_path"), dict) else {}
    if text(ap.get("entry")) or (isinstance(ap.get("target"), str) and ap.get("target") in model.assets):
        return True
    if any(isinstance(a, str) and a in model.assets for a in as_list(t.get("assets"))):
        return True
    vocabulary = model.vocabulary
    if (vocabulary and vocabulary.search(blob)) or ENTRY_POINT.search(blob):
        return True
    affects = [a for a in as_list(t.get("affects")) if a in model.elements or a in model.flows]
    return bool(affects and TECHNIQUE.search(blob))


def _threat_text(t: dict) -> str:
    return " ".join(_words(t.get(k)) for k in ("title", "description", "attack_path"))


def says_where(model: Model, t: dict) -> bool:
    """Whether a threat names what is attacked: an element, flow or asset of the model, an entry point, or an
    attack technique on what it affects (reads the model's vocabulary, VOCABULARY_PARTS)."""
    return _names_something(model, t, _threat_text(t))


@rule("TM202", "warning", "Vague threat",
      "A threat must say what goes wrong and where: name the element, entry point or asset, and avoid wording that "
      "fits any system (\"several potential security risks\", \"could be compromised\"). Title, description and "
      "attack_path are judged together; a named attack technique on the elements in `affects` says where. Threats "
      "that are dealt with (mitigated, accepted, transferred) are not asked to be rewritten.", stages=FROM_DESIGN,
      reads=Reads(each="threats", parts=VOCABULARY_PARTS + SCOPE_PARTS, narrow=_VOCABULARY),
      why=("A threat that fits any system (\"several potential security risks\") cannot be mitigated, tested "
           "or ranked; it only looks like coverage."),
      fix=("Say what goes wrong and where: name the element, entry point or asset, the weakness and the "
           "consequence."),
      bad="""\
elements:
  - {id: api, kind: process}
threats:
  - id: T-1
    title: Several potential security risks
    stride: spoofing
    affects: [api]
    likelihood: medium
    impact: {severity: high}
    priority: high
    status: open
""",
      good="""\
elements:
  - {id: api, kind: process}
threats:
  - id: T-1
    title: Open redirect in /oauth/callback of api leaks session tokens
    stride: spoofing
    affects: [api]
    likelihood: medium
    impact: {severity: high}
    priority: high
    status: open
""")
def vague_threat(model: Model, ctx):
    for i, t in model.items("threats"):
        if not is_open(t) or not model.threat_in_scope(t):
            continue  # nobody rewrites a threat that is dealt with
        reasons = vague_reasons(model, t)
        if reasons:
            path = ("threats", i, "title") if isinstance(t.get("title"), str) else ("threats", i)
            # TM201 waits for this finding (one per cause): it is named here, so the missing path is not lost
            no_path = ctx.config.enabled("TM201") and not isinstance(t.get("attack_path"), dict)
            yield Hit(path, f"{model.label('threats', t, i)} is vague ({'; '.join(reasons)}): say which element or entry "
                      "point is attacked, how, and which asset is reached"
                      + (", then give it an attack_path (entry, steps, target; TM201)" if no_path else ""),
                      part="value" if len(path) == 3 else "anchor",
                      data={"threat": model.id_of(t), "index": i, **({"also": ["TM201"]} if no_path else {})})


def vague_reasons(model: Model, t: dict) -> list[str]:
    """Why TM202 calls a threat vague (placeholder text, generic wording, nothing of the model named); [] when it
    is specific."""
    blob = _threat_text(t)
    reasons = []
    placeholder = _placeholder(blob, t.get("title"), t.get("description"))
    m = _unexplained_generic_wording(blob)
    if placeholder:
        reasons.append(f"placeholder text \"{placeholder}\"")
    elif m:
        reasons.append(f"generic wording \"{m.group(0)}\"")
    if not _names_something(model, t, blob):
        reasons.append("names no element, entry point or asset")
    return reasons


# Examples that follow a generic phrase name what it means: "through various attack vectors (e.g., membership
# inference, data reconstruction)".
_EXAMPLES_FOLLOW = re.compile(r"(?:\s+[a-z-]+)?[\s(:,-]{0,4}(?:e\.\s?g\.|eg\b|such as\b|including\b|for example\b|"
                              r"for instance\b|namely\b|like\b)[\s,:]*\w", re.IGNORECASE)


def _unexplained_generic_wording(blob: str):
    """The first generic phrase (VAGUE_THREAT) that is not followed by the examples it stands for."""
    for m in VAGUE_THREAT.finditer(blob):
        if not _EXAMPLES_FOLLOW.match(blob, m.end()):
            return m
    return None


def _is_concrete(model: Model, blob: str) -> bool:
    """Says where and how: names part of this model, an entry point or a concrete detail, or names a part of
    a system in everyday words together with a named mechanism ("HMAC-signed session cookies")."""
    vocabulary = model.vocabulary
    if (vocabulary and vocabulary.search(blob)) or ENTRY_POINT.search(blob) or CONCRETE_DETAIL.search(blob):
        return True
    return bool(COMPONENT.search(blob) and MECHANISM.search(blob))


def _placeholder(blob: str, *fields) -> str | None:
    """Template text left in place: a template phrase inside `blob`, or one of `fields` that is only a filler."""
    m = PLACEHOLDER.search(blob)
    if m:
        return m.group(0)
    return next((f.strip() for f in fields if isinstance(f, str)
                 and (f.strip().lower() in FILLER or DEFAULT_TITLE.fullmatch(f.strip()))), None)


@rule("TM203", "warning", "Generic mitigation",
      "A mitigation must be a concrete design change (\"exact-match allowlist of redirect URIs on /oauth/callback\"), "
      "not a generic control (\"follow best practices\", \"use a WAF\", \"harden the system\"). A control family "
      "(rate limiting, input validation, a WAF) is fine once the mitigation says where and how.", stages=FROM_DESIGN,
      reads=Reads(each="mitigations", parts=VOCABULARY_PARTS, narrow=_VOCABULARY),
      why=("\"Follow best practices\" names no change anyone can make or verify; the threat it claims to "
           "counter stays open in practice."),
      fix=("Name the design change, where it is made and what it blocks; a control family (rate limiting, a "
           "WAF) is fine once it says where and how."),
      bad="""\
mitigations:
  - {id: M-1, title: Follow security best practices, status: planned, ticket: PAY-12}
""",
      good="""\
mitigations:
  - {id: M-1, title: Exact-match allowlist of redirect URIs on /oauth/callback, status: planned, ticket: PAY-12}
""")
def generic_mitigation(model: Model, ctx):
    for i, m in model.items("mitigations"):
        title = text(m.get("title"))
        blob = " ".join(text(m.get(k)) for k in ("title", "description"))
        empty = GENERIC_MITIGATION.search(blob)
        what = None
        placeholder = _placeholder(blob, m.get("title"), m.get("description"))
        if placeholder:
            path = ("mitigations", i, "title") if title else ("mitigations", i)
            yield Hit(path, f"{model.label('mitigations', m, i)} is placeholder text (\"{placeholder}\"): write the "
                      "concrete design change, where it is made and what it blocks", part="value" if title else "anchor",
                      data={"mitigation": model.id_of(m), "index": i, "placeholder": True})
            continue
        if empty:
            what = empty.group(0)
        elif not _is_concrete(model, blob):
            family = CONTROL_FAMILY.search(blob)
            if family:
                what = family.group(0)
            elif title.lower().rstrip(".") in GENERIC_TITLES:
                what = title
        if what is None:
            continue
        path = ("mitigations", i, "title") if title else ("mitigations", i)
        yield Hit(path, f"{model.label('mitigations', m, i)} is generic (\"{what}\"): name the concrete design change, "
                  "where it is made and what it blocks", part="value" if title else "anchor",
                  data={"mitigation": model.id_of(m), "index": i})


def _live_mitigations(model: Model, t: dict) -> list[str]:
    """Mitigation ids a threat lists that are not rejected (an undefined id is TM004's finding, not a gap)."""
    return [m for m in as_list(t.get("mitigations")) if isinstance(m, str)
            and (model.mitigations.get(m) or {}).get("status") != "rejected"]


@rule("TM204", "error", "High-priority open threat without mitigation",
      "An open threat (open, mitigating or no status) of priority high or critical under the model's rating scheme "
      "needs at least one mitigation (planned or better) in mitigations.",
      reads=Reads(each="threats", parts=("mitigations[].id", "mitigations[].status") + SCOPE_PARTS + RATING_PARTS),
      why=("A high or critical threat that is open and has no planned mitigation is a known serious risk "
           "with nobody working on it."),
      fix=("Add a mitigation (a concrete design change, with a ticket) and list its id in the threat's "
           "`mitigations`; or accept the risk (`status: accepted` with `acceptance`)."),
      bad="""\
elements:
  - {id: api, kind: process}
threats:
  - id: T-1
    title: Open redirect in /oauth/callback leaks session tokens to attacker.example
    stride: spoofing
    affects: [api]
    likelihood: medium
    impact: {severity: high, blast_radius: every signed-in shopper}
    priority: high
    status: open
    owner: team-payments
""",
      good="""\
elements:
  - {id: api, kind: process}
threats:
  - id: T-1
    title: Open redirect in /oauth/callback leaks session tokens to attacker.example
    stride: spoofing
    affects: [api]
    likelihood: medium
    impact: {severity: high, blast_radius: every signed-in shopper}
    priority: high
    status: open
    owner: team-payments
    mitigations: [M-1]
mitigations:
  - {id: M-1, title: Exact-match allowlist of redirect URIs on /oauth/callback, status: planned, ticket: PAY-12}
""")
def unmitigated_priority(model: Model, ctx):
    rating = model.rating(ctx.config.rating)
    for i, t in model.items("threats"):
        prio = effective_priority(t, rating)
        if not is_open(t) or level(prio) < LEVELS["high"] or not model.threat_in_scope(t):
            continue
        if not _live_mitigations(model, t):
            path, part = (("threats", i, "mitigations"), "key") if "mitigations" in t else (("threats", i), "anchor")
            what = "only rejected mitigations" if as_list(t.get("mitigations")) else "no mitigation"
            yield Hit(path, f"{model.label('threats', t, i)} is open with {rated_as(t, rating)} and has {what}: "
                      "add a mitigation (a concrete design change) and list its id in mitigations", part=part,
                      data={"threat": model.id_of(t), "index": i})


@rule("TM205", "warning", "Mitigated threat lists no mitigation",
      "A threat marked mitigated must say how: list the mitigations that counter it, at least one of them "
      "implemented. Without one, a reader cannot check the claim and the threat drops out of every open-risk count.",
      reads=Reads(each="threats", parts=("mitigations[].id", "mitigations[].status")),
      why=("`status: mitigated` takes the threat out of every open-risk count, the register and the gate; "
           "without a mitigation behind it the claim cannot be checked, and a threat closed by mistake stays "
           "closed."),
      fix=("List the mitigation that counters the threat in `mitigations` (define it under `mitigations:` "
           "if it is not there yet), or set `status: open` until the work is done."),
      bad="""\
elements:
  - {id: api, kind: process}
threats:
  - id: T-1
    title: Attacker replays a captured refund request to api
    stride: tampering
    affects: [api]
    status: mitigated
""",
      good="""\
elements:
  - {id: api, kind: process}
threats:
  - id: T-1
    title: Attacker replays a captured refund request to api
    stride: tampering
    affects: [api]
    status: mitigated
    mitigations: [M-1]
mitigations:
  - {id: M-1, title: Signed refund requests with a nonce and 5-minute expiry checked by api, status: implemented}
""")
def mitigated_without_mitigation(model: Model, ctx):
    for i, t in model.items("threats"):
        if t.get("status") != "mitigated":
            continue
        live = _live_mitigations(model, t)
        if live:
            defined = [model.mitigations[m] for m in live if isinstance(model.mitigations.get(m), dict)]
            if not defined or any(m.get("status") == "implemented" for m in defined):
                continue  # one is in place (an undefined id is TM004's finding)
            if all(m.get("status") is None for m in defined):
                what = "no implemented mitigation (none of its mitigations has a status)"
            else:
                states = sorted({m.get("status") for m in defined if isinstance(m.get("status"), str)})
                what = f"no implemented mitigation (its mitigations are {' or '.join(states)})"
            yield Hit(("threats", i, "mitigations"), f"{model.label('threats', t, i)} is mitigated but lists {what}: "
                      "set status: implemented on the mitigation in place, or set the threat's status to mitigating",
                      part="key", data={"threat": model.id_of(t), "index": i})
            continue
        what = "only rejected mitigations" if as_list(t.get("mitigations")) else "no mitigation"
        path, part = (("threats", i, "mitigations"), "key") if "mitigations" in t else (("threats", i, "status"), "value")
        yield Hit(path, f"{model.label('threats', t, i)} is mitigated but lists {what}: add the mitigation that "
                  "counters it to mitigations, or set status to open", part=part,
                  data={"threat": model.id_of(t), "index": i})
