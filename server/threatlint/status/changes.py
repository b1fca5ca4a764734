"""Last model change vs last in-scope code change, for every model, in one walk over the log (pure)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..engine.scope import Scope
from .history import Commit


@dataclass
class Freshness:
    model_commit: Commit | None = None  # newest commit that changed the model file
    code_commit: Commit | None = None  # newest commit that changed a non-model file in the model's scope
    model_index: int | None = None  # position in the log (0 = newest): order is the log's, not clock time
    code_index: int | None = None

    @property
    def stale(self) -> bool:
        """In-scope code changed in a commit newer than the model's last change (or the model was never committed)."""
        if self.code_index is None:
            return False
        return self.model_index is None or self.code_index < self.model_index


def last_changes(commits: list[Commit], scopes: dict[str, Scope], is_model: Callable[[str], bool]) -> dict[str, Freshness]:
    """`commits` newest first; `scopes` maps each model's repository-relative path to its scope."""
    out = {path: Freshness() for path in scopes}
    pending = set(scopes)
    covering: dict[str, tuple[str, ...]] = {}  # path -> models whose scope covers it (paths recur across commits)
    for index, commit in enumerate(commits):
        if not pending:
            break
        for _, path in commit.changes:
            if path in out and out[path].model_commit is None:
                out[path].model_commit, out[path].model_index = commit, index
            if path not in covering:
                covering[path] = () if is_model(path) else tuple(m for m, sc in scopes.items() if sc.covers(path))
            for model_path in covering[path]:
                fr = out[model_path]
                if fr.code_commit is None:
                    fr.code_commit, fr.code_index = commit, index
        pending = {m for m in pending if out[m].model_commit is None or out[m].code_commit is None}
    return out


def model_versions(commits: list[Commit], path: str, limit: int) -> list[Commit]:
    """Commits that wrote `path` (not deleted it), oldest first, at most the newest `limit`."""
    out = [c for c in commits if any(p == path and st != "D" for st, p in c.changes)]
    return list(reversed(out[:limit]))
