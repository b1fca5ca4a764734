"""Finding model files on disk and the repository around them (front-end I/O, not engine)."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

from .engine.filenames import MODEL_PATTERNS, is_model_file  # noqa: F401 (the one definition; callers import it from here too)

# Folders nobody keeps their own models in: version control, dependencies, caches, build output. The
# `exclude` setting replaces this list and `extend-exclude` adds to it, as in ruff. Virtualenvs (a folder
# holding pyvenv.cfg) are skipped whatever their name.
SKIP_DIRS = (".git", ".hg", ".svn", "node_modules", ".venv", "venv", ".tox", ".nox", "__pycache__",
             ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages", "dist", "build", ".eggs")
DEFAULT_EXCLUDE = tuple(f"{d}/" for d in SKIP_DIRS)


class Exclusion:
    """Gitignore-style patterns of the paths model discovery skips, relative to `base` (the config's folder).

    Used by every front end that searches for models: `check`/`suggest`/`report`/`status` on a folder,
    the gate and the language server's workspace scan. A model named explicitly is still checked.
    """

    def __init__(self, patterns=DEFAULT_EXCLUDE, base: str | Path | None = None):
        self.patterns = tuple(patterns)
        self.base = Path(base).resolve() if base is not None else None
        self._spec = None

    def matches(self, rel: str, is_dir: bool = False) -> bool:
        """Whether a `/`-separated path relative to the base is excluded (a folder also excludes what is in it)."""
        if not self.patterns:
            return False
        if self._spec is None:
            import pathspec  # imported on first use, like the scope matcher

            self._spec = pathspec.GitIgnoreSpec.from_lines(self.patterns)
        return self._spec.match_file(rel + "/" if is_dir and not rel.endswith("/") else rel)

    def under(self, root: str | Path):
        """A test `excluded(rel, is_dir)` for `/`-separated paths relative to `root`, a folder at or below the base."""
        prefix = ""
        if self.base is not None:
            offset = os.path.relpath(Path(root).resolve(), self.base).replace(os.sep, "/")
            if offset.startswith(".."):
                offset = "."  # searching outside the config's folder: match relative to the search root
            prefix = "" if offset == "." else offset + "/"
            if prefix and self.matches(offset, is_dir=True):
                # The folder was named explicitly although excluded (as ruff does, a path given on the command
                # line is searched): inside it only patterns that match relative to it apply, such as .git/.
                prefix = ""
        return lambda rel, is_dir=False: self.matches(prefix + rel, is_dir)


def _is_venv(path: str) -> bool:
    return os.path.isfile(os.path.join(path, "pyvenv.cfg"))


def find_models(root: str | Path, patterns=MODEL_PATTERNS, exclusion: Exclusion | None = None) -> list[Path]:
    """Every model file under root, skipping excluded paths (by default VCS folders, node_modules, ...) and virtualenvs."""
    excluded = (exclusion if exclusion is not None else Exclusion()).under(root)
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        here = os.path.relpath(dirpath, root).replace(os.sep, "/")
        here = "" if here == "." else here + "/"
        dirnames[:] = sorted(d for d in dirnames
                             if not excluded(here + d, True) and not _is_venv(os.path.join(dirpath, d)))
        for f in sorted(filenames):
            if is_model_file(f, patterns) and not excluded(here + f):
                out.append(Path(dirpath) / f)
    return out


def ignored_by_git(folder: str | Path, paths: list[Path]) -> set[Path]:
    """The paths (files under `folder`) that git's ignore rules exclude (.gitignore, .git/info/exclude, the
    user's excludesFile); tracked files never are. Empty outside a git work tree or when git is missing."""
    if not paths:
        return set()
    rels = [os.path.relpath(p, folder) for p in paths]
    data = b"".join(r.encode("utf-8", "surrogateescape") + b"\0" for r in rels)
    try:
        out = subprocess.run(["git", "-C", str(folder), "check-ignore", "-z", "--stdin"], input=data,
                             capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return set()
    if out.returncode != 0:  # 1: nothing ignored; 128: not a repository
        return set()
    ignored = {x.decode("utf-8", "surrogateescape") for x in out.stdout.split(b"\0") if x}
    return {p for p, r in zip(paths, rels) if r in ignored}


def git_root(path: Path) -> Path | None:
    start = path if path.is_dir() else path.parent
    try:
        out = subprocess.run(["git", "-C", str(start), "rev-parse", "--show-toplevel"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(out.stdout.strip()) if out.returncode == 0 and out.stdout.strip() else None


def repo_files(root: Path) -> tuple[str, ...] | None:
    """Tracked and untracked-but-not-ignored files of a git repository, repository-relative."""
    try:
        out = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return tuple(sorted({p.decode("utf-8", "surrogateescape") for p in out.stdout.split(b"\0") if p}))
