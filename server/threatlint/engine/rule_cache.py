"""Rule results kept between checks of successive versions of one document (the editor's cache).

Each rule declares what it reads (`Reads`, beside the rule). A rule's hits are kept while everything it reads
is unchanged; a rule that judges a list section item by item (`Reads.each`) is re-run only on the items an
edit changed. The incremental parser keeps the parse of every unchanged item, so "unchanged" is mostly an
identity test; values are otherwise compared strictly (`True` is not `1`). Tests compare the result with a
fresh check after random edits, on every YAML layout.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .model import Model

if TYPE_CHECKING:
    from ..rules.registry import Hit, Rule
    from .context import CheckContext

_NOT_MAP = object()  # stands for a list item that is not a mapping (a rule sees no keys in it)
_MISSING = object()


def same(a, b) -> bool:
    """Equal and of the same types all the way down (YAML's `1`, `1.0` and `true` are equal in Python)."""
    if a is b:
        return True
    t = type(a)
    if t is not type(b):
        return False
    if t is dict:
        return len(a) == len(b) and all(k1 == k2 and same(v1, v2) for (k1, v1), (k2, v2) in zip(a.items(), b.items()))
    if t is list or t is tuple:
        return len(a) == len(b) and all(map(same, a, b))
    return a == b


def _get(value, keys: tuple[str, ...]):
    for k in keys:
        if not isinstance(value, dict):
            return _NOT_MAP
        value = value.get(k, _MISSING)
    return value


def read_part(data: dict, part: str):
    """The value of one declared part (see `Reads`) in a document's data."""
    if "[]." in part:
        section, rest = part.split("[].", 1)
        keys = tuple(rest.split("."))
        seq = data.get(section, _MISSING)
        if not isinstance(seq, list):
            return seq
        return tuple(_get(item, keys) if isinstance(item, dict) else _NOT_MAP for item in seq)
    section, *keys = part.split(".")
    value = data.get(section, _MISSING)
    if keys:
        return _get(value, tuple(keys))
    return tuple(value) if isinstance(value, list) else value


class _Subset(Model):
    """The model with only some items of one list section: a rule that judges items one at a time sees just those."""

    def __init__(self, model: Model, section: str, only: list):
        super().__init__(model.doc)
        self._section = section
        self._only = only

    def items(self, section: str):
        if section == self._section:
            yield from self._only
        else:
            yield from super().items(section)


class _State:
    __slots__ = ("key", "hits", "per_item")

    def __init__(self, key):
        self.key = key  # (context, values of the declared parts)
        self.hits: list | None = None  # a whole rule's hits
        self.per_item: dict = {}  # (id(item), index) -> (item, hits) of a rule with `each`


class RuleCache:
    """Plugged into `engine.check.check_document` by the editor: hits per rule, re-computed only as needed."""

    def __init__(self):
        self._states: dict[str, _State] = {}
        self._whole_only: set[str] = set()  # rules whose `each` declaration their hits contradicted
        self.runs: dict[str, int] = {}  # rule id -> items (or whole models) judged since the last reset

    def hits(self, rules: list[Rule], model: Model, ctx: CheckContext, tolerant: bool) -> list[tuple[Rule, list[Hit]]]:
        data = model.data
        parts: dict[str, object] = {}

        def key_of(rule: Rule):
            values = []
            for p in rule.reads.parts:
                if p not in parts:
                    parts[p] = read_part(data, p)
                values.append(parts[p])
            return (ctx, tuple(values))

        out: list[tuple[Rule, list]] = []
        subsets: dict[tuple, _Subset] = {}
        for rule in rules:
            reads = rule.reads
            try:
                if reads is None:
                    self._count(rule, 1)
                    out.append((rule, list(rule.check(model, ctx))))
                    continue
                key = key_of(rule)
                state = self._states.get(rule.id)
                if state is None or not (state.key[0] == ctx and same(state.key[1], key[1])):
                    state = self._states[rule.id] = _State(key)
                if reads.each is None or rule.id in self._whole_only:
                    if state.hits is None:
                        self._count(rule, 1)
                        hits = list(rule.check(model, ctx))
                        state.hits = hits if not (reads.quotes_lines and hits) else None
                    else:
                        hits = state.hits
                    out.append((rule, hits))
                    continue
                hits = self._each(rule, reads.each, model, ctx, state, subsets)
                if hits is None:  # a hit outside the item it judged: judge the whole model from now on
                    self._whole_only.add(rule.id)
                    state.per_item = {}
                    self._count(rule, 1)
                    hits = state.hits = list(rule.check(model, ctx))
                out.append((rule, hits))
            except Exception:
                self._states.pop(rule.id, None)
                if not tolerant:
                    raise
        return out

    def _each(self, rule: Rule, section: str, model: Model, ctx, state: _State, subsets: dict) -> list | None:
        items = list(model.items(section))
        old = state.per_item
        fresh: dict = {}
        changed = []
        for i, item in items:
            k = (id(item), i)
            hit = old.get(k)
            if hit is None or hit[0] is not item:
                changed.append((i, item))
            else:
                fresh[k] = hit
        if changed:
            self._count(rule, len(changed))
            sig = (section, tuple(i for i, _ in changed))
            subset = subsets.get(sig)  # rules that re-judge the same items share one view (and its lookups)
            if subset is None:
                subset = subsets[sig] = _Subset(model, section, changed)
            per = {i: (item, []) for i, item in changed}
            for h in rule.check(subset, ctx):
                p = h.path
                if len(p) < 2 or p[0] != section or p[1] not in per:
                    return None
                per[p[1]][1].append(h)
            for i, entry in per.items():
                fresh[(id(entry[0]), i)] = entry
        state.per_item = fresh
        out = []
        for i, item in items:
            hits = fresh[(id(item), i)][1]
            if hits:
                out += hits
        return out

    def _count(self, rule: Rule, n: int) -> None:
        self.runs[rule.id] = self.runs.get(rule.id, 0) + n
