"""Read a source file and name its format from its content."""
from __future__ import annotations

import json

from ..engine.parse import decode, parse_yaml
from . import InterchangeError

COMPOSER_KEYS = {"schema", "applicationInfo", "architecture", "dataflow", "assumptions", "mitigations",
                 "assumptionLinks", "mitigationLinks", "threats"}


def load(raw: bytes, name: str):
    """The source's data: JSON, else YAML read by the engine's bounded parser (no tags, bounded aliases)."""
    text, error = decode(raw)
    if error is not None:
        raise InterchangeError(f"{name}: {error.message}")
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            return json.loads(text)
        except json.JSONDecodeError as e:
            raise InterchangeError(f"{name}:{e.lineno}:{e.colno}: not valid JSON: {e.msg}") from None
    doc = parse_yaml(text)
    if doc.findings:
        f = doc.findings[0]
        raise InterchangeError(f"{name}:{f.range.start.line + 1}:{f.range.start.character + 1}: {f.message}")
    return doc.data


def detect(data) -> str:
    """threat-dragon | threat-composer | threagile | otm, from the keys each tool writes."""
    if not isinstance(data, dict):
        raise InterchangeError("not a threat model of any known tool: the top level is not an object")
    if "otmVersion" in data:
        return "otm"
    if "threagile_version" in data or "technical_assets" in data:
        return "threagile"
    detail = data.get("detail")
    if isinstance(detail, dict) and "diagrams" in detail and "summary" in data:
        return "threat-dragon"  # v1 or v2: from_threat_dragon reads both
    if "schema" in data and set(data) <= COMPOSER_KEYS and ("threats" in data or "applicationInfo" in data):
        return "threat-composer"
    raise InterchangeError("not a threat model of any known tool (Threat Dragon v1 or v2, threat-composer, Threagile, OTM); "
                           "name it with --from")
