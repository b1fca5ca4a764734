"""A model's scope: gitignore-style patterns (pathspec) relative to the repository root."""
from __future__ import annotations

from functools import lru_cache
from typing import Iterable

import pathspec


def patterns_of(data) -> list[str]:
    scope = data.get("scope") if isinstance(data, dict) else None
    paths = scope.get("paths") if isinstance(scope, dict) else None
    return [p for p in paths if isinstance(p, str) and p.strip()] if isinstance(paths, list) else []


@lru_cache(maxsize=4096)
def is_valid_pattern(pattern: str) -> bool:
    """pathspec refuses some patterns ("!!", a trailing backslash, "[z-a]"); TM404 reports them."""
    try:
        pathspec.GitIgnoreSpec.from_lines([pattern]).match_file("x")
    except Exception:
        return False
    return True


@lru_cache(maxsize=1024)
def _spec(patterns: tuple[str, ...]) -> pathspec.GitIgnoreSpec:
    try:  # the common case, every pattern valid: compiled once, not once more per pattern to vet it
        spec = pathspec.GitIgnoreSpec.from_lines(patterns)
        spec.match_file("x")
        return spec
    except Exception:
        # An invalid pattern is left out rather than making the whole scope unusable.
        return pathspec.GitIgnoreSpec.from_lines([p for p in patterns if is_valid_pattern(p)])


class Scope:
    """Which repository paths a model covers. Later patterns win; `!pattern` excludes, as in .gitignore."""

    def __init__(self, patterns: Iterable[str]):
        self.patterns = tuple(patterns)
        self._spec = _spec(self.patterns) if self.patterns else None

    def covers(self, path: str) -> bool:
        return bool(self._spec) and self._spec.match_file(path.replace("\\", "/"))

    def matching(self, paths: Iterable[str]) -> list[str]:
        if not self._spec:
            return []
        return [p for p in paths if self._spec.match_file(p)]


def pattern_matches_any(pattern: str, files: Iterable[str]) -> bool:
    """Whether `pattern` (judged by its un-negated form) matches at least one file."""
    positive = pattern[1:] if pattern.startswith("!") else pattern
    if not positive.strip() or not is_valid_pattern(positive):
        return False
    # One pattern needs none of GitIgnoreSpec's include/exclude bookkeeping: its regex alone decides, as in
    # pathspec's own RegexPattern.match_file, without normalising every path (TM404 scans the whole repository).
    regexes = [p.regex for p in _spec((positive,)).patterns if p.include is not None and p.regex is not None]
    return any(rx.search(f) for f in files for rx in regexes)
