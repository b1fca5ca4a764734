"""Specificity: threats and mitigations that say something concrete (TM201-TM204)."""
from __future__ import annotations

import re

from ..engine.model import LEVELS, VOCABULARY_PARTS, Model, as_list, level, names_any, text
from .registry import Hit, Narrow, Reads, rule


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
# Details that tie a control to a design: numbers (TLS 1.2, 5 req/min, 15 min), code identifiers, quoted names.
CONCRETE_DETAIL = _LazyPattern(re.compile, r"\d|`|\"[^\"]+\"|(?<!\w)'[^']+'(?!\w)|\b[a-z]+_[a-z_]+\b|\b[a-z]+[A-Z]\w*\b|\b\w+\.\w+\b")


def _vocabulary_affected(old: frozenset, new: frozenset):
    """Items whose text names a term that came or went: only their verdict on "names something" can change
    (TM202 reads the vocabulary, and asset ids through attack_path.target, which its text also holds)."""
    delta = old ^ new
    return lambda words: bool(delta) and names_any(delta, words)


# TM202 and TM203 read the vocabulary (every element, flow and asset name): an edit to one name re-judges
# only the threats and mitigations whose text names a term it added or removed.
_VOCABULARY = Narrow(VOCABULARY_PARTS, lambda model: model.vocabulary_terms, lambda item: _words(item), _vocabulary_affected)


def _words(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return " ".join(_words(v) for v in value)
    if isinstance(value, dict):
        return " ".join(_words(v) for v in value.values())
    return ""


@rule("TM201", "warning", "Threat without an attack path",
      "A threat needs an attack_path with entry (where the attacker comes in), steps (what they do) and target "
      "(the asset id they reach), so that a reader can judge and test the mitigation.",
      reads=Reads(each="threats"),
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
    for i, t in model.items("threats"):
        ap = t.get("attack_path")
        if not isinstance(ap, dict):
            yield Hit(("threats", i), f"{model.label('threats', t, i)} has no attack_path: add entry, steps and target "
                      "(an asset id)", part="anchor", data={"threat": model.id_of(t), "index": i, "missing": ["entry", "steps", "target"]})
            continue
        missing = [k for k in ("entry", "steps", "target") if not (text(ap.get(k)) or (k == "steps" and any(text(s) for s in as_list(ap.get(k)))))]
        if missing:
            yield Hit(("threats", i, "attack_path"), f"{model.label('threats', t, i)} attack_path lacks {', '.join(missing)}: "
                      "say where the attacker enters, what they do and which asset they reach", part="key",
                      data={"threat": model.id_of(t), "index": i, "missing": missing})


def _names_something(model: Model, t: dict, blob: str) -> bool:
    ap = t.get("attack_path") if isinstance(t.get("attack_path"), dict) else {}
    if text(ap.get("entry")) or (isinstance(ap.get("target"), str) and ap.get("target") in model.assets):
        return True
    vocabulary = model.vocabulary
    return bool((vocabulary and vocabulary.search(blob)) or ENTRY_POINT.search(blob))


@rule("TM202", "warning", "Vague threat",
      "A threat must say what goes wrong and where: name the element, entry point or asset, and avoid wording that "
      "fits any system (\"several potential security risks\", \"could be compromised\"). Title, description and "
      "attack_path are judged together.",
      reads=Reads(each="threats", parts=VOCABULARY_PARTS, narrow=_VOCABULARY),
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
        blob = " ".join(_words(t.get(k)) for k in ("title", "description", "attack_path"))
        reasons = []
        m = VAGUE_THREAT.search(blob)
        if m:
            reasons.append(f"generic wording \"{m.group(0)}\"")
        if not _names_something(model, t, blob):
            reasons.append("names no element, entry point or asset")
        if reasons:
            path = ("threats", i, "title") if isinstance(t.get("title"), str) else ("threats", i)
            yield Hit(path, f"{model.label('threats', t, i)} is vague ({'; '.join(reasons)}): say which element or entry "
                      "point is attacked, how, and which asset is reached", part="value" if len(path) == 3 else "anchor",
                      data={"threat": model.id_of(t), "index": i})


def _is_concrete(model: Model, blob: str) -> bool:
    vocabulary = model.vocabulary
    return bool((vocabulary and vocabulary.search(blob)) or ENTRY_POINT.search(blob) or CONCRETE_DETAIL.search(blob))


@rule("TM203", "warning", "Generic mitigation",
      "A mitigation must be a concrete design change (\"exact-match allowlist of redirect URIs on /oauth/callback\"), "
      "not a generic control (\"follow best practices\", \"use a WAF\", \"harden the system\"). A control family "
      "(rate limiting, input validation, a WAF) is fine once the mitigation says where and how.",
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


@rule("TM204", "error", "High-priority open threat without mitigation",
      "An open threat of priority high or critical needs at least one mitigation (planned or better) in mitigations.",
      reads=Reads(each="threats", parts=("mitigations[].id", "mitigations[].status")),
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
    for i, t in model.items("threats"):
        if t.get("status") != "open" or level(t.get("priority")) < LEVELS["high"]:
            continue
        live = [m for m in as_list(t.get("mitigations")) if isinstance(m, str)
                and (model.mitigations.get(m) or {}).get("status") != "rejected"]
        if not live:
            path, part = (("threats", i, "mitigations"), "key") if "mitigations" in t else (("threats", i), "anchor")
            what = "only rejected mitigations" if as_list(t.get("mitigations")) else "no mitigation"
            yield Hit(path, f"{model.label('threats', t, i)} is open with priority {t.get('priority')} and has {what}: "
                      "add a mitigation (a concrete design change) and list its id in mitigations", part=part,
                      data={"threat": model.id_of(t), "index": i})
