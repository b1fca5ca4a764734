"""The parts of a model drift reads (scope, elements, flows, exemptions), parsed without the rest.

Threats, mitigations and assets are most of a model's text and none of drift's business. Their lines are
blanked, not removed, so every position stays where it is in the file, and the engine's parser reads what
is left. Whenever that is not clearly the same as the full parse (a column-0 line that is not a plain
top-level key, so a root that is not a block mapping; an alias or merge key whose anchor was blanked, which
no longer parses; anything else that does not parse), the whole file is parsed instead. A syntax error in
a blanked section does not stop drift: that is `check`'s to report (TM001).
"""
from __future__ import annotations

import re

from ..engine.parse import ParsedDoc, parse_yaml

SECTIONS = ("scope", "elements", "flows", "exemptions")
# A top-level key: at column 0, not a comment, a sequence item, a document marker or a flow collection.
_TOP_KEY = re.compile(r"^(?![#\-\s{\[\]}]|\.\.\.|---)(?:\"([^\"\n]*)\"|'([^'\n]*)'|([^:#\n]+?))[ \t]*:(?:[ \t]|$)",
                      re.MULTILINE)


def parse_for_drift(text: str) -> ParsedDoc:
    """A parse whose data has the model's scope, elements, flows and exemptions as the full parse has them."""
    slim = _blank_other_sections(text)
    if slim is not None:
        doc = parse_yaml(slim)
        if doc.ok and isinstance(doc.data, dict):
            return doc
    return parse_yaml(text)


def _blank_other_sections(text: str) -> str | None:
    if "\r" in text:
        return None  # old Mac or Windows line ends: the full parse counts lines as it must
    lines = text.split("\n")
    keep = True
    out = []
    for line in lines:
        if line and not line[0].isspace() and not line.startswith("#"):
            m = _TOP_KEY.match(line)
            if m is None:
                return None  # a column-0 line that is not a plain top-level key: let the full parse decide
            key = next(g for g in m.groups() if g is not None).strip()
            keep = key in SECTIONS
        out.append(line if keep else "")
    return "\n".join(out)
