"""Business terms: impact, priority, ownership, acceptance (TM301-TM306)."""
from __future__ import annotations

from ..engine.model import LEVELS, Model, level, level_for_score, parse_date, text
from .registry import Hit, Reads, rule

_ONE_THREAT = Reads(each="threats")  # the verdict on a threat reads that threat alone

IMPACT_KEYS = ("blast_radius", "records_exposed", "regulatory", "financial")


@rule("TM301", "warning", "No business impact",
      "A threat's impact should state what it costs the business: blast_radius, records_exposed, regulatory or "
      "financial.", reads=_ONE_THREAT)
def no_business_impact(model: Model, ctx):
    for i, t in model.items("threats"):
        impact = t.get("impact")
        impact = impact if isinstance(impact, dict) else {}
        stated = [k for k in IMPACT_KEYS if text(impact.get(k)) or (isinstance(impact.get(k), int) and not isinstance(impact.get(k), bool))
                  or (isinstance(impact.get(k), list) and any(text(x) for x in impact[k]))]
        if not stated:
            path, part = (("threats", i, "impact"), "key") if "impact" in t else (("threats", i), "anchor")
            yield Hit(path, f"{model.label('threats', t, i)} states no business impact: add impact.blast_radius, "
                      "records_exposed, regulatory or financial", part=part, data={"threat": model.id_of(t), "index": i})


@rule("TM302", "warning", "Priority below the rubric",
      "priority should be at least the rubric of likelihood x impact.severity (low=1 .. critical=4; score >= 12 "
      "critical, >= 6 high, >= 3 medium, else low), or priority_rationale must say why it is lower.",
      reads=_ONE_THREAT)
def priority_below_rubric(model: Model, ctx):
    for i, t in model.items("threats"):
        impact = t.get("impact") if isinstance(t.get("impact"), dict) else {}
        lk, sev, prio = t.get("likelihood"), impact.get("severity"), t.get("priority")
        if not (level(lk) and level(sev) and level(prio)) or text(t.get("priority_rationale")):
            continue
        score = level(lk) * level(sev)
        expected = level_for_score(score)
        if LEVELS[prio] < LEVELS[expected]:
            yield Hit(("threats", i, "priority"), f"{model.label('threats', t, i)} has priority {prio}, below the rubric: "
                      f"likelihood {lk} x severity {sev} = {score} -> {expected}; raise it or add priority_rationale",
                      data={"threat": model.id_of(t), "index": i, "expected": expected})


@rule("TM303", "error", "High or critical threat without owner",
      "Every threat of priority high or critical needs an owner who answers for it.", reads=_ONE_THREAT)
def missing_owner(model: Model, ctx):
    for i, t in model.items("threats"):
        if level(t.get("priority")) >= LEVELS["high"] and not text(t.get("owner")):
            path, part = (("threats", i, "owner"), "value") if "owner" in t else (("threats", i), "anchor")
            yield Hit(path, f"{model.label('threats', t, i)} has priority {t.get('priority')} and no owner: set owner to "
                      "the person or team accountable for it", part=part, data={"threat": model.id_of(t), "index": i})


@rule("TM304", "error", "Incomplete risk acceptance",
      "An accepted threat needs acceptance.by (who accepted), acceptance.rationale (why) and acceptance.expires "
      "(until when).", reads=_ONE_THREAT)
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
      "mitigate.", reads=_ONE_THREAT)
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
      "Once a threat is mitigated, state the risk that remains (residual_risk: low | medium | high | critical).",
      reads=_ONE_THREAT)
def missing_residual(model: Model, ctx):
    for i, t in model.items("threats"):
        if t.get("status") == "mitigated" and t.get("residual_risk") in (None, ""):
            yield Hit(("threats", i, "status"), f"{model.label('threats', t, i)} is mitigated but states no residual_risk: "
                      "add residual_risk (low, medium, high or critical)", data={"threat": model.id_of(t), "index": i})


