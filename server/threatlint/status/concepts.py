"""The model concepts `status` and `portfolio` count, each behind one small function (pure).

Review due date, open threat and effective priority are meant to have one
definition on the model (engine/model.py); until then these functions hold
what `status` has always used, so switching to that definition is a change
here and nowhere else.
"""
from __future__ import annotations

from datetime import date, timedelta

from ..engine.model import LEVELS, level_for_score, parse_date
from ..report.register import is_open as register_is_open

UNRATED = "unrated"
VALIDATED, DISPROVEN, UNVALIDATED = "validated", "disproven", "unvalidated"


def section(data, name: str) -> dict:
    value = data.get(name) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def is_open(threat: dict) -> bool:
    # a status that is not text (a list, a mapping: schema-invalid) says nothing is done: open
    return not isinstance(threat.get("status"), str) or register_is_open(threat)


def effective_priority(threat: dict) -> str:
    """The declared priority, else what the rubric gives likelihood x severity, else "unrated"."""
    p = threat.get("priority")
    if isinstance(p, str) and p in LEVELS:
        return p
    impact = threat.get("impact") if isinstance(threat.get("impact"), dict) else {}
    lk, sv = threat.get("likelihood"), impact.get("severity")
    if isinstance(lk, str) and isinstance(sv, str) and lk in LEVELS and sv in LEVELS:
        return level_for_score(LEVELS[lk] * LEVELS[sv])
    return UNRATED


def review_due(data) -> date | None:
    """review.last_reviewed + review.cadence_days, or None when either is missing or unusable."""
    review = section(data, "review")
    last = parse_date(review.get("last_reviewed"))
    cadence = review.get("cadence_days")
    if last is None or not isinstance(cadence, int) or isinstance(cadence, bool) or cadence < 0:
        return None
    try:
        return last + timedelta(days=cadence)
    except OverflowError:  # due after the year 9999: never due
        return None


def acceptance_expired(threat: dict, today: date) -> bool:
    """An accepted threat whose acceptance.expires is before today (the register's "expired acceptance")."""
    if threat.get("status") != "accepted":
        return False
    acc = threat.get("acceptance") if isinstance(threat.get("acceptance"), dict) else {}
    expires = parse_date(acc.get("expires"))
    return expires is not None and expires < today


def assumption_state(assumption: dict) -> str:
    """validated: `validated: true`; disproven: `validated: false` with `evidence` (it was checked and does not
    hold); unvalidated: anything else (no `validated`, or false without evidence: not checked yet)."""
    v = assumption.get("validated")
    if v is True:
        return VALIDATED
    ev = assumption.get("evidence")
    if v is False and isinstance(ev, str) and ev.strip():
        return DISPROVEN
    return UNVALIDATED
