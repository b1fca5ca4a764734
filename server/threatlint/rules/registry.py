"""The rule catalog: each rule is a small function registered with its id, severity, help and documentation.

A rule's documentation lives beside it, in its registration: `help` says what it finds, `why` why it
matters, `fix` how to fix it, `bad` and `good` a failing and a passing example (the part of a model
that matters; the page adds `version: 1` and `system`). A rule that judges what the repository deploys
or what runs against the model (drift) also has `infra`: the file each example's model is judged
against. docs/rules.md is generated from these (`python scripts/regenerate.py`); tests check that every
rule has them, that each failing example triggers the rule and each passing one does not
(rules/examples.py), and that docs/rules.md is current.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

from ..engine.finding import Severity
from ..engine.model import STAGES

# The stages a rule runs at (review.stage or the configuration's `stage`, engine/model.py). Structure, wrong
# categories and the guards of real risk run from the first draft; design checks once a design is being
# settled; bookkeeping of a running system (tickets, residual risk, business-impact fields) when operational.
EVERY_STAGE = STAGES
FROM_DESIGN = ("design", "operational")
OPERATIONAL = ("operational",)


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
    # (old value, new value) -> lower-case ASCII strings of which the lower-cased text of every ASCII item the
    # predicate accepts holds one as a word (not next to a letter, digit, '_' or '-'), or None: the cache then
    # looks for them in all texts at once and runs the predicate on those items only (and on every item whose
    # text is not ASCII or not a string).
    needles: Callable | None = None


@dataclass(frozen=True)
class Reads:
    """What a rule's verdict depends on besides the check's context, declared beside the rule.

    The editor re-runs a rule only when something it reads changed (see engine/rule_cache.py); a rule
    without a declaration runs on every check. `each` names a list section the rule judges one item at a
    time: its hits on an item depend on that item (and its index) only, plus `parts`. Each entry of `parts`
    is a top-level key read whole (`"elements"`), a key of every item of a list section
    (`"threats[].affects"`, `"threats[].attack_path.target"`) or a key of a mapping section
    (`"system.criticality"`). `quotes_lines`: the rule's messages quote line numbers, which an edit
    elsewhere moves (or its hits depend on where comments sit, as TM403's grouping on inline suppressions),
    so only an empty result can be kept.
    """

    each: str | None = None
    parts: tuple[str, ...] = ()
    quotes_lines: bool = False
    narrow: Narrow | None = None


@dataclass(frozen=True)
class Infra:
    """The other half of a drift rule's examples: an infrastructure file (or trace export) that the
    example's model (`bad` or `good`) is judged against, through threatlint.drift.check."""

    path: str  # its name in the example repository, which says how it is read: compose.yaml, traces.jsonl
    bad: str  # the file in the failing example
    good: str = ""  # the file in the passing example; empty: the same as `bad` (the fix is in the model)
    before: str = ""  # set: the examples are a change from this text to `bad`/`good` (what the gate judges)

    @property
    def passing(self) -> str:
        return self.good or self.bad


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    summary: str
    help: str
    family: str
    check: Callable | None = None  # None for rules produced by the parser or the schema stage
    reads: Reads | None = None  # None: the rule may read anything, and is re-run on every check
    stages: tuple[str, ...] = EVERY_STAGE
    why: str = ""  # why the finding matters
    fix: str = ""  # how to fix it
    bad: str = ""  # YAML that triggers the rule (a model's relevant part)
    good: str = ""  # the same, fixed
    infra: Infra | None = None  # drift rules: the file the examples' models are judged against

    def runs_at(self, stage: str) -> bool:
        return stage in self.stages

    @property
    def help_uri(self) -> str:
        from ..links import rule_help_uri

        return rule_help_uri(self.id)


RULES: dict[str, Rule] = {}


def register(id: str, severity: str, summary: str, help: str, family: str, check=None, reads: Reads | None = None,
             *, stages: tuple[str, ...] = EVERY_STAGE, why: str = "", fix: str = "", bad: str = "",
             good: str = "", infra: Infra | None = None) -> Rule:
    unknown = set(stages) - set(STAGES)
    if unknown or not stages:
        raise ValueError(f"{id}: stages must be some of {', '.join(STAGES)}, got {stages!r}")
    rule = Rule(id, Severity(severity), summary, help, family, check, reads, tuple(stages), why=why, fix=fix,
                bad=bad, good=good, infra=infra)
    RULES[id] = rule
    return rule


def rule(id: str, severity: str, summary: str, help: str, reads: Reads | None = None, *,
         stages: tuple[str, ...] = EVERY_STAGE, why: str = "", fix: str = "", bad: str = "", good: str = ""):
    """Decorator: `@rule("TM201", "warning", summary, help, reads=Reads(...), stages=FROM_DESIGN, why=...,
    fix=..., bad=..., good=...)` on
    `def check(model, ctx) -> Iterable[Hit]`."""

    def wrap(fn: Callable[..., Iterable[Hit]]):
        family = fn.__module__.rsplit(".", 1)[-1]
        register(id, severity, summary, help, family, fn, reads, stages=stages, why=why, fix=fix, bad=bad,
                 good=good)
        return fn

    return wrap
