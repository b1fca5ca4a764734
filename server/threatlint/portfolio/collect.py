"""Reading every repository of a portfolio: one `git log` pass each, several repositories at a time."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Callable, Sequence

from ..status.releases import add_up, cycles_of, last_months, model_cycles, no_models
from ..status.repository import RepositoryError, read_repository
from . import drift
from .rows import model_row, risk_key

# git runs outside the interpreter, so a few repositories read side by side keep both cores busy
WORKERS = 4


def read_one(path: Path, today: date, max_versions: int, tags: Sequence[str] | None, cycle_limit: int,
             window) -> tuple[dict, list[dict], list[dict]]:
    """(repository summary, model rows, figures per month of the window summed over its models)."""
    try:
        if not path.is_dir():
            raise RepositoryError("no such folder")
        repo = read_repository(path, max_versions)
    except RepositoryError as e:
        message = str(e)  # shown after the path, so the path is not repeated
        return {"path": str(path), "root": None, "error": message.removeprefix(f"{path}: ")}, [], []
    except OSError as e:  # a listed name the file system refuses (too long, no permission)
        return {"path": str(path), "root": None, "error": f"cannot read: {e.strerror or e}"}, [], []
    root = str(repo.root)
    release_tags = tuple(tags) if tags else repo.release_tags
    kind, cycles = cycles_of(repo.commits, release_tags, cycle_limit)
    warnings = []
    try:
        drift_counts = drift.counts(repo.root, {m.path: m.data for m in repo.models})
    except Exception as e:  # drift is another command's work: its failure must not lose the portfolio
        drift_counts = None
        warnings.append(f"drift could not be read: {e}")
    rows, per_cycle, per_month = [], [], []
    for m in repo.models:
        rows.append(model_row(root, m, today, None if drift_counts is None else drift_counts.get(m.path)))
        per_cycle.append(model_cycles(cycles, m.versions, m.data))
        per_month.append(model_cycles(window, m.versions, m.data))
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


def collect(paths: list[Path], today: date, max_versions: int, tags: Sequence[str] | None = None,
            cycle_limit: int = 24, months: int = 12, workers: int = WORKERS,
            on_repository: Callable[[str], None] | None = None) -> dict:
    window = last_months(today, months)
    lock = threading.Lock()

    def work(p: Path):
        result = read_one(p, today, max_versions, tags, cycle_limit, window)
        if on_repository is not None:
            with lock:
                on_repository(str(p))
        return result

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        results = list(pool.map(work, paths))
    repos = [r for r, _, _ in results]
    label = names([r["root"] for r in repos if r["root"]])
    for r in repos:
        r["name"] = label.get(r["root"], r["path"])
    rows = [row for _, rs, _ in results for row in rs]
    for row in rows:  # rows carry their root until every repository's name is known
        row["root"] = row["repository"]
        row["repository"] = label[row["root"]]
    rows.sort(key=risk_key)
    timeline = add_up([t for _, _, t in results if t]) or no_models(window)
    return {"today": today.isoformat(), "months": months, "repositories": repos, "models": rows,
            "timeline": timeline, "drift_available": drift.provider() is not None}
