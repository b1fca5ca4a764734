"""Content, not bytes: a model counts as updated only when its parsed document changed.

Appending `# touched` to a model must not satisfy the gate. For each model whose bytes changed, the
old blob is parsed too (one `git cat-file --batch` for all of them) and the two documents compared;
comments, whitespace, key order and quoting leave the parsed data equal. A repository that prefers
any byte change sets `gate-model-update: any` (docs/gate.md).
"""
from __future__ import annotations

import re

from threatlint.engine.parse import decode, parse_yaml

from .changes import Change
from .git import Git
from .models import LoadedModel

_WHITESPACE = re.compile(r"\s+")
_COMMENT = re.compile(r"(?:^|(?<=\s))#[^\n]*", re.MULTILINE)


def unchanged_content(git: Git, models: list[LoadedModel], changes: list[Change], accepts_any) -> dict[str, str]:
    """Model path -> what changed ("comments", "whitespace", "formatting") for byte changes that leave
    the parsed model as it was. `accepts_any(model)` is True where the configuration counts any change."""
    by_path = {c.new_path: c for c in changes if c.new_path is not None and c.content_changed}
    pairs = []
    for m in models:
        change = by_path.get(m.path)
        if (change is None or m.doc is None or m.source.link or change.old_path is None
                or change.status not in ("M", "R", "C") or not change.old_sha.strip("0") or accepts_any(m)):
            continue
        pairs.append((m, change))
    if not pairs:
        return {}
    old = git.read_blobs([c.old_sha for _, c in pairs])
    out = {}
    for model, change in pairs:
        text, error = decode(old[change.old_sha])
        if error is not None:
            continue
        before = parse_yaml(text)
        if before.ok and before.data == model.doc.data and _same_types(before.data, model.doc.data):
            out[model.path] = what_changed(text, model.doc.text)
    return out


def _same_types(a, b) -> bool:
    """`==` says 1 == 1.0 == True; a model where `1` became `true` did change."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return all(_same_types(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return all(_same_types(x, y) for x, y in zip(a, b))
    return True


def what_changed(old: str, new: str) -> str:
    """'whitespace', 'comments' or 'formatting' (key order, quoting, flow or block style) between two texts
    whose parsed documents are equal. The parse already proved the content equal; this only words the
    message, so plain text comparisons of the lines that differ do (a `#` inside a quoted string is the
    same in both texts)."""
    old, new = _differing_lines(old, new)
    if _WHITESPACE.sub("", old) == _WHITESPACE.sub("", new):
        return "whitespace"
    if _WHITESPACE.sub("", _COMMENT.sub("", old)) == _WHITESPACE.sub("", _COMMENT.sub("", new)):
        return "comments"
    return "formatting"


def _differing_lines(old: str, new: str) -> tuple[str, str]:
    """The two texts without the lines they share at the start and at the end."""
    a, b = old.split("\n"), new.split("\n")
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    return "\n".join(a[start:len(a) - end]), "\n".join(b[start:len(b) - end])
