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
class Rule:
    id: str
    severity: Severity
    summary: str
    help: str
    family: str
    check: Callable | None = None  # None for rules produced by the parser or the schema stage

    @property
    def help_uri(self) -> str:
        from ..links import rule_help_uri

        return rule_help_uri(self.id)


RULES: dict[str, Rule] = {}


def register(id: str, severity: str, summary: str, help: str, family: str, check=None) -> Rule:
    rule = Rule(id, Severity(severity), summary, help, family, check)
    RULES[id] = rule
    return rule


def rule(id: str, severity: str, summary: str, help: str):
    """Decorator: `@rule("TM201", "warning", "...", "...")` on `def check(model, ctx) -> Iterable[Hit]`."""

    def wrap(fn: Callable[..., Iterable[Hit]]):
        family = fn.__module__.rsplit(".", 1)[-1]
        register(id, severity, summary, help, family, fn)
        return fn

    return wrap
