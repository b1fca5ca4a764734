"""Hypothesis strategies for threat models, built from schemas/threatmodel.schema.json.

`models()` draws schema-valid models whose references all point at defined ids,
`model_texts()` serialises them the ways a person or a tool writes YAML (block
and flow styles, CRLF or CR line ends, unicode or escapes), and the `mutated_*`
strategies break such texts the ways a half-typed or hostile file is broken.
Shared by the fuzz tests and the language-server stress test.
"""
from __future__ import annotations

import json
import os
import re
from datetime import date
from pathlib import Path

import yaml
from hypothesis import Phase, settings
from hypothesis import strategies as st

from threatlint.engine.model import ID_SITES

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schemas" / "threatmodel.schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
DEFS = SCHEMA["$defs"]

# FUZZ_EXAMPLES sets the examples per property: 40 in CI (about a minute on 2 cores), more for a long run.
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
# The short run CI makes is derandomized: the same examples every time, so a CI verdict can be reproduced and
# does not change between two runs of the same commit. Setting FUZZ_EXAMPLES (a long run) explores at random;
# pass --hypothesis-seed to repeat one. Every bug a random run found is kept as an explicit test.
DERANDOMIZE = "FUZZ_EXAMPLES" not in os.environ


# Shrinking a whole generated model takes minutes; the unshrunk failing example is printed all the same.
# FUZZ_SHRINK=1 turns shrinking back on when a failure needs minimising.
PHASES = (Phase.explicit, Phase.reuse, Phase.generate) + ((Phase.shrink,) if os.environ.get("FUZZ_SHRINK") else ())


def fuzz_settings(scale: float = 1.0, **kw):
    """Settings for one property; `scale` < 1 for properties whose examples are expensive."""
    return settings(max_examples=max(10, int(FUZZ_EXAMPLES * scale)), deadline=None, database=None,
                    phases=PHASES, derandomize=DERANDOMIZE, **kw)


# Sections whose items carry an `id`, in the order the ids must exist for references to resolve.
ID_SECTIONS = ("assets", "boundaries", "elements", "flows", "mitigations", "threats", "assumptions")

# Where each reference may point (TM004, docs/rules.md#tm004), keyed by the path of the referencing value: the
# engine's own table (a new reference site is generated as one without a change here). ID_SITES keys
# attack_path.target by its last key.
REF_TARGETS = {(("threats", "attack_path", "target") if site == ("threats", "target") else site): expects
               for site, expects in ID_SITES.items()}

# Everything a schema string may hold, surrogates excepted (they cannot be written as UTF-8).
ANY_CHAR = st.characters(blacklist_categories=("Cs",))
# Plain-ish text, so most generated values look like what people write.
WORDY = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=30)
_ID_FIRST = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
# The schema's id pattern ^[A-Za-z0-9][A-Za-z0-9_.:-]*$ (st.from_regex is several times slower to draw).
IDS = st.builds(lambda a, b: a + b, st.sampled_from(_ID_FIRST), st.text(_ID_FIRST + "_.:-", max_size=15))


def _resolve(node: dict) -> dict:
    while "$ref" in node:
        ref = node["$ref"]
        target = DEFS[ref.rsplit("/", 1)[-1]]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _is_ref(node: dict, name: str) -> bool:
    return node.get("$ref") == f"#/$defs/{name}"


def _text(node: dict):
    lo = node.get("minLength", 0)
    return st.one_of(WORDY.filter(lambda s: len(s) >= lo), st.text(ANY_CHAR, min_size=max(lo, 1), max_size=40))


def _date():
    d = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
    # Quoted or not: an unquoted date reaches the engine as a YAML timestamp, a quoted one as a string.
    return st.one_of(d, d.map(date.isoformat))


class _Ref:
    """A reference drawn before the ids it may point at are known; `_bind` turns it into an id."""

    __slots__ = ("targets", "pick")

    def __init__(self, targets: tuple, pick: int):
        self.targets, self.pick = targets, pick


def value(node: dict, path: tuple):
    """Strategy for a value valid under schema `node` at `path` (section names only, no indexes).

    Strategies are built once per schema location (building them per example costs more than drawing);
    references come out as `_Ref` placeholders that `_bind` resolves against the example's ids.
    """
    targets = REF_TARGETS.get(path)
    if targets is not None:
        ref = st.integers(0, 2**16).map(lambda i: _Ref(targets, i))
        if _resolve(node).get("type") == "array":
            return st.lists(ref, min_size=node.get("minItems", 1), max_size=3)
        return ref
    if _is_ref(node, "date"):
        return _date()
    node = _resolve(node)
    if "const" in node:
        return st.just(node["const"])
    if "enum" in node:
        return st.sampled_from(node["enum"])
    if "anyOf" in node:
        return st.one_of([value(n, path) for n in node["anyOf"]])
    kind = node.get("type")
    if kind == "string":
        return _text(node)
    if kind == "integer":
        return st.integers(node.get("minimum", -(2**40)), node.get("maximum", 2**40))
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        return st.lists(value(node["items"], path), min_size=node.get("minItems", 0), max_size=3,
                        unique=bool(node.get("uniqueItems")))
    if kind == "object":
        return _object(node, path)
    raise AssertionError(f"schema node the generator does not know: {node}")  # keeps the generator honest


def _object(node: dict, path: tuple):
    """A mapping with every required key and a random subset of the optional ones (`id` is added later)."""
    props = node.get("properties", {})
    required = set(node.get("required", ()))
    if "if" in node:
        # The one conditional the schema uses: `if: {not: {required: [k]}}, then: {required: [...]}`, "unless k
        # is there, these are required" (an exemption names an element and STRIDE categories, or a component).
        (key,) = node["if"]["not"]["required"]
        assert set(node) >= {"if", "then"} and set(node["then"]) == {"required"}, node  # keeps the generator honest
        return st.one_of(_mapping(props, required | {key}, path), _mapping(props, required | set(node["then"]["required"]), path))
    return _mapping(props, required, path)


def _mapping(props: dict, required: set, path: tuple):
    must, may = {}, {}
    for key, sub in props.items():
        if key != "id":
            (must if key in required else may)[key] = value(sub, path + (key,))
    return st.fixed_dictionaries(must, optional=may)


_SECTION_ITEMS = {key: _object(_resolve(node)["items"], (key,))
                  for key, node in SCHEMA["properties"].items() if _resolve(node).get("type") == "array"}
_OTHER_SECTIONS = {key: value(node, (key,)) for key, node in SCHEMA["properties"].items() if key not in _SECTION_ITEMS}


def _bind(obj, pools: dict):
    """Replace `_Ref`s by ids of their target sections; a reference with nothing to point at is dropped."""
    def ids(ref):
        found = [i for t in ref.targets for i in pools.get(t, ())]
        return found[ref.pick % len(found)] if found else None

    if isinstance(obj, _Ref):
        return ids(obj)
    if isinstance(obj, list):
        if obj and all(isinstance(o, _Ref) for o in obj):
            return list(dict.fromkeys(i for i in map(ids, obj) if i is not None)) or None
        return [_bind(o, pools) for o in obj]
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            v = _bind(v, pools)
            if v is not None:
                out[k] = v
        return out
    return obj


@st.composite
def models(draw, max_items: int = 4) -> dict:
    """A schema-valid model whose every reference resolves; ids are unique across the file."""
    counts = {s: draw(st.integers(0, max_items)) for s in ID_SECTIONS}
    # Required references need something to point at.
    if not counts["elements"]:
        counts["flows"] = 0  # a flow runs between elements
    if not counts["elements"] and not counts["flows"]:
        counts["threats"] = 0  # a threat affects an element or a flow
    all_ids = draw(st.lists(IDS, min_size=sum(counts.values()), max_size=sum(counts.values()), unique=True))
    pools, i = {}, 0
    for s in ID_SECTIONS:
        pools[s] = all_ids[i:i + counts[s]]
        i += counts[s]
    required = set(SCHEMA.get("required", ()))
    doc: dict = {}
    for key in SCHEMA["properties"]:
        # A section whose ids were drawn is always written, so every drawn reference resolves.
        if key not in required and not pools.get(key) and not draw(st.booleans()):
            continue
        if key in pools:
            items = draw(st.lists(_SECTION_ITEMS[key], min_size=counts[key], max_size=counts[key]))
            doc[key] = [{"id": ident, **item} for ident, item in zip(pools[key], items)]
        elif key in _SECTION_ITEMS:
            if key == "exemptions" and not (counts["elements"] or counts["flows"]):
                continue
            doc[key] = draw(st.lists(_SECTION_ITEMS[key], max_size=3))
        else:
            doc[key] = draw(_OTHER_SECTIONS[key])
    return _bind(doc, pools)


@st.composite
def dump_options(draw) -> dict:
    return {
        "default_flow_style": draw(st.sampled_from([False, True, None])),
        "allow_unicode": draw(st.booleans()),
        "sort_keys": draw(st.booleans()),
        "width": draw(st.sampled_from([20, 80, 4096])),
        "indent": draw(st.sampled_from([2, 3, 4])),
        "line_break": draw(st.sampled_from(["\n", "\r\n", "\r"])),
        "explicit_start": draw(st.booleans()),
    }


def dump(data, **opts) -> str:
    return yaml.dump(data, Dumper=yaml.CSafeDumper, **opts)


@st.composite
def model_texts(draw, max_items: int = 4) -> tuple[dict, str]:
    data = draw(models(max_items))
    return data, dump(data, **draw(dump_options()))


# -- mutations ---------------------------------------------------------------

# Characters that upset parsers, editors or position arithmetic.
ODD_CHARS = [
    "\t", "\r", "\r\n", "\n", "\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\ufeff", "\x00", "\x7f", "\x1b",
    "\u200b", "\u200e", "\u202e", "\u0301", "\U0001F600", "\U00010000", "\uffff", "\ufffe", "\u00a0",
    "'", '"', "#", "&", "*", "!", "|", ">", "%", "@", "`", "{", "}", "[", "]", ",", ":", "-", "?", " ",
]
TAGS = ["!!python/object/apply:os.system", "!!python/name:os.system", "!!python/object:os.Popen",
        "!!binary", "!!set", "!!omap", "!custom", "!<tag:example.com,2000:x>", "!!str", "!!int", "!!map"]


@st.composite
def insertions(draw, text: str) -> str:
    """Insert odd characters or YAML punctuation at random positions."""
    for _ in range(draw(st.integers(1, 5))):
        at = draw(st.integers(0, len(text)))
        piece = draw(st.one_of(st.sampled_from(ODD_CHARS), st.text(ANY_CHAR, max_size=4)))
        text = text[:at] + piece + text[at:]
    return text


@st.composite
def deletions(draw, text: str) -> str:
    for _ in range(draw(st.integers(1, 3))):
        if not text:
            break
        a = draw(st.integers(0, len(text) - 1))
        b = draw(st.integers(a, min(len(text), a + 40)))
        text = text[:a] + text[b:]
    return text


def _paths(data, prefix=()):
    yield prefix
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _paths(v, prefix + (i,))


OTHER_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=2**63), st.integers(max_value=-(2**63)), st.floats(allow_nan=True), st.text(ANY_CHAR, max_size=10),
    st.lists(st.integers(), max_size=3), st.dictionaries(WORDY, st.integers(), max_size=3),
    st.dates(), st.binary(max_size=5),
)


@st.composite
def swapped_types(draw) -> str:
    """A valid model with one value (or key) replaced by a value of another type."""
    data = draw(models())
    path = draw(st.sampled_from(list(_paths(data))))
    replacement = draw(OTHER_VALUES)
    if not path:
        data = replacement
    else:
        parent = data
        for p in path[:-1]:
            parent = parent[p]
        if isinstance(parent, dict) and draw(st.booleans()):
            parent[draw(st.one_of(st.integers(), st.booleans(), st.none(), WORDY))] = parent.pop(path[-1])
        else:
            parent[path[-1]] = replacement
    # Keys of mixed types cannot be sorted.
    return dump(data, **{**draw(dump_options()), "sort_keys": False})


@st.composite
def duplicate_keys(draw) -> str:
    """Block-style model with one of its lines repeated (a duplicate key at that level)."""
    _, text = draw(model_texts())
    text = dump(yaml.safe_load(text), default_flow_style=False)
    lines = text.split("\n")
    i = draw(st.integers(0, len(lines) - 1))
    lines.insert(draw(st.integers(0, len(lines))), lines[i])
    return "\n".join(lines)


@st.composite
def anchors_and_aliases(draw) -> str:
    """Anchors put on random values and aliases (defined, undefined, merge keys) put in place of others."""
    data = draw(models())
    text = dump(data, default_flow_style=draw(st.sampled_from([False, None])))
    lines = text.split("\n")
    names = draw(st.lists(st.sampled_from(["a", "b", "base", "x1"]), min_size=1, max_size=3))
    for _ in range(draw(st.integers(1, 6))):
        i = draw(st.integers(0, len(lines) - 1))
        line = lines[i]
        m = re.match(r"^(\s*(?:- )?[^:#]+:)( .*)?$", line)
        if not m:
            continue
        action = draw(st.sampled_from(["anchor", "alias", "merge", "alias-list"]))
        name = draw(st.sampled_from(names))
        if action == "anchor":
            lines[i] = f"{m.group(1)} &{name}{m.group(2) or ''}"
        elif action == "alias":
            lines[i] = f"{m.group(1)} *{name}"
        elif action == "merge":
            indent = re.match(r"^\s*(?:- )?", line).group(0).replace("-", " ")
            lines.insert(i + 1, f"{indent}<<: *{name}")
        else:
            lines[i] = f"{m.group(1)} [*{name}, *{name}, *{name}]"
    return "\n".join(lines)


@st.composite
def deep_nesting(draw) -> str:
    depth = draw(st.integers(1, 400))
    style = draw(st.sampled_from(["flow-seq", "flow-map", "block-seq", "block-map", "mixed"]))
    if style == "flow-seq":
        body = "[" * depth + "x" + "]" * draw(st.integers(0, depth))
    elif style == "flow-map":
        body = "{a: " * depth + "x" + "}" * draw(st.integers(0, depth))
    elif style == "block-seq":
        body = "\n".join(" " * (2 * i) + "-" for i in range(depth)) + " x"
    elif style == "block-map":
        body = "\n".join(" " * i + f"k{i}:" for i in range(depth)) + " x"
    else:
        body = "".join(draw(st.sampled_from(["[", "{a: ", "- ", "\n  ", "]", "}"])) for _ in range(depth))
    return f"version: 1\nsystem: {{name: n}}\nthreats: {body}\n" if draw(st.booleans()) else body


@st.composite
def huge_scalars(draw) -> str:
    size = draw(st.sampled_from([10_000, 100_000, 1_000_000]))
    piece = draw(st.sampled_from(["a", "é", "\U0001F600", "ab ", "x\n  "]))
    style = draw(st.sampled_from(["plain", "double", "single", "folded", "key"]))
    big = (piece * (size // len(piece)))[:size]
    if style == "plain":
        return f"version: 1\nsystem:\n  name: {big}\n"
    if style == "double":
        return f'version: 1\nsystem:\n  name: "{big}"\n'
    if style == "single":
        return f"version: 1\nsystem:\n  name: '{big}'\n"
    if style == "folded":
        return "version: 1\nsystem:\n  name: n\n  description: >-\n    " + big.replace("\n", "\n    ") + "\n"
    return f"version: 1\n{big.strip() or 'k'}: 1\n"


# Scalars at the edges of what YAML 1.1 resolves: huge ints (hex is not bounded by Python's digit limit),
# out-of-range dates, infinities, sexagesimal and octal numbers.
ODD_SCALARS = [
    "0x" + "f" * 5000, "1" * 5000, "-" + "9" * 400, "99999999999999999999", "1e309", "-.inf", ".nan", "0o777",
    "0777", "1_000", "190:20:30", "9999-12-31", "0001-01-01", "2026-02-30", "2026-13-01", "0b101", "~", "null",
    "yes", "No", "on", "=", "<<", "!!null ''", "! x", "'unterminated", '"\\uD800"', '"\\x00"', "[]", "{}",
]


@st.composite
def odd_scalars(draw) -> str:
    """A block-style valid model with some values replaced by edge-case scalars."""
    data = draw(models())
    lines = dump(data, default_flow_style=False).split("\n")
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        m = re.match(r"^(\s*(?:- )?[^:#]+:) \S.*$", lines[i])
        if m:
            lines[i] = f"{m.group(1)} {draw(st.sampled_from(ODD_SCALARS))}"
    return "\n".join(lines)


@st.composite
def mutated_texts(draw) -> str:
    """Any of the mutations, for the properties that hold for every input."""
    _, base = draw(model_texts())
    return draw(st.one_of(
        st.just(base[: draw(st.integers(0, len(base)))]),  # truncation
        insertions(base),
        deletions(base),
        swapped_types(),
        duplicate_keys(),
        anchors_and_aliases(),
        odd_scalars(),
        deep_nesting(),
        st.text(ANY_CHAR, max_size=200),
        st.lists(st.sampled_from(ODD_CHARS + ["a", "k:", "\n- "] + TAGS), max_size=60).map("".join),
    ))
