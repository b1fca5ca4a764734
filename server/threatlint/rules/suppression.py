"""Inline suppression comments (TM007); produced by the suppression step, engine/selection.py."""
from __future__ import annotations

from .registry import register

register(
    "TM007",
    "warning",
    "Invalid suppression comment",
    "A `# threatlint: ignore[TM201] reason` comment must name known rule ids (or prefixes such as TM2) and say why "
    "the finding does not apply. A comment without a reason still suppresses, but is reported so the reason gets "
    "written down.",
    "structure",
)
