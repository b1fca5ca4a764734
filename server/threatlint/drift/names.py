"""Which paths may be infrastructure, by name alone (the first, cheap test every front end makes)."""
from __future__ import annotations

_SUFFIXES = (".tf", ".yaml", ".yml", ".json")


def candidate(path: str) -> bool:
    """A Terraform, YAML or JSON file: only those are ever opened to look for components."""
    return path.endswith(_SUFFIXES)
