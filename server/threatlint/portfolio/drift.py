"""The seam to `threatlint drift` (built separately): drift findings per model, once a drift module exists.

The contract this module expects of `threatlint.drift`:

    findings_by_model(root: pathlib.Path, models: dict[str, dict]) -> dict[str, list]

(repository root; repository-relative model path -> model data; returns the drift findings of each model).
Until a module with that function is importable, `counts` answers None and the portfolio's drift column
says "n/a", so nothing here pretends drift was checked.
"""
from __future__ import annotations

import importlib
from pathlib import Path


def provider():
    try:
        module = importlib.import_module("threatlint.drift")
    except ImportError:
        return None
    return getattr(module, "findings_by_model", None)


def counts(root: Path, models: dict[str, dict]) -> dict[str, int] | None:
    """Drift findings per model path, or None when drift is not available."""
    find = provider()
    if find is None:
        return None
    found = find(root, models)
    return {path: len(found.get(path, ())) for path in models}
