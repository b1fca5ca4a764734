"""The YAML documents of an infrastructure file, parsed with positions (Kubernetes files hold several)."""
from __future__ import annotations

import re

from ..engine.finding import Range
from ..engine.locate import locate
from ..engine.parse import ParsedDoc, parse_yaml
from .component import Problem

_MARKER = re.compile(r"^---(?:[ \t]|$)")


def documents(text: str) -> list[ParsedDoc]:
    """Each `---`-separated document, parsed on its own with its line offset in the file.

    The engine's parser reads one document (a model is one); splitting at marker lines first keeps its
    limits and positions for streams too. A `---` at column 0 can only be a marker in a file whose
    documents are mappings or lists, which is every file read here.
    """
    lines = text.splitlines(keepends=True)
    starts = [0] + [i for i, line in enumerate(lines) if i and _MARKER.match(line)]
    out = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        chunk = "".join(lines[start:end])
        if not chunk.strip() or chunk.strip() == "---":
            continue
        doc = parse_yaml(chunk)
        doc.line_offset = start
        out.append(doc)
    return out


def problems_of(doc: ParsedDoc, what: str) -> list[Problem]:
    """The parser's findings on a document, worded for an infrastructure file."""
    out = []
    for f in doc.findings:
        r = f.range
        shifted = Range.of(r.start.line + doc.line_offset, r.start.character, r.end.line + doc.line_offset,
                           r.end.character)
        out.append(Problem(f"cannot read this {what}: {f.message}", shifted))
    return out


def single_document(source: str, what: str, problems: list[Problem]) -> ParsedDoc | None:
    """The file's first YAML document when it parsed, else None; its parser findings (a refused tag is
    reported on a document that parsed too) are added to `problems`, worded for a `what`."""
    docs = documents(source)
    if not docs:
        return None
    doc = docs[0]
    problems += problems_of(doc, what)
    return doc if doc.ok else None


def where(doc: ParsedDoc, path: tuple, part: str = "key") -> Range:
    return locate(doc.pos, path, part, doc.line_offset)


def text(value) -> str | None:
    """A scalar as a string (compose and Kubernetes names may be written as numbers)."""
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
        return None
    s = str(value).strip()
    return s or None
