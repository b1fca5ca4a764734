"""Which repositories a portfolio covers: folders named on the command line, or files that list them (I/O)."""
from __future__ import annotations

import os
from pathlib import Path


def read_list(path: Path) -> tuple[list[Path], list[str]]:
    """One repository path a line; blank lines and lines starting with # are skipped; relative paths are
    relative to the list file's folder (so a list checked in beside the checkouts works from anywhere)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        return [], [f"{path}: cannot read the repository list: {getattr(e, 'strerror', None) or e}"]
    out, errors = [], []
    for number, line in enumerate(text.splitlines(), 1):
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        if "\0" in entry:
            errors.append(f"{path}:{number}: a path cannot contain a NUL character")
            continue
        p = Path(entry).expanduser()
        out.append(p if p.is_absolute() else path.parent / p)
    return out, errors


def kind(p: Path) -> str | None:
    """"dir", "file" or None (missing, or a name the file system refuses: too long, a NUL)."""
    try:
        return "dir" if p.is_dir() else "file" if p.is_file() else None
    except (OSError, ValueError):
        return None


def repositories(args: list[str]) -> tuple[list[Path], list[str]]:
    """(repository folders in the order given, without repeats; errors for arguments that are neither)."""
    paths: list[Path] = []
    errors: list[str] = []
    for raw in args:
        p = Path(raw)
        what = kind(p)
        if what == "dir":
            paths.append(p)
        elif what == "file":
            listed, errs = read_list(p)
            paths += listed
            errors += errs
        else:
            errors.append(f"{raw}: no such file or directory")
    seen, unique = set(), []
    for p in paths:
        key = os.path.realpath(p)  # strict=False: a missing path resolves as far as it exists
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique, errors
