"""What a check may know about the world, handed in by the front end (the engine does no I/O)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from .selection import Config
from .finding import Severity

if TYPE_CHECKING:  # the catalog package imports the engine, not the other way round
    from ..catalog import Catalog


@dataclass(frozen=True)
class CheckContext:
    today: date = field(default_factory=date.today)
    # Repository-relative paths of the files in the repository (for TM404), or None when unknown.
    repo_files: tuple[str, ...] | None = None
    # Repository configuration (select/ignore/severity); build it with threatlint.settings.context_for().
    config: Config = field(default_factory=Config)
    # Catalog for TM106 (built-in plus the repository's extra-catalogs); None means the built-in one.
    catalog: "Catalog | None" = None
    # Only findings at or above this severity are wanted (the gate's --fail-on): rules that cannot reach it,
    # after the configuration's severity overrides, are not run, and lower findings are left out. None: all.
    min_severity: Severity | None = None


def resolve_today(value: str | None = None, environ=os.environ) -> date:
    """--today wins, then THREATLINT_TODAY, then the system date."""
    raw = value or environ.get("THREATLINT_TODAY")
    if not raw:
        return date.today()
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise ValueError(f"invalid date {raw!r}: expected YYYY-MM-DD") from None
