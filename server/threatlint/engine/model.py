"""A read-only view of a parsed model that rules query: items, the id index, references.

Rules run on documents that may violate the schema, so every accessor here
tolerates wrong types (a string where a list belongs, a list item that is not
a mapping) and simply yields less.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache

from .locate import locate
from .parse import ParsedDoc

SECTIONS = ("assets", "boundaries", "elements", "flows", "threats", "mitigations", "assumptions")
STRIDE = (
    "spoofing",
    "tampering",
    "repudiation",
    "information_disclosure",
    "denial_of_service",
    "elevation_of_privilege",
)
STRIDE_LETTER = dict(zip(STRIDE, "STRIDE"))
# Which STRIDE categories apply to which kind of element (docs/format.md, "STRIDE per kind").
APPLICABLE = {
    "external_entity": ("spoofing", "repudiation"),
    "process": STRIDE,
    "data_store": ("tampering", "repudiation", "information_disclosure", "denial_of_service"),
    "flow": ("tampering", "information_disclosure", "denial_of_service"),
}
# Words of element names too common to identify anything on their own.
_COMMON_WORDS = frozenset({
    "data", "system", "systems", "service", "services", "server", "servers", "user", "users", "with", "from", "into",
    "that", "this", "store", "stores", "flow", "flows", "process", "entity", "external", "internal", "information",
    "application", "component", "module", "layer", "the", "and", "for", "other", "main", "general",
})
SENSITIVE = frozenset({"pii", "credentials", "financial", "secret"})
LEVELS = {"low": 1, "medium": 2, "high": 3, "critical": 4}


def level(value) -> int:
    """1..4 for low..critical, 0 for anything else (a schema-invalid list or number included)."""
    return LEVELS.get(value, 0) if isinstance(value, str) else 0


def kind_name(value) -> str | None:
    """An element kind STRIDE knows, or None (also for a schema-invalid value)."""
    return value if isinstance(value, str) and value in APPLICABLE else None


def level_for_score(score: int) -> str:
    if score >= 12:
        return "critical"
    if score >= 6:
        return "high"
    if score >= 3:
        return "medium"
    return "low"


def as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def categories(value) -> list[str]:
    """The STRIDE categories of a threat or exemption (`stride:` is one or a list)."""
    return [c for c in as_list(value) if isinstance(c, str) and c in STRIDE]


def text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def parse_date(value) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


_TRIE_DEPTH = 4  # branch on at most this many leading characters; deeper, plain alternatives


def _alternation(terms) -> str:
    """A regex for any of `terms` (literal strings), factored by common prefixes.

    A flat `a|b|c...` is tried alternative by alternative at every position of
    the searched text, so one search cost grows with the number of terms and a
    rule searching every mitigation became quadratic in the model's size.
    Factored (`pay(?:ments|outs)`), a position is rejected after a character or
    two. The set of matched strings is the same.
    """
    def build(group: list[str], depth: int) -> str:
        if depth >= _TRIE_DEPTH or len(group) <= 2:
            alts = sorted(group, key=len, reverse=True)
            body = "|".join(re.escape(t) for t in alts)
            return body if len(alts) == 1 else "(?:" + body + ")"
        by_first: dict[str, list[str]] = {}
        ends = False
        for t in group:
            if t:
                by_first.setdefault(t[0], []).append(t[1:])
            else:
                ends = True
        alts = [re.escape(c) + build(rest, depth + 1) for c, rest in sorted(by_first.items())]
        if ends:
            alts.append("")  # the term ending here; after the longer ones, as in the flat form
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    return build(sorted(set(terms)), 0)


@lru_cache(maxsize=16)
def _vocabulary_regex(terms: frozenset) -> "re.Pattern":
    # Cached: the editor re-checks after every keystroke and the names rarely change between two.
    return re.compile(r"(?<![\w-])" + _alternation(terms) + r"(?![\w-])", re.IGNORECASE)


def names_any(terms: frozenset, text: str) -> bool:
    """Whether `text` names one of `terms` the way `Model.vocabulary` matches them."""
    if not terms:
        return False
    if text.isascii() and all(t.isascii() for t in terms):
        # Each match contains a term as it is: a text holding none of them cannot match (outside ASCII,
        # case-insensitive matching does not reduce to str.lower, so the regex alone decides).
        low = text.lower()
        if not any(t in low for t in terms):
            return False
    return _terms_regex(terms).search(text) is not None


@lru_cache(maxsize=4)
def _terms_regex(terms: frozenset) -> "re.Pattern":
    # Apart from _vocabulary_regex's cache: the few terms an edit changes must not evict the whole vocabulary.
    return re.compile(r"(?<![\w-])" + _alternation(terms) + r"(?![\w-])", re.IGNORECASE)


_NOUNS = {
    "assets": "asset",
    "boundaries": "boundary",
    "elements": "element",
    "flows": "flow",
    "threats": "threat",
    "mitigations": "mitigation",
    "assumptions": "assumption",
    "exemptions": "exemption",
}


@dataclass(frozen=True)
class Ref:
    """A reference to an id from somewhere in the model."""

    target: str
    path: tuple  # path of the referencing value
    expects: tuple  # sections the id may live in
    site: str  # human name of the reference site, e.g. "flow 'checkout' from"


# Every reference site TM004 checks (docs/rules.md#tm004): (section, key, expected target sections, many?)
REFERENCE_SITES = (
    ("flows", "from", ("elements",), False),
    ("flows", "to", ("elements",), False),
    ("flows", "data", ("assets",), True),
    ("flows", "returns", ("assets",), True),
    ("boundaries", "parent", ("boundaries",), False),
    ("elements", "boundary", ("boundaries",), False),
    ("elements", "stores", ("assets",), True),
    ("threats", "affects", ("elements", "flows"), True),
    ("threats", "mitigations", ("mitigations",), True),
    ("threats", "assets", ("assets",), True),
)
# Where an id is expected, as (section, key) -> sections it may come from: REFERENCE_SITES plus the two sites
# Model.references reads on their own (attack_path.target, keyed by its last key, and an exemption's element).
ID_SITES = {
    **{(section, key): expects for section, key, expects, _ in REFERENCE_SITES},
    ("threats", "target"): ("assets",),
    ("exemptions", "element"): ("elements", "flows"),
}


# What the id index (`definitions`, `lookup`) and `references` read, as rule `Reads` parts (rules/registry.py).
ID_PARTS = tuple(f"{section}[].id" for section in SECTIONS)
REFERENCE_PARTS = tuple(f"{section}[].{key}" for section, key, _, _ in REFERENCE_SITES) + (
    "threats[].attack_path.target", "exemptions[].element")
# What `covered` and `exempted` read.
COVERAGE_PARTS = ("threats[].stride", "threats[].affects", "exemptions[].element", "exemptions[].stride")
# What `vocabulary` reads.
VOCABULARY_PARTS = tuple(f"{s}[].{k}" for s in ("elements", "flows", "assets") for k in ("id", "name"))


def classifications(asset) -> frozenset[str]:
    """An asset's classifications: `classification` holds one value or a list of them."""
    c = asset.get("classification") if isinstance(asset, dict) else None
    return frozenset(x for x in (c if isinstance(c, list) else [c]) if isinstance(x, str))


class Model:
    def __init__(self, doc: ParsedDoc):
        self.doc = doc
        self.data = doc.data if isinstance(doc.data, dict) else {}

    # -- positions -------------------------------------------------------
    def range(self, path, part: str = "value"):
        return locate(self.doc.pos, path, part, self.doc.line_offset)

    # -- items -----------------------------------------------------------
    def items(self, section: str):
        """(index, item) for each mapping item of a top-level list section."""
        seq = self.data.get(section)
        if not isinstance(seq, list):
            return
        for i, item in enumerate(seq):
            if isinstance(item, dict):
                yield i, item

    def section(self, name: str):
        value = self.data.get(name)
        return value if isinstance(value, dict) else {}

    @staticmethod
    def id_of(item: dict) -> str | None:
        v = item.get("id")
        return v if isinstance(v, str) and v else (str(v) if isinstance(v, int) and not isinstance(v, bool) else None)

    def label(self, section: str, item: dict, index: int) -> str:
        noun = _NOUNS.get(section, section)
        ident = self.id_of(item)
        return f"{noun} '{ident}'" if ident else f"{noun} #{index + 1}"

    # -- id index ----------------------------------------------------------
    @cached_property
    def definitions(self) -> dict[str, list[tuple[str, int, dict]]]:
        """id -> every (section, index, item) defining it (more than one is TM003)."""
        out: dict[str, list] = {}
        for section in SECTIONS:
            for i, item in self.items(section):
                ident = self.id_of(item)
                if ident:
                    out.setdefault(ident, []).append((section, i, item))
        return out

    def lookup(self, ident, sections=SECTIONS) -> tuple[str, int, dict] | None:
        for d in self.definitions.get(ident, ()) if isinstance(ident, str) else ():
            if d[0] in sections:
                return d
        return None

    def by_id(self, section: str) -> dict[str, dict]:
        out = {}
        for _, item in self.items(section):
            ident = self.id_of(item)
            if ident and ident not in out:
                out[ident] = item
        return out

    @cached_property
    def elements(self) -> dict[str, dict]:
        return self.by_id("elements")

    @cached_property
    def flows(self) -> dict[str, dict]:
        return self.by_id("flows")

    @cached_property
    def assets(self) -> dict[str, dict]:
        return self.by_id("assets")

    @cached_property
    def mitigations(self) -> dict[str, dict]:
        return self.by_id("mitigations")

    @cached_property
    def references(self) -> list[Ref]:
        refs: list[Ref] = []
        for section, key, expects, many in REFERENCE_SITES:
            for i, item in self.items(section):
                value = item.get(key)
                if value is None:  # most items leave most reference keys out; no label to build
                    continue
                label = self.label(section, item, i)
                if many:
                    for j, target in enumerate(as_list(value)):
                        if isinstance(target, str):
                            p = (section, i, key, j) if isinstance(value, list) else (section, i, key)
                            refs.append(Ref(target, p, expects, f"{label} {key}"))
                elif isinstance(value, str):
                    refs.append(Ref(value, (section, i, key), expects, f"{label} {key}"))
        for i, item in self.items("threats"):
            ap = item.get("attack_path")
            if isinstance(ap, dict) and isinstance(ap.get("target"), str):
                refs.append(Ref(ap["target"], ("threats", i, "attack_path", "target"), ("assets",), f"{self.label('threats', item, i)} attack_path.target"))
        for i, item in self.items("exemptions"):
            if isinstance(item.get("element"), str):
                refs.append(Ref(item["element"], ("exemptions", i, "element"), ("elements", "flows"), f"exemption #{i + 1} element"))
        return refs

    @cached_property
    def referenced(self) -> set[str]:
        return {r.target for r in self.references}

    # -- STRIDE coverage -------------------------------------------------
    def kind_of(self, ident: str) -> str | None:
        """Element kind, or "flow", of the item with this id."""
        if ident in self.elements:
            return kind_name(self.elements[ident].get("kind"))
        if ident in self.flows:
            return "flow"
        return None

    @cached_property
    def covered(self) -> set[tuple[str, str]]:
        """(element-or-flow id, category) pairs that some threat addresses."""
        out = set()
        for _, t in self.items("threats"):
            cats = categories(t.get("stride"))
            for target in as_list(t.get("affects")):
                if isinstance(target, str):
                    for c in cats:
                        out.add((target, c))
        return out

    @cached_property
    def exempted(self) -> set[tuple[str, str]]:
        out = set()
        for _, x in self.items("exemptions"):
            el = x.get("element")
            if isinstance(el, str):
                for c in categories(x.get("stride")):
                    out.add((el, c))
        return out

    def boundary_of(self, element_id) -> str | None:
        el = self.elements.get(element_id) if isinstance(element_id, str) else None
        b = el.get("boundary") if el else None
        return b if isinstance(b, str) else None

    def crosses_boundary(self, flow: dict) -> bool:
        """A flow crosses a trust boundary when its ends sit in different (known) boundaries."""
        src, dst = flow.get("from"), flow.get("to")
        if not (isinstance(src, str) and isinstance(dst, str) and src in self.elements and dst in self.elements):
            return False
        return self.boundary_of(src) != self.boundary_of(dst)

    @cached_property
    def vocabulary_terms(self) -> frozenset[str]:
        """The lower-cased terms `vocabulary` matches: ids, full names and distinctive words of names."""
        terms = set()
        for items in (self.elements, self.flows, self.assets):
            for ident, item in items.items():
                terms.add(ident.lower())
                name = item.get("name")
                if isinstance(name, str) and name.strip():
                    terms.add(name.strip().lower())
                    terms.update(w for w in re.findall(r"[a-z0-9][a-z0-9-]{3,}", name.lower()) if w not in _COMMON_WORDS)
        return frozenset(t for t in terms if len(t) >= 2)

    @cached_property
    def vocabulary(self) -> "re.Pattern | None":
        """One regex matching any way text can name this model's elements, flows and assets.

        An id, a full name, or a distinctive word of a name ("payments" of "Payments
        API") counts: people write "the payments DB", not "Payments database". Built
        once per model so rules that search many threats stay linear.
        """
        terms = self.vocabulary_terms
        return _vocabulary_regex(terms) if terms else None

    def is_sensitive(self, asset_id) -> bool:
        a = self.assets.get(asset_id) if isinstance(asset_id, str) else None
        return bool(classifications(a) & SENSITIVE)
