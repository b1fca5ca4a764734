"""Each model's repository-side drift in a portfolio row: `threatlint drift` on the checked-out work tree,
through the same front end (drift_scan.py), so the count is the one `threatlint drift` would print."""
from __future__ import annotations

from pathlib import Path

from ..drift_scan import parse_model, repository_drift
from ..settings import load_for


def counts(root: Path, paths: list[str]) -> dict[str, int | None]:
    """TM500/TM501 findings per repository-relative model path; None for a model that does not parse (or
    cannot be read), whose drift cannot be computed."""
    out: dict[str, int | None] = dict.fromkeys(paths)
    rel_of = {root / rel: rel for rel in paths}
    parsed = []
    for path in rel_of:
        try:
            doc = parse_model(path)
        except OSError:
            doc = None
        if doc is not None:
            parsed.append((path, doc, load_for(path)))
    for found in repository_drift(parsed, model_name=lambda p: rel_of[p]):
        out[rel_of[found.model]] = found.count
    return out
