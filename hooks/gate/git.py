"""Every git call the gate makes, each one process for the whole repository (never one per file).

Output is read with `-z` throughout, so paths with spaces, newlines or
non-ASCII characters come through unquoted whatever `core.quotepath` says.
Paths are decoded as the OS decodes file names (surrogateescape), the same way
Python decodes the file names pre-commit passes on the command line.
"""
from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass

# Environment that would change how git reads our pathspecs or output.
_DROP_ENV = ("GIT_LITERAL_PATHSPECS", "GIT_GLOB_PATHSPECS", "GIT_NOGLOB_PATHSPECS", "GIT_ICASE_PATHSPECS",
             "GIT_EXTERNAL_DIFF", "GIT_DIFF_OPTS")
TIMEOUT = 120
_UNKNOWN = object()  # Git built without discover: HEAD is asked for when needed


class GitError(Exception):
    """A git command failed; the message quotes git's own error."""


class GitUnavailable(GitError):
    """No repository here, or no git at all: an environment error (exit 2), not a verdict."""


def decode_path(raw: bytes) -> str:
    return os.fsdecode(raw)


def decode_paths(out: bytes) -> list[str]:
    """NUL-separated paths, decoded in one call (a NUL byte never occurs inside a UTF-8 sequence)."""
    return [p for p in os.fsdecode(out).split("\0") if p]


def _records(out: bytes):
    """(space-separated fields, path) of each `fields<TAB>path` record in `-z` output (ls-files --stage, ls-tree)."""
    for rec in out.split(b"\0"):
        if rec:
            meta, _, path = rec.partition(b"\t")
            yield meta.decode().split(" "), decode_path(path)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _DROP_ENV}
    # Read-only commands must not take index.lock while `git commit` is running us.
    env["GIT_OPTIONAL_LOCKS"] = "0"
    return env


@dataclass(frozen=True)
class IndexEntry:
    mode: str
    sha: str
    path: str


class Git:
    """A repository's git, run from its top-level folder (paths in and out are repository-relative)."""

    def __init__(self, root: str, git_dir: str | None = None, head: str | None | object = _UNKNOWN):
        self.root = root
        self.git_dir = git_dir  # this work tree's .git folder (absolute), where the gate keeps its scope cache
        self._head = head  # HEAD's commit as discover read it (None: no commit yet)
        self._started: dict[tuple[str, ...], subprocess.Popen] = {}

    @classmethod
    def discover(cls, cwd: str | None = None) -> tuple[Git, str]:
        """The repository around `cwd` and cwd's path inside it ('' at the top level, else 'sub/dir/')."""
        # HEAD's commit comes with the same call (exit code 1 and no line when there is no commit yet).
        try:
            out = _run(["rev-parse", "--show-toplevel", "--show-prefix", "--absolute-git-dir", "--verify", "--quiet",
                        "HEAD^{commit}"], cwd=cwd, ok_codes=(0, 1))
        except GitError as e:
            raise GitUnavailable(f"not inside a git work tree ({e})") from None
        lines = out.decode("utf-8", "surrogateescape").split("\n")
        if len(lines) < 3 or not lines[0] or not lines[2]:
            raise GitUnavailable("not inside a git work tree")
        head = lines[3] if len(lines) > 3 and lines[3] else None
        return cls(lines[0], lines[2], head), lines[1]

    def start(self, args: list[str]) -> None:
        """Start a read-only command now; the call that later runs the same arguments takes its output.

        Each git process costs a few milliseconds to start, so reads that do not depend on each other
        run side by side.
        """
        key = tuple(args)
        if key not in self._started:
            self._started[key] = _spawn(args, cwd=self.root, stdin=False)

    def close(self) -> None:
        """Stop commands that were started but never asked for (the run ended early)."""
        for proc in self._started.values():
            proc.kill()
            proc.communicate()
        self._started.clear()

    def start_staged_reads(self, base: str, pathspecs: list[str]) -> None:
        """The reads a staged run needs: the diff against `base`, the staged and untracked models, and the
        file list (needed only when a changed model is checked, but it costs the other core a few ms)."""
        for args in (_staged_raw_args(base), _index_entries_args(pathspecs), _untracked_args(pathspecs),
                     _INDEX_PATHS_ARGS):
            self.start(args)

    def run(self, args: list[str], input: bytes | None = None, ok_codes=(0,)) -> bytes:
        proc = self._started.pop(tuple(args), None) if input is None else None
        if proc is None:
            return _run(args, cwd=self.root, input=input, ok_codes=ok_codes)
        return _finish(proc, args, None, ok_codes)

    def commit_of(self, rev: str) -> str | None:
        """The commit `rev` names, or None when it names none (unborn HEAD, unknown ref)."""
        if rev == "HEAD" and self._head is not _UNKNOWN:
            return self._head
        out = self.run(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], ok_codes=(0, 1))
        sha = out.decode().strip()
        return sha or None

    def empty_tree(self) -> str:
        # Computed, not hard-coded: SHA-256 repositories have a different empty tree.
        return self.run(["hash-object", "-t", "tree", "--stdin"], input=b"").decode().strip()

    def merge_base(self, a: str, b: str) -> str | None:
        out = self.run(["merge-base", a, b], ok_codes=(0, 1))
        return out.decode().strip() or None

    def staged_raw(self, base: str) -> bytes:
        """`--raw -z` diff of the index against `base` (a commit or tree), with rename detection."""
        return self.run(_staged_raw_args(base))

    def range_raw(self, base: str, head: str) -> bytes:
        return self.run(["diff-tree", "-r", "--raw", "-z", "-M", "--no-abbrev", base, head, "--"])

    def index_entries(self, pathspecs: list[str] | None = None) -> list[IndexEntry]:
        """Staged entries (mode, blob, path); pathspecs limit them. Unmerged entries keep all their stages."""
        return [IndexEntry(mode if stage == "0" else "unmerged", sha, path)
                for (mode, sha, stage), path in _records(self.run(_index_entries_args(pathspecs or [])))]

    def index_paths(self) -> tuple[str, ...]:
        """Every staged path, as index_entries lists them, without the stage data (the repository's file list)."""
        return tuple(decode_paths(self.run(_INDEX_PATHS_ARGS)))

    def untracked(self, pathspecs: list[str]) -> list[str]:
        """Untracked files that are not ignored, limited to pathspecs."""
        return decode_paths(self.run(_untracked_args(pathspecs)))

    def tree_entries(self, rev: str) -> list[IndexEntry]:
        """Every blob (and link) in the tree of `rev`, recursively."""
        return [IndexEntry(mode, sha, path)
                for (mode, kind, sha), path in _records(self.run(["ls-tree", "-r", "-z", "--full-tree", rev]))
                if kind in ("blob", "commit")]

    def read_blobs(self, shas: list[str]) -> dict[str, bytes]:
        """Contents of many blobs through one `git cat-file --batch`; a missing object is a GitError."""
        wanted = list(dict.fromkeys(shas))
        if not wanted:
            return {}
        out = self.run(["cat-file", "--batch"], input=("\n".join(wanted) + "\n").encode())
        blobs: dict[str, bytes] = {}
        at = 0
        for sha in wanted:
            nl = out.index(b"\n", at)
            header = out[at:nl].decode(errors="replace").split(" ")
            if len(header) != 3:
                raise GitError(f"git cat-file: object {sha} is {' '.join(header[1:]) or 'unreadable'}")
            size = int(header[2])
            blobs[sha] = out[nl + 1: nl + 1 + size]
            at = nl + 1 + size + 1  # content is followed by a newline
        return blobs


_INDEX_PATHS_ARGS = ["ls-files", "-z", "--"]


def _staged_raw_args(base: str) -> list[str]:
    return ["diff-index", "--cached", "--raw", "-z", "-M", "--no-abbrev", base, "--"]


def _index_entries_args(pathspecs: list[str]) -> list[str]:
    return ["ls-files", "-z", "--stage", "--", *pathspecs]


def _untracked_args(pathspecs: list[str]) -> list[str]:
    return ["ls-files", "-z", "--others", "--exclude-standard", "--", *pathspecs]


def _run(args: list[str], cwd: str | None, input: bytes | None = None, ok_codes=(0,)) -> bytes:
    return _finish(_spawn(args, cwd, stdin=input is not None), args, input, ok_codes)


def _spawn(args: list[str], cwd: str | None, stdin: bool) -> subprocess.Popen:
    cmd = ["git", *args]
    try:
        return subprocess.Popen(cmd, cwd=cwd, env=_env(), stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except FileNotFoundError:
        raise GitUnavailable("git is not installed (or not on PATH)") from None
    except (OSError, subprocess.SubprocessError) as e:
        raise GitError(f"`{' '.join(cmd[:3])}` could not run: {e}") from None


def _finish(proc: subprocess.Popen, args: list[str], input: bytes | None, ok_codes) -> bytes:
    try:
        out, err = proc.communicate(input, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise GitError(f"`git {args[0]}` did not answer within {TIMEOUT} s") from None
    except (OSError, subprocess.SubprocessError) as e:
        proc.kill()
        raise GitError(f"`git {' '.join(args[:2])}` could not run: {e}") from None
    if proc.returncode not in ok_codes:
        lines = err.decode("utf-8", "replace").strip().splitlines()
        detail = lines[-1] if lines else f"exit code {proc.returncode}"
        raise GitError(f"`git {args[0]}` failed: {detail}")
    return out
