"""The engine: pure functions from model text to findings. No I/O, no LSP, no git."""
from __future__ import annotations

import importlib

# Loaded on first use (PEP 562): the pipeline pulls in jsonschema and every rule, which costs
# hundreds of milliseconds that a front end needing only parse or scope (the gate) should not pay.
_EXPORTS = {
    "check_bytes": ".check", "check_document": ".check", "check_text": ".check",
    "CheckContext": ".context", "resolve_today": ".context",
    "Finding": ".finding", "Position": ".finding", "Range": ".finding", "Severity": ".finding",
    "ParsedDoc": ".parse", "parse_yaml": ".parse",
}
__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
