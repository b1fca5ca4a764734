"""Write an imported model as YAML a person could have written (ruamel.yaml: comments, order, flow style).

Sections and keys follow the schema's order (the documented order, docs/format.md); a short list of
plain values is written inline (`stride: [spoofing, tampering]`); text with line breaks is a block
scalar; `draft.Item.notes` become end-of-line comments naming the source field of each mapping that is
not one-to-one.
"""
from __future__ import annotations

import io

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, FoldedScalarString, LiteralScalarString

from ..engine.schema import load_schema
from .draft import Item

FLOW_MAX_ITEMS = 6
FLOW_MAX_CHARS = 70
WIDTH = 100


def _key_order(schema: dict) -> dict:
    """path of object keys (tuple of section names) -> its property names in schema order."""
    orders = {(): list(schema["properties"])}
    for section, sub in schema["properties"].items():
        obj = sub.get("items", sub) if sub.get("type") == "array" else sub
        if "properties" in obj:
            orders[(section,)] = list(obj["properties"])
            for key, prop in obj["properties"].items():
                if "properties" in prop:
                    orders[(section, key)] = list(prop["properties"])
    return orders


def _ordered(data: dict, order: list) -> list:
    rank = {k: i for i, k in enumerate(order)}
    return sorted(data, key=lambda k: (rank.get(k, len(rank)), k if str(k).startswith("x-") else ""))


def _short(values: list) -> bool:
    return (len(values) <= FLOW_MAX_ITEMS and all(isinstance(v, (str, int, float, bool)) for v in values)
            and all("\n" not in str(v) for v in values)
            and sum(len(str(v)) + 2 for v in values) <= FLOW_MAX_CHARS)


def _width(value) -> int:
    """Columns a one-line value takes when written (flow lists included), so comments line up after it."""
    if isinstance(value, list):
        return 2 + sum(len(str(v)) + 2 for v in value) - 2
    if isinstance(value, bool):
        return 4 if value else 5
    return len(str(value)) if value is not None else 0


def _node(value, path: tuple, orders: dict, indent: int = 0, lead: int = 0):
    """`indent`: the column this mapping's keys start at (mappings indent 2, list items 4); `lead`: the
    columns before a scalar on its line (`indent` plus its key), to know whether it fits."""
    if isinstance(value, dict):
        node = CommentedMap()
        for key in _ordered(value, orders.get(path, [])):
            inner = indent + (4 if isinstance(value[key], list) else 2)
            node[key] = _node(value[key], path + (key,), orders, inner, indent + len(str(key)) + 2)
        for key, note in getattr(value, "notes", {}).items():
            if key in node:
                one_line = not isinstance(value[key], (dict, list)) or _short(value[key])
                column = indent + len(key) + 2 + (_width(value[key]) if one_line else 0) + 2
                node.yaml_add_eol_comment(note, key, column=column)
        return node
    if isinstance(value, list):
        seq = CommentedSeq(_node(v, path, orders, indent, indent) for v in value)
        if value and _short(value):
            seq.fa.set_flow_style()
        return seq
    if isinstance(value, str) and "\n" in value:
        if any(line != line.rstrip() for line in value.split("\n")):
            # a block would end lines with blanks a reader cannot see (and Markdown's two-blank line break
            # must survive): quoted, every character is kept and shown
            return DoubleQuotedScalarString(value)
        return LiteralScalarString(value)
    if isinstance(value, str) and lead + len(value) > WIDTH:
        # plain style would wrap it leaving a blank at each line end; folding changes runs of blanks
        if value == value.strip() and "  " not in value:
            return FoldedScalarString(value)
        return LiteralScalarString(value)
    return value


def render(model: dict, header: list[str], section_notes: dict | None = None) -> str:
    """The model as YAML text, `header` as the opening comment and `section_notes` before sections."""
    orders = _key_order(load_schema())
    root = CommentedMap()
    for key in _ordered(model, orders[()]):
        value = model[key]
        if value in ([], {}, None):
            continue
        node = _node(value, (key,), orders, 4 if isinstance(value, list) else 2)
        root[key] = node
    first = True
    for key in root:
        lines = [] if first else [""]
        lines += (section_notes or {}).get(key, [])
        if first:
            lines = header + [""] + lines
        first = False
        if lines:
            root.yaml_set_comment_before_after_key(key, before="\n".join(lines))
    yaml = YAML()
    yaml.width = WIDTH
    yaml.indent(mapping=2, sequence=4, offset=2)
    out = io.StringIO()
    yaml.dump(root, out)
    return out.getvalue()


__all__ = ["render", "Item"]
