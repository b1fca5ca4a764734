"""The repository side of drift on disk: which files of a work tree lie in each model's scope, read once, and
handed to the pure `drift.check.repository`. One front end for `threatlint drift` and `threatlint portfolio`
(docs/drift.md); the drift readers and the engine stay free of I/O."""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .drift.component import Problem, Read
from .drift.model_view import parse_for_drift
from .drift.names import MAX_BYTES, candidate
from .engine.finding import Finding
from .engine.parse import ParsedDoc, decode
from .engine.scope import Scope, is_valid_pattern, patterns_of
from .engine.selection import Config
from .workspace import SKIP_DIRS, is_model_file, repo_files


class WorkTrees:
    """Each work tree's candidate files, listed once, and their texts, read once: a file in the scopes of
    several models is opened a single time."""

    def __init__(self):
        self._listings: dict[Path, list[str]] = {}
        self._texts: dict[tuple[Path, str], FileText | None] = {}

    def candidates(self, root: Path) -> list[str]:
        """The repository's files whose names may be infrastructure (or a model): no other file is opened."""
        if root not in self._listings:
            self._listings[root] = [p for p in _listing(root) if candidate(p)]
        return self._listings[root]

    def in_scope(self, root: Path, scope: Scope | None, model_patterns) -> dict[str, FileText]:
        """Path -> text of the infrastructure candidates the scope covers (gone, too large or unopenable ones
        left out; one that is not UTF-8 kept with its problem, so TM500 says so)."""
        if scope is None:
            return {}
        out = {}
        for rel in self.candidates(root):
            if is_model_file(rel, model_patterns) or os.path.basename(rel).startswith(".threatlint.") \
                    or not scope.covers(rel):
                continue
            if (root, rel) not in self._texts:
                self._texts[root, rel] = _read_one(root / rel)
            if self._texts[root, rel] is not None:
                out[rel] = self._texts[root, rel]
        return out


@dataclass(frozen=True)
class FileText:
    text: str
    problem: Problem | None = None  # not valid UTF-8: the text has U+FFFD where the bad bytes were


@dataclass
class ModelDrift:
    model: Path  # the model file
    root: Path  # its work tree: the keys of `findings` are relative to it
    findings: dict[str, list[Finding]]  # infrastructure file -> TM500/TM501 findings positioned in it

    @property
    def count(self) -> int:
        return sum(len(fs) for fs in self.findings.values())


def parse_model(path: Path) -> ParsedDoc | None:
    """The model file parsed for drift, or None when it does not parse (`check` reports why). OSError propagates."""
    text, error = decode(path.read_bytes())
    doc = parse_for_drift(text if error is None else "")
    return doc if error is None and doc.ok else None


def repository_drift(models: Iterable[tuple[Path, ParsedDoc, Config]], trees: WorkTrees | None = None,
                     model_name: Callable[[Path], str] = str) -> list[ModelDrift]:
    """Each parsed model (path, document, its configuration) against the files of its work tree in its scope.
    A component answered by another of these models whose scope covers the file is that model's business."""
    from .drift import check

    trees = WorkTrees() if trees is None else trees
    prepared = [(path, doc, config, repository_root(path.resolve()), scope_of(doc)) for path, doc, config in models]
    others = {root: check.OtherModels([(scope, doc) for _, doc, _, r, scope in prepared if r == root])
              for root in {p[3] for p in prepared}}
    out = []
    for path, doc, config, root, scope in prepared:
        texts = trees.in_scope(root, scope, config.model_patterns)
        files = {rel: t.text for rel, t in texts.items()}
        reads = check.read_all(files)
        for rel, t in texts.items():
            if t.problem is not None:  # what it deploys cannot be told for sure: say so rather than skip it
                read = reads.get(rel) or Read()
                reads[rel] = Read(components=read.components, problems=[t.problem, *read.problems])
        found = check.repository(doc, files, config, model_name(path), reads=reads,
                                 answered_elsewhere=others[root].but(doc))
        out.append(ModelDrift(path, root, {rel: fs for rel, fs in sorted(found.items()) if fs}))
    return out


def repository_root(path: Path) -> Path:
    """The work tree around a model (a folder holding .git), else the model's folder: scope patterns are
    relative to it. Looked up on disk, as the configuration is, not by asking git once per model."""
    for folder in path.parents:
        if (folder / ".git").exists():
            return folder
    return path.parent


def scope_of(doc: ParsedDoc) -> Scope | None:
    """The model's scope (patterns pathspec rejects left out, as the engine does; TM404 reports them)."""
    patterns = [p for p in patterns_of(doc.data) if is_valid_pattern(p)]
    return Scope(patterns) if patterns else None


def _listing(root: Path) -> tuple[str, ...]:
    """The repository's files (git's list when it is a repository, else a walk that skips the usual folders)."""
    listed = repo_files(root) if (root / ".git").exists() else None
    if listed is not None:
        return listed
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
        rel = os.path.relpath(dirpath, root).replace(os.sep, "/")
        out += [f if rel == "." else f"{rel}/{f}" for f in filenames]
    return tuple(out)


def _read_one(path: Path) -> FileText | None:
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError:
        return None  # listed but gone, or a link to nowhere: nothing is deployed from it
    if len(raw) > MAX_BYTES:
        return None
    text, error = decode(raw)
    if error is None:
        return FileText(text)
    return FileText(raw.decode("utf-8-sig", errors="replace"),
                    Problem(f"cannot read this file as UTF-8 ({error.message.split(' (', 1)[-1].split(')')[0]}): "
                            "drift cannot tell for sure what it deploys; save it as UTF-8", error.range))
