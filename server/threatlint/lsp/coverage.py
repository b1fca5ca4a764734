"""Which models cover a code file, and the one-line summary shown on it (docs/editors.md, "Code files in a model's scope")."""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from ..engine.model import LEVELS, Model, parse_date
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
    hot = []
    for _, t in model.items("threats"):
        prio = t.get("priority")
        if t.get("status") in ("open", "mitigating") and LEVELS.get(prio, 0) >= LEVELS["high"]:
            hot.append((-LEVELS[prio], str(model.id_of(t) or "?"), prio, t.get("title")))
    hot.sort()
    if hot:
        listed = "; ".join(f"{ident} [{prio}] {title}" if isinstance(title, str) else f"{ident} [{prio}]"
                           for _, ident, prio, title in hot[:5])
        more = f" and {len(hot) - 5} more" if len(hot) > 5 else ""
        threats = f"{len(hot)} open high/critical threat{'s' if len(hot) != 1 else ''}: {listed}{more}"
    else:
        threats = "no open high/critical threats"
    review = model.section("review")
    last = parse_date(review.get("last_reviewed"))
    cadence = review.get("cadence_days")
    status = "no review date set"
    if last is not None and isinstance(cadence, int) and not isinstance(cadence, bool) and cadence > 0:
        try:
            due = last + timedelta(days=cadence)
        except OverflowError:  # due after the year 9999 (schema-valid): never overdue, as TM401 has it
            status = "review not due before the year 10000"
        else:
            status = f"review overdue since {due.isoformat()}" if due < today else f"review due {due.isoformat()}"
    return f"{head}: {threats}; {status}"
