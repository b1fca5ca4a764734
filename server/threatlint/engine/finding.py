"""The one result type every front end consumes (LSP, CLI, gate)."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def parse(cls, value: str) -> "Severity":
        try:
            return cls(value.lower())
        except ValueError:
            raise ValueError(f"unknown severity {value!r}; expected error, warning or info") from None


_RANK = {Severity.ERROR: 3, Severity.WARNING: 2, Severity.INFO: 1}


@dataclass(frozen=True, order=True)
class Position:
    """0-based line and character (Unicode code points), as LSP counts lines."""

    line: int
    character: int

    def to_dict(self) -> dict:
        return {"line": self.line, "character": self.character}


@dataclass(frozen=True, order=True)
class Range:
    start: Position
    end: Position

    @classmethod
    def of(cls, sl: int, sc: int, el: int, ec: int) -> "Range":
        return cls(Position(sl, sc), Position(el, ec))

    def to_dict(self) -> dict:
        return {"start": self.start.to_dict(), "end": self.end.to_dict()}


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    range: Range
    # JSON path of the node the finding is about; quick fixes and suppressions use it.
    path: tuple = ()
    # Rule-specific facts a quick fix needs (element id, STRIDE category, ...).
    data: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def to_dict(self, file: str | None = None) -> dict:
        out = {
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "range": self.range.to_dict(),
        }
        if file is not None:
            out = {"file": file, **out}
        return out

    def sort_key(self):
        return (self.range.start.line, self.range.start.character, self.rule, self.message)
