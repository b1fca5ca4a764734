"""The risk register as plain data: ranked threats, business summary, backlog, accepted risks.

Pure: takes a Model (possibly schema-invalid) and "today", returns dataclasses
the Markdown and HTML renderers format. Anything missing or of the wrong type
becomes empty text, never an exception.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from ..engine.model import LEVELS, Model, as_list, categories, level_for_score, parse_date

PRIORITIES = ("critical", "high", "medium", "low")
CLOSED = frozenset({"mitigated", "accepted", "transferred"})
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


def is_open(threat: dict) -> bool:
    """A threat counts as open unless its status says it is dealt with (a missing status is open)."""
    return threat.get("status") not in CLOSED


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
    rubric: str  # level the priority rubric gives for the score (docs/format.md, "Priority rubric")
    priority: str  # as declared, else the rubric's
    owner: str
    status: str
    identified: str
    residual_risk: str
    mitigations: tuple[MitigationRow, ...]
    acceptance_by: str = ""
    acceptance_rationale: str = ""
    acceptance_expires: str = ""

    @property
    def open(self) -> bool:
        return self.status not in CLOSED

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


@dataclass
class Register:
    summary: Summary
    threats: list[ThreatRow] = field(default_factory=list)
    backlog: list[MitigationRow] = field(default_factory=list)
    implemented: list[MitigationRow] = field(default_factory=list)
    accepted: list[AcceptedRisk] = field(default_factory=list)


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
    return MitigationRow(ident, s(m.get("title")), s(m.get("status")), s(m.get("ticket")), s(m.get("effort")),
                         s(m.get("owner")), s(m.get("implemented")))


def threat_row(model: Model, t: dict, index: int) -> ThreatRow:
    impact = t.get("impact") if isinstance(t.get("impact"), dict) else {}
    ap = t.get("attack_path") if isinstance(t.get("attack_path"), dict) else {}
    likelihood, severity = _level(t.get("likelihood")), _level(impact.get("severity"))
    score = LEVELS[likelihood] * LEVELS[severity] if likelihood and severity else None
    rubric = level_for_score(score) if score is not None else ""
    priority = _level(t.get("priority")) or rubric
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
    )


def rank_key(row: ThreatRow):
    """Priority first (critical on top), then score, then id so equal rows keep a stable order."""
    return (-LEVELS.get(row.priority, 0), -(row.score or 0), row.id)


def review_due(model: Model) -> tuple[str, date | None]:
    review = model.section("review")
    last = parse_date(review.get("last_reviewed"))
    cadence = review.get("cadence_days")
    if last is None or not isinstance(cadence, int) or isinstance(cadence, bool) or cadence < 0:
        return s(review.get("last_reviewed")), None
    try:
        return last.isoformat(), last + timedelta(days=cadence)
    except OverflowError:
        return last.isoformat(), None


def assets_at_risk(model: Model, open_threats: list[dict]) -> list[str]:
    """Assets an open threat reaches: its attack target, or data stored in/carried by what it affects."""
    out: list[str] = []

    def add(a):
        if isinstance(a, str) and a in model.assets and a not in out:
            out.append(a)

    for t in open_threats:
        ap = t.get("attack_path")
        if isinstance(ap, dict):
            add(ap.get("target"))
        for target in as_list(t.get("affects")):
            if not isinstance(target, str):
                continue
            if target in model.elements:
                for a in as_list(model.elements[target].get("stores")):
                    add(a)
            elif target in model.flows:
                for a in as_list(model.flows[target].get("data")):
                    add(a)
    return out


def build(model: Model, today: date) -> Register:
    threats = [(i, t) for i, t in model.items("threats")]
    rows = sorted((threat_row(model, t, i) for i, t in threats), key=rank_key)
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

    last, due = review_due(model)
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
        review_overdue=due is not None and due < today,
        expired_acceptances=sum(1 for a in accepted if a.expired),
    )
    return Register(summary, rows, backlog, implemented, accepted)
