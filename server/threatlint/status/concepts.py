"""The model concepts `status` and `portfolio` count that are theirs alone, each behind one small function (pure).

Review due date, open threat and effective priority have one definition, on the model (engine/model.py:
review_due, is_open, effective_priority); `status` and `portfolio` use those, never a copy.
"""
from __future__ import annotations

from datetime import date

from ..engine.model import (  # noqa: F401 (assumption_state and its states are used from here by status)
    DISPROVEN, UNVALIDATED, VALIDATED, assumption_state, effective_priority, parse_date, rating_of)

UNRATED = "unrated"


def section(data, name: str) -> dict:
    value = data.get(name) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def priority_of(threat: dict, data, rating: str | None = None) -> str:
    """The threat's effective priority under its model's rating scheme (engine.model.effective_priority and
    rating_of: the model's review.rating, else the configuration's `rating`), or "unrated"."""
    return effective_priority(threat, rating_of(data, rating)) or UNRATED


def acceptance_expired(threat: dict, today: date) -> bool:
    """An accepted threat whose acceptance.expires is before today (the register's "expired acceptance")."""
    if threat.get("status") != "accepted":
        return False
    acc = threat.get("acceptance") if isinstance(threat.get("acceptance"), dict) else {}
    expires = parse_date(acc.get("expires"))
    return expires is not None and expires < today
