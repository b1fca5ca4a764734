"""What exporters read from a threatlint model (tolerant of schema-invalid data, like engine.model)."""
from __future__ import annotations

from ..engine.model import categories, level, level_for_score

STRIDE_LABEL = {"spoofing": "Spoofing", "tampering": "Tampering", "repudiation": "Repudiation",
                "information_disclosure": "Information disclosure", "denial_of_service": "Denial of service",
                "elevation_of_privilege": "Elevation of privilege"}


def items(data: dict, section: str) -> list[dict]:
    value = data.get(section) if isinstance(data, dict) else None
    return [i for i in value if isinstance(i, dict) and isinstance(i.get("id"), str)] if isinstance(value, list) else []


def strings(value) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def name_of(item: dict) -> str:
    for key in ("name", "title"):
        if isinstance(item.get(key), str) and item[key].strip():
            return item[key].strip()
    return str(item.get("id"))


def severity(threat: dict) -> str | None:
    impact = threat.get("impact")
    value = impact.get("severity") if isinstance(impact, dict) else None
    return value if level(value) else None


def rating(threat: dict) -> tuple[str | None, str]:
    """The threat's overall rating and where it came from: its priority, else likelihood x severity on
    the rubric (TM302), else its impact severity; (None, why) when the model does not rate it."""
    if level(threat.get("priority")):
        return threat["priority"], f"priority {threat['priority']}"
    sev = severity(threat)
    if sev and level(threat.get("likelihood")):
        return (level_for_score(level(threat["likelihood"]) * level(sev)),
                f"likelihood {threat['likelihood']} x impact severity {sev}")
    if sev:
        return sev, f"impact severity {sev}"
    return None, "not rated in the threat model"


def stride_of(threat: dict) -> list[str]:
    return categories(threat.get("stride"))
