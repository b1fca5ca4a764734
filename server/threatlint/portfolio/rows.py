"""One model's line in the portfolio, and the order by risk (pure)."""
from __future__ import annotations

from datetime import date

from ..status import metrics
from ..status.concepts import DISPROVEN, VALIDATED, acceptance_expired, assumption_state, section
from ..status.repository import ModelHistory
from ..status.releases import open_score

DUE_SOON_DAYS = 30  # a review due within this many days is shown as "due soon"


def text_or_none(value) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def review_freshness(review: dict, today: date) -> str:
    """on time | due soon | overdue | no review date."""
    if review["due"] is None:
        return "no review date"
    due = date.fromisoformat(review["due"])
    if due < today:
        return "overdue"
    return "due soon" if (due - today).days <= DUE_SOON_DAYS else "on time"


def model_row(repository: str, m: ModelHistory, today: date, drift: int | None) -> dict:
    data, fresh = m.data, m.freshness
    system, review = section(data, "system"), section(data, "review")
    state = metrics.review_state(data, today)
    due = date.fromisoformat(state["due"]) if state["due"] else None
    states = [assumption_state(a) for a in metrics.items(data, "assumptions")]
    threats = metrics.items(data, "threats")
    return {
        "repository": repository,
        "path": m.path,
        "system": text_or_none(system.get("name")),
        "owner": text_or_none(system.get("owner")),
        "champion": text_or_none(system.get("champion")),
        "stage": text_or_none(review.get("stage")),
        "review": {**state, "days_overdue": (today - due).days if state["overdue"] and due else 0,
                   "freshness": review_freshness(state, today)},
        "last_model_change": fresh.model_commit.day if fresh.model_commit else None,
        "last_code_change": fresh.code_commit.day if fresh.code_commit else None,
        "code_changed_since_model": fresh.stale,
        "open_threats": metrics.open_by_priority(data, m.rating),
        "open_score": open_score(data, m.rating),
        "expired_acceptances": [metrics.ident(t) or f"#{i + 1}" for i, t in enumerate(threats) if acceptance_expired(t, today)],
        "assumptions": {"validated": states.count(VALIDATED), "disproven": states.count(DISPROVEN),
                        "unvalidated": sum(1 for s in states if s not in (VALIDATED, DISPROVEN))},
        "drift": drift,
        "problems": m.problems,
    }


def risk_key(row: dict):
    """Most at risk first: open critical, then open high threats, then expired acceptances, open medium and
    low, disproven assumptions, drift, days overdue, code ahead of the model, unvalidated assumptions."""
    o = row["open_threats"]
    return (-o.get("critical", 0), -o.get("high", 0), -len(row["expired_acceptances"]), -o.get("medium", 0),
            -o.get("low", 0), -row["assumptions"]["disproven"], -(row["drift"] or 0), -row["review"]["days_overdue"],
            -int(row["code_changed_since_model"]), -row["assumptions"]["unvalidated"], row["repository"], row["path"])

