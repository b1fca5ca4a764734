"""Deciding what blocks: changed paths mapped to the models whose scope covers them (pure, no git)."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from threatlint.engine.finding import Finding, Severity

from .changes import Change
from .models import LoadedModel


@dataclass
class Stale:
    """A model whose scope changed while the model itself did not."""

    model: LoadedModel
    changes: list[tuple[Change, tuple[str, ...]]]  # each change with the paths of it the model covers

    def described(self) -> list[str]:
        out = []
        for change, covered in self.changes:
            if change.status == "R" and len(covered) == 2:
                out.append(f"{change.old_path} -> {change.new_path} (renamed)")
            else:
                out.append(change.describe(covered[0]))
        return out


@dataclass
class Verdict:
    stale: list[Stale] = field(default_factory=list)
    broken: list[LoadedModel] = field(default_factory=list)  # models the gate cannot read or parse: fail closed
    findings: list[tuple[LoadedModel, list[Finding]]] = field(default_factory=list)
    # Models whose bytes changed but not their content: path -> "comments" | "whitespace" | "formatting".
    cosmetic: dict[str, str] = field(default_factory=dict)
    # gate.drift.Drift: components the change adds that no element answers, or removes that one still answers.
    drift: list = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return bool(self.stale or self.broken or self.findings or self.drift)


def select(changes: list[Change], files: set[str] | None) -> list[Change]:
    """The changes this run is about: those naming one of `files` (None: all).

    Deletions are always kept: pre-commit never passes deleted files, yet a
    deleted file in scope is a change the model should know about.
    """
    if files is None:
        return changes
    return [c for c in changes if c.new_path is None or any(p in files for p in c.paths())]


def updated_paths(changes: Iterable[Change]) -> set[str]:
    """Paths whose bytes changed (for models, content.py then drops those whose parsed content did not)."""
    return {c.new_path for c in changes if c.new_path is not None and c.content_changed}


def is_updated(model: LoadedModel, updated: set[str]) -> bool:
    return model.path in updated or (model.target is not None and model.target in updated)


def stale_models(models: list[LoadedModel], changes: list[Change], updated: set[str],
                 is_model: Callable[[str], bool]) -> list[Stale]:
    """Models covering a changed code path that were not themselves updated. Model files are not code."""
    # One flat list of (path, index of its change): a rename contributes both of its paths.
    flat = [(p, i) for i, c in enumerate(changes) for p in c.paths() if not is_model(p)]
    if not flat:
        return []
    out = []
    for model in models:
        if not model.usable or is_updated(model, updated):
            continue
        prefixes = literal_prefixes(model.scope.patterns)
        covered: dict[int, list[str]] = {}
        for path, i in flat:
            if path.startswith(prefixes) and model.scope.covers(path):
                covered.setdefault(i, []).append(path)
        if covered:
            out.append(Stale(model, [(changes[i], tuple(ps)) for i, ps in sorted(covered.items())]))
    return out


_GLOB = frozenset("*?[\\")


def literal_prefixes(patterns) -> tuple[str, ...]:
    """Prefixes every path a scope covers must start with ('' when a pattern may match anywhere).

    A path is covered only when some positive pattern matches it, so negated
    patterns play no part here. A gitignore pattern with a slash before its
    end is anchored at the root, and no match can leave its literal leading
    folders; one without (`*.py`, `api/`) matches at any depth. Used to skip
    the pathspec match for the many paths that cannot be covered.
    """
    out = []
    for raw in patterns:
        if raw.startswith(("!", "#")) or not raw.strip():
            continue
        pattern = raw.strip()
        anchored = "/" in pattern.rstrip("/")
        pattern = pattern.lstrip("/")
        if not anchored:
            return ("",)
        cut = next((i for i, ch in enumerate(pattern) if ch in _GLOB), len(pattern))
        out.append(pattern[: pattern.rfind("/", 0, cut) + 1])
    return tuple(out)


def at_or_above(findings: list[Finding], threshold: Severity) -> list[Finding]:
    return [f for f in findings if f.severity.rank >= threshold.rank]
