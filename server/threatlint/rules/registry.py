"""The rule catalog: each rule is a small function registered with its id, severity and help."""
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
class Rule:
    id: str
    severity: Severity
    summary: str
    help: str
    family: str
    check: Callable | None = None  # None for rules produced by the parser or the schema stage
    stages: tuple[str, ...] = EVERY_STAGE

    def runs_at(self, stage: str) -> bool:
        return stage in self.stages

    @property
    def help_uri(self) -> str:
        return f"https://threatlint.dev/rules/{self.id}"


RULES: dict[str, Rule] = {}


def register(id: str, severity: str, summary: str, help: str, family: str, check=None,
             stages: tuple[str, ...] = EVERY_STAGE) -> Rule:
    unknown = set(stages) - set(STAGES)
    if unknown or not stages:
        raise ValueError(f"{id}: stages must be some of {', '.join(STAGES)}, got {stages!r}")
    rule = Rule(id, Severity(severity), summary, help, family, check, tuple(stages))
    RULES[id] = rule
    return rule


def rule(id: str, severity: str, summary: str, help: str, stages: tuple[str, ...] = EVERY_STAGE):
    """Decorator: `@rule("TM201", "warning", "...", "...", stages=FROM_DESIGN)` on
    `def check(model, ctx) -> Iterable[Hit]`."""

    def wrap(fn: Callable[..., Iterable[Hit]]):
        family = fn.__module__.rsplit(".", 1)[-1]
        register(id, severity, summary, help, family, fn, stages)
        return fn

    return wrap
