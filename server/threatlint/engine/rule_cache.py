"""Rule results kept between checks of successive versions of one document (the editor's cache).

Each rule declares what it reads (`Reads`, beside the rule). A rule's hits are kept while everything it reads
is unchanged; a rule that judges a list section item by item (`Reads.each`) is re-run only on the items an
edit changed. The incremental parser keeps the parse of every unchanged item, so "unchanged" is mostly an
identity test; values are otherwise compared strictly (`True` is not `1`). Tests compare the result with a
fresh check after random edits, on every YAML layout.
"""
from __future__ import annotations

from bisect import bisect_right
from itertools import chain
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


class _Parts:
    """The value of each declared part, tracked from one check to the next with a version that changes when the
    value does. Most keystrokes replace one list item: only that item's projections are read again."""

    def __init__(self):
        self._values: dict[str, tuple] = {}  # part -> (the section's items it was read from, or None; value)
        self.versions: dict[str, int] = {}
        self._counter = 0

    def begin(self, data: dict) -> None:
        self._data = data
        self._items: dict[str, tuple | None] = {}
        self._diffs: dict[tuple, list[int] | None] = {}
        self._seen: dict[str, int] = {}

    def items(self, section: str) -> tuple | None:
        """The items of a list section in this check (None: not a list)."""
        if section not in self._items:
            seq = self._data.get(section)
            self._items[section] = tuple(seq) if isinstance(seq, list) else None
        return self._items[section]

    def changes(self, old: tuple | None, section: str) -> list[int] | None:
        """Indices of the items that are not the objects they were in `old` (None: the length changed)."""
        new = self.items(section)
        if old is None or new is None or len(old) != len(new):
            return None
        key = (id(old), section)
        if key not in self._diffs:
            self._diffs[key] = [i for i, (a, b) in enumerate(zip(old, new)) if a is not b]
        return self._diffs[key]

    def version(self, part: str) -> int:
        if part in self._seen:
            return self._seen[part]
        data = self._data
        before = self._values.get(part)
        if "[]." in part:
            section, rest = part.split("[].", 1)
            items = self.items(section)
            changed = self.changes(before[0], section) if before is not None else None
            if changed is not None and isinstance(before[1], tuple):
                keys = tuple(rest.split("."))
                old = before[1]
                new = list(old)
                differs = False
                for i in changed:
                    item = items[i]
                    v = _get(item, keys) if isinstance(item, dict) else _NOT_MAP
                    if not same(old[i], v):
                        differs = True
                    new[i] = v
                value = tuple(new)
            else:
                value = read_part(data, part)
                differs = before is None or not same(before[1], value)
        else:
            items = None
            value = read_part(data, part)
            differs = before is None or not same(before[1], value)
        self._values[part] = (items, value)
        if differs or part not in self.versions:
            self._counter += 1
            self.versions[part] = self._counter
        self._seen[part] = self.versions[part]
        return self.versions[part]


class _State:
    __slots__ = ("key", "hits", "per_item", "per_index", "items", "summary")

    def __init__(self, key):
        self.key = key  # (context, versions of the declared parts)
        self.hits: list | None = None  # a whole rule's hits
        self.per_item: dict = {}  # (id(item), index) -> (item, hits) of a rule with `each`
        self.per_index: list | None = None  # the same by index, for the items below
        self.items: tuple | None = None  # the section's items per_index was made for
        self.summary = None  # the rule's `Reads.narrow` value when per_index was made


class _Corpus:
    """The `Narrow.text` of every item of a list section, kept while the items are the same objects, with the
    lower-cased ASCII texts joined into one string: finding the items that hold one of a few terms is then a few
    `str.find`s instead of a test of each item."""

    def __init__(self, fn, items: tuple, old: _Corpus | None):
        known = old.by_id if old is not None else {}
        self.items = items
        self.by_id: dict[int, tuple] = {}
        texts = []
        for item in items:
            if not isinstance(item, dict):
                texts.append(None)  # a rule sees no keys in it: never re-judged for a derived value
                continue
            hit = known.get(id(item))
            if hit is None or hit[0] is not item:
                hit = (item, fn(item))
            self.by_id[id(item)] = hit
            texts.append(hit[1])
        self.texts = texts
        self._joined: tuple | None = None
        self._found: dict[frozenset, set] = {}  # needles -> candidates

    def candidates(self, needles) -> set[int] | range:
        """Indices of the items whose text may hold one of `needles` as a word (see `Narrow.needles`)."""
        if needles is None or not all(isinstance(n, str) and n.isascii() and n for n in needles):
            return range(len(self.texts))
        key = frozenset(needles)
        found = self._found.get(key)
        if found is not None:
            return found  # rules sharing a Narrow ask the same
        if self._joined is None:
            lows, starts, others, at = [], [], [], 0
            for i, t in enumerate(self.texts):
                ascii_text = isinstance(t, str) and t.isascii()
                if t is not None and not ascii_text:
                    others.append(i)
                low = t.lower() if ascii_text else ""
                starts.append(at)
                lows.append(low)
                at += len(low) + 1
            self._joined = ("\n".join(lows), starts, others)
        joined, starts, others = self._joined
        found = set(others)
        # A needle inside a longer one finds every item the longer one does.
        for needle in [n for n in key if not any(m != n and m in n for m in key)]:
            pos = joined.find(needle)
            while pos >= 0:
                end = pos + len(needle)
                if (pos == 0 or joined[pos - 1] not in _WORD) and (end == len(joined) or joined[end] not in _WORD):
                    i = bisect_right(starts, pos) - 1
                    found.add(i)
                    if i + 1 >= len(starts):
                        break
                    pos = joined.find(needle, starts[i + 1])
                else:
                    pos = joined.find(needle, pos + 1)
        if len(self._found) >= 8:
            self._found.clear()
        self._found[key] = found
        return found


# What may not touch a needle for it to stand as a word (ASCII `\w` and '-', as `model.names_any` bounds terms).
_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


class RuleCache:
    """Plugged into `engine.check.check_document` by the editor: hits per rule, re-computed only as needed."""

    def __init__(self):
        self._states: dict[str, _State] = {}
        self._parts = _Parts()
        self._whole_only: set[str] = set()  # rules whose `each` declaration their hits contradicted
        self._corpora: dict[tuple, _Corpus] = {}  # (Narrow.text, section) -> the texts of its items
        self.runs: dict[str, int] = {}  # rule id -> items (or whole models) judged

    def hits(self, rules: list[Rule], model: Model, ctx: CheckContext, tolerant: bool) -> list[tuple[Rule, list[Hit]]]:
        parts = self._parts
        parts.begin(model.data)
        out: list[tuple[Rule, list]] = []
        subsets: dict[tuple, _Subset] = {}
        for rule in rules:
            reads = rule.reads
            try:
                if reads is None:
                    self._count(rule, 1)
                    out.append((rule, list(rule.check(model, ctx))))
                    continue
                key = (ctx, tuple(parts.version(p) for p in reads.parts))
                state = self._states.get(rule.id)
                fresh_state = state is None or state.key != key
                narrowed = None
                if fresh_state and state is not None and reads.narrow is not None and reads.each is not None:
                    narrowed = self._narrow(rule, state, key, model)
                if narrowed is not None:
                    state.key = key
                elif fresh_state:
                    state = self._states[rule.id] = _State(key)
                    if reads.narrow is not None:
                        state.summary = reads.narrow.summary(model)
                if reads.each is None or rule.id in self._whole_only:
                    if state.hits is None:
                        self._count(rule, 1)
                        hits = list(rule.check(model, ctx))
                        state.hits = hits if not (reads.quotes_lines and hits) else None
                    else:
                        hits = state.hits
                    out.append((rule, hits))
                    continue
                hits = self._each(rule, reads.each, model, ctx, state, subsets, fresh_state and narrowed is None, narrowed)
                if hits is None:  # a hit outside the item it judged: judge the whole model from now on
                    self._whole_only.add(rule.id)
                    state.per_item, state.per_index = {}, None
                    self._count(rule, 1)
                    hits = state.hits = list(rule.check(model, ctx))
                out.append((rule, hits))
            except Exception:
                self._states.pop(rule.id, None)
                if not tolerant:
                    raise
        return out

    def _judge(self, rule: Rule, section: str, model: Model, ctx, changed: list, subsets: dict) -> dict | None:
        """Hits per index of the (index, item) pairs in `changed`, or None when a hit lies outside its item."""
        self._count(rule, len(changed))
        sig = (section, tuple(i for i, _ in changed))
        subset = subsets.get(sig)  # rules that re-judge the same items share one view (and its lookups)
        if subset is None:
            subset = subsets[sig] = _Subset(model, section, changed)
        per: dict[int, list] = {i: [] for i, _ in changed}
        for h in rule.check(subset, ctx):
            p = h.path
            if len(p) < 2 or p[0] != section or p[1] not in per:
                return None
            per[p[1]].append(h)
        return per

    def _narrow(self, rule: Rule, state: _State, key, model: Model):
        """When only the parts of the rule's `Reads.narrow` changed: (the predicate of items to re-judge, the new
        derived value), else None."""
        narrow = rule.reads.narrow
        if state.per_index is None or state.key[0] != key[0]:
            return None
        for p, a, b in zip(rule.reads.parts, state.key[1], key[1]):
            if a != b and p not in narrow.parts:
                return None
        new = narrow.summary(model)
        old = state.summary
        state.summary = new
        return narrow.affected(old, new), narrow.needles(old, new) if narrow.needles is not None else None

    def _each(self, rule: Rule, section: str, model: Model, ctx, state: _State, subsets: dict, fresh_state: bool,
              narrowed=None) -> list | None:
        seq = model.data.get(section)
        changes = self._parts.changes(state.items, section) if not fresh_state and state.per_index is not None else None
        state.items = self._parts.items(section)
        if narrowed is not None:
            if changes is None:
                state.per_item = {}  # the list changed length as well: judge every item again
            else:
                corpus = self._corpus(rule.reads.narrow.text, section)
                affected, needles = narrowed
                texts = corpus.texts
                changes = sorted(set(changes) | {i for i in corpus.candidates(needles)
                                                 if texts[i] is not None and affected(texts[i])})
        if changes is not None:
            # Same list length, same declared parts (or only a derived value that these items do not meet):
            # re-judge the replaced items only.
            todo = [(i, seq[i]) for i in changes if isinstance(seq[i], dict)]
            per_index = state.per_index
            for i in changes:
                per_index[i] = ()
            if todo:
                per = self._judge(rule, section, model, ctx, todo, subsets)
                if per is None:
                    return None
                for i, hits in per.items():
                    per_index[i] = hits
            return list(chain.from_iterable(per_index))
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
            per = self._judge(rule, section, model, ctx, changed, subsets)
            if per is None:
                return None
            for i, item in changed:
                fresh[(id(item), i)] = (item, per[i])
        state.per_item = fresh
        per_index: list = [()] * (len(seq) if isinstance(seq, list) else 0)
        for i, item in items:
            per_index[i] = fresh[(id(item), i)][1]
        state.per_index = per_index if isinstance(seq, list) else None
        return list(chain.from_iterable(per_index))

    def _corpus(self, fn, section: str) -> _Corpus:
        """The texts `fn` gives the section's items, kept from one check to the next while the items are."""
        old = self._corpora.get((fn, section))
        items = self._parts.items(section) or ()
        if old is not None and self._parts.changes(old.items, section) == []:
            return old
        corpus = self._corpora[(fn, section)] = _Corpus(fn, items, old)
        return corpus

    def _count(self, rule: Rule, n: int) -> None:
        self.runs[rule.id] = self.runs.get(rule.id, 0) + n
