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
    why=("A suppression hides a finding from everyone who reads the model later; without the reason they "
         "cannot tell a judgement from a shortcut, and a misspelt rule id suppresses nothing."),
    fix=("Name existing rule ids (or prefixes such as `TM2`) and write after the brackets why the finding "
         "does not apply."),
    bad="""\
elements:
  - {id: batch, kind: process}  # threatlint: ignore[TM101]
""",
    good="""\
elements:
  - {id: batch, kind: process}  # threatlint: ignore[TM101] modelled in batch.threatmodel.yaml
""",
)
