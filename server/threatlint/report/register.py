"""The risk register as plain data: ranked threats, business summary, backlog, accepted risks.

Pure: takes a Model (possibly schema-invalid) and "today", returns dataclasses
the Markdown and HTML renderers format. Anything missing or of the wrong type
becomes empty text, never an exception.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ..engine.model import (LEVELS, Model, as_list, categories, effective_priority, is_open, ticket_of,
                            parse_date, rubric_level)

PRIORITIES = ("critical", "high", "medium", "low")
DONE = frozenset({"implemented", "rejected"})


def s(value) -> str:
    """Model text as a one-line string (numbers and dates too; anything else empty)."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, (str, int, float, date)):
        return " ".join(str(value).split())
    return ""


def strings(value) -> list[str]:
    return [x for x in (s(v) for v in as_list(value)) if x]


@dataclass(frozen=True)
class MitigationRow:
    id: str
    title: str
    status: str
    ticket: str
    effort: str
    owner: str
    implemented: str = ""
    threats: tuple[str, ...] = ()
    top_priority: str = ""  # highest priority among the open threats it addresses


@dataclass(frozen=True)
class ThreatRow:
    id: str
    title: str
    stride: tuple[str, ...]
    description: str
    where: tuple[str, ...]  # affected elements/flows by name
    entry: str
    steps: tuple[str, ...]
    target: str
    blast_radius: str
    records_exposed: int | None
    regulatory: tuple[str, ...]
    financial: str
    likelihood: str
    severity: str
    score: int | None
    rubric: str  # level the likelihood x severity rubric gives for the score (docs/format.md, "Priority rubric")
    priority: str  # the effective priority under the model's rating scheme (engine.model.effective_priority)
    owner: str
    status: str
    identified: str
    residual_risk: str
    mitigations: tuple[MitigationRow, ...]
    acceptance_by: str = ""
    acceptance_rationale: str = ""
    acceptance_expires: str = ""
    acceptance_date: str = ""
    acceptance_ticket: str = ""

    @property
    def open(self) -> bool:
        return is_open({"status": self.status})

    @property
    def effort(self) -> str:
        return ", ".join(m.effort for m in self.mitigations if m.effort)


@dataclass(frozen=True)
class AcceptedRisk:
    threat: ThreatRow
    by: str
    rationale: str
    expires: str
    expired: bool
    missing: tuple[str, ...]  # acceptance terms not given

    @property
    def recorded(self) -> str:
        """When and where the acceptance was recorded ("2026-10-01, RISK-12"), or ""."""
        return ", ".join(x for x in (self.threat.acceptance_date, self.threat.acceptance_ticket) if x)


@dataclass(frozen=True)
class Summary:
    system: str
    description: str
    owner: str
    champion: str
    criticality: str
    assets_at_risk: tuple[str, ...]
    records_at_risk: int
    max_records_exposed: int
    regulations_at_risk: tuple[str, ...]
    open_by_priority: dict
    threats_total: int
    last_reviewed: str
    review_due: str
    review_overdue: bool
    expired_acceptances: int
    rating: str = ""  # the rating scheme threats are ranked by
    stage: str = ""


@dataclass(frozen=True)
class OutOfScope:
    kind: str  # "element" or "flow"
    id: str
    name: str
    reason: str


@dataclass
class Register:
    summary: Summary
    threats: list[ThreatRow] = field(default_factory=list)
    backlog: list[MitigationRow] = field(default_factory=list)
    implemented: list[MitigationRow] = field(default_factory=list)
    accepted: list[AcceptedRisk] = field(default_factory=list)
    out_of_scope: list[OutOfScope] = field(default_factory=list)


def name_of(model: Model, ident) -> str:
    """Human name of an element, flow or asset id ("Payments API"), falling back to the id."""
    if not isinstance(ident, str):
        return s(ident)
    if ident in model.elements:
        return s(model.elements[ident].get("name")) or ident
    if ident in model.flows:
        f = model.flows[ident]
        name = s(f.get("name"))
        if name:
            return name
        src, dst = f.get("from"), f.get("to")
        if isinstance(src, str) and isinstance(dst, str):
            return f"{name_of(model, src)} → {name_of(model, dst)} ({ident})"
        return ident
    if ident in model.assets:
        return s(model.assets[ident].get("name")) or ident
    return ident


def _level(value) -> str:
    return value if isinstance(value, str) and value in LEVELS else ""


def mitigation_row(ident: str, m: dict | None) -> MitigationRow:
    if m is None:  # referenced but not defined (TM004): still shown, so the gap is visible
        return MitigationRow(ident, "(undefined mitigation)", "", "", "", "")
    return MitigationRow(ident, s(m.get("title")), s(m.get("status")), s(ticket_of(m)), s(m.get("effort")),
                         s(m.get("owner")), s(m.get("implemented")))


def threat_row(model: Model, t: dict, index: int, rating: str | None = None) -> ThreatRow:
    impact = t.get("impact") if isinstance(t.get("impact"), dict) else {}
    ap = t.get("attack_path") if isinstance(t.get("attack_path"), dict) else {}
    likelihood, severity = _level(t.get("likelihood")), _level(impact.get("severity"))
    score = LEVELS[likelihood] * LEVELS[severity] if likelihood and severity else None
    rubric = rubric_level(t) or ""
    priority = effective_priority(t, model.rating(rating)) or ""
    mits = []
    for mid in as_list(t.get("mitigations")):
        if isinstance(mid, str):
            mits.append(mitigation_row(mid, model.mitigations.get(mid)))
    acc = t.get("acceptance") if isinstance(t.get("acceptance"), dict) else {}
    records = impact.get("records_exposed")
    return ThreatRow(
        id=model.id_of(t) or f"#{index + 1}",
        title=s(t.get("title")),
        stride=tuple(categories(t.get("stride"))),
        description=s(t.get("description")),
        where=tuple(name_of(model, a) for a in as_list(t.get("affects")) if s(a)),
        entry=s(ap.get("entry")),
        steps=tuple(strings(ap.get("steps"))),
        target=name_of(model, ap.get("target")) if s(ap.get("target")) else "",
        blast_radius=s(impact.get("blast_radius")),
        records_exposed=records if isinstance(records, int) and not isinstance(records, bool) else None,
        regulatory=tuple(strings(impact.get("regulatory"))),
        financial=s(impact.get("financial")),
        likelihood=likelihood,
        severity=severity,
        score=score,
        rubric=rubric,
        priority=priority,
        owner=s(t.get("owner")),
        status=s(t.get("status")) or "open",
        identified=s(t.get("identified")),
        residual_risk=s(t.get("residual_risk")),
        mitigations=tuple(mits),
        acceptance_by=s(acc.get("by")),
        acceptance_rationale=s(acc.get("rationale")),
        acceptance_expires=s(acc.get("expires")),
        acceptance_date=s(acc.get("date")),
        acceptance_ticket=s(acc.get("ticket")),
    )


def rank_key(row: ThreatRow):
    """Priority first (critical on top), then score, then id so equal rows keep a stable order."""
    return (-LEVELS.get(row.priority, 0), -(row.score or 0), row.id)


def assets_at_risk(model: Model, open_threats: list[dict]) -> list[str]:
    """Assets an open threat reaches (engine.model.Model.threat_assets: its assets, attack target, and what
    the elements and flows it affects hold or carry)."""
    out: list[str] = []
    for t in open_threats:
        for a in model.threat_assets(t):
            if a not in out:
                out.append(a)
    return out


def out_of_scope(model: Model) -> list[OutOfScope]:
    return [OutOfScope("element" if section == "elements" else "flow", ident, name_of(model, ident), reason)
            for section, ident, _, reason in model.out_of_scope_items()]


def build(model: Model, today: date, rating: str | None = None, stage: str | None = None) -> Register:
    """The register; `rating` and `stage` are the configuration's (the model's own review.rating/stage win)."""
    rating = model.rating(rating)
    threats = [(i, t) for i, t in model.items("threats")]
    rows = sorted((threat_row(model, t, i, rating) for i, t in threats), key=rank_key)
    open_rows = [r for r in rows if r.open]
    open_threats = [t for _, t in threats if is_open(t)]

    at_risk = assets_at_risk(model, open_threats)
    records = 0
    regulations: list[str] = []
    for a in at_risk:
        asset = model.assets[a]
        n = asset.get("records")
        if isinstance(n, int) and not isinstance(n, bool) and n > 0:
            records += n
        regulations += strings(asset.get("regulations"))
    for r in open_rows:
        regulations += r.regulatory
    max_exposed = max((r.records_exposed for r in open_rows if r.records_exposed), default=0)

    review = model.review_due()
    last = review.last.isoformat() if review.last else s(model.section("review").get("last_reviewed"))
    due = review.due
    system = model.section("system")
    by_priority = {p: sum(1 for r in open_rows if r.priority == p) for p in PRIORITIES}
    unrated = sum(1 for r in open_rows if r.priority not in LEVELS)
    if unrated:
        by_priority["unrated"] = unrated

    # Backlog: every mitigation not yet implemented (or rejected), most urgent threat first.
    addressed: dict[str, list[ThreatRow]] = {}
    for r in rows:
        for m in r.mitigations:
            addressed.setdefault(m.id, []).append(r)
    backlog, implemented = [], []
    for ident, m in model.mitigations.items():
        users = addressed.get(ident, [])
        open_users = [r for r in users if r.open]
        top = max((r.priority for r in open_users if r.priority in LEVELS), key=LEVELS.get, default="")
        row = mitigation_row(ident, m)
        row = MitigationRow(row.id, row.title, row.status, row.ticket, row.effort, row.owner, row.implemented,
                            tuple(r.id for r in users), top)
        (implemented if row.status == "implemented" else backlog).append(row)
    backlog = [m for m in backlog if m.status != "rejected"]
    backlog.sort(key=lambda m: (-LEVELS.get(m.top_priority, 0), {"in_progress": 0, "planned": 1}.get(m.status, 2), m.id))

    accepted = []
    for r in rows:
        if r.status != "accepted":
            continue
        exp = parse_date(r.acceptance_expires)
        missing = tuple(k for k, v in (("by", r.acceptance_by), ("rationale", r.acceptance_rationale),
                                       ("expires", r.acceptance_expires)) if not v)
        accepted.append(AcceptedRisk(r, r.acceptance_by, r.acceptance_rationale, r.acceptance_expires,
                                     exp is not None and exp < today, missing))

    summary = Summary(
        system=s(system.get("name")) or "(unnamed system)",
        description=s(system.get("description")),
        owner=s(system.get("owner")),
        champion=s(system.get("champion")),
        criticality=s(system.get("criticality")),
        assets_at_risk=tuple(name_of(model, a) for a in at_risk),
        records_at_risk=records,
        max_records_exposed=max_exposed,
        regulations_at_risk=tuple(dict.fromkeys(regulations)),
        open_by_priority=by_priority,
        threats_total=len(rows),
        last_reviewed=last,
        review_due=due.isoformat() if due else "",
        review_overdue=review.overdue(today),
        expired_acceptances=sum(1 for a in accepted if a.expired),
        rating=rating,
        stage=model.stage(stage),
    )
    return Register(summary, rows, backlog, implemented, accepted, out_of_scope(model))
