"""Which paths may be infrastructure, by name alone (the first, cheap test every front end makes)."""
from __future__ import annotations

_SUFFIXES = (".tf", ".yaml", ".yml", ".json")
# Larger "infrastructure" files are generated data (lock files, dumps), not something a team writes: skipped.
MAX_BYTES = 2 * 1024 * 1024


def candidate(path: str) -> bool:
    """A Terraform, YAML or JSON file: only those are ever opened to look for components."""
    return path.endswith(_SUFFIXES)
