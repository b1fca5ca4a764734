"""The mitigation (and threat) catalogs: data in YAML beside this file, plus small lookups.

Entries are plain data so teams can extend them; see README "Catalog".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files

import yaml


@dataclass(frozen=True)
class CatalogMitigation:
    id: str
    title: str
    stride: tuple[str, ...]
    kinds: tuple[str, ...]  # external_entity | process | data_store | flow
    description: str = ""
    effort: str = ""
    counters: tuple[str, ...] = field(default=())  # ids of catalog threats it counters


def _load(name: str) -> dict:
    return yaml.safe_load(files("threatlint.catalog").joinpath(name).read_text(encoding="utf-8")) or {}


@lru_cache(maxsize=None)
def mitigations() -> tuple[CatalogMitigation, ...]:
    out = []
    for m in _load("mitigations.yaml").get("mitigations", []):
        out.append(CatalogMitigation(
            id=m["id"], title=m["title"], stride=tuple(m.get("stride", ())), kinds=tuple(m.get("kinds", ())),
            description=m.get("description", ""), effort=str(m.get("effort", "")), counters=tuple(m.get("counters", ())),
        ))
    return tuple(out)


def mitigations_for(category: str, kind: str) -> list[CatalogMitigation]:
    """Catalog mitigations that counter `category` on an element of `kind` ("flow" for flows)."""
    return [m for m in mitigations() if category in m.stride and kind in m.kinds]
