"""Business terms: impact, priority, ownership, acceptance (TM301-TM307).

Priorities are read through `engine.model.effective_priority` under the model's rating scheme
(review.rating, else the configuration's `rating`), so a team that rates by severity or by priority only
is judged by its own scheme.
"""
from __future__ import annotations

from ..engine.model import (LEVELS, RATING_FIELDS, RATING_PARTS, SCOPE_PARTS, STAGE_PARTS, VOCABULARY_PARTS, Model,
                            effective_priority, is_open, rated_as, level, level_for_score, parse_date, text)
from .registry import FROM_DESIGN, OPERATIONAL, Hit, Reads, rule
from .specificity import says_where

_ONE_THREAT = Reads(each="threats")  # the verdict on a threat reads that threat alone
_RATED_THREAT = Reads(each="threats", parts=RATING_PARTS)  # ... under the model's rating scheme

IMPACT_KEYS = ("blast_radius", "records_exposed", "regulatory", "financial")


def _rating(model: Model, ctx) -> str:
    return model.rating(ctx.config.rating)


def _wanted_at(model: Model, ctx, threat: dict) -> bool:
    """Bookkeeping asked of an open, in-scope threat: at the operational stage of every one, before it only of
    those of priority high or critical (what a reviewer chases first), when the ratings were triaged at all."""
    if model.stage(ctx.config.stage) == "operational":
        return is_open(threat) and model.threat_in_scope(threat)
    return model.chased_first(threat, _rating(model, ctx))


@rule("TM301", "warning", "No business impact",
      "An open threat's impact should state what it costs the business: blast_radius, records_exposed, regulatory "
      "or financial. At the design stage only open threats of priority high or critical are asked, at the "
      "operational stage every open one; mitigated, accepted and transferred threats never. Before the operational "
      "stage, naming the assets the threat impacts (`assets`, or `attack_path.target`) answers it: their "
      "classification and records say what is hurt. A threat that names no "
      "element, entry point or asset is asked by TM202 to say what is attacked first (one finding per cause: its "
      "business impact follows from that), unless TM202 is switched off.", stages=FROM_DESIGN,
      # Not one threat at a time: whether the model's ratings were triaged at all reads every threat; whether a
      # threat is vague reads the model's vocabulary.
      reads=Reads(parts=("threats",) + SCOPE_PARTS + STAGE_PARTS + RATING_PARTS + VOCABULARY_PARTS),
      why=("Priority is argued in business terms: without who and what is hurt, a reviewer cannot weigh the "
           "threat against the cost of fixing it."),
      fix="Add to `impact` at least one of `blast_radius`, `records_exposed`, `regulatory` or `financial`.",
      bad="""\
elements:
  - {id: api, kind: process}
threats:
  - id: T-1
    title: Open redirect in /oauth/callback leaks session tokens to attacker.example
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
    title: Open redirect in /oauth/callback leaks session tokens to attacker.example
    stride: spoofing
    affects: [api]
    likelihood: medium
    impact: {severity: high, records_exposed: 400000, regulatory: [GDPR]}
    priority: high
    status: open
""")
def no_business_impact(model: Model, ctx):
    ask_text_first = ctx.config.enabled("TM202")
    operational = model.stage(ctx.config.stage) == "operational"
    for i, t in model.items("threats"):
        if not _wanted_at(model, ctx, t):
            continue
        if ask_text_first and not says_where(model, t):
            continue  # who and what is hurt cannot be said until it names what is attacked: TM202 asks that first
        impact = t.get("impact")
        impact = impact if isinstance(impact, dict) else {}
        stated = [k for k in IMPACT_KEYS if text(impact.get(k)) or (isinstance(impact.get(k), int) and not isinstance(impact.get(k), bool))
                  or (isinstance(impact.get(k), list) and any(text(x) for x in impact[k]))]
        if not stated and not operational and model.impacted_assets(t):
            continue  # before operation, the impacted assets (with their classification and records) say what is hurt
        if not stated:
            path, part = (("threats", i, "impact"), "key") if "impact" in t else (("threats", i), "anchor")
            yield Hit(path, f"{model.label('threats', t, i)} states no business impact: add impact.blast_radius, "
                      "records_exposed, regulatory or financial", part=part, data={"threat": model.id_of(t), "index": i})


@rule("TM302", "warning", "Priority below the rubric",
      "priority should be at least what the rating scheme gives, or priority_rationale must say why it is lower. "
      "likelihood_severity: likelihood x impact.severity (low=1 .. critical=4; score >= 12 critical, >= 6 high, "
      ">= 3 medium, else low). severity: impact.severity. priority: the team rates priority directly, nothing to "
      "compare.", stages=FROM_DESIGN,
      reads=_RATED_THREAT,
      why=("A priority below what likelihood and severity give hides a serious risk from everyone who sorts "
           "by priority, unless someone wrote down why."),
      fix=("Raise `priority` to the rubric's level (likelihood x severity, low=1 .. critical=4; 12 and up "
           "critical, 6 high, 3 medium), or keep it and add `priority_rationale`."),
      bad="""\
elements:
  - {id: api, kind: process}
threats:
  - id: T-1
    title: Open redirect in /oauth/callback leaks session tokens to attacker.example
    stride: spoofing
    affects: [api]
    likelihood: high
    impact: {severity: critical, blast_radius: every signed-in shopper}
    priority: low
    status: open
""",
      good="""\
elements:
  - {id: api, kind: process}
threats:
  - id: T-1
    title: Open redirect in /oauth/callback leaks session tokens to attacker.example
    stride: spoofing
    affects: [api]
    likelihood: high
    impact: {severity: critical, blast_radius: every signed-in shopper}
    priority: low
    status: open
    priority_rationale: reachable only from the office network until the June release
""")
def priority_below_rubric(model: Model, ctx):
    rating = _rating(model, ctx)
    if rating == "priority":
        return
    for i, t in model.items("threats"):
        impact = t.get("impact") if isinstance(t.get("impact"), dict) else {}
        lk, sev, prio = t.get("likelihood"), impact.get("severity"), t.get("priority")
        if not (level(sev) and level(prio)) or text(t.get("priority_rationale")):
            continue
        if rating == "likelihood_severity":
            if not level(lk):
                continue
            score = level(lk) * level(sev)
            expected = level_for_score(score)
            how = f"likelihood {lk} x severity {sev} = {score} -> {expected}"
        else:
            expected, how = sev, f"severity {sev}"
        if LEVELS[prio] < LEVELS[expected]:
            yield Hit(("threats", i, "priority"), f"{model.label('threats', t, i)} has priority {prio}, below the rubric: "
                      f"{how}; raise it or add priority_rationale",
                      data={"threat": model.id_of(t), "index": i, "expected": expected})


@rule("TM303", "error", "High or critical threat without owner",
      "Every open threat of priority high or critical (under the model's rating scheme) needs an owner who answers "
      "for it. An accepted risk is answered for by whoever accepted it (acceptance.by, TM304); a mitigated or "
      "transferred threat needs nobody.",
      reads=Reads(each="threats", parts=SCOPE_PARTS + RATING_PARTS),
      why=("A serious threat without an owner is nobody's job: it is not scheduled, not reviewed and not "
           "escalated."),
      fix="Set `owner` to the person or team who answers for the threat.",
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
""")
def missing_owner(model: Model, ctx):
    rating = _rating(model, ctx)
    for i, t in model.items("threats"):
        prio = effective_priority(t, rating)
        if not is_open(t) or level(prio) < LEVELS["high"] or text(t.get("owner")) or not model.threat_in_scope(t):
            continue
        path, part = (("threats", i, "owner"), "value") if "owner" in t else (("threats", i), "anchor")
        yield Hit(path, f"{model.label('threats', t, i)} has {rated_as(t, rating)} and no owner: set owner to "
                  "the person or team accountable for it", part=part, data={"threat": model.id_of(t), "index": i})


@rule("TM304", "error", "Incomplete risk acceptance",
      "An accepted threat needs acceptance.by (who accepted, and answers for it), acceptance.rationale (why) and "
      "acceptance.expires (until when).",
      reads=_ONE_THREAT,
      why=("An acceptance nobody signed, without a reason or an end date, is a threat quietly dropped; "
           "auditors and the next reviewer need all three."),
      fix=("Give `acceptance.by` (who accepted the risk), `acceptance.rationale` (why) and "
           "`acceptance.expires` (when it must be looked at again)."),
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
    status: accepted
    owner: team-payments
    acceptance: {by: cto@example.com}
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
    status: accepted
    owner: team-payments
    residual_risk: medium
    acceptance: {by: cto@example.com, rationale: endpoint retired in Q2, expires: 2099-06-30}
""")
def incomplete_acceptance(model: Model, ctx):
    for i, t in model.items("threats"):
        if t.get("status") != "accepted":
            continue
        acc = t.get("acceptance")
        acc = acc if isinstance(acc, dict) else {}
        missing = [k for k in ("by", "rationale", "expires") if not (text(acc.get(k)) or parse_date(acc.get(k)))]
        if missing:
            path = ("threats", i, "acceptance") if "acceptance" in t else ("threats", i, "status")
            yield Hit(path, f"{model.label('threats', t, i)} is accepted but acceptance lacks {', '.join(missing)}: "
                      "record who accepted the risk, why, and until when", part="key" if "acceptance" in t else "value",
                      data={"threat": model.id_of(t), "index": i, "missing": missing})


@rule("TM305", "warning", "Risk acceptance expired",
      "An accepted threat's acceptance.expires is in the past: review the risk again, then renew the acceptance or "
      "mitigate.", reads=_ONE_THREAT,
      why=("An acceptance is a decision for a time; once it expires the risk stands unreviewed while the "
           "model still calls it accepted."),
      fix="Review the risk again, then renew the acceptance with a new `expires`, or mitigate the threat.",
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
    status: accepted
    owner: team-payments
    residual_risk: medium
    acceptance: {by: cto@example.com, rationale: endpoint retired in Q2, expires: 2025-06-30}
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
    status: accepted
    owner: team-payments
    residual_risk: medium
    acceptance: {by: cto@example.com, rationale: endpoint retired in Q2, expires: 2099-06-30}
""")
def expired_acceptance(model: Model, ctx):
    for i, t in model.items("threats"):
        acc = t.get("acceptance")
        if t.get("status") != "accepted" or not isinstance(acc, dict):
            continue
        expires = parse_date(acc.get("expires"))
        if expires and expires < ctx.today:
            yield Hit(("threats", i, "acceptance", "expires"), f"risk acceptance of {model.label('threats', t, i)} expired "
                      f"on {expires.isoformat()}: review the risk, then renew the acceptance or mitigate it")


@rule("TM306", "warning", "Mitigated threat without residual risk",
      "Once a threat of priority medium or more is mitigated, state the risk that remains (residual_risk: low | "
      "medium | high | critical); for a low threat the residual risk is low by definition.", stages=OPERATIONAL,
      reads=_RATED_THREAT,
      why=("Mitigation rarely removes a risk; without the residual risk the register shows mitigated threats "
           "as gone."),
      fix="Add `residual_risk: low | medium | high | critical` for what remains.",
      bad="""\
review: {stage: operational}
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
    status: mitigated
    owner: team-payments
    mitigations: [M-1]
mitigations:
  - {id: M-1, title: Exact-match allowlist of redirect URIs on /oauth/callback, status: implemented}
""",
      good="""\
review: {stage: operational}
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
    status: mitigated
    owner: team-payments
    mitigations: [M-1]
    residual_risk: low
mitigations:
  - {id: M-1, title: Exact-match allowlist of redirect URIs on /oauth/callback, status: implemented}
""")
def missing_residual(model: Model, ctx):
    rating = _rating(model, ctx)
    for i, t in model.items("threats"):
        if t.get("status") != "mitigated" or t.get("residual_risk") not in (None, ""):
            continue
        prio = effective_priority(t, rating)
        if prio is not None and level(prio) < LEVELS["medium"]:
            continue
        yield Hit(("threats", i, "status"), f"{model.label('threats', t, i)} is mitigated but states no residual_risk: "
                  "add residual_risk (low, medium, high or critical)", data={"threat": model.id_of(t), "index": i})


def _has(t: dict, path: tuple) -> bool:
    value = t
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return bool(level(value))


@rule("TM307", "warning", "Threat not rated",
      "A threat needs the fields its rating scheme reads (review.rating, or the configuration's `rating`): "
      "likelihood_severity: likelihood and impact.severity (priority then follows the rubric, TM302); severity: "
      "impact.severity; priority: priority. A threat with an explicit priority is rated under any scheme.",
      reads=_RATED_THREAT, stages=FROM_DESIGN,
      why=("An unrated open threat cannot be ranked: it sorts below every rated one in the register, the "
           "guards on high and critical threats (TM204, TM303) never see it, and the riskiest gap in the model "
           "can hide behind a missing field."),
      fix=("Rate the threat with what the model's scheme reads: `likelihood` and `impact.severity` under "
           "likelihood_severity (the default), `impact.severity` under severity, `priority` under priority; "
           "or give it an explicit `priority`."),
      bad="""\
elements:
  - {id: api, kind: process}
threats:
  - id: T-1
    title: Attacker enumerates order ids on api's /orders/{id} to read other shoppers' orders
    stride: information_disclosure
    affects: [api]
    status: open
""",
      good="""\
elements:
  - {id: api, kind: process}
threats:
  - id: T-1
    title: Attacker enumerates order ids on api's /orders/{id} to read other shoppers' orders
    stride: information_disclosure
    affects: [api]
    likelihood: medium
    impact: {severity: high}
    status: open
""")
def unrated_threat(model: Model, ctx):
    rating = _rating(model, ctx)
    needed = RATING_FIELDS[rating]
    for i, t in model.items("threats"):
        if not is_open(t) or level(t.get("priority")):
            continue
        missing = [".".join(p) for p in needed if not _has(t, p)]
        if missing:
            yield Hit(("threats", i), f"{model.label('threats', t, i)} is not rated: the {rating} scheme needs "
                      f"{' and '.join(missing)}", part="anchor",
                      data={"threat": model.id_of(t), "index": i, "missing": missing, "rating": rating})


