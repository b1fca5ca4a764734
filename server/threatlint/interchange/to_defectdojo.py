"""threatlint model -> DefectDojo "Generic Findings Import" JSON: one finding per threat.

DefectDojo's generic parser (dojo/tools/generic/json_parser.py) refuses a finding with any key outside
its list, so only keys from that list are written (ALLOWED below is a subset of it).
"""
from __future__ import annotations

from ..engine.model import rating_of
from .draft import word
from .reading import STRIDE_LABEL, items, name_of, rating, severity, stride_of, strings

ALLOWED = frozenset({"title", "severity", "description", "mitigation", "impact", "severity_justification",
                     "component_name", "file_path", "line", "unique_id_from_tool", "vuln_id_from_tool",
                     "active", "verified", "is_mitigated", "risk_accepted", "date", "static_finding",
                     "dynamic_finding", "tags", "references"})
SEVERITY = {"low": "Low", "medium": "Medium", "high": "High", "critical": "Critical"}


def _asset_name(data: dict, asset_id) -> str:
    found = next((a for a in items(data, "assets") if a["id"] == asset_id), None)
    return name_of(found) if found else str(asset_id)


def _description(data: dict, t: dict, names: dict) -> str:
    parts = []
    if isinstance(t.get("description"), str):
        parts.append(t["description"].strip())
    stride = stride_of(t)
    if stride:
        parts.append("**STRIDE:** " + ", ".join(STRIDE_LABEL[s] for s in stride))
    affects = strings(t.get("affects"))
    if affects:
        parts.append("**Affects:** " + ", ".join(names.get(a, a) for a in affects))
    path = t.get("attack_path") if isinstance(t.get("attack_path"), dict) else {}
    lines = []
    if isinstance(path.get("entry"), str):
        lines.append(f"- Entry: {path['entry']}")
    lines += [f"{i}. {step}" for i, step in enumerate(strings(path.get("steps")), start=1)]
    if isinstance(path.get("target"), str):
        lines.append(f"- Target: {_asset_name(data, path['target'])}")
    if lines:
        parts.append("**Attack path**\n" + "\n".join(lines))
    impact = _impact(t)
    if impact:
        parts.append("**Impact**\n" + impact)
    return "\n\n".join(parts) or name_of(t)


def _impact(t: dict) -> str:
    impact = t.get("impact") if isinstance(t.get("impact"), dict) else {}
    lines = []
    sev = severity(t)
    if sev:
        lines.append(f"- Severity: {sev}")
    if word(t.get("likelihood")):
        lines.append(f"- Likelihood: {t['likelihood']}")
    for key, label in (("blast_radius", "Blast radius"), ("records_exposed", "Records exposed"),
                       ("financial", "Financial")):
        if impact.get(key) not in (None, ""):
            lines.append(f"- {label}: {impact[key]}")
    if strings(impact.get("regulatory")):
        lines.append("- Regulatory: " + ", ".join(strings(impact["regulatory"])))
    return "\n".join(lines)


def _mitigation(t: dict, mitigations: dict) -> str:
    lines = []
    for mid in strings(t.get("mitigations")):
        m = mitigations.get(mid)
        if m is None:
            continue
        facts = [str(m[k]) for k in ("status", "ticket", "owner") if isinstance(m.get(k), str)]
        line = f"- {name_of(m)}" + (f" ({', '.join(facts)})" if facts else "")
        if isinstance(m.get("description"), str):
            line += f": {m['description'].strip()}"
        lines.append(line)
    return "\n".join(lines)


def convert(data: dict, file_path: str, threat_lines: dict) -> dict:
    scheme = rating_of(data)  # review.rating: how the model rates its threats
    names = {i["id"]: name_of(i) for s in ("elements", "flows") for i in items(data, s)}
    mitigations = {m["id"]: m for m in items(data, "mitigations")}
    system = data.get("system") if isinstance(data.get("system"), dict) else {}
    findings = []
    for t in items(data, "threats"):
        level, why = rating(t, scheme)
        status = word(t.get("status"))
        finding = {
            "title": name_of(t),
            "severity": SEVERITY.get(level, "Info"),
            "severity_justification": f"threatlint {why}",
            "description": _description(data, t, names),
            "component_name": ", ".join(names.get(a, a) for a in strings(t.get("affects"))) or None,
            "file_path": file_path,
            "line": threat_lines.get(t["id"]),
            "unique_id_from_tool": f"threatlint:{file_path}:{t['id']}",
            "vuln_id_from_tool": t["catalog"] if isinstance(t.get("catalog"), str) else (stride_of(t) or [None])[0],
            "active": status in ("open", "mitigating", None),
            "is_mitigated": status == "mitigated",
            "risk_accepted": status == "accepted",
            "static_finding": True,
            "dynamic_finding": False,
            "tags": ["threat-model"] + [s.replace("_", "-") for s in stride_of(t)],
        }
        mitigation = _mitigation(t, mitigations)
        if mitigation:
            finding["mitigation"] = mitigation
        impact = _impact(t)
        if impact:
            finding["impact"] = impact
        if isinstance(t.get("identified"), str):
            finding["date"] = t["identified"]
        findings.append({k: v for k, v in finding.items() if v is not None})
    return {"name": f"threatlint: {system.get('name') or file_path}", "type": "Generic Findings Import",
            "findings": findings}
