"""What exporters read from a threatlint model (tolerant of schema-invalid data, like engine.model)."""
from __future__ import annotations

from ..engine.model import DEFAULT_RATING, categories, effective_priority, level, rubric_level

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


def rating(threat: dict, scheme: str = DEFAULT_RATING) -> tuple[str | None, str]:
    """The threat's overall rating (its effective priority under the model's rating scheme,
    engine.model.effective_priority) and where it came from; (None, why) when the model does not rate it."""
    value = effective_priority(threat, scheme)
    if value is None:
        return None, "not rated in the threat model"
    if level(threat.get("priority")):
        return value, f"priority {value}"
    if value == rubric_level(threat):
        return value, f"likelihood {threat['likelihood']} x impact severity {severity(threat)}"
    return value, f"impact severity {value}"


def stride_of(threat: dict) -> list[str]:
    return categories(threat.get("stride"))
