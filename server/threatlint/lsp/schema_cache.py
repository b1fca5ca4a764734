"""TM002 with a cache per list item: only items an edit changed are validated again.

The root schema's list sections are plain `{"type": "array", "items": ...}`,
so the issues of the whole document are the issues of the document with its
lists emptied plus the issues of each item under the `items` schema. An item's
issues are cached by the identity of its (immutable, cached) parsed data, with
paths relative to the item, and rendered with the item's current index.
"""
from __future__ import annotations

from functools import lru_cache

from ..engine.schema import json_path, load_schema, schema_issues

_PLAIN_ARRAY = {"type", "items", "description"}


@lru_cache(maxsize=None)
def list_sections() -> tuple[str, ...] | None:
    """Top-level keys whose schema is a plain array of items (None: the shortcut does not apply)."""
    schema = load_schema()
    out = []
    for key, sub in schema.get("properties", {}).items():
        if sub.get("type") == "array":
            if not set(sub) <= _PLAIN_ARRAY or not isinstance(sub.get("items"), dict):
                return None
            out.append(key)
    return tuple(out)


class _Unexpected(Exception):
    """The engine's issue format changed in a way the cache cannot re-render: validate the whole document."""


def _item_issues(section: str, item, valid_root: dict | None = None) -> tuple:
    """(path relative to the item, part, message without its JSON-path prefix) of one item.

    The engine's own schema_issues validates a minimal document holding just
    this item, so messages stay exactly the engine's.
    """
    if valid_root is not None and not schema_issues({**valid_root, section: [item]}):
        # The item alone decides, and it is valid. Checked first because a valid document takes the engine's
        # compiled fast path, while the minimal document lacks required root keys and so always went through
        # jsonschema (a third of a keystroke's check at 50 threats).
        return ()
    out = []
    for path, part, msg in schema_issues({"version": 1, section: [item]}):
        if path[:2] != (section, 0):
            continue  # about the stand-in document's root (a required key); the skeleton covers the root
        prefix = json_path(path) + ": "
        if not msg.startswith(prefix):
            raise _Unexpected
        out.append((path[2:], part, msg[len(prefix):]))
    return tuple(out)


class SchemaCache:
    def __init__(self):
        self._items: dict[tuple[str, int], tuple[object, tuple]] = {}
        self._skeleton = None  # (identity of the non-list values, those values kept alive, their issues)

    def issues(self, data) -> list[tuple[tuple, str, str]]:
        sections = list_sections()
        if not isinstance(data, dict) or sections is None:
            return schema_issues(data)
        try:
            return self._issues(data, sections)
        except _Unexpected:
            self._items = {}
            return schema_issues(data)

    def _issues(self, data: dict, sections) -> list[tuple[tuple, str, str]]:
        skeleton = {k: ([] if k in sections and isinstance(v, list) else v) for k, v in data.items()}
        # The rest of the document is a handful of cached (never mutated) values: same objects, same issues.
        ident = tuple((k, id(v)) for k, v in skeleton.items() if not (k in sections and isinstance(data[k], list)))
        ident += tuple(k for k in skeleton if k in sections and isinstance(data[k], list))
        if self._skeleton is not None and self._skeleton[0] == ident:
            out = list(self._skeleton[2])
        else:
            out = schema_issues(skeleton)
            self._skeleton = (ident, [v for k, v in skeleton.items()], tuple(out))
        valid_root = None if out else skeleton  # the document with its lists emptied, when that is valid
        fresh: dict[tuple[str, int], tuple[object, tuple]] = {}
        old = self._items
        for section in sections:
            seq = data.get(section)
            if not isinstance(seq, list):
                continue
            for i, item in enumerate(seq):
                key = (section, id(item))
                hit = fresh.get(key) or old.get(key)
                if hit is None or hit[0] is not item:
                    hit = (item, _item_issues(section, item, valid_root))
                fresh[key] = hit
                for rel, part, rest in hit[1]:
                    path = (section, i) + rel
                    out.append((path, part, f"{json_path(path)}: {rest}"))
        self._items = fresh
        return out
