"""What a diff changed: `git diff-index/diff-tree --raw -z -M` records as `Change`s."""
from __future__ import annotations

from dataclasses import dataclass

from .git import GitError, decode_path


@dataclass(frozen=True)
class Change:
    status: str  # A, C, D, M, R, T, U (git's letter, without the similarity score)
    old_path: str | None  # None for additions
    new_path: str | None  # None for deletions
    old_sha: str
    new_sha: str

    @property
    def content_changed(self) -> bool:
        """The file's bytes differ (a pure rename or mode change does not count; a whitespace edit does)."""
        if self.status in ("U", "T"):  # unmerged entries carry no blob; a type change is a change
            return True
        return self.old_sha != self.new_sha

    def paths(self) -> tuple[str, ...]:
        """The repository paths this change touches: a rename touches where the file left and where it went."""
        return tuple(p for p in dict.fromkeys((self.old_path, self.new_path)) if p is not None)

    def describe(self, path: str) -> str:
        """`path` as a user reads it in a block message, with what happened to it when that is not an edit."""
        if self.status == "D":
            return f"{path} (deleted)"
        if self.status == "R":
            return f"{path} (renamed to {self.new_path})" if path == self.old_path else f"{path} (renamed from {self.old_path})"
        if self.status == "C" and path == self.new_path:
            return f"{path} (copied from {self.old_path})"
        return path


def parse_raw(out: bytes) -> list[Change]:
    """Parse `--raw -z` output: `:mode mode sha sha STATUS\\0path\\0` (two paths for renames and copies)."""
    fields = out.split(b"\0")
    changes = []
    i = 0
    while i < len(fields):
        head = fields[i]
        if not head:
            i += 1
            continue
        if not head.startswith(b":"):
            raise GitError(f"unexpected diff output: {head[:80]!r}")
        parts = head[1:].decode("ascii", "replace").split(" ")
        if len(parts) != 5:
            raise GitError(f"unexpected diff record: {head[:80]!r}")
        _, _, old_sha, new_sha, status = parts
        letter = status[:1]
        if letter in ("R", "C"):
            if i + 2 >= len(fields):
                raise GitError("truncated diff output")
            old, new = decode_path(fields[i + 1]), decode_path(fields[i + 2])
            i += 3
        else:
            if i + 1 >= len(fields):
                raise GitError("truncated diff output")
            path = decode_path(fields[i + 1])
            old = None if letter == "A" else path
            new = None if letter == "D" else path
            i += 2
        changes.append(Change(letter, old, new, old_sha, new_sha))
    return changes
