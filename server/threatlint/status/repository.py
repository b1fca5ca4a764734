"""One repository's models with their history: the I/O `status` and `portfolio` share.

Reads the working tree's models, runs one `git log` pass (which also gives
the tags) and streams every model version through one `git cat-file` process.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable

from ..settings import ConfigError, expand, load_for
from ..engine.parse import decode, parse_yaml
from ..engine.scope import Scope, is_valid_pattern, patterns_of
from .changes import Freshness, last_changes, model_versions
from .history import Commit, GitError, iter_blobs, read_log, repo_root
from .metrics import Version
from .releases import DEFAULT_RELEASE_TAGS

MAX_VERSIONS = 100  # versions parsed per model; each costs a full parse


class RepositoryError(Exception):
    """The folder is not a repository, its configuration is invalid, or git failed (message says which)."""


@dataclass
class ModelHistory:
    path: str  # repository-relative, POSIX
    data: dict  # the model as it is in the working tree ({} when unreadable)
    problems: list[str]
    freshness: Freshness
    versions: list[Version] = field(default_factory=list)  # oldest first, at most max_versions
    rating: str | None = None  # the configuration's `rating`, for models without review.rating


@dataclass
class RepoHistory:
    root: Path
    commits: list[Commit]
    models: list[ModelHistory]
    release_tags: tuple[str, ...]  # the repository's configured release-tags, else the default


def read_model(raw: bytes | None) -> tuple[dict, str | None]:
    """A model's data as a mapping, and what is wrong when it cannot be read ({}: status still reports its git dates)."""
    if raw is None:
        return {}, "missing"
    text, error = decode(raw)
    if error is not None:
        return {}, error.message
    doc = parse_yaml(text)
    if not doc.ok:
        f = doc.findings[0]
        return {}, f"line {f.range.start.line + 1}: {f.message}"
    if not isinstance(doc.data, dict):
        return {}, "not a YAML mapping"
    return doc.data, None


def scope_of(data: dict) -> tuple[Scope, str | None]:
    # Scope leaves out patterns pathspec rejects (TM404 reports them); status still names the first one.
    bad = [p for p in patterns_of(data) if not is_valid_pattern(p)]
    if bad:
        return Scope(()), f"scope.paths has a pattern git cannot use ({bad[0]!r} is not valid gitignore syntax)"
    try:
        return Scope(patterns_of(data)), None
    except Exception as e:  # pathspec rejects some patterns (a lone "!", a trailing backslash)
        return Scope(()), f"scope.paths has a pattern git cannot use ({e})"


def read_repository(path: Path, max_versions: int = MAX_VERSIONS,
                    on_model: Callable[[str, int], None] | None = None) -> RepoHistory:
    """Every model under `path` (a repository or a folder in it) with its freshness and versions.

    `on_model(path, total)` is called as each model is read (for a progress bar)."""
    from ..workspace import is_model_file

    try:
        root = repo_root(path)
    except GitError as e:
        raise RepositoryError(f"{path}: {e}") from None
    try:
        files, errors = expand([str(path)])
        config = load_for(root)
    except ConfigError as e:
        raise RepositoryError(str(e)) from None
    if errors:
        raise RepositoryError("; ".join(errors))
    root_abs = root.resolve()
    rels = [Path(os.path.relpath(f.resolve(), root_abs)).as_posix() for f in files]
    current, scopes, problems = {}, {}, {}
    for f, rel in zip(files, rels, strict=True):
        try:
            current[rel], problem = read_model(f.read_bytes())
        except OSError as e:
            raise RepositoryError(f"{f}: cannot read: {e.strerror or e}") from None
        scopes[rel], scope_problem = scope_of(current[rel])
        problems[rel] = [p for p in (problem, scope_problem) if p]
        if not scopes[rel].patterns and not problems[rel]:
            problems[rel].append("no scope.paths: no code is compared with this model")
    try:
        commits = read_log(root)
        fresh = last_changes(commits, scopes, lambda p: is_model_file(p, config.model_patterns))
        wanted = {rel: model_versions(commits, rel, max_versions) for rel in rels}
        models = []
        # One cat-file process streams every version of every model, model after model.
        blobs = iter_blobs(root, [(c.sha, rel) for rel in rels for c in wanted[rel]])
        try:
            for rel in rels:
                versions = [Version(c.sha, date.fromisoformat(c.day), read_model(raw)[0] or None)
                            for c, (_, raw) in zip(wanted[rel], blobs, strict=False)]  # blobs go on to the next model
                models.append(ModelHistory(rel, current[rel], problems[rel], fresh[rel], versions, config.rating))
                if on_model is not None:
                    on_model(rel, len(rels))
        finally:
            blobs.close()
    except GitError as e:
        raise RepositoryError(str(e)) from None
    return RepoHistory(root, commits, models, config.release_tags or DEFAULT_RELEASE_TAGS)
