"""The rule catalog: each rule is a small function registered with its id, severity and help."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

from ..engine.finding import Severity


@dataclass(frozen=True)
class Hit:
    """What a rule reports: where (a JSON path and which part of it) and what."""

    path: tuple
    message: str
    part: str = "value"  # "value", "key" (the key of the last path element) or "anchor" (an item's id)
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Narrow:
    """A value derived from some declared parts (the model's vocabulary) and which items a change of it can
    affect: when only `parts` changed, a rule with `each` re-judges only the items whose `text` the predicate
    `affected(old, new)` says may now be judged differently (and the items that changed themselves)."""

    parts: tuple[str, ...]
    summary: Callable  # (model) -> the derived value
    text: Callable  # (item) -> the text of an item the predicate below reads (kept while the item is)
    affected: Callable  # (old value, new value) -> predicate on that text


@dataclass(frozen=True)
class Reads:
    """What a rule's verdict depends on besides the check's context, declared beside the rule.

    The editor re-runs a rule only when something it reads changed (see engine/rule_cache.py); a rule
    without a declaration runs on every check. `each` names a list section the rule judges one item at a
    time: its hits on an item depend on that item (and its index) only, plus `parts`. Each entry of `parts`
    is a top-level key read whole (`"elements"`), a key of every item of a list section
    (`"threats[].affects"`, `"threats[].attack_path.target"`) or a key of a mapping section
    (`"system.criticality"`). `quotes_lines`: the rule's messages quote line numbers, which an edit
    elsewhere moves, so only an empty result can be kept.
    """

    each: str | None = None
    parts: tuple[str, ...] = ()
    quotes_lines: bool = False
    narrow: Narrow | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    summary: str
    help: str
    family: str
    check: Callable | None = None  # None for rules produced by the parser or the schema stage
    reads: Reads | None = None  # None: the rule may read anything, and is re-run on every check

    @property
    def help_uri(self) -> str:
        return f"https://threatlint.dev/rules/{self.id}"


RULES: dict[str, Rule] = {}


def register(id: str, severity: str, summary: str, help: str, family: str, check=None, reads: Reads | None = None) -> Rule:
    rule = Rule(id, Severity(severity), summary, help, family, check, reads)
    RULES[id] = rule
    return rule


def rule(id: str, severity: str, summary: str, help: str, reads: Reads | None = None):
    """Decorator: `@rule("TM201", "warning", "...", "...", reads=Reads(...))` on
    `def check(model, ctx) -> Iterable[Hit]`."""

    def wrap(fn: Callable[..., Iterable[Hit]]):
        family = fn.__module__.rsplit(".", 1)[-1]
        register(id, severity, summary, help, family, fn, reads)
        return fn

    return wrap
