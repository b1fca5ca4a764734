"""Finding model files on disk and the repository around them (front-end I/O, not engine)."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

from .engine.filenames import MODEL_PATTERNS, is_model_file  # noqa: F401 (the one definition; callers import it from here too)

SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", ".venv", "venv", ".tox", ".nox", "__pycache__",
             ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages", "dist", "build", ".eggs"}


def _is_venv(path: str) -> bool:
    return os.path.isfile(os.path.join(path, "pyvenv.cfg"))


def find_models(root: str | Path, patterns=MODEL_PATTERNS) -> list[Path]:
    """Every model file under root, skipping VCS folders, virtualenvs and node_modules."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not _is_venv(os.path.join(dirpath, d)))
        for f in sorted(filenames):
            if is_model_file(f, patterns):
                out.append(Path(dirpath) / f)
    return out


def expand_paths(paths, patterns=MODEL_PATTERNS) -> tuple[list[Path], list[str]]:
    """Files as given, directories searched for models. Returns (files, errors)."""
    files, errors = [], []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            files.extend(find_models(p, patterns))
        elif p.is_file():
            files.append(p)
        else:
            errors.append(f"{raw}: no such file or directory")
    return files, errors


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
