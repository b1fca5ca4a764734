"""The repository side of drift at commit time: infrastructure files the change adds, edits or deletes
inside a model's scope, checked against the staged model.

- TM500/TM501: only what the change introduces (a component already in the file's old version, or a file
  already unreadable, is `threatlint drift`'s to report, not this commit's).
- TM503: a component the change removes that an element answers, when nothing still declared in the
  model's scope (the changed files' new versions, then the other infrastructure files of the commit) is
  answered by that element.

Nothing here runs unless a changed path could be infrastructure by its name (threatlint.drift.names),
so a commit of code alone pays one string test per path.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from threatlint.engine.finding import Finding, Severity
from threatlint.engine.parse import decode

from .changes import Change
from .git import Git, IndexEntry
from .models import GITLINK_MODE, LoadedModel

ZERO = frozenset("0")


@dataclass
class Drift:
    model: LoadedModel
    findings: list[tuple[str, Finding]]  # (repository path of the file the finding is in, finding)


def infra_changes(changes: list[Change], is_model) -> list[Change]:
    from threatlint.drift.names import candidate

    def infra(path: str | None) -> bool:
        return (path is not None and candidate(path) and not is_model(path)
                and not os.path.basename(path).startswith(".threatlint."))

    return [c for c in changes if infra(c.new_path) or infra(c.old_path)]


def check(git: Git, models: list[LoadedModel], infra: list[Change], fail_on: Severity,
          entries: Callable[[], list[IndexEntry]]) -> list[Drift]:
    """`entries()` lists the files the commit will contain (index or branch head), read only when a removal
    needs checking against the rest of the scope."""
    if not infra:
        return []
    covered = []
    for m in models:
        if m.usable:
            mine = [c for c in infra if any(m.scope.covers(p) for p in c.paths())]
            if mine:
                covered.append((m, mine))
    if not covered:
        return []
    from threatlint.settings import load_for
    from threatlint.drift import check as drift
    from threatlint.drift.check import read_all
    from threatlint.drift.model_view import parse_for_drift

    wanted = {sha for _, cs in covered for c in cs for sha in (c.new_sha, c.old_sha) if set(sha) - ZERO}
    # A model whose scope came from the scope cache was not read at all: drift needs its elements.
    unread = {m.source.sha for m, _ in covered if m.doc is None and m.text is None and m.source.sha}
    blobs = git.read_blobs(sorted(wanted | unread))
    rest = _Rest(git, entries, {p for c in infra for p in c.paths()})
    floor = min(fail_on.rank, Severity.WARNING.rank)  # drift rules are warnings: the gate's reason to exist
    docs = {m.path: m.doc if m.doc is not None else parse_for_drift(_model_text(m, blobs)) for m, _ in covered}
    others = drift.OtherModels([(m.scope, docs[m.path]) for m, _ in covered])
    out = []
    for model, mine in covered:
        doc = docs[model.path]
        if not doc.ok:
            continue
        new, before, gone_from = {}, {}, {}
        for c in mine:
            old_text = _text(blobs.get(c.old_sha)) if c.old_path is not None and set(c.old_sha) - ZERO else None
            old = read_all({c.old_path: old_text}).get(c.old_path) if old_text is not None else None
            if c.new_path is not None and model.scope.covers(c.new_path):
                text = _text(blobs.get(c.new_sha))
                if text is not None:
                    new[c.new_path] = text
                    before[c.new_path] = old
            if old is not None and model.scope.covers(c.old_path):
                gone_from[c.old_path] = old
        config = load_for(os.path.join(model.root or git.root, model.path))
        reads = read_all(new)
        found = []
        for path, fs in drift.repository(doc, new, config, model.path, reads, others.but(doc)).items():
            old = before.get(path)
            had = {n.casefold() for comp in old.components for n in comp.all_names()} if old else set()
            for f in fs:
                if f.rule == "TM501" and f.data.get("component", "").casefold() in had:
                    continue  # already declared before this change
                if f.rule == "TM500" and old is not None and old.problems:
                    continue  # already unreadable before this change
                found.append((path, f))
        gone = [comp for r in gone_from.values() for comp in r.components]
        if gone:
            remaining = [comp for r in reads.values() for comp in r.components]
            removed = drift.removals(doc, gone, remaining, config)
            if removed:  # what else the scope still declares is read only now (a removal is rare)
                removed = drift.removals(doc, gone, remaining + rest.components(model), config)
            found += [(model.path, f) for f in removed]
        found = [(p, f) for p, f in found if f.severity.rank >= floor]
        if found:
            out.append(Drift(model, found))
    return out


class _Rest:
    """The infrastructure files of the commit that the change does not touch, read once for all models."""

    def __init__(self, git: Git, entries: Callable[[], list[IndexEntry]], changed: set[str]):
        self.git, self.entries, self.changed = git, entries, changed
        self._reads: dict | None = None

    def components(self, model: LoadedModel) -> list:
        from threatlint.drift.names import candidate

        if self._reads is None:
            from threatlint.drift.check import read_all

            files = [e for e in self.entries() if e.mode not in (GITLINK_MODE, "unmerged") and candidate(e.path)
                     and e.path not in self.changed]
            blobs = self.git.read_blobs([e.sha for e in files])
            self._reads = read_all({e.path: t for e in files if (t := _text(blobs.get(e.sha))) is not None})
        return [comp for path, r in self._reads.items() if model.scope.covers(path) for comp in r.components]


def _model_text(model: LoadedModel, blobs: dict[str, bytes]) -> str:
    if model.text is not None:
        return model.text
    text, error = decode(blobs.get(model.source.sha or "", b""))
    return text if error is None else ""


def _text(raw: bytes | None) -> str | None:
    from threatlint.drift.names import MAX_BYTES

    if raw is None or len(raw) > MAX_BYTES:
        return None
    text, error = decode(raw)
    return text if error is None else None
