"""Business terms: impact, priority, ownership, acceptance (TM301-TM307).

Priorities are read through `engine.model.effective_priority` under the model's rating scheme
(review.rating, else the configuration's `rating`), so a team that rates by severity or by priority only
is judged by its own scheme.
"""
from __future__ import annotations

from ..engine.model import (LEVELS, RATING_FIELDS, Model, effective_priority, is_open, level, level_for_score,
                            parse_date, text)
from .registry import FROM_DESIGN, OPERATIONAL, Hit, rule

IMPACT_KEYS = ("blast_radius", "records_exposed", "regulatory", "financial")


def _rating(model: Model, ctx) -> str:
    return model.rating(ctx.config.rating)


def _wanted_at(model: Model, ctx, threat: dict) -> bool:
    """Bookkeeping asked of an open, in-scope threat: at the operational stage of every one, before it only of
    those of priority high or critical (what a reviewer chases first), when the ratings were triaged at all."""
    if not is_open(threat) or not model.threat_in_scope(threat):
        return False
    if model.stage(ctx.config.stage) == "operational":
        return True
    rating = _rating(model, ctx)
    return level(effective_priority(threat, rating)) >= LEVELS["high"] and model.ratings_discriminate(rating)


@rule("TM301", "warning", "No business impact",
      "An open threat's impact should state what it costs the business: blast_radius, records_exposed, regulatory "
      "or financial. At the design stage only open threats of priority high or critical are asked, at the "
      "operational stage every open one; mitigated, accepted and transferred threats never.", stages=FROM_DESIGN)
def no_business_impact(model: Model, ctx):
    for i, t in model.items("threats"):
        if not _wanted_at(model, ctx, t):
            continue
        impact = t.get("impact")
        impact = impact if isinstance(impact, dict) else {}
        stated = [k for k in IMPACT_KEYS if text(impact.get(k)) or (isinstance(impact.get(k), int) and not isinstance(impact.get(k), bool))
                  or (isinstance(impact.get(k), list) and any(text(x) for x in impact[k]))]
        if not stated:
            path, part = (("threats", i, "impact"), "key") if "impact" in t else (("threats", i), "anchor")
            yield Hit(path, f"{model.label('threats', t, i)} states no business impact: add impact.blast_radius, "
                      "records_exposed, regulatory or financial", part=part, data={"threat": model.id_of(t), "index": i})


@rule("TM302", "warning", "Priority below the rubric",
      "priority should be at least what the rating scheme gives, or priority_rationale must say why it is lower. "
      "likelihood_severity: likelihood x impact.severity (low=1 .. critical=4; score >= 12 critical, >= 6 high, "
      ">= 3 medium, else low). severity: impact.severity. priority: the team rates priority directly, nothing to "
      "compare.", stages=FROM_DESIGN)
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
      "transferred threat needs nobody.")
def missing_owner(model: Model, ctx):
    rating = _rating(model, ctx)
    for i, t in model.items("threats"):
        prio = effective_priority(t, rating)
        if not is_open(t) or level(prio) < LEVELS["high"] or text(t.get("owner")) or not model.threat_in_scope(t):
            continue
        path, part = (("threats", i, "owner"), "value") if "owner" in t else (("threats", i), "anchor")
        yield Hit(path, f"{model.label('threats', t, i)} has priority {prio} and no owner: set owner to "
                  "the person or team accountable for it", part=part, data={"threat": model.id_of(t), "index": i})


@rule("TM304", "error", "Incomplete risk acceptance",
      "An accepted threat needs acceptance.by (who accepted, and answers for it), acceptance.rationale (why) and "
      "acceptance.expires (until when).")
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
      "mitigate.")
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
      "medium | high | critical); for a low threat the residual risk is low by definition.", stages=OPERATIONAL)
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
      stages=FROM_DESIGN)
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


