"""The repository side of drift at commit time: infrastructure files the change adds or edits inside a
model's scope, checked against the staged model. Only components the change adds are reported (a
component already in the file's old version is `threatlint drift`'s to report, not this commit's).

Nothing here runs unless a changed path could be infrastructure by its name (threatlint.drift.detect),
so a commit of code alone pays one string test per path.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from threatlint.engine.finding import Finding, Severity
from threatlint.engine.parse import decode, parse_yaml

from .changes import Change
from .git import Git
from .models import LoadedModel

ZERO = frozenset("0")


@dataclass
class Drift:
    model: LoadedModel
    findings: list[tuple[str, Finding]]  # (repository path of the infrastructure file, finding in it)


def infra_changes(changes: list[Change], is_model) -> list[Change]:
    from threatlint.drift.names import candidate

    return [c for c in changes if c.new_path is not None and candidate(c.new_path) and not is_model(c.new_path)
            and not os.path.basename(c.new_path).startswith(".threatlint.")]


def check(git: Git, models: list[LoadedModel], infra: list[Change], fail_on: Severity) -> list[Drift]:
    if not infra:
        return []
    covered = []
    for m in models:
        if m.usable:
            mine = [c for c in infra if m.scope.covers(c.new_path)]
            if mine:
                covered.append((m, mine))
    if not covered:
        return []
    from threatlint.config import load_for
    from threatlint.drift import check as drift
    from threatlint.drift.check import read_all

    wanted = {c.new_sha for _, cs in covered for c in cs} | {c.old_sha for _, cs in covered for c in cs
                                                               if c.old_path is not None and set(c.old_sha) - ZERO}
    blobs = git.read_blobs(sorted(wanted))
    floor = min(fail_on.rank, Severity.WARNING.rank)  # drift rules are warnings: the gate's reason to exist
    out = []
    for model, mine in covered:
        doc = model.doc if model.doc is not None else parse_yaml(model.text or "")
        if not doc.ok:
            continue
        new, before = {}, {}
        for c in mine:
            text = _text(blobs.get(c.new_sha))
            if text is not None:
                new[c.new_path] = text
                old = _text(blobs.get(c.old_sha)) if c.old_path is not None else None
                before[c.new_path] = read_all({c.old_path: old}).get(c.old_path) if old is not None else None
        config = load_for(os.path.join(model.root or git.root, model.path))
        found = []
        for path, fs in drift.repository(doc, new, config, model.path).items():
            old = before.get(path)
            had = {n.casefold() for comp in old.components for n in comp.all_names()} if old else set()
            for f in fs:
                if f.severity.rank < floor:
                    continue
                if f.rule == "TM501" and f.data.get("component", "").casefold() in had:
                    continue  # already declared before this change
                if f.rule == "TM500" and old is not None and old.problems:
                    continue  # already unreadable before this change
                found.append((path, f))
        if found:
            out.append(Drift(model, found))
    return out


def _text(raw: bytes | None) -> str | None:
    if raw is None:
        return None
    text, error = decode(raw)
    return text if error is None else None
