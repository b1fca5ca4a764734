"""Metrics of one model from its versions in git (pure).

- time to mitigate: for each threat whose mitigations (rejected ones aside)
  are all implemented, the days from when it was identified (its `identified`
  date, else the first model version it appears in) to the last of those
  implementations; reported as the median;
- mitigations implemented per month (YYYY-MM);
- residual risk over time: per model version, the open threats by priority
  and the residual_risk of mitigated threats.

A mitigation's implementation date is its `implemented` field when set, else
the date of the first model version in which its status became `implemented`
(and stayed so since).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from statistics import median
from typing import Iterable

from ..engine.model import LEVELS, as_list, is_open, parse_date, review_due
from ..report.register import PRIORITIES
from .concepts import priority_of


@dataclass(frozen=True)
class Version:
    commit: str
    day: date
    data: dict | None  # None when that version was not a parseable YAML mapping


@dataclass
class Metrics:
    median_days_to_mitigate: float | None = None
    measured_threats: int = 0
    implemented_per_month: dict = field(default_factory=dict)
    residual_over_time: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"median_days_to_mitigate": self.median_days_to_mitigate, "measured_threats": self.measured_threats,
                "implemented_per_month": self.implemented_per_month, "residual_risk_over_time": self.residual_over_time}


def items(data, section: str) -> list[dict]:
    seq = data.get(section) if isinstance(data, dict) else None
    return [x for x in seq if isinstance(x, dict)] if isinstance(seq, list) else []


def ident(item: dict) -> str | None:
    v = item.get("id")
    return v if isinstance(v, str) and v else None


def open_by_priority(data, rating: str | None = None) -> dict[str, int]:
    """Open threats by effective priority; `rating` is the configuration's (the model's review.rating wins)."""
    counts = Counter(priority_of(t, data, rating) for t in items(data, "threats") if is_open(t))
    out = {p: counts.get(p, 0) for p in PRIORITIES}
    if counts.get("unrated"):
        out["unrated"] = counts["unrated"]
    return out


def note_implemented(v: Version, since: dict[str, date]) -> None:
    """Fold one version (oldest first) into `since`: mitigation id -> day its status became implemented.

    A mitigation that goes back to planned (or disappears) and is implemented again dates from the
    second time: the date belongs to the implementation that stands.
    """
    now = {ident(m) for m in items(v.data, "mitigations") if ident(m) and m.get("status") == "implemented"}
    for mid in list(since):
        if mid not in now:
            del since[mid]
    for mid in now:
        since.setdefault(mid, v.day)


def implementation_dates(current: dict, first_seen: dict[str, date]) -> dict[str, date]:
    """Mitigation id -> date implemented, for the mitigations implemented in the current model."""
    out: dict[str, date] = {}
    for m in items(current, "mitigations"):
        mid = ident(m)
        if not mid or m.get("status") != "implemented":
            continue
        when = parse_date(m.get("implemented")) or first_seen.get(mid)
        if when is not None:
            out[mid] = when
    return out


def note_first_seen(v: Version, seen: dict[str, date]) -> None:
    """Fold one version (oldest first) into `seen`: threat id -> day of the first version that has it."""
    for t in items(v.data, "threats"):
        tid = ident(t)
        if tid:
            seen.setdefault(tid, v.day)


def mitigation_spans(current: dict, done: dict[str, date], first_seen: dict[str, date] | None = None) -> list[tuple[str, date, date]]:
    """(threat id, identified, mitigated) for each threat of `current` whose mitigations are all implemented.

    Identified is the threat's `identified` date, else the first version it appears in; mitigated is the
    last implementation among its mitigations (rejected ones aside).
    """
    statuses = {ident(m): m.get("status") for m in items(current, "mitigations") if ident(m)}
    out = []
    for t in items(current, "threats"):
        tid = ident(t) or ""
        found = parse_date(t.get("identified")) or (first_seen or {}).get(tid)
        mids = [m for m in as_list(t.get("mitigations")) if isinstance(m, str) and statuses.get(m) != "rejected"]
        if found is None or not mids or not all(m in done for m in mids):
            continue
        end = max(done[m] for m in mids)
        if end >= found:  # a mitigation dated before the threat was identified says nothing about speed
            out.append((tid, found, end))
    return out


def days_to_mitigate(current: dict, done: dict[str, date], first_seen: dict[str, date] | None = None) -> list[int]:
    return [(end - found).days for _, found, end in mitigation_spans(current, done, first_seen)]


def residual_point(v: Version, rating: str | None = None) -> dict:
    residual = Counter()
    for t in items(v.data, "threats"):
        if t.get("status") == "mitigated":
            r = t.get("residual_risk")
            residual[r if isinstance(r, str) and r in LEVELS else "unset"] += 1
    return {"commit": v.commit, "date": v.day.isoformat(), "open": open_by_priority(v.data, rating),
            "residual": {k: residual[k] for k in (*reversed(list(LEVELS)), "unset") if residual.get(k)}}


def compute(current: dict, versions: Iterable[Version], rating: str | None = None) -> Metrics:
    """`versions` oldest first; consumed once, so a caller can stream them from git."""
    implemented_since: dict[str, date] = {}
    threat_seen: dict[str, date] = {}
    series = []
    for v in versions:
        if v.data is not None:
            note_implemented(v, implemented_since)
            note_first_seen(v, threat_seen)
            series.append(residual_point(v, rating))
    done = implementation_dates(current, implemented_since)
    days = days_to_mitigate(current, done, threat_seen)
    per_month = Counter(d.strftime("%Y-%m") for d in done.values())
    return Metrics(
        median_days_to_mitigate=float(median(days)) if days else None,
        measured_threats=len(days),
        implemented_per_month=dict(sorted(per_month.items())),
        residual_over_time=series,
    )


def review_state(data, today: date) -> dict:
    """The review's dates as engine.model.review_due computes them (a default cadence when none is set)."""
    review = review_due(data)
    return {"last_reviewed": review.last.isoformat() if review.last else None,
            "cadence_days": review.cadence,
            "due": review.due.isoformat() if review.due else None, "overdue": review.overdue(today)}
