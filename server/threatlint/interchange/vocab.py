"""Words the other tools use for what threatlint calls STRIDE categories and levels."""
from __future__ import annotations

import re

from ..engine.model import STRIDE

_LETTERS = dict(zip("STRIDE", STRIDE))


def stride(word) -> str | None:
    """Our STRIDE category for a tool's word ('Information disclosure', 'elevation-of-privilege',
    'Elevation of Privileges', 'I'), or None when it is not a STRIDE category."""
    if not isinstance(word, str):
        return None
    w = word.strip()
    if len(w) == 1:
        return _LETTERS.get(w.upper())
    key = re.sub(r"[^a-z]+", "_", w.lower()).strip("_")
    key = re.sub(r"privileges$", "privilege", key)
    return key if key in STRIDE else None


def strides(words) -> list[str]:
    out = []
    for w in words if isinstance(words, list) else [words]:
        s = stride(w)
        if s and s not in out:
            out.append(s)
    return out


LEVEL_WORDS = {"low": "low", "medium": "medium", "high": "high", "critical": "critical"}


def level(word) -> str | None:
    """low | medium | high | critical for the same word in any case; None for anything else."""
    return LEVEL_WORDS.get(word.strip().lower()) if isinstance(word, str) else None


def level_of_percent(value) -> str | None:
    """A 0..100 rating (OTM) on our four levels: up to 25 low, 50 medium, 75 high, above critical."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return "low" if value <= 25 else "medium" if value <= 50 else "high" if value <= 75 else "critical"


PERCENT_OF_LEVEL = {"low": 25, "medium": 50, "high": 75, "critical": 100}

# the OTM trust zone `threatlint export` puts elements with no boundary in (OTM wants every component in
# one); an import leaves those elements without a boundary again
UNZONED = "threatlint-no-boundary"
