"""The threat and mitigation catalogs: data in YAML beside this file, plus small lookups.

Entries are plain data so teams can extend them (`extra-catalogs` in the
repository configuration; docs/catalog.md). A team's file is
checked against schemas/catalog.schema.json (the built-in files are checked by
the test suite) and every file for what a schema cannot say: ids unique across
files, references between threats and mitigations, STRIDE categories that
apply to the kinds, placeholders the templates may use.
"""
from __future__ import annotations

import hashlib
import json
import string
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib.resources import files

import yaml

from ..engine.locate import locate
from ..engine.model import APPLICABLE
from ..engine.parse import parse_yaml

BUILTIN_FILES = ("threats.yaml", "mitigations.yaml")
SCHEMA_FILE = "catalog.schema.json"
try:
    _FastLoader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _FastLoader = yaml.SafeLoader
# Names an attack-path or description template may use; `suggest` fills them for the matching element.
PLACEHOLDERS = frozenset({"element", "name", "kind", "boundary", "protocol", "assets", "target",
                          "from", "to", "sources", "destinations"})


class CatalogError(ValueError):
    """An invalid catalog file: names the file, the position, the JSON path and the problem."""

    def __init__(self, source: str, path: tuple = (), problem: str = "", line: int | None = None, column: int | None = None):
        self.source, self.path, self.problem, self.line, self.column = source, tuple(path), problem, line, column
        where = source if line is None else f"{source}:{line + 1}:{(column or 0) + 1}"
        super().__init__(f"{where}: {json_path(self.path)}: {problem}")


@dataclass(frozen=True)
class CatalogMitigation:
    id: str
    title: str
    stride: tuple[str, ...]
    kinds: tuple[str, ...]  # external_entity | process | data_store | flow
    description: str = ""
    effort: str = ""
    counters: tuple[str, ...] = field(default=())  # ids of catalog threats it counters
    source: str = "built-in"


@dataclass(frozen=True)
class CatalogThreat:
    id: str
    title: str
    stride: str
    kinds: tuple[str, ...]
    when: dict = field(compare=False, hash=False)  # a condition (catalog/conditions.py)
    description: str = ""
    entry: str = ""  # attack-path templates
    steps: tuple[str, ...] = ()
    cwe: tuple[int, ...] = ()
    capec: tuple[int, ...] = ()
    mitigations: tuple[str, ...] = ()
    source: str = "built-in"
    baseline: bool = False  # baseline hygiene: suggested as an idea, not reported by TM106 ...
    reported_when: dict | None = field(default=None, compare=False, hash=False)  # ... except where this holds

    @property
    def references(self) -> str:
        return ", ".join([f"CWE-{n}" for n in self.cwe] + [f"CAPEC-{n}" for n in self.capec])


@dataclass(frozen=True, eq=False)
class Catalog:
    """The threats and mitigations in force for a check: the built-in ones plus a team's extra files."""

    threats: tuple[CatalogThreat, ...] = ()
    mitigations: tuple[CatalogMitigation, ...] = ()
    sources: tuple[str, ...] = ()

    def __post_init__(self):
        # Frozen for sharing between checks; the id indexes are derived once here.
        object.__setattr__(self, "_threats", {t.id: t for t in self.threats})
        object.__setattr__(self, "_mitigations", {m.id: m for m in self.mitigations})
        object.__setattr__(self, "_tests", {})

    def test(self, threat: CatalogThreat):
        """The compiled `when` of one of this catalog's threats (compiled on first use)."""
        found = self._tests.get(threat.id)
        if found is None:
            from .conditions import compile_condition
            found = self._tests[threat.id] = compile_condition(threat.when)
        return found

    def reported(self, threat: CatalogThreat, facts, subject) -> bool:
        """Whether TM106 reports a match of this threat: every entry but baseline hygiene, and a baseline entry
        where its `reported_when` also holds (the context that makes the idea specific)."""
        if not threat.baseline:
            return True
        if threat.reported_when is None:
            return False
        key = threat.id + "#reported_when"
        found = self._tests.get(key)
        if found is None:
            from .conditions import compile_condition
            found = self._tests[key] = compile_condition(threat.reported_when)
        return found(facts, subject)

    def threat(self, ident: str) -> CatalogThreat | None:
        return self._threats.get(ident)

    def mitigation(self, ident: str) -> CatalogMitigation | None:
        return self._mitigations.get(ident)

    def threats_for(self, category: str, kind: str) -> list[CatalogThreat]:
        return [t for t in self.threats if t.stride == category and kind in t.kinds]

    def mitigations_for(self, category: str, kind: str) -> list[CatalogMitigation]:
        """Mitigations that counter `category` on an element of `kind` ("flow" for flows)."""
        return [m for m in self.mitigations if category in m.stride and kind in m.kinds]

    def mitigations_of(self, threat: CatalogThreat) -> list[CatalogMitigation]:
        return [m for m in map(self.mitigation, threat.mitigations) if m is not None]


# -- loading ---------------------------------------------------------------------------

def json_path(path) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


@lru_cache(maxsize=None)
def _validator():
    # Imported here: only a team's catalog file needs jsonschema, and the gate and CLI start faster without it.
    from jsonschema import Draft202012Validator

    schema = json.loads(files("threatlint.schemas").joinpath(SCHEMA_FILE).read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def _fail(source: str, doc, path: tuple, problem: str) -> CatalogError:
    rng = locate(doc.pos, path, "value") if doc is not None else None
    return CatalogError(source, path, problem, rng.start.line if rng else None, rng.start.character if rng else None)


def parse_catalog(text: str, source: str, trusted: bool = False) -> tuple[list[CatalogThreat], list[CatalogMitigation]]:
    """Parse and check one catalog file; raise CatalogError on the first problem."""
    threats, mitigations, _ = _parse_catalog(text, source, trusted)
    return threats, mitigations


def _parse_catalog(text: str, source: str, trusted: bool = False):
    """(threats, mitigations, parsed document or None) of one catalog file.

    `trusted` is for the built-in files only: the test suite validates them
    against the schema, so loading skips jsonschema (about 1.5 s for the whole
    built-in catalog) and takes their data from the JSON snapshot (or libyaml).
    """
    doc = None
    if trusted:
        data = _snapshot().get(text_digest(text))
        if data is None:  # edited since the snapshot was written: read the YAML itself (slower, never wrong)
            data = yaml.load(text, Loader=_FastLoader) or {}
    else:
        doc = parse_yaml(text)  # the bounded parser: no tags, aliases limited, duplicate keys refused
        if not doc.ok:
            f = doc.findings[0]
            raise CatalogError(source, (), f.message, f.range.start.line, f.range.start.character)
        data = doc.data if doc.data is not None else {}
        _schema_check(data, source, doc)
    threats, mitigations = [], []
    for i, t in enumerate(data.get("threats", [])):
        for j, kind in enumerate(t["kinds"]):
            if t["stride"] not in APPLICABLE[kind]:
                raise _fail(source, doc, ("threats", i, "kinds", j),
                            f"{t['stride']} does not apply to {kind} (applicable: {', '.join(APPLICABLE[kind])})")
        for path, tmpl in _templates(t):
            bad = [name for _, name, _, _ in string.Formatter().parse(tmpl) if name and name not in PLACEHOLDERS]
            if bad:
                raise _fail(source, doc, ("threats", i) + path,
                            f"unknown placeholder {{{bad[0]}}}; use one of {', '.join(sorted(PLACEHOLDERS))}")
        ap = t["attack_path"]
        threats.append(CatalogThreat(
            id=t["id"], title=t["title"], stride=t["stride"], kinds=tuple(t["kinds"]), when=t["when"],
            description=t["description"], entry=ap["entry"], steps=tuple(ap["steps"]), cwe=tuple(t.get("cwe", ())),
            capec=tuple(t.get("capec", ())), mitigations=tuple(t["mitigations"]), source=source,
            baseline=t.get("baseline", False), reported_when=t.get("reported_when")))
    for i, m in enumerate(data.get("mitigations", [])):
        for j, kind in enumerate(m["kinds"]):
            if not set(m["stride"]) & set(APPLICABLE[kind]):
                raise _fail(source, doc, ("mitigations", i, "kinds", j),
                            f"none of {', '.join(m['stride'])} applies to {kind} (applicable: {', '.join(APPLICABLE[kind])})")
        mitigations.append(CatalogMitigation(
            id=m["id"], title=m["title"], stride=tuple(m["stride"]), kinds=tuple(m["kinds"]), description=m["description"],
            effort=m["effort"], counters=tuple(m["counters"]), source=source))
    return threats, mitigations, doc


def _schema_check(data, source: str, doc) -> None:
    from ..engine.schema import describe_error, leaf_errors

    errors = sorted((e for top in _validator().iter_errors(data) for e in leaf_errors(top)),
                    key=lambda e: [str(p) for p in e.absolute_path])
    if not errors:
        return
    e = errors[0]
    problem = describe_error(e)
    if e.validator == "additionalProperties" and isinstance(e.instance, dict):
        allowed = e.schema.get("properties", {})
        extra = [k for k in e.instance if k not in allowed]
        problem = f"unknown key {', '.join(map(repr, extra))}" + (f"; allowed here: {', '.join(sorted(allowed))}" if allowed else "")
    elif e.validator == "required":
        problem = e.message.replace("is a required property", "is required")
    raise _fail(source, doc, tuple(e.absolute_path), problem)


def _templates(t: dict):
    yield ("description",), t["description"]
    yield ("attack_path", "entry"), t["attack_path"]["entry"]
    for k, step in enumerate(t["attack_path"]["steps"]):
        yield ("attack_path", "steps", k), step


def build_catalog(parts: list[tuple[str, str]], trusted: int = 0) -> Catalog:
    """A catalog from (source name, YAML text) pairs, checked across files.

    A mitigation counters the threats it lists and every threat that lists it,
    so a team's threat may name a built-in mitigation without editing it.
    The first `trusted` parts are built-in files (see parse_catalog).
    """
    threats: list[CatalogThreat] = []
    mitigations: list[CatalogMitigation] = []
    seen: dict[str, str] = {}
    docs = {}  # source -> parsed document, to place cross-file errors
    for n, (source, text) in enumerate(parts):
        ts, ms, docs[source] = _parse_catalog(text, source, trusted=n < trusted)
        for section, items in (("threats", ts), ("mitigations", ms)):
            for i, item in enumerate(items):
                if item.id in seen:
                    raise _fail(source, docs[source], (section, i, "id"), f"id {item.id!r} is already defined in "
                                f"{seen[item.id]}; give a team's own entries their own prefix (e.g. ACME-S-001)")
                seen[item.id] = source
        threats += ts
        mitigations += ms
    threat_ids = {t.id for t in threats}
    mitigation_ids = {m.id for m in mitigations}
    for i, t in enumerate(threats):
        for j, ref in enumerate(t.mitigations):
            if ref not in mitigation_ids:
                raise _fail(t.source, docs[t.source], ("threats", _local_index(threats, t), "mitigations", j),
                            f"threat {t.id} lists unknown mitigation {ref!r}")
    listed_by: dict[str, list[str]] = {}
    for t in threats:
        for ref in t.mitigations:
            listed_by.setdefault(ref, []).append(t.id)
    merged = []
    for m in mitigations:
        for j, ref in enumerate(m.counters):
            if ref not in threat_ids:
                raise _fail(m.source, docs[m.source], ("mitigations", _local_index(mitigations, m), "counters", j),
                            f"mitigation {m.id} counters unknown threat {ref!r}")
        counters = tuple(dict.fromkeys(m.counters + tuple(listed_by.get(m.id, ()))))
        merged.append(m if counters == m.counters else _replace_counters(m, counters))
    return Catalog(tuple(threats), tuple(merged), tuple(s for s, _ in parts))


def _local_index(items: list, item) -> int:
    """Position of `item` within its own file (error paths are per file)."""
    return next(i for i, x in enumerate(x for x in items if x.source == item.source) if x is item)


def _replace_counters(m: CatalogMitigation, counters: tuple[str, ...]) -> CatalogMitigation:
    return replace(m, counters=counters)


SNAPSHOT_FILE = "builtin.json"  # written by scripts/regenerate.py


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@lru_cache(maxsize=None)
def _snapshot() -> dict:
    """The built-in YAML files as JSON, keyed by the SHA-256 of the text each was read from.

    libyaml takes ~65 ms for the two files, JSON ~2 ms, and every `check` of a model with an unanswered
    STRIDE category loads the catalog (TM106). A file whose digest is not here is read as YAML.
    """
    try:
        data = json.loads(files("threatlint.catalog").joinpath(SNAPSHOT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def snapshot_text() -> str:
    """The contents of builtin.json for the built-in files as they are now (scripts/regenerate.py)."""
    out = {}
    for name in BUILTIN_FILES:
        text = _builtin_text(name)
        out[text_digest(text)] = yaml.load(text, Loader=_FastLoader) or {}
    return json.dumps(out, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def _builtin_text(name: str) -> str:
    return files("threatlint.catalog").joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def default_catalog() -> Catalog:
    """The built-in catalog (package data, read once)."""
    return build_catalog(_builtin_parts(), trusted=len(BUILTIN_FILES))


def _builtin_parts() -> list[tuple[str, str]]:
    return [(f"built-in {name}", _builtin_text(name)) for name in BUILTIN_FILES]


def with_extra(extra: list[tuple[str, str]]) -> Catalog:
    """The built-in catalog plus a team's files, as (file name, text) pairs."""
    if not extra:
        return default_catalog()
    return build_catalog(_builtin_parts() + list(extra), trusted=len(BUILTIN_FILES))


# -- the original lookups, kept for the language server's quick fixes --------------------

def mitigations() -> tuple[CatalogMitigation, ...]:
    return default_catalog().mitigations


def mitigations_for(category: str, kind: str) -> list[CatalogMitigation]:
    """Built-in mitigations that counter `category` on an element of `kind` ("flow" for flows)."""
    return default_catalog().mitigations_for(category, kind)
