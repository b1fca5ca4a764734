"""An item of the model being imported: plain data plus comments naming the source field of a mapping."""
from __future__ import annotations

import re

_NOT_ID = re.compile(r"[^a-z0-9]+")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


class Item(dict):
    """A mapping written as one YAML block; `notes[key]` becomes an end-of-line comment on that key."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.notes: dict[str, str] = {}

    def put(self, key: str, value, note: str | None = None) -> None:
        """Set `key` unless the value is empty (an empty source field says nothing and is not written)."""
        if value is None or value == "" or value == [] or value == {}:
            return
        self[key] = value
        if note:
            self.notes[key] = note


class Ids:
    """Readable ids, unique across the whole model as the schema wants."""

    def __init__(self):
        self.used: set[str] = set()

    def make(self, text, fallback: str, keep: bool = False) -> str:
        """A slug of `text` (a name); with `keep`, `text` itself when it is already a short id (T-12)."""
        raw = str(text or "")
        if keep and _ID.match(raw) and len(raw) <= 60:
            base = raw
        else:
            base = _NOT_ID.sub("-", raw.lower()).strip("-")[:60].strip("-") or fallback
        if not base[0].isalnum():
            base = f"{fallback}-{base}"
        new, n = base, 2
        while new in self.used:
            new, n = f"{base}-{n}", n + 1
        self.used.add(new)
        return new


def readable(source_id) -> bool:
    """A source id worth keeping as ours: a short id that is not a UUID."""
    return isinstance(source_id, str) and bool(_ID.match(source_id)) and len(source_id) <= 60 \
        and not _UUID.match(source_id)


def obj(value) -> dict:
    """`value` when it is a mapping, else an empty one: a source of the wrong shape is read as missing."""
    return value if isinstance(value, dict) else {}


def seq(value) -> list:
    """`value` when it is a list, else an empty one."""
    return value if isinstance(value, list) else []


def word(value) -> str:
    """An enumerated source value (a type, a status) to look up in a table; '' for anything not a string."""
    return value if isinstance(value, str) else ""


def text(value) -> str:
    """A source string with surrounding blanks removed; anything not a string gives ''."""
    return value.strip() if isinstance(value, str) else ""


def one_line(value) -> str:
    """A title: its lines joined (tools wrap names on the canvas with newlines)."""
    return " ".join(text(value).split())


def new_model(name: str, rating: str | None) -> dict:
    model = {"version": 1, "system": Item(name=name or "Imported model")}
    if rating:
        model["review"] = Item(rating=rating)
    for section in ("assets", "boundaries", "elements", "flows", "threats", "mitigations", "assumptions"):
        model[section] = []
    return model
