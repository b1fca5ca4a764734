"""One gate run: collect the changes (staged, or a CI range), load the models, decide, render."""
from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass
from datetime import date

from threatlint.settings import ConfigError
from threatlint.engine.finding import Severity

from . import models as model_files
from .changes import Change, parse_raw
from .content import unchanged_content
from .drift import check as check_drift, infra_changes
from .git import Git, GitError, GitUnavailable
from .report import render, summary
from .scope_cache import ScopeCache
from .verdict import Verdict, at_or_above, is_updated, select, stale_models, updated_paths


class GateUsageError(Exception):
    """Bad arguments or no usable repository: exit code 2."""


@dataclass(frozen=True)
class Options:
    files: tuple[str, ...] | None  # file names as passed (pre-commit: the staged ones); None means all staged
    base: str | None  # CI: check merge-base(base, head)..head instead of the index
    today: date
    fail_on: Severity = Severity.ERROR
    cwd: str | None = None
    head: str = "HEAD"
    cache: bool = True  # remember model scopes by blob id in the git folder (scope_cache)


@dataclass(frozen=True)
class Outcome:
    code: int  # 0 pass, 1 blocked
    lines: list[str]


def run_gate(opts: Options) -> Outcome:
    try:
        git, prefix = Git.discover(opts.cwd)
    except GitUnavailable as e:
        raise GateUsageError(str(e)) from None
    try:
        verdict = _range(git, opts) if opts.base is not None else _staged(git, prefix, opts)
    except (GitUnavailable, ConfigError) as e:
        raise GateUsageError(str(e)) from None
    except GitError as e:
        # Fail closed: a gate that cannot see the change must not wave it through.
        return Outcome(1, [f"threatlint gate: blocked: {e} (the gate fails closed when git cannot answer)"])
    finally:
        git.close()
    if not verdict.blocked:
        return Outcome(0, [])
    return Outcome(1, render(verdict, opts.base) + [summary(verdict)])


def _staged(git: Git, prefix: str, opts: Options) -> Verdict:
    head = git.commit_of("HEAD")
    # The first commit of a repository has no HEAD: everything staged is new against the empty tree.
    base = head or git.empty_tree()
    patterns = model_files.patterns_for(git.root)
    exclusion = model_files.exclusion_for(git.root)
    git.start_staged_reads(base, model_files.pathspecs(patterns))
    changes = parse_raw(git.staged_raw(base))
    files = None if opts.files is None else _repo_paths(git.root, prefix, opts.files)
    chosen = select(changes, files)
    if not chosen:
        return Verdict()
    models = model_files.load_all(git, model_files.staged_sources(git, patterns, exclusion), updated_paths(changes),
                                  _cache(git, opts))

    return _decide(git, models, changes, chosen, git.index_paths, opts, patterns, exclusion, git.index_entries)


def _range(git: Git, opts: Options) -> Verdict:
    ref = opts.base
    for rev in (ref, opts.head):
        if not rev or rev.startswith("-"):
            raise GateUsageError(f"--base: {rev!r} is not a git revision")
    head = git.commit_of(opts.head)
    if head is None:
        raise GateUsageError(f"{opts.head} has no commit" if opts.head != "HEAD" else "--base: HEAD has no commit yet")
    base_commit = git.commit_of(ref)
    if base_commit is None:
        raise GateUsageError(f"--base: unknown revision {ref!r} (in CI, fetch it first, e.g. "
                             "actions/checkout with fetch-depth: 0)")
    merge_base = git.merge_base(base_commit, head)
    if merge_base is None:
        raise GateUsageError(f"--base: {ref} and {opts.head} have no common ancestor (a shallow clone? fetch the full "
                             "history, e.g. actions/checkout with fetch-depth: 0)")
    changes = parse_raw(git.range_raw(merge_base, head))
    if not changes:
        return Verdict()
    tree = git.tree_entries(head)
    patterns = model_files.patterns_for(git.root)
    exclusion = model_files.exclusion_for(git.root)
    models = model_files.load_all(git, model_files.tree_sources(git, tree, patterns, exclusion), updated_paths(changes),
                                  _cache(git, opts))
    return _decide(git, models, changes, changes, lambda: tuple(e.path for e in tree), opts, patterns, exclusion,
                   lambda: tree)


def _cache(git: Git, opts: Options) -> ScopeCache:
    return ScopeCache.in_git_dir(git.git_dir if opts.cache else None)


def _decide(git: Git, models, changes: list[Change], chosen: list[Change], repo_files, opts: Options,
            patterns=model_files.MODEL_PATTERNS, exclusion=None, entries=lambda: []) -> Verdict:
    def is_model(path: str) -> bool:
        # An excluded model file (a test fixture, say) is not a model: its change counts like any other file's.
        return model_files.is_model_path(path, patterns, exclusion)

    # A model counts as updated when its content changed anywhere in the commit (even outside this run's
    # file batch); a change of comments or layout alone does not count (content.py). Only models whose
    # scope the change touches need that answer, so only their previous versions are read and parsed.
    updated = updated_paths(changes)
    covering = stale_models(models, chosen, set(), is_model)
    touched = [s.model for s in covering if is_updated(s.model, updated)]
    cosmetic = unchanged_content(git, touched, changes, _accepts_any_change) if touched else {}
    verdict = Verdict(broken=[m for m in models if not m.usable],
                      stale=[s for s in covering if not is_updated(s.model, updated - set(cosmetic))],
                      cosmetic=cosmetic,
                      drift=check_drift(git, models, infra_changes(chosen, is_model), opts.fail_on, entries))
    chosen_paths = {p for c in chosen for p in c.paths()}
    to_check = [m for m in models if m.usable and is_updated(m, updated)
                and (m.path in chosen_paths or m.target in chosen_paths)]
    if to_check:
        files = repo_files()
        for model in to_check:
            ctx = model_files.context_for(model, opts.today, files, opts.fail_on)
            bad = at_or_above(model_files.findings(model, ctx), opts.fail_on)
            if bad:
                verdict.findings.append((model, bad))
    return verdict


def _accepts_any_change(model) -> bool:
    from threatlint.settings import load_for

    return load_for(os.path.join(model.root or ".", model.path)).gate_model_update == "any"


def _repo_paths(root: str, prefix: str, files: tuple[str, ...]) -> set[str]:
    """File arguments as repository-relative paths (pre-commit passes them relative to the top level)."""
    out = set()
    for f in files:
        f = f.replace(os.sep, "/")
        if os.path.isabs(f):
            rel = os.path.relpath(f, root).replace(os.sep, "/")
        else:
            rel = posixpath.normpath(prefix + f)
        if not rel.startswith("../") and rel != "..":
            out.add(rel)
    return out
