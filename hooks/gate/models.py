"""The repository's models: finding them, reading them (only inside the repository), parsing each once,
and the one place where the gate asks the engine for a model's findings."""
from __future__ import annotations

import os
import posixpath
import stat
from dataclasses import dataclass, field, replace
from datetime import date

from threatlint.workspace import MODEL_PATTERNS, Exclusion, is_model_file
from threatlint.engine.context import CheckContext
from threatlint.engine.finding import Finding, Severity
from threatlint.engine.parse import ParsedDoc, decode, parse_yaml
from threatlint.engine.scope import Scope, is_valid_pattern, patterns_of

from .git import Git, IndexEntry
from .scope_cache import ScopeCache
from .scope_only import scope_text

LINK_MODE = "120000"
GITLINK_MODE = "160000"  # a submodule: a commit of another repository, not a file of this one


@dataclass(frozen=True)
class Source:
    """Where a model's bytes come from: a blob (index or commit) or, for links and untracked files, the work tree."""

    path: str
    sha: str | None = None
    link: bool = False
    untracked: bool = False
    unmerged: bool = False


@dataclass
class LoadedModel:
    path: str
    source: Source
    doc: ParsedDoc | None = None
    scope: Scope | None = None
    # Why the gate cannot use this model (unreadable, outside the repository, does not parse); it then blocks.
    problem: str | None = None
    problem_findings: list[Finding] = field(default_factory=list)
    # For a link: the repository path it resolves to (a change there is a change of the model).
    target: str | None = None
    root: str | None = None  # the repository's top level (the configuration is looked up from the model's folder)
    text: str | None = None  # kept when only the scope was parsed (doc is then None)

    @property
    def usable(self) -> bool:
        return self.problem is None and self.scope is not None


def pathspecs(patterns=MODEL_PATTERNS) -> list[str]:
    """git pathspecs for model file names at any depth (filtered again with is_model_file)."""
    return [f":(glob)**/{p}" for p in patterns]


def is_model_path(path: str, patterns=MODEL_PATTERNS, exclusion: Exclusion | None = None) -> bool:
    """A repository path names a model: its file name matches and the configuration does not exclude it."""
    return is_model_file(path, patterns) and not (exclusion is not None and exclusion.matches(path))


class _Skipper:
    """The paths `threatlint check` skips on a folder (the configuration's exclude, virtualenvs), applied to
    repository paths."""

    def __init__(self, root: str, exclusion: Exclusion | None = None):
        self.root = root
        self.excluded = (exclusion if exclusion is not None else Exclusion()).under(root)
        self._venv: dict[str, bool] = {}

    def __call__(self, path: str) -> bool:
        parts = path.split("/")[:-1]
        if self.excluded(path):
            return True
        for i in range(1, len(parts) + 1):
            folder = "/".join(parts[:i])
            if folder not in self._venv:
                self._venv[folder] = os.path.isfile(os.path.join(self.root, folder, "pyvenv.cfg"))
            if self._venv[folder]:
                return True
        return False


def staged_sources(git: Git, patterns=MODEL_PATTERNS, exclusion: Exclusion | None = None) -> list[Source]:
    """Models as the commit will contain them (the index), plus untracked ones a user may have forgotten to add."""
    skip = _Skipper(git.root, exclusion)
    specs = pathspecs(patterns)
    out: dict[str, Source] = {}
    for e in git.index_entries(specs):
        if e.mode != GITLINK_MODE and is_model_file(e.path, patterns) and not skip(e.path):
            out[e.path] = _source(e)
    for path in git.untracked(specs):
        if is_model_file(path, patterns) and not skip(path) and path not in out:
            out[path] = Source(path, untracked=True)
    return sorted(out.values(), key=lambda s: s.path)


def tree_sources(git: Git, entries: list[IndexEntry], patterns=MODEL_PATTERNS,
                 exclusion: Exclusion | None = None) -> list[Source]:
    """Models in a commit's tree (CI: the branch head)."""
    skip = _Skipper(git.root, exclusion)
    return [_source(e) for e in entries
            if e.mode != GITLINK_MODE and is_model_file(e.path, patterns) and not skip(e.path)]


def _source(e: IndexEntry) -> Source:
    if e.mode == "unmerged":
        return Source(e.path, unmerged=True)
    return Source(e.path, sha=e.sha, link=e.mode == LINK_MODE)


def load_all(git: Git, sources: list[Source], changed: set[str] | None = None,
             cache: ScopeCache | None = None) -> list[LoadedModel]:
    """Read every model (blobs in one git call) and parse each exactly once.

    With `changed` (the paths the commit changes), a model outside it is only read for its scope: the
    gate never checks it, so building it in full would be wasted (see scope_only), and a scope the
    cache remembers for the same blob is not read at all.
    """
    cache = cache or ScopeCache(None)
    plain = [s for s in sources if s.sha and not s.link and not s.unmerged]

    def scope_only(s: Source) -> bool:
        return changed is not None and s.path not in changed

    known = {s.sha: p for s in plain if scope_only(s) and (p := cache.lookup(s.sha)) is not None}
    blobs = git.read_blobs([s.sha for s in plain if not (scope_only(s) and s.sha in known)])
    models = []
    for s in sources:
        model = LoadedModel(s.path, s, root=git.root)
        if s.unmerged:
            model.problem = "has unresolved merge conflicts"
        elif s.sha and not s.link:
            if scope_only(s) and s.sha in known:
                model.scope = Scope(known[s.sha])
            else:
                _parse(model, blobs[s.sha], scope_only=scope_only(s))
                if model.usable:
                    cache.remember(s.sha, model.scope.patterns)
        else:
            raw = _read_worktree(git.root, model)
            if raw is not None:
                _parse(model, raw)
        models.append(model)
    cache.save({s.sha for s in plain})
    return models


def _read_worktree(root: str, model: LoadedModel) -> bytes | None:
    """A file's bytes, refusing anything that resolves outside the repository (a link to /etc/..., say)."""
    full = os.path.join(root, model.path)
    real_root = os.path.realpath(root)
    real = os.path.realpath(full)
    if os.path.commonpath([real, real_root]) != real_root:
        model.problem = (f"is a symbolic link to {real}, outside the repository; the gate reads nothing outside "
                         "the repository, so it refuses to read it")
        return None
    if real != os.path.join(real_root, *model.path.split("/")):
        model.target = posixpath.normpath(os.path.relpath(real, real_root).replace(os.sep, "/"))
    try:
        if not stat.S_ISREG(os.stat(real).st_mode):  # a FIFO or device would hang or never end
            model.problem = "is not a regular file"
            return None
        with open(real, "rb") as fh:
            return fh.read()
    except OSError as e:
        model.problem = f"cannot be read ({e.strerror or e})"
        return None


def _parse(model: LoadedModel, raw: bytes, scope_only: bool = False) -> None:
    text, error = decode(raw)
    if error is not None:
        model.problem, model.problem_findings = "is not valid UTF-8", [error]
        return
    data = _scope_data(text) if scope_only else None
    if data is None:
        doc = parse_yaml(text)
        if not doc.ok:
            model.problem, model.problem_findings = "does not parse", list(doc.findings)
            return
        model.doc, data = doc, doc.data
    else:
        model.text = text
    patterns = patterns_of(data)
    # The engine leaves a pattern pathspec rejects out of the scope (TM404 reports it). The gate cannot
    # know what that pattern was meant to cover, so it fails closed instead.
    bad = [p for p in patterns if not is_valid_pattern(p)]
    if bad:
        model.problem = f"has a scope.paths pattern the gate cannot use ({bad[0]!r} is not valid gitignore syntax)"
        return
    try:
        model.scope = Scope(patterns)
    except ValueError as e:
        model.problem = f"has a scope.paths pattern the gate cannot use ({e})"


def context_for(model: LoadedModel, today: date, repo_files: tuple[str, ...] | None,
                fail_on: Severity | None = None) -> CheckContext:
    """The context a staged model is checked in: its repository configuration and catalogs (threatlint.settings).

    With `fail_on`, rules that cannot block (below it after severity overrides) are not run: the gate shows
    only the findings that block.
    """
    from threatlint.settings import context_for as configured

    path = os.path.join(model.root, model.path) if model.root else model.path
    return replace(configured(path, today=today, repo_files=repo_files), min_severity=fail_on)


def patterns_for(root: str) -> tuple[str, ...]:
    """The model file patterns the repository configures (model-patterns), or the default ones."""
    from threatlint.settings import load_for

    return load_for(root).model_patterns


def exclusion_for(root: str) -> Exclusion:
    """The paths the repository's configuration excludes from model discovery (exclude, extend-exclude)."""
    from threatlint.settings import exclusion_for as configured

    return configured(root)


def findings(model: LoadedModel, ctx: CheckContext) -> list[Finding]:
    """The engine's findings for a parsed model (the gate's only call into the rules)."""
    # Imported here: the rules and jsonschema are only worth loading when a changed model needs checking.
    from threatlint.engine.check import check_document

    doc = model.doc if model.doc is not None else parse_yaml(model.text or "")
    if not doc.ok:
        return list(doc.findings)
    return check_document(doc, ctx)


def _scope_data(text: str) -> dict | None:
    """{"scope": ...} from the model's scope entry alone, or None when only the full parse can say."""
    block = scope_text(text)
    if block is None:
        return None
    if not block:
        return {}
    doc = parse_yaml(block)
    if not doc.ok or not isinstance(doc.data, dict) or list(doc.data) != ["scope"]:
        return None
    return doc.data
