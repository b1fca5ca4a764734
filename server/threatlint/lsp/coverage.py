"""Which models cover a code file, and the one-line summary shown on it (docs/editors.md, "Code files in a model's scope")."""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..engine.model import LEVELS, Model, effective_priority, is_open, level
from ..engine.parse import ParsedDoc
from ..engine.scope import Scope, patterns_of


@dataclass(frozen=True)
class ModelInfo:
    path: Path  # the model file
    root: Path  # what its scope patterns are relative to (git root, else the workspace folder)
    doc: ParsedDoc


def covers(info: ModelInfo, file: Path) -> bool:
    data = info.doc.data if info.doc.ok else None
    patterns = patterns_of(data)
    if not patterns:
        return False
    try:
        rel = os.path.relpath(file, info.root)
    except ValueError:
        return False
    if rel.startswith(".."):
        return False
    return Scope(patterns).covers(rel.replace(os.sep, "/"))


def summary(info: ModelInfo, today: date, display: str) -> str:
    """'Covered by threat model X (system): N open high/critical threats (...); review overdue since D'."""
    model = Model(info.doc)
    system = model.section("system").get("name")
    head = f"Covered by threat model {display}" + (f" ({system})" if isinstance(system, str) else "")
    rating = model.rating()
    hot = []
    for _, t in model.items("threats"):
        prio = effective_priority(t, rating)
        if is_open(t) and level(prio) >= LEVELS["high"]:
            hot.append((-LEVELS[prio], str(model.id_of(t) or "?"), prio, t.get("title")))
    hot.sort()
    if hot:
        listed = "; ".join(f"{ident} [{prio}] {title}" if isinstance(title, str) else f"{ident} [{prio}]"
                           for _, ident, prio, title in hot[:5])
        more = f" and {len(hot) - 5} more" if len(hot) > 5 else ""
        threats = f"{len(hot)} open high/critical threat{'s' if len(hot) != 1 else ''}: {listed}{more}"
    else:
        threats = "no open high/critical threats"
    review = model.review_due()
    if review.due is not None:
        status = (f"review overdue since {review.due.isoformat()}" if review.overdue(today)
                  else f"review due {review.due.isoformat()}")
    elif review.last is not None:
        status = "review not due before the year 9999"
    else:
        status = "no review date set"
    return f"{head}: {threats}; {status}"
