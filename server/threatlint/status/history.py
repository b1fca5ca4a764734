"""Reading a repository's history with git (the I/O half of `threatlint status`).

One `git log --name-status -z` pass gives every commit with the paths it
touched; model versions are then read with one `git cat-file --batch`
process for all of them, not one git call per file or per version.
"""
from __future__ import annotations

import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

GIT_TIMEOUT = 300


class GitError(Exception):
    """git is missing, the folder is not a repository, or git failed (message says which)."""


@dataclass(frozen=True)
class Commit:
    sha: str
    date: str  # committer date, ISO 8601 (YYYY-MM-DDTHH:MM:SS+HH:MM)
    subject: str
    changes: tuple[tuple[str, str], ...]  # (status letter, repository-relative path); a rename is D old + A new
    tags: tuple[str, ...] = ()  # tags that point at this commit (read in the same log pass, from %D)

    @property
    def day(self) -> str:
        return self.date[:10]


def _git(root: Path, *args: str, input: bytes | None = None) -> bytes:
    try:
        out = subprocess.run(["git", "-C", str(root), *args], input=input, capture_output=True, timeout=GIT_TIMEOUT)
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH)") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} took longer than {GIT_TIMEOUT}s") from None
    except OSError as e:
        raise GitError(f"cannot run git: {e}") from None
    if out.returncode != 0:
        msg = out.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {args[0]} failed: {msg[-1] if msg else 'exit ' + str(out.returncode)}")
    return out.stdout


def _path(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


LOG_FORMAT = "%x1e%H%x1f%cI%x1f%D%x1f%s"


def tags_of(decoration: str) -> tuple[str, ...]:
    """Tag names in a %D decoration ("HEAD -> main, tag: v1.0, origin/main"); ref names hold no ", "."""
    return tuple(part[5:] for part in decoration.split(", ") if part.startswith("tag: "))


def parse_log(raw: bytes) -> list[Commit]:
    """Parse `git log -z --name-status --format=LOG_FORMAT` output (newest first)."""
    commits: list[Commit] = []
    head: list | None = None
    changes: list[tuple[str, str]] = []

    def flush():
        if head is not None:
            commits.append(Commit(head[0], head[1], head[3], tuple(changes), tags_of(head[2])))

    tokens = raw.split(b"\0")
    i = 0
    while i < len(tokens):
        tok = tokens[i].lstrip(b"\n")
        i += 1
        if not tok:
            continue
        if tok.startswith(b"\x1e"):
            flush()
            parts = tok[1:].split(b"\x1f", 3)
            parts += [b""] * (4 - len(parts))
            head = [p.decode("utf-8", "replace") for p in parts]
            changes = []
            continue
        status = tok.decode("ascii", "replace")
        if status[:1] in ("R", "C") and i + 1 < len(tokens):  # only if rename detection is on after all
            old, new = _path(tokens[i]), _path(tokens[i + 1])
            i += 2
            if status[0] == "R":
                changes.append(("D", old))
            changes.append(("A", new))
        elif i < len(tokens):
            changes.append((status[:1], _path(tokens[i])))
            i += 1
    flush()
    return commits


def read_log(root: Path) -> list[Commit]:
    """Every commit reachable from HEAD, newest first, with the paths it changed (empty repo: [])."""
    try:
        _git(root, "rev-parse", "--verify", "-q", "HEAD")
    except GitError:
        return []  # no commit yet
    raw = _git(root, "-c", "core.quotePath=false", "log", "-z", "--no-renames", "--name-status", "--decorate=short",
               f"--format={LOG_FORMAT}", "HEAD", "--")
    return parse_log(raw)


def iter_blobs(root: Path, specs: list[tuple[str, str]]) -> Iterator[tuple[tuple[str, str], bytes | None]]:
    """Contents of (commit, path) pairs, in order, from one `git cat-file --batch` process; None where missing.

    Streams: each blob is handed out before the next is read, so memory holds one version at a time.
    """
    if not specs:
        return
    usable = ["\n" not in p and "\r" not in p for _, p in specs]  # the batch protocol is line-based
    try:
        proc = subprocess.Popen(["git", "-C", str(root), "cat-file", "--batch"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    except OSError as e:
        raise GitError(f"cannot run git: {e}") from None

    def feed():  # a thread, so a full stdout pipe cannot deadlock against a full stdin pipe
        try:
            for (c, p), ok in zip(specs, usable, strict=True):
                if ok:
                    proc.stdin.write(f"{c}:{p}\n".encode("utf-8", "surrogateescape"))
            proc.stdin.close()
        except (BrokenPipeError, OSError, ValueError):
            pass

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    try:
        for spec, ok in zip(specs, usable, strict=True):
            if not ok:
                yield spec, None
                continue
            header = proc.stdout.readline().split()
            if not header:
                raise GitError("git cat-file stopped before answering")
            if len(header) == 3 and header[1] == b"blob":
                size = int(header[2])
                data = proc.stdout.read(size)
                proc.stdout.read(1)  # the newline after the content
                yield spec, data
            else:  # "<spec> missing", or not a blob
                if len(header) == 3:
                    proc.stdout.read(int(header[2]) + 1)
                yield spec, None
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.wait()
        feeder.join(timeout=5)


def repo_root(path: Path) -> Path:
    start = path if path.is_dir() else path.parent
    raw = _git(start, "rev-parse", "--show-toplevel").decode("utf-8", "surrogateescape").strip()
    if not raw:
        raise GitError(f"{path} is not inside a git repository")
    return Path(raw)
