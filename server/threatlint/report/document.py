"""One model's report inputs: its register, its diagram and its findings (pure; the CLI reads files)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from ..engine.finding import Finding
from ..engine.model import Model
from ..engine.parse import parse_yaml
from . import mermaid, register


@dataclass
class ModelReport:
    path: str
    today: date
    findings: list[Finding] = field(default_factory=list)
    register: register.Register | None = None  # None when the text is not a YAML mapping at all
    diagram: str = ""  # Mermaid text; empty when the model has no elements


def build_report(path: str, text: str | None, findings: list[Finding], today: date, rating: str | None = None,
                 stage: str | None = None) -> ModelReport:
    """Render what can be rendered: a schema-invalid model still gives its register and diagram. `rating` and
    `stage` are the repository configuration's (a model's own review.rating and review.stage win)."""
    rep = ModelReport(path, today, findings)
    if text is None:
        return rep
    doc = parse_yaml(text)
    if not doc.ok or not isinstance(doc.data, dict):
        return rep
    model = Model(doc)
    rep.register = register.build(model, today, rating, stage)
    rep.diagram = mermaid.diagram(model) if model.elements else ""  # "" : nothing to draw yet
    return rep


def findings_line(findings: list[Finding]) -> str:
    if not findings:
        return "no findings (`threatlint check` passes)"
    counts = Counter(f.severity.value for f in findings)
    parts = ", ".join(f"{counts[k]} {k}{'s' if counts[k] != 1 and k != 'info' else ''}" for k in ("error", "warning", "info") if counts[k])
    n = len(findings)
    return f"{n} finding{'s' if n != 1 else ''} ({parts}); run `threatlint check` for details"
