"""Reading every repository of a portfolio: one `git log` pass each, several repositories at a time."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Callable, Sequence

from ..settings import ConfigError
from ..status.releases import last_months
from ..status.repository import RepositoryError, read_repository
from . import drift
from .summary import Share, assemble, not_read, summarize

# git runs outside the interpreter, so a few repositories read side by side keep both cores busy
WORKERS = 4


def read_one(path: Path, today: date, max_versions: int, tags: Sequence[str] | None, cycle_limit: int,
             window) -> Share:
    try:
        if not path.is_dir():
            raise RepositoryError("no such folder")
        repo = read_repository(path, max_versions)
    except RepositoryError as e:
        return not_read(path, str(e).removeprefix(f"{path}: "))  # shown after the path: not repeated
    except OSError as e:  # a listed name the file system refuses (too long, no permission)
        return not_read(path, f"cannot read: {e.strerror or e}")
    warnings = []
    try:
        drift_counts = drift.counts(repo.root, [m.path for m in repo.models])
    except ConfigError as e:  # a nested configuration the repository's own did not reach
        drift_counts = None
        warnings.append(f"drift could not be read: {e}")
    return summarize(path, repo, today, tags, cycle_limit, window, drift_counts, warnings)


def collect(paths: list[Path], today: date, max_versions: int, tags: Sequence[str] | None = None,
            cycle_limit: int = 24, months: int = 12, workers: int = WORKERS,
            on_repository: Callable[[str], None] | None = None) -> dict:
    window = last_months(today, months)
    lock = threading.Lock()

    def work(p: Path) -> Share:
        result = read_one(p, today, max_versions, tags, cycle_limit, window)
        if on_repository is not None:
            with lock:
                on_repository(str(p))
        return result

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        shares = list(pool.map(work, paths))
    return assemble(shares, today, window)
