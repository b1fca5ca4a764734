"""Specificity: threats and mitigations that say something concrete (TM201-TM204)."""
from __future__ import annotations

import re

from ..engine.model import LEVELS, Model, as_list, text
from .registry import Hit, rule

# Wording that fits any system and therefore tells the reader nothing.
VAGUE_THREAT_PHRASES = (
    "several potential security risks", "potential security risk", "security issues",
    "security vulnerabilities", "potential vulnerabilit", "could be compromised",
    "may be compromised", "might be compromised", "can be compromised", "could be hacked", "may be hacked",
    "could be attacked", "might be attacked", "various attacks", "various threats", "various vulnerabilities",
    "malicious actors could", "bad actors", "hackers could", "an attacker could do", "something bad",
    "is insecure", "not secure", "could be exploited", "may be exploited", "could be breached", "data breach could",
    "general security", "generic threat", "unspecified", "tbd", "todo",
)
VAGUE_THREAT = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p) for p in VAGUE_THREAT_PHRASES) + ")", re.IGNORECASE)

# A concrete entry point: a URL path, an HTTP method, a port, a queue/topic, a function call, a file.
ENTRY_POINT = re.compile(
    r"(?:\b(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+/|(?<![\w/])/[\w.{}:-]+/?|\bport\s*\d+|:\d{2,5}\b|"
    r"\b\w+\(\)|\b[\w-]+\.(?:py|js|ts|go|java|rb|php|yaml|yml|json|xml|sql)\b|\b(?:endpoints?|topics?|queues?|"
    r"buckets?|headers?|cookies?|parameters?|webhooks?|callbacks?|uploads?|sockets?)\b)",
    re.IGNORECASE,
)

GENERIC_MITIGATION_PHRASES = (
    "follow best practice", "follow security best practice", "security best practice", "best practices",
    "industry standard", "use a waf", "use waf", "add a waf", "deploy a waf", "use a firewall", "add a firewall",
    "harden the system", "harden system", "harden the server", "system hardening", "implement security",
    "improve security", "increase security", "apply security", "security controls", "secure the system",
    "secure coding", "use encryption", "encrypt everything", "encrypt data", "use strong authentication",
    "implement authentication", "proper authentication", "proper authorization", "add authentication",
    "use antivirus", "monitor the system", "add monitoring", "regular audits", "security audit",
    "penetration test", "pentest", "keep software up to date", "patch regularly", "apply patches",
    "validate input", "input validation", "sanitize input", "defense in depth", "be careful",
    "train developers", "security training", "review the code", "code review",
)
GENERIC_MITIGATION = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p) for p in GENERIC_MITIGATION_PHRASES) + ")", re.IGNORECASE)
# A whole title that is a bare control family says nothing about the design change.
GENERIC_TITLES = {
    "encryption", "authentication", "authorization", "logging", "monitoring", "firewall", "waf", "hardening",
    "access control", "validation", "rate limiting", "backups", "backup", "tls", "mfa", "security", "patching",
    "auditing", "audit logging", "least privilege", "sanitization",
}


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
      "(the asset id they reach), so that a reader can judge and test the mitigation.")
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
    low = blob.lower()
    for section in ("elements", "flows", "assets"):
        for ident, item in model.by_id(section).items():
            for name in (ident, item.get("name")):
                if isinstance(name, str) and len(name) >= 3 and re.search(r"(?<!\w)" + re.escape(name.lower()) + r"(?!\w)", low):
                    return True
    return bool(ENTRY_POINT.search(blob))


@rule("TM202", "warning", "Vague threat",
      "A threat must say what goes wrong and where: name the element, entry point or asset, and avoid wording that "
      "fits any system (\"several potential security risks\", \"could be compromised\"). Title, description and "
      "attack_path are judged together.")
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
                      "point is attacked, how, and which asset is reached", part="value" if len(path) == 3 else "anchor")


@rule("TM203", "warning", "Generic mitigation",
      "A mitigation must be a concrete design change (\"exact-match allowlist of redirect URIs on /oauth/callback\"), "
      "not a generic control (\"follow best practices\", \"use a WAF\", \"harden the system\").")
def generic_mitigation(model: Model, ctx):
    for i, m in model.items("mitigations"):
        title = text(m.get("title"))
        blob = " ".join(text(m.get(k)) for k in ("title", "description"))
        hit = GENERIC_MITIGATION.search(blob)
        bare = title.lower().rstrip(".") in GENERIC_TITLES
        if hit or bare:
            what = f"\"{hit.group(0)}\"" if hit else f"\"{title}\""
            path = ("mitigations", i, "title") if title else ("mitigations", i)
            yield Hit(path, f"{model.label('mitigations', m, i)} is generic ({what}): name the concrete design change, "
                      "where it is made and what it blocks", part="value" if title else "anchor")


@rule("TM204", "error", "High-priority open threat without mitigation",
      "An open threat of priority high or critical needs at least one mitigation (planned or better) in mitigations.")
def unmitigated_priority(model: Model, ctx):
    for i, t in model.items("threats"):
        if t.get("status") != "open" or LEVELS.get(t.get("priority"), 0) < LEVELS["high"]:
            continue
        live = [m for m in as_list(t.get("mitigations")) if isinstance(m, str)
                and (model.mitigations.get(m) or {}).get("status") != "rejected"]
        if not live:
            path, part = (("threats", i, "mitigations"), "key") if "mitigations" in t else (("threats", i), "anchor")
            yield Hit(path, f"{model.label('threats', t, i)} is open with priority {t.get('priority')} and has no mitigation: "
                      "add a mitigation (a concrete design change) and list its id in mitigations", part=part,
                      data={"threat": model.id_of(t), "index": i})
