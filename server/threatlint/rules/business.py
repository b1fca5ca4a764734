"""Business terms: impact, priority, ownership, acceptance (TM301-TM306)."""
from __future__ import annotations

from ..engine.model import LEVELS, Model, level, level_for_score, parse_date, text
from .registry import Hit, Reads, rule

_ONE_THREAT = Reads(each="threats")  # the verdict on a threat reads that threat alone

IMPACT_KEYS = ("blast_radius", "records_exposed", "regulatory", "financial")


@rule("TM301", "warning", "No business impact",
      "A threat's impact should state what it costs the business: blast_radius, records_exposed, regulatory or "
      "financial.", reads=_ONE_THREAT,
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
      reads=_ONE_THREAT,
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
      "Every threat of priority high or critical needs an owner who answers for it.", reads=_ONE_THREAT,
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
    for i, t in model.items("threats"):
        if level(t.get("priority")) >= LEVELS["high"] and not text(t.get("owner")):
            path, part = (("threats", i, "owner"), "value") if "owner" in t else (("threats", i), "anchor")
            yield Hit(path, f"{model.label('threats', t, i)} has priority {t.get('priority')} and no owner: set owner to "
                      "the person or team accountable for it", part=part, data={"threat": model.id_of(t), "index": i})


@rule("TM304", "error", "Incomplete risk acceptance",
      "An accepted threat needs acceptance.by (who accepted), acceptance.rationale (why) and acceptance.expires "
      "(until when).", reads=_ONE_THREAT,
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
      "Once a threat is mitigated, state the risk that remains (residual_risk: low | medium | high | critical).",
      reads=_ONE_THREAT,
      why=("Mitigation rarely removes a risk; without the residual risk the register shows mitigated threats "
           "as gone."),
      fix="Add `residual_risk: low | medium | high | critical` for what remains.",
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
    status: mitigated
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
    status: mitigated
    owner: team-payments
    residual_risk: low
""")
def missing_residual(model: Model, ctx):
    for i, t in model.items("threats"):
        if t.get("status") == "mitigated" and t.get("residual_risk") in (None, ""):
            yield Hit(("threats", i, "status"), f"{model.label('threats', t, i)} is mitigated but states no residual_risk: "
                      "add residual_risk (low, medium, high or critical)", data={"threat": model.id_of(t), "index": i})


