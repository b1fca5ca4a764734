"""Scopes of models the gate has read before, keyed by blob id, kept in the repository's git folder.

Every commit the gate needs the scope of every model, yet models rarely change: reading them all proved
to be half of a run on a large repository. A blob id names exact bytes, so a scope remembered for it
cannot go stale; the file also records the threatlint version, since a new release may read a model
differently, and is ignored when it does not match. Only scopes of models that parsed and whose
patterns are all usable are remembered; a model with a problem is read (and reported) every time.

The file is data (JSON: blob id -> patterns), never code, is written atomically, and anything odd about
it (missing, unreadable, malformed, a read-only git folder) just means reading the models again.
"""
from __future__ import annotations

import json
import os

from threatlint import __version__

FILE_NAME = "threatlint-scopes.json"


class ScopeCache:
    def __init__(self, path: str | None):
        self.path = path
        self._scopes: dict[str, tuple[str, ...]] = {}
        self._dirty = False
        if path:
            self._scopes = _read(path)

    @classmethod
    def in_git_dir(cls, git_dir: str | None) -> ScopeCache:
        return cls(os.path.join(git_dir, FILE_NAME) if git_dir else None)

    def lookup(self, sha: str) -> tuple[str, ...] | None:
        return self._scopes.get(sha)

    def remember(self, sha: str, patterns: tuple[str, ...]) -> None:
        if self._scopes.get(sha) != patterns:
            self._scopes[sha] = patterns
            self._dirty = True

    def save(self, keep: set[str]) -> None:
        """Write the scopes of the blobs in `keep` (the models of this run), dropping the rest."""
        if not self.path:
            return
        if set(self._scopes) - keep:
            self._scopes = {sha: p for sha, p in self._scopes.items() if sha in keep}
            self._dirty = True
        if not self._dirty:
            return
        body = json.dumps({"threatlint": __version__, "scopes": {k: list(v) for k, v in self._scopes.items()}},
                          sort_keys=True)
        import tempfile  # only when there is something to write (rarely: models seldom change)

        folder = os.path.dirname(self.path)
        try:
            fd, tmp = tempfile.mkstemp(prefix=".threatlint-scopes.", dir=folder)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(body)
                os.replace(tmp, self.path)
            except BaseException:
                os.unlink(tmp)
                raise
        except OSError:
            pass  # a read-only repository: the next run reads the models again, nothing worse
        self._dirty = False


def _read(path: str) -> dict[str, tuple[str, ...]]:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("threatlint") != __version__ or not isinstance(data.get("scopes"), dict):
        return {}
    out = {}
    for sha, patterns in data["scopes"].items():
        # An entry of a shape the gate does not write is dropped, so that model is read again. (Patterns are
        # not re-validated: only the gate writes here, and whoever can edit .git can edit its hooks too.)
        if isinstance(sha, str) and isinstance(patterns, list) and all(isinstance(p, str) for p in patterns):
            out[sha] = tuple(patterns)
    return out
