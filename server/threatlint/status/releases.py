"""Release cycles and the metrics of each cycle, from a model's versions in git (pure).

A cycle is the span between two release tags: it holds the days after the
previous release up to and including the day of this one (days, so a tag and
the commits of its day fall in the same cycle; when several release tags fall
on one day, the newest names the cycle). Commits after the last release form
the "unreleased" cycle. A repository without release tags is cut into
calendar months instead. docs/portfolio.md defines every figure.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from fnmatch import fnmatchcase
from statistics import median
from typing import Iterable, Sequence

from ..engine.model import LEVELS, is_open
from .concepts import DISPROVEN, UNRATED, VALIDATED, assumption_state, priority_of
from .history import Commit
from .metrics import (Version, ident, implementation_dates, items, mitigation_spans, note_first_seen,
                      note_implemented, open_by_priority)

DEFAULT_RELEASE_TAGS = ("v[0-9]*", "[0-9]*")  # v1.2.3 and 1.2.3; configurable with release-tags / --tags
UNRELEASED = "unreleased"


@dataclass(frozen=True)
class Cycle:
    name: str
    start: date | None  # the previous cycle's last day (exclusive); None: from the beginning of history
    end: date | None  # the last day (inclusive); None: still running (the unreleased cycle)

    def holds(self, day: date) -> bool:
        return (self.start is None or day > self.start) and (self.end is None or day <= self.end)

    def to_dict(self) -> dict:
        return {"name": self.name, "start": self.start.isoformat() if self.start else None,
                "end": self.end.isoformat() if self.end else None}


def is_release(tag: str, patterns: Sequence[str]) -> bool:
    return any(fnmatchcase(tag, p) for p in patterns)


def release_cycles(commits: list[Commit], patterns: Sequence[str]) -> list[Cycle]:
    """Cycles between release tags, oldest first; [] when no commit carries a release tag. `commits` newest first."""
    newest_per_day: dict[date, str] = {}
    for c in commits:  # newest first, so the first tag seen on a day is that day's newest release
        for tag in sorted(c.tags, reverse=True):
            if is_release(tag, patterns):
                newest_per_day.setdefault(date.fromisoformat(c.day), tag)
    if not newest_per_day:
        return []
    out, start = [], None
    for day in sorted(newest_per_day):
        out.append(Cycle(newest_per_day[day], start, day))
        start = day
    if commits and date.fromisoformat(commits[0].day) > start:
        out.append(Cycle(UNRELEASED, start, None))
    return out


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def month_cycles(first: date, last: date) -> list[Cycle]:
    """Calendar months from `first`'s month to `last`'s, oldest first."""
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        py, pm = (y, m - 1) if m > 1 else (y - 1, 12)
        out.append(Cycle(f"{y:04d}-{m:02d}", month_end(py, pm) if py >= 1 else None, month_end(y, m)))
        y, m = (y, m + 1) if m < 12 else (y + 1, 1)
    return out


def last_months(today: date, count: int) -> list[Cycle]:
    """The `count` calendar months up to and including today's."""
    y, m = today.year, today.month - (count - 1)
    while m < 1:
        y, m = y - 1, m + 12
    return month_cycles(date(max(y, 1), m, 1), today)


def cycles_of(commits: list[Commit], patterns: Sequence[str], limit: int) -> tuple[str, list[Cycle]]:
    """("releases", cycles) or, without release tags, ("months", cycles); at most the newest `limit`."""
    cycles = release_cycles(commits, patterns)
    if cycles:
        return "releases", cycles[-limit:] if limit else []
    if not commits:
        return "months", []
    first, last = date.fromisoformat(commits[-1].day), date.fromisoformat(commits[0].day)
    months = month_cycles(min(first, last), max(first, last))
    return "months", months[-limit:] if limit else []


def residual(data, rating: str | None = None) -> tuple[dict[str, int], int]:
    """The risk that remains, by level: an open or accepted threat keeps its priority, a mitigated one its
    residual_risk (unset: counted as "unset", scored 0), a transferred one leaves the books. And its score
    (critical 4, high 3, medium 2, low 1)."""
    counts: dict[str, int] = {}
    for t in items(data, "threats"):
        status = t.get("status")
        if status == "transferred":
            continue
        if status == "mitigated":
            r = t.get("residual_risk")
            level = r if isinstance(r, str) and r in LEVELS else "unset"
        else:
            level = priority_of(t, data, rating)
        counts[level] = counts.get(level, 0) + 1
    ordered = {k: counts[k] for k in (*reversed(list(LEVELS)), UNRATED, "unset") if counts.get(k)}
    return ordered, sum(LEVELS.get(k, 0) * n for k, n in ordered.items())


def open_score(data, rating: str | None = None) -> int:
    return sum(LEVELS.get(priority_of(t, data, rating), 0) for t in items(data, "threats") if is_open(t))


def model_cycles(cycles: list[Cycle], versions: Iterable[Version], current: dict, rating: str | None = None) -> list[dict]:
    """Per cycle: the model at the cycle's end (open and residual risk, unvalidated assumptions), and what
    happened in it (mitigations implemented, threats fully mitigated with their days, assumptions validated
    and disproven). `versions` oldest first, consumed once; `current` is the model as it stands."""
    implemented_since: dict[str, date] = {}
    threat_seen: dict[str, date] = {}
    assumption_was: dict[str, str] = {}
    events: list[tuple[date, str]] = []  # (day, VALIDATED | DISPROVEN)
    at_end: list = [None] * len(cycles)  # the newest version on or before each cycle's end
    for v in versions:
        if v.data is None:
            continue
        note_implemented(v, implemented_since)
        note_first_seen(v, threat_seen)
        now = {}
        for a in items(v.data, "assumptions"):
            aid = ident(a)
            if aid:
                now[aid] = state = assumption_state(a)
                if state in (VALIDATED, DISPROVEN) and assumption_was.get(aid) != state:
                    events.append((v.day, state))
        assumption_was = now
        for i, c in enumerate(cycles):
            if c.end is None or v.day <= c.end:
                at_end[i] = v.data
    done = implementation_dates(current, implemented_since)
    spans = mitigation_spans(current, done, threat_seen)
    out = []
    for c, data in zip(cycles, at_end, strict=True):
        days = sorted((end - found).days for _, found, end in spans if c.holds(end))
        left, score = residual(data, rating)
        out.append({
            **c.to_dict(),
            "exists": data is not None,
            "open": open_by_priority(data, rating),
            "open_score": open_score(data, rating),
            "residual": left,
            "residual_score": score,
            "implemented": sum(1 for d in done.values() if c.holds(d)),
            "days_to_mitigate": days,
            "median_days_to_mitigate": float(median(days)) if days else None,
            "validated": sum(1 for d, s in events if s == VALIDATED and c.holds(d)),
            "disproven": sum(1 for d, s in events if s == DISPROVEN and c.holds(d)),
            "unvalidated": sum(1 for a in items(data, "assumptions") if assumption_state(a) not in (VALIDATED, DISPROVEN)),
        })
    return out


def add_up(per_model: list[list[dict]]) -> list[dict]:
    """Cycle figures summed over models, or over sums of models (the same cycles, in the same order, for each)."""
    if not per_model:
        return []
    out = []
    for rows in zip(*per_model, strict=True):
        first = rows[0]
        total = {"name": first["name"], "start": first["start"], "end": first["end"],
                 "models": sum(r["models"] if "models" in r else int(r["exists"]) for r in rows)}
        for key in ("open", "residual"):
            merged: dict[str, int] = {}
            for r in rows:
                for k, n in r[key].items():
                    merged[k] = merged.get(k, 0) + n
            total[key] = merged
        for key in ("open_score", "residual_score", "implemented", "validated", "disproven", "unvalidated"):
            total[key] = sum(r[key] for r in rows)
        days = sorted(d for r in rows for d in r["days_to_mitigate"])
        total["days_to_mitigate"] = days
        total["median_days_to_mitigate"] = float(median(days)) if days else None
        out.append(total)
    return out


def no_models(cycles: list[Cycle]) -> list[dict]:
    """The figures of cycles in which there is no model at all (every count 0)."""
    return add_up([model_cycles(cycles, (), {})])
