"""A repository's share of the portfolio, and the portfolio from those shares (pure)."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Sequence

from ..status.releases import Cycle, add_up, cycles_of, model_cycles, no_models
from ..status.repository import RepoHistory
from .rows import model_row, risk_key

Share = tuple[dict, list[dict], list[dict]]  # (repository summary, model rows, its models' figures per month)


def not_read(path: Path, error: str) -> Share:
    return {"path": str(path), "root": None, "error": error}, [], []


def summarize(path: Path, repo: RepoHistory, today: date, tags: Sequence[str] | None, cycle_limit: int,
              window: list[Cycle], drift_counts: dict[str, int] | None, warnings: list[str]) -> Share:
    root = str(repo.root)
    release_tags = tuple(tags) if tags else repo.release_tags
    kind, cycles = cycles_of(repo.commits, release_tags, cycle_limit)
    rows, per_cycle, per_month = [], [], []
    for m in repo.models:
        rows.append(model_row(root, m, today, None if drift_counts is None else drift_counts.get(m.path)))
        per_cycle.append(model_cycles(cycles, m.versions, m.data, m.rating))
        per_month.append(model_cycles(window, m.versions, m.data, m.rating))
    summary = {"path": str(path), "root": root, "error": None, "warnings": warnings, "commits": len(repo.commits),
               "models": len(repo.models), "cycle_kind": kind, "release_tags": list(release_tags),
               "cycles": add_up(per_cycle) if per_cycle else no_models(cycles)}
    return summary, rows, add_up(per_month)


def names(roots: list[str]) -> dict[str, str]:
    """Each repository by its folder name, or by its full path where two share a name."""
    short = {r: Path(r).name or r for r in roots}
    taken: dict[str, int] = {}
    for n in short.values():
        taken[n] = taken.get(n, 0) + 1
    return {r: (n if taken[n] == 1 else r) for r, n in short.items()}


def assemble(shares: list[Share], today: date, window: list[Cycle]) -> dict:
    """The portfolio report: repositories in the order given, models most at risk first, the months summed."""
    repos = [r for r, _, _ in shares]
    label = names([r["root"] for r in repos if r["root"]])
    for r in repos:
        r["name"] = label.get(r["root"], r["path"])
    rows = [row for _, rs, _ in shares for row in rs]
    for row in rows:  # rows carry their root until every repository's name is known
        row["root"] = row["repository"]
        row["repository"] = label[row["root"]]
    rows.sort(key=risk_key)
    timeline = add_up([t for _, _, t in shares if t]) or no_models(window)
    return {"today": today.isoformat(), "months": len(window), "repositories": repos, "models": rows,
            "timeline": timeline}
